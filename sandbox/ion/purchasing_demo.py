"""The demo factory's purchasing and time-tracking data (sandbox/README.md, "Demo purchasing and labor").

Coordinated with the NetSuite simulator's demo: purchase orders PO5001 (Acme Metals: COMP-200
100 @ 2.5, COMP-300 50 @ 4) and PO5002 (Orbital Parts: RES-10 200 @ 0.1, BRACKET-0007 = ION
BRKT-7 40 @ 1.2), both to location 1 (Hawthorne), already synced into ION (ORDERED, attribute
`Netsuite PO Number`, line attribute `Netsuite Line Number` = the NetSuite line's position).
The two receipts point their items at the on-hand stock inventories they replenished (README
stock table), so the demo stock, and every existing id and quantity, stays as it was.
All ids are fixed; timestamps are fixed UTC instants on 2026-11-18..20.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.ion.config import IonSimConfig
from sandbox.ion.purchasing import Purchasing
from sandbox.ion.store import IonStore
from sandbox.ion.timestamps import to_stored


def _at(day: int, hour: int, minute: int = 0) -> str:
    return to_stored(datetime(2026, 11, day, hour, minute, tzinfo=UTC))


CURRENCIES = [(1, "USD"), (2, "EUR")]
# (id, name, email)
# the NetSuite demo's employees 401/402 have the same names and emails
USERS = [(2, "Alice Archer", "alice@factory.example"), (3, "Bob Baker", "bob@factory.example")]
# (id, name, email, contactName, Payment Terms, Netsuite Vendor Id); NetSuite vendors 301/302, terms Net 30/45
SUPPLIERS = [
    (1, "Acme Metals", "ap@acme-metals.example", "Pat Acme", "Net 30", "301"),
    (2, "Orbital Parts", "billing@orbital-parts.example", "Sam Orbit", "Net 45", "302"),
    (3, "Stellar Fasteners", "hello@stellar-fasteners.example", "Robin Star", None, None),
]
# (id, NetSuite PO number, supplier id, lines: [(line id, part number, quantity, unit cost)]);
# header attributes as NetSuite's: department 1 Production, class 1 Hardware, location 1 Hawthorne
PURCHASE_ORDERS = [
    (1, "PO5001", 1, [(1, "COMP-200", 100.0, 2.5), (2, "COMP-300", 50.0, 4.0)]),
    (2, "PO5002", 2, [(3, "RES-10", 200.0, 0.1), (4, "BRKT-7", 40.0, 1.2)]),
]
PO_STAMP = _at(18, 16)
# (fee id, PO id, name, value, type)
FEES = [(1, 1, "Freight", 25.0, "FIXED")]
# (receipt id, receivedAt, items: [(line id, quantity, on-hand stock (part, location, lot) the item points at)])
RECEIPTS: list[tuple[int, str, list[tuple[int, float, tuple[str, int, str | None]]]]] = [
    (1, _at(19, 14), [(1, 60.0, ("COMP-200", 2, None)), (2, 50.0, ("COMP-300", 2, None))]),
    (2, _at(19, 15, 30), [(3, 100.0, ("RES-10", 11, "L-2211"))]),
]
# (step id, run id, title, position, status)
RUN_STEPS = [
    (1, 1001, "Kit components", 1, "COMPLETE"),
    (2, 1001, "Assemble and inspect", 2, "COMPLETE"),
    (3, 1002, "Kit components", 1, "COMPLETE"),
    (4, 1002, "Assemble and inspect", 2, "COMPLETE"),
    (5, 1003, "Kit components", 1, "COMPLETE"),
    (6, 1003, "Assemble and inspect", 2, "IN_PROGRESS"),
]
# (session id, step id, user id, checkIn, checkOut or None = still checked in)
SESSIONS = [
    (1, 1, 2, _at(20, 7, 15), _at(20, 7, 45)),
    (2, 2, 3, _at(20, 7, 30), _at(20, 8, 0)),
    (3, 3, 2, _at(20, 8, 15), _at(20, 9, 0)),
    (4, 4, 3, _at(20, 8, 20), _at(20, 8, 50)),
    (5, 5, 2, _at(20, 9, 15), _at(20, 10, 0)),
    (6, 6, 3, _at(20, 9, 30), None),
]


def seed_purchasing_demo(store: IonStore, config: IonSimConfig) -> None:
    """Currencies, users, suppliers, the two synced POs, their receipts, run steps and sessions."""
    writes = Purchasing(store, config)
    with store.transaction() as db:
        db.executemany("INSERT INTO currencies (id, type) VALUES (?, ?)", CURRENCIES)
        db.executemany("INSERT INTO users (id, name, email) VALUES (?, ?, ?)", USERS)
    for supplier_id, name, email, contact, terms, vendor in SUPPLIERS:
        writes.create_supplier({"name": name, "email": email, "contactName": contact}, _at(1, 9), supplier_id)
        for key, value in (("Payment Terms", terms), ("Netsuite Vendor Id", vendor)):
            if value is not None:
                writes.update_attribute(
                    "supplier", {"supplierId": supplier_id, "key": key, "value": value}, _at(1, 9), check=False
                )
    for po_id, number, supplier_id, lines in PURCHASE_ORDERS:
        writes.create_purchase_order(
            {
                "supplierId": supplier_id,
                "currencyId": 1,
                "shipToLocationId": 1,
                "billToLocationId": 1,
                "description": f"NetSuite {number}",
                "status": "ORDERED",
                "orderedAt": PO_STAMP,
            },
            PO_STAMP,
            po_id,
        )
        header = (
            ("Netsuite PO Number", number),
            ("Department", "Production"),
            ("Class", "Hardware"),
            ("NetSuite Location", "Hawthorne"),
        )
        for key, value in header:
            writes.update_attribute(
                "purchaseOrder", {"purchaseOrderId": po_id, "key": key, "value": value}, PO_STAMP, check=False
            )
        for position, (line_id, part, quantity, cost) in enumerate(lines, start=1):
            writes.create_line(
                {
                    "purchaseOrderId": po_id,
                    "partId": store.part_ids_by_number[part],
                    "quantity": quantity,
                    "cost": cost,
                    "position": position,
                },
                PO_STAMP,
                line_id,
            )
            writes.update_attribute(
                "purchaseOrderLine",
                {"purchaseOrderLineId": line_id, "key": "Netsuite Line Number", "value": str(position)},
                PO_STAMP,
                check=False,
            )
    for _fee_id, po_id, name, amount, kind in FEES:
        writes.create_fee({"purchaseOrderId": po_id, "name": name, "value": amount, "type": kind}, PO_STAMP)
    for _receipt_id, received_at, items in RECEIPTS:
        receipt_id = writes.create_receipt({"receivedAt": received_at}, received_at)
        writes.add_items(
            [
                {
                    "receiptId": receipt_id,
                    "purchaseOrderLineId": line_id,
                    "quantity": quantity,
                    "partInventoryId": _stock_id(store, *stock),
                }
                for line_id, quantity, stock in items
            ],
            received_at,
            strict=False,
        )
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO run_steps (id, run_id, title, position, status, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(*step, _at(20, 7), _at(20, 7)) for step in RUN_STEPS],
        )
        db.executemany(
            "INSERT INTO sessions (id, run_step_id, created_by_id, check_in, check_out, created, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(*session, session[3], session[4] or session[3]) for session in SESSIONS],
        )


def _stock_id(store: IonStore, part: str, location: int, lot: str | None) -> int:
    row = store.db.execute(
        "SELECT id FROM part_inventories WHERE part_id = ? AND location_id = ? AND status = 'AVAILABLE'"
        " AND lot_number IS ? ORDER BY id DESC LIMIT 1",
        (store.part_ids_by_number[part], location, lot),
    ).fetchone()
    return int(row[0])
