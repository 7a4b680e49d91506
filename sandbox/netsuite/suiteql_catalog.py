"""The SuiteQL tables and columns the simulator serves, each with its source (netsuite.md §1.9).

SuiteQL exposes what NetSuite's Records Catalog lists for the role; Oracle publishes no static
copy of it, so each column below cites where it is stated: an Oracle help page, a published
catalog of the SuiteQL schema (CData's pages list the NetSuite2.com/SuiteQL tables), or
practitioner SuiteQL. `INFERENCE` marks a column no source found states; those are served by
default and can be hidden (`NetSuiteSimConfig.suiteql_hidden_columns`), as can any column a
role or feature would not expose. Everything else is refused with NetSuite's own error:
`Search error occurred: Field 'orderline' for record 'transactionLine' was not found.`
(`transactionline.orderline` and `transaction.createdfrom` are deliberately absent: the
supported route from a receipt or bill line to its PO line is `previoustransactionlinelink`.)
"""

from __future__ import annotations

INFERENCE = "INFERENCE"
NS_SQL = "https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html"
NS_MD_SQL = "netsuite.md §1.9"
CDATA_TRANSACTION = "https://cdn.cdata.com/help/DNM/powerbi/pg_SuiteQLtable-transaction.htm"
CDATA_TRANSACTIONLINE = "https://cdn.cdata.com/help/DNK/ado/pg_SuiteQLtable-transactionline.htm"
CDATA_PTLL = "https://cdn.cdata.com/help/DNK/ado/pg_SuiteQLtable-previoustransactionlinelink.htm"
DIETRICH_LINKS = "https://timdietrich.me/blog/netsuite-suiteql-related-transactions"
NSD_TRANSACTIONS = "https://netsuitediagnostics.com/posts/transactions-inventory"
NSD_MAINLINE = "https://netsuitediagnostics.com/posts/suiteql-transactionline-mainline"
NSD_ITEMS = "https://netsuitediagnostics.com/posts/suiteql-items"
CLOUDEXTEND_BALANCES = (
    "https://support.cloudextend.io/extendinsights-netsuite/en/articles/"
    "13848585-operations-inventory-status-and-full-sales-activity-by-item-and-location"
)
PRAC_LINES = "practitioner SuiteQL in public GitHub code (tl.quantityshiprecv, tl.quantitybilled, tl.isclosed, tl.rate, tl.foreignamount, tl.location)"
PRAC_NUMBERS = "practitioner SuiteQL in public GitHub code (JOIN inventorynumber inv ... inv.inventorynumber)"
REST_INVENTORY_NUMBER = "netsuite-record-rest-docs docs/schemas/inventoryNumber.md (fields inventoryNumber, item) [NS-BROWSER]"

