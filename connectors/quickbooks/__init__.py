"""QuickBooks Online Accounting API v3 (Intuit): OAuth 2.0 with rotating refresh tokens, the
query language, keyed writes (`requestid`), SyncToken updates, batch, and the realm's budget.

Follows `../shared/reference/quickbooks.md`: A1 hosts and operations, A2 OAuth and rotation,
A3 requestid, A4 SyncToken and sparse updates, A5 limits and the XML 429, A6 Fault bodies,
A7-A9 entities, A10 queries (`\\'` the one documented escape), A11 batch (30 per request).
Every call and its source: `tests/contract/quickbooks/README.md`.
"""

from connectors.quickbooks.auth import TokenStore
from connectors.quickbooks.client import BatchResult, QuickBooksClient, query_value_problem, quote, request_id
from connectors.quickbooks.settings import QuickBooksSettings

__all__ = [
    "BatchResult",
    "QuickBooksClient",
    "QuickBooksSettings",
    "TokenStore",
    "query_value_problem",
    "quote",
    "request_id",
]
