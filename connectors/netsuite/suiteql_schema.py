"""The SuiteQL tables and columns the product reads, in one place.

Every query in tasks/ and flows/ reads only these (a test runs the flows against the strict
simulator and checks the columns it saw read), and the NetSuite preflight probes each table
with a query that returns no rows, so a role or account that does not expose one is found
before go-live. Sources are in sandbox/netsuite/suiteql_catalog.py and
tests/contract/netsuite/README.md. `transactionline.orderline` is not a SuiteQL column: a
receipt or bill line reaches its PO line through `previoustransactionlinelink`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SuiteQLTable:
    name: str
    columns: tuple[str, ...]
    fix: str  # what gives a role the table (permission or feature), said to the person who fixes it
    used_by: str


TRANSACTION_PERMISSIONS = "give the integration role View on Transactions > Purchase Order, Item Receipt, Bill and Work Order"
SUITEQL_TABLES: tuple[SuiteQLTable, ...] = (
    SuiteQLTable(
        "transaction",
        ("id", "tranid", "type", "status", "trandate", "lastmodifieddate"),
        TRANSACTION_PERMISSIONS,
        "purchase orders, receipts, work orders, three-way match",
    ),
    SuiteQLTable(
        "transactionline",
        (
            "transaction",
            "id",
            "mainline",
            "item",
            "quantity",
            "rate",
            "foreignamount",
            "location",
            "quantityshiprecv",
            "isclosed",
        ),
        TRANSACTION_PERMISSIONS,
        "PO lines, a work order's assembly (main line), three-way match",
    ),
    SuiteQLTable(
        "previoustransactionlinelink",
        ("previousdoc", "previousline", "nextdoc", "nextline", "nexttype"),
        TRANSACTION_PERMISSIONS,
        "three-way match: item-receipt and bill lines of each PO line",
    ),
    SuiteQLTable("item", ("id", "itemid"), "give the role View on Lists > Items", "item names to ids"),
    SuiteQLTable("location", ("id", "name"), "give the role View on Lists > Locations", "location mapping, reconciliation"),
    SuiteQLTable(
        "inventorybalance",
        ("item", "location", "quantityonhand"),
        "give the role View on Lists > Items and enable Multi-Location Inventory",
        "inventory reconciliation",
    ),
    SuiteQLTable(
        "inventorynumber",
        ("id", "inventorynumber", "item"),
        "enable Lot Tracking / Serialized Inventory and give the role View on Lists > Items",
        "lot/serial numbers of consumed components",
    ),
    SuiteQLTable("employee", ("id", "isinactive"), "give the role View on Lists > Employees", "labor: mapped employees"),
    SuiteQLTable("customer", ("id",), "give the role View on Lists > Customers", "labor: cost-plus customers (preflight)"),
)
SUITEQL_COLUMNS: dict[str, frozenset[str]] = {t.name: frozenset(t.columns) for t in SUITEQL_TABLES}


def probe_query(table: SuiteQLTable, columns: tuple[str, ...] | None = None) -> str:
    """A query that reads the columns and returns no rows."""
    return f"SELECT {', '.join(columns or table.columns)} FROM {table.name} WHERE 1 = 0"
