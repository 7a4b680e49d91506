"""NetSuite SuiteTalk REST simulator (contract: shared/reference/netsuite.md §1, §2; sandbox/README.md).

`create_app(NetSuiteSimConfig(...))` returns a Starlette app serving the OAuth 2.0 token
endpoint, the record service (workOrder, workOrderCompletion via `!transform`, items,
locations; the purchasing loop: purchaseOrder, itemReceipt and vendorBill via `!transform`,
vendor, employee, timeBill), SuiteQL, and the `/_sandbox/*` admin routes. Module map: `config`
(settings, with every inferred behaviour as a field), `store` (SQLite state + demo factory),
`auth`, `errors`, `schema`, `query_filter` (`q=`), `records`, `transforms`, `suiteql`, `admin`,
`app`; purchasing: `purchasing_schema` (tables + demo data), `purchasing_store` (writes, PO
status), `purchasing` (PO and timeBill writes), `receipts` (PO transforms).
"""

from .app import Simulator, create_app
from .config import NetSuiteSimConfig

__all__ = ["NetSuiteSimConfig", "Simulator", "create_app"]
