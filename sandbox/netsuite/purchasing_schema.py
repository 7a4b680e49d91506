"""SuiteQL tables and demo data of the purchasing loop (netsuite.md §1.3, §1.9; sandbox/README.md
"NetSuite purchasing demo").

NetSuite-named tables besides the five of `store.py` (SuiteQL, §1.9): `vendor`, `employee`,
`department`, `classification`, `term`, `currency`, `timebill`, `previoustransactionlinelink` and `deletedrecord`
(NetSuite's document-link table: receipt/bill line -> PO line). Purchase orders, item receipts
and vendor bills are `transaction` rows of type `PurchOrd` / `ItemRcpt` / `VendBill` whose lines
are `transactionline` rows (line id = the PO `line` number; mainline row id 0). Column choices
that no source documents are INFERENCE and listed in sandbox/README.md.
"""

from __future__ import annotations

PURCHASING_SCHEMA = """
CREATE TABLE IF NOT EXISTS vendor (
    id INTEGER PRIMARY KEY, entityid TEXT NOT NULL, companyname TEXT, email TEXT, terms INTEGER,
    currency INTEGER, subsidiary INTEGER, isinactive TEXT, externalid TEXT);
CREATE TABLE IF NOT EXISTS employee (
    id INTEGER PRIMARY KEY, entityid TEXT NOT NULL, firstname TEXT, lastname TEXT, email TEXT,
    subsidiary INTEGER, isinactive TEXT, externalid TEXT);
CREATE INDEX IF NOT EXISTS employee_email ON employee (email);
CREATE TABLE IF NOT EXISTS customer (id INTEGER PRIMARY KEY, entityid TEXT NOT NULL, companyname TEXT, isinactive TEXT);
CREATE TABLE IF NOT EXISTS department (id INTEGER PRIMARY KEY, name TEXT NOT NULL, isinactive TEXT);
CREATE TABLE IF NOT EXISTS classification (id INTEGER PRIMARY KEY, name TEXT NOT NULL, isinactive TEXT);
CREATE TABLE IF NOT EXISTS term (id INTEGER PRIMARY KEY, name TEXT NOT NULL, daysuntilnetdue INTEGER);
CREATE TABLE IF NOT EXISTS currency (id INTEGER PRIMARY KEY, name TEXT NOT NULL, symbol TEXT);
CREATE TABLE IF NOT EXISTS timebill (
    id INTEGER PRIMARY KEY, employee INTEGER NOT NULL, trandate TEXT, hours REAL, item INTEGER,
    customer INTEGER, location INTEGER, department INTEGER, class INTEGER, memo TEXT, isbillable TEXT,
    approvalstatus TEXT, timetype TEXT, externalid TEXT, createddate TEXT, lastmodifieddate TEXT);
CREATE INDEX IF NOT EXISTS timebill_externalid ON timebill (externalid) WHERE externalid IS NOT NULL;
CREATE TABLE IF NOT EXISTS previoustransactionlinelink (
    previousdoc INTEGER NOT NULL, previousline INTEGER NOT NULL, previoustype TEXT,
    nextdoc INTEGER NOT NULL, nextline INTEGER NOT NULL, nexttype TEXT, linktype TEXT, foreignamount REAL);
CREATE INDEX IF NOT EXISTS ptll_previous ON previoustransactionlinelink (previousdoc, previousline);
CREATE TABLE IF NOT EXISTS deletedrecord (
    recordid INTEGER NOT NULL, recordtypeid TEXT, type TEXT, name TEXT, externalid TEXT, deleteddate TEXT);
"""
PURCHASING_TABLES = (
    "customer",  # read by the labor preflight; time entries keep any customer reference as sent
    "vendor",
    "employee",
    "department",
    "classification",
    "term",
    "currency",
    "timebill",
    "previoustransactionlinelink",
    "deletedrecord",  # INFERENCE: NetSuite's SuiteQL table of deleted records (deleted POs land here)
)
RECEIPT_LINK_TYPE = "ShipRcpt"  # INFERENCE: NetSuite's link type for receipt/fulfilment links
BILL_LINK_TYPE = "OrdBill"  # INFERENCE

# --- demo data (sandbox/README.md "NetSuite purchasing demo"); ids are fixed ---
DEMO_CUSTOMERS = [(77, "Orbital Dynamics")]  # the cost-plus customer of config/sandbox.yaml
DEMO_CURRENCIES = [(1, "USA", "USD")]
DEMO_TERMS = [(1, "Net 30", 30), (2, "Net 45", 45)]
DEMO_DEPARTMENTS = [(1, "Production"), (2, "Engineering")]
DEMO_CLASSES = [(1, "Hardware"), (2, "Flight Programs")]
DEMO_VENDORS = [  # id, companyName, terms id, email
    (301, "Acme Metals", 1, "ap@acme-metals.example"),
    (302, "Orbital Parts", 2, "billing@orbital-parts.example"),
]
DEMO_EMPLOYEES = [  # id, firstName, lastName, email
    (401, "Alice", "Archer", "alice@factory.example"),
    (402, "Bob", "Baker", "bob@factory.example"),
]
DEMO_SERVICE_ITEM = (500, "Direct Labor", "Direct Labor", "serviceSaleItem")
DEMO_PURCHASE_ORDERS = [  # id, tranId, vendor, location, status, [(line, item, qty, rate, closed)]
    (1501, "PO5001", 301, 1, "B", [(1, 502, 100, 2.5, False), (2, 503, 50, 4.0, False)]),
    (1502, "PO5002", 302, 1, "B", [(1, 505, 200, 0.1, False), (2, 507, 40, 1.2, False)]),
    (1503, "PO5003", 301, 2, "A", [(1, 502, 20, 2.5, False)]),
    (1504, "PO5004", 302, 1, "H", [(1, 509, 10, 3.0, True)]),
]
DEMO_CUSTOM_FIELDS = {  # PO id -> (header custom fields, {line: line custom fields})
    1501: ({"custbody_project_code": "PRJ-ORBIT-1"}, {1: {"custcol_tax_code": "NT"}}),
    1502: ({"custbody_project_code": "PRJ-ORBIT-2"}, {}),
}
DEMO_VENDOR_BILLS = [  # id, tranId, purchase order, [(orderLine, quantity)]
    (1601, "ACME-INV-7001", 1501, [(1, 100)]),
]
