"""The ION Factory OS simulator: Keycloak tokens, the GraphQL subset ion-sync reads, admin routes.

Contract: ../shared/reference/ion.md (§1 auth, §2 GraphQL basics, §3 object shapes incl. purchasing,
receipts, suppliers, sessions and attributes (§3.2, §3.5-§3.8, §3.12, §3.14), §8 SDL,
§10 simulator notes) and sandbox/README.md ("ION simulator"; the demo factory tables).
"""

from sandbox.ion.app import create_app
from sandbox.ion.config import IonSimConfig

__all__ = ["IonSimConfig", "create_app"]
