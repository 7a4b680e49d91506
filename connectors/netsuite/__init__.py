"""Oracle NetSuite SuiteTalk REST: records, transforms, SuiteQL, over httpx.

Follows `../shared/reference/netsuite.md`: §1.1 hosts (`<account>.suitetalk.api.netsuite.com`,
sandbox ids lower-cased with a hyphen), §1.2 auth (OAuth 2.0 client credentials with a signed
JWT assertion, or token-based auth, OAuth 1.0a HMAC-SHA256), §1.5 writes (204 + Location;
`externalId` for idempotency, looked up with `eid:` before retrying an uncertain write),
§1.6 errors (RFC-7807-like `o:errorDetails`), §1.7 the per-account concurrency limit
(429 `CONCURRENCY_LIMIT_EXCEEDED`, kept under with a semaphore), §1.9 SuiteQL
(`Prefer: transient`, limit/offset pages of at most 1000).
"""

from connectors.netsuite.client import NetSuiteClient, WriteResult
from connectors.netsuite.settings import NetSuiteSettings

__all__ = ["NetSuiteClient", "NetSuiteSettings", "WriteResult"]