# table -> (the name NetSuite's errors use, {column: source})
SUITEQL_CATALOG: dict[str, tuple[str, dict[str, str]]] = {
    "transaction": (
        "transaction",
        {
            "id": CDATA_TRANSACTION,
            "tranid": NSD_TRANSACTIONS,
            "trandate": NSD_TRANSACTIONS,
            "createddate": NSD_TRANSACTIONS,
            "type": NSD_TRANSACTIONS,
            "status": "netsuite.md §1.3 [PRAC-NSQ] (bare letter or 'PurchOrd:B')",
            "lastmodifieddate": f"{NS_MD_SQL} [AB constraints.py] (TO_CHAR(t.lastModifiedDate, ...))",
            "email": NS_SQL,
            "externalid": INFERENCE,
            "memo": INFERENCE,
            "entity": INFERENCE,
            "currency": INFERENCE,
            "foreigntotal": INFERENCE,
        },
    ),
    "transactionline": (
        "transactionLine",
        {
            "id": CDATA_TRANSACTIONLINE,
            "transaction": f"{NS_MD_SQL} (JOIN transactionline tl ON tl.transaction = t.id)",
            "mainline": NSD_MAINLINE,
            "item": NSD_MAINLINE,
            "quantity": NSD_MAINLINE,
            "createdfrom": CDATA_TRANSACTIONLINE,
            "department": CDATA_TRANSACTIONLINE,
            "class": CDATA_TRANSACTIONLINE,
            "location": PRAC_LINES,
            "rate": PRAC_LINES,
            "foreignamount": PRAC_LINES,
            "quantityshiprecv": PRAC_LINES,
            "quantitybilled": PRAC_LINES,
            "isclosed": PRAC_LINES,
            "linesequencenumber": INFERENCE,
        },
    ),
    "previoustransactionlinelink": (
        "previousTransactionLineLink",
        {
            "previousdoc": CDATA_PTLL,
            "previousline": CDATA_PTLL,
            "previoustype": DIETRICH_LINKS,
            "nextdoc": CDATA_PTLL,
            "nextline": CDATA_PTLL,
            "nexttype": CDATA_PTLL,
            "linktype": CDATA_PTLL,
            "foreignamount": CDATA_PTLL,
        },
    ),
    "item": (
        "item",
        {
            "id": NS_SQL,
            "itemid": NSD_ITEMS,
            "displayname": NSD_ITEMS,
            "itemtype": NSD_ITEMS,
            "fullname": INFERENCE,
            "isserialitem": INFERENCE,
            "islotitem": INFERENCE,
            "isinactive": INFERENCE,
            "externalid": INFERENCE,
        },
    ),
    "location": (
        "location",
        {
            "id": CLOUDEXTEND_BALANCES,
            "name": CLOUDEXTEND_BALANCES,
            "fullname": INFERENCE,
            "parent": INFERENCE,
            "isinactive": INFERENCE,
            "externalid": INFERENCE,
        },
    ),
    "inventorybalance": (
        "inventoryBalance",
        {
            "item": CLOUDEXTEND_BALANCES,
            "location": CLOUDEXTEND_BALANCES,
            "quantityonhand": CLOUDEXTEND_BALANCES,
            "quantityavailable": CLOUDEXTEND_BALANCES,
        },
    ),
    "inventorynumber": (
        "inventoryNumber",
        {
            "id": PRAC_NUMBERS,
            "inventorynumber": PRAC_NUMBERS,
            "item": REST_INVENTORY_NUMBER,
        },
    ),
    "employee": (
        "employee",
        {
            "id": INFERENCE,
            "firstname": NS_SQL,
            "lastname": NS_SQL,
            "entityid": INFERENCE,
            "email": INFERENCE,
            "subsidiary": INFERENCE,
            "isinactive": INFERENCE,
            "externalid": INFERENCE,
        },
    ),
    "customer": ("customer", dict.fromkeys(("id", "entityid", "companyname", "isinactive"), INFERENCE)),
    # The purchasing loop's reference tables (purchasing_schema.py): no source lists their columns.
    "vendor": (
        "vendor",
        dict.fromkeys(
            ("id", "entityid", "companyname", "email", "terms", "currency", "subsidiary", "isinactive", "externalid"), INFERENCE
        ),
    ),
    "department": ("department", dict.fromkeys(("id", "name", "isinactive"), INFERENCE)),
    "classification": ("classification", dict.fromkeys(("id", "name", "isinactive"), INFERENCE)),
    "term": ("term", dict.fromkeys(("id", "name", "daysuntilnetdue"), INFERENCE)),
    "currency": ("currency", dict.fromkeys(("id", "name", "symbol"), INFERENCE)),
    "timebill": (
        "timeBill",
        dict.fromkeys(
            (
                "id",
                "employee",
                "trandate",
                "hours",
                "item",
                "customer",
                "location",
                "department",
                "class",
                "memo",
                "isbillable",
                "approvalstatus",
                "timetype",
                "externalid",
                "createddate",
                "lastmodifieddate",
            ),
            INFERENCE,
        ),
    ),
    "deletedrecord": (
        "deletedRecord",
        dict.fromkeys(("recordid", "recordtypeid", "type", "name", "externalid", "deleteddate"), INFERENCE),
    ),
}
