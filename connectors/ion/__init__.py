"""ION Factory OS (First Resonance): GraphQL over httpx with Keycloak client credentials.

Follows `../shared/reference/ion.md`: §1 auth (client credentials at the `api-keys` realm,
token refreshed on expiry and once on a 401), §2 transport, Relay pagination, filters and
errors (GraphQL errors arrive as HTTP 200 with `errors[]`), §3 object shapes. Where the
seed (`../shared/seeds/002_…`) and older schema notes disagree, the seed wins: it is ION's
current documentation (`quantityInstalledPerParentPartInventory` on aBOM installations).
"""

from connectors.ion.client import IonClient, Page
from connectors.ion.settings import IonSettings

__all__ = ["IonClient", "IonSettings", "Page"]
