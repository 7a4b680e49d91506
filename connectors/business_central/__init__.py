"""Microsoft Dynamics 365 Business Central online, API v2.0 (and the customer's API page group
for production), over httpx.

Follows `../shared/reference/other-erps.md` §1 and Microsoft's docs, each fact cited in
connectors/business_central/README.md: Entra client credentials with a cached token
[BC-S2S-SETUP], `<host>/v2.0/<tenant>/<environment>/api/v2.0/companies(<id>)/…` [BC-ENDPOINT],
server-driven pages (`Prefer: odata.maxpagesize`, `@odata.nextLink`) [BC-PAGING], `If-Match`
etags on PATCH [BC-PO-UPDATE], the error envelope `{"error": {"code", "message"}}` [BC-ERRORS],
429 with a cool-off and the per-principal budget of 6,000 requests per 5 minutes, 100 in flight
[BC-RATE], [BC-LIMITS-USER].
"""

from connectors.business_central.client import BusinessCentralClient, EtagMismatch, key, literal
from connectors.business_central.settings import BusinessCentralSettings, CustomApi

__all__ = ["BusinessCentralClient", "BusinessCentralSettings", "CustomApi", "EtagMismatch", "key", "literal"]
