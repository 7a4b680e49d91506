"""The demo company (SOURCES.md "Demo company"), mirroring the demo factory of sandbox/README.md:
the NetSuite simulator's items, locations, stock, vendors and purchase orders, in BC's shapes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from .company import STOCK, Company
from .entities import SETS

LOCATIONS = [("HAWTHORNE", "Hawthorne"), ("LONGBEACH", "Long Beach")]
ITEMS = [  # number, name, unit cost, base unit
    ("ASSY-100", "Assembly Part One", 40.0, "PCS"),
    ("COMP-200", "Component Part One", 2.5, "PCS"),
    ("COMP-300", "Component Part Two", 4.0, "PCS"),
    ("SAT-500", "Satellite modem", 900.0, "PCS"),
    ("RES-10", "Resistor kit", 0.1, "PCS"),
    ("MOD-20", "RF module", 120.0, "PCS"),
    ("BRACKET-0007", "Bracket", 1.2, "PCS"),
    ("GLUE-1", "Epoxy, ml", 0.05, "ML"),
]
STOCK_ON_HAND = [
    ("COMP-200", "HAWTHORNE", 67.2),
    ("COMP-200", "LONGBEACH", 49.8),
    ("COMP-300", "HAWTHORNE", 100),
    ("COMP-300", "LONGBEACH", 40),
    ("RES-10", "LONGBEACH", 100),
    ("MOD-20", "LONGBEACH", 5),
    ("GLUE-1", "HAWTHORNE", 12),
    ("GLUE-1", "LONGBEACH", 99.95),
    ("BRACKET-0007", "HAWTHORNE", 50),
]
PAYMENT_TERMS = [("NET30", "Net 30", "30D"), ("NET45", "Net 45", "45D")]
VENDORS = [  # number, name, email, payment terms
    ("10000", "Acme Metals", "ap@acme-metals.example", "NET30"),
    ("20000", "Orbital Parts", "billing@orbital-parts.example", "NET45"),
]
EMPLOYEES = [("E001", "Alice", "Archer"), ("E002", "Bob", "Baker")]
PROJECTS = [("J00010", "Cost-plus builds")]
# released production orders, numbered like the NetSuite work orders the ION runs name
PRODUCTION_ORDERS = [
    ("WO1001", "ASSY-100", 3, "HAWTHORNE"),
    ("WO1002", "SAT-500", 1, "LONGBEACH"),
    ("WO1003", "ASSY-100", 2, "HAWTHORNE"),
    ("WO1004", "ASSY-100", 1, "HAWTHORNE"),
    ("WO1005", "ASSY-100", 1, "HAWTHORNE"),
    ("WO1006", "ASSY-100", 1, "HAWTHORNE"),
    ("WO1007", "ASSY-100", 1, "HAWTHORNE"),
    ("WO1009", "ASSY-100", 2, "HAWTHORNE"),
]
# purchase orders as the NetSuite demo's (sandbox/README.md): number, vendor, status, location,
# lines (sequence, item, quantity, unit cost, received); numbered and sequenced like NetSuite's so
# ION's join keys (PO number, line number attributes) lead to them too
PURCHASE_ORDERS = [
    ("PO5001", "10000", "Open", "HAWTHORNE", [(1, "COMP-200", 100, 2.5, 0), (2, "COMP-300", 50, 4.0, 0)]),
    ("PO5002", "20000", "Open", "HAWTHORNE", [(1, "RES-10", 200, 0.1, 0), (2, "BRACKET-0007", 40, 1.2, 0)]),
    ("PO5003", "10000", "In Review", "LONGBEACH", [(1, "COMP-200", 20, 2.5, 0)]),  # pending approval
    ("PO5004", "20000", "Open", "HAWTHORNE", [(1, "GLUE-1", 10, 3.0, 10)]),  # fully received
]
SEEDED_AT = "2026-11-18T16:00:00.000Z"


def _entity(company: Company, name: str, **fields: Any) -> dict[str, Any]:
    entity = {"id": str(uuid.uuid4()), **fields}
    if "lastModifiedDateTime" in SETS[name].fields:
        entity["lastModifiedDateTime"] = SEEDED_AT
    entity["_v"] = 1
    return company.store.put(name, entity)


def seed_demo(company: Company) -> None:
    locations = {code: _entity(company, "locations", code=code, displayName=name) for code, name in LOCATIONS}
    for number, name, cost, unit in ITEMS:
        _entity(
            company,
            "items",
            number=number,
            displayName=name,
            type="Inventory",
            blocked=False,
            unitCost=cost,
            unitPrice=0.0,
            baseUnitOfMeasureCode=unit,
            priceIncludesTax=False,
        )
    for item, location, quantity in STOCK_ON_HAND:
        company.ledger_entry(item, location, quantity, "Positive Adjmt.", "", "OPENING", "2026-11-01")
    terms = {
        code: _entity(
            company,
            "paymentTerms",
            code=code,
            displayName=name,
            dueDateCalculation=due,
            discountDateCalculation="",
            discountPercent=0.0,
            calculateDiscountOnCreditMemos=False,
        )
        for code, name, due in PAYMENT_TERMS
    }
    for number, name, email, term in VENDORS:
        _entity(
            company,
            "vendors",
            number=number,
            displayName=name,
            email=email,
            paymentTermsId=terms[term]["id"],
            currencyCode="USD",
            blocked=" ",
            balance=0.0,
            taxLiable=False,
        )
    for number, given, surname in EMPLOYEES:
        _entity(
            company,
            "employees",
            number=number,
            displayName=f"{given} {surname}",
            givenName=given,
            surname=surname,
            status="Active",
        )
    for number, name in PROJECTS:
        _entity(company, "projects", number=number, displayName=name)
    for number, item, quantity, location in PRODUCTION_ORDERS:
        _entity(
            company,
            "releasedProductionOrders",
            number=number,
            description=f"{quantity} x {item}",
            itemNumber=item,
            quantity=float(quantity),
            finishedQuantity=0.0,
            locationCode=location,
            dueDate="2026-11-20",
            status="Released",
        )
    for number, vendor, status, location, lines in PURCHASE_ORDERS:
        _purchase_order(company, number, vendor, status, locations[location]["id"], lines)
    for name in ("purchaseOrders", "purchaseOrderLines", "purchaseReceipts", "itemLedgerEntries", STOCK):
        for entity in company.store.all(name):
            if "lastModifiedDateTime" in entity:
                entity["lastModifiedDateTime"] = SEEDED_AT
            company.store.put(name, entity)


def _purchase_order(
    company: Company, number: str, vendor: str, status: str, location: str, lines: Sequence[tuple[int, str, float, float, float]]
) -> None:
    """A seeded order: its number and line sequences as given (BC allows manual numbers when the
    series does; INFERENCE for the demo), received quantities as if posted earlier."""
    order = company.create(
        SETS["purchaseOrders"], {"vendorNumber": vendor, "orderDate": "2026-11-18", "postingDate": "2026-11-18"}
    )
    for sequence, item, quantity, cost, _ in lines:
        company.create(
            SETS["purchaseOrderLines"],
            {
                "sequence": sequence,
                "lineObjectNumber": item,
                "quantity": quantity,
                "directUnitCost": cost,
                "locationId": location,
            },
            company.get(SETS["purchaseOrders"], order["id"]),
        )
    for line, (_, _, quantity, _, received) in zip(
        sorted(company.rows(SETS["purchaseOrderLines"], order["id"]), key=lambda row: row["sequence"]), lines, strict=True
    ):
        line.update(receivedQuantity=float(received), receiveQuantity=float(quantity - received))
        company.store.put("purchaseOrderLines", line)
    seeded = company.get(SETS["purchaseOrders"], order["id"])
    seeded.update(number=number, status=status, fullyReceived=all(r == q for _, _, q, _, r in lines))
    company.store.put("purchaseOrders", seeded)
