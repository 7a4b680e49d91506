"""Benchmark purchase orders (`POST /_sandbox/seed/bulk-purchase-orders`, sandbox/README.md).

Each PO is stored through `PurchasingStore.write_purchase_order_rows`, the path every created
PO takes, so the REST record, SuiteQL rows and `!transform/itemReceipt` see bulk POs exactly
as seeded ones; all POs commit in one SQLite transaction (lines by executemany). The
purchasing demo is seeded first when missing: it holds vendor 301 and currency 1, which
the POs reference.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from .purchasing_schema import BILL_LINK_TYPE, RECEIPT_LINK_TYPE
from .purchasing_store import LinkedLine, derive_po_status, po_total
from .store import BULK_COMPONENTS, iso_now

if TYPE_CHECKING:
    from .store import Store

BULK_VENDOR = 301
BULK_LOCATION = 1


class BulkPurchaseOrdersSpec(BaseModel):
    """Body of `POST /_sandbox/seed/bulk-purchase-orders`."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=0, le=1_000_000)
    lines_per_po: int = Field(1, ge=1, le=999)
    quantity: float = Field(1.0, gt=0, allow_inf_nan=False)
    first_number: int = Field(1, ge=1)
    received: float = Field(0.0, ge=0, allow_inf_nan=False)  # per line, on one item receipt per PO (0: none)
    billed: float = Field(0.0, ge=0, allow_inf_nan=False)  # per line, on one vendor bill per PO (0: none)


class TranIdClash(Exception):
    """A bulk tranId is already a purchase order's."""


def bulk_tran_id(number: int) -> str:
    return f"PO-B{number:06d}"


def bulk_po_body(pid: int, number: int, items: list[int], quantity: float, stamp: str) -> dict[str, Any]:
    """PO `PO-B<number>`: vendor 301, location 1, status B; line k (1-based) buys `items[k - 1]`, `quantity` @ 1."""
    body: dict[str, Any] = {
        "id": pid,
        "tranId": bulk_tran_id(number),
        "entity": {"id": str(BULK_VENDOR)},
        "subsidiary": {"id": "1"},
        "location": {"id": str(BULK_LOCATION)},
        "currency": {"id": "1"},
        "tranDate": stamp[:10],
        "memo": f"Bulk purchase order {number}",
        "status": "B",
        "createdDate": stamp,
        "lastModifiedDate": stamp,
        "item": {
            "items": [
                {
                    "line": k,
                    "item": {"id": str(item)},
                    "quantity": quantity,
                    "quantityReceived": 0.0,
                    "quantityBilled": 0.0,
                    "rate": 1.0,
                    "amount": quantity,
                    "location": {"id": str(BULK_LOCATION)},
                    "isClosed": False,
                }
                for k, item in enumerate(items, start=1)
            ]
        },
    }
    body["total"] = po_total(body)
    return body


def linked_document(
    tid: int, rtype: str, po: dict[str, Any], quantity: float, stamp: str
) -> tuple[str, dict[str, Any], list[LinkedLine]]:
    """An item receipt or vendor bill made from bulk PO `po` for `quantity` of every line
    (the PO's `quantityReceived` / `quantityBilled` updated in place), as the demo's bills are."""
    moved = "quantityReceived" if rtype == "itemReceipt" else "quantityBilled"
    lines = []
    for n, pl in enumerate(po["item"]["items"], start=1):
        pl[moved] = float(pl[moved]) + quantity
        location = BULK_LOCATION if rtype == "itemReceipt" else None
        line = {"line": n, "orderLine": pl["line"], "item": pl["item"], "quantity": quantity, "rate": pl["rate"]}
        line |= {"amount": round(quantity * pl["rate"], 6)} | ({"location": {"id": str(location)}} if location else {})
        lines.append(LinkedLine(pl["line"], int(pl["item"]["id"]), quantity, location, pl["rate"], line))
    document = {
        "id": tid,
        "tranId": str(tid),
        "createdFrom": {"id": str(po["id"])},
        "entity": po["entity"],
        "subsidiary": {"id": "1"},
        "currency": {"id": "1"},
        "tranDate": stamp[:10],
        "status": "A" if rtype == "vendorBill" else None,
        "memo": f"Bulk {'item receipt' if rtype == 'itemReceipt' else 'vendor bill'} for {po['tranId']}",
        "createdDate": stamp,
        "lastModifiedDate": stamp,
        "item": {"items": [ln.body for ln in lines]},
    }
    document["total"] = round(sum(ln.body["amount"] for ln in lines), 6)
    return rtype, {k: v for k, v in document.items() if v is not None}, lines


def seed_bulk_purchase_orders(store: Store, spec: BulkPurchaseOrdersSpec) -> dict[str, Any]:
    """Create `spec.count` POs `PO-B<first_number>`..; `TranIdClash` if one of those tranIds exists.

    Line k of every PO buys BULK-C<(k - 1) % 20 + 1> (the items are created when missing).
    """
    numbers = range(spec.first_number, spec.first_number + spec.count)
    tran_ids = [bulk_tran_id(n) for n in numbers]
    purchasing = store.purchasing
    with store.lock:
        purchasing.seed_demo()
        (clash,) = store.db.execute(
            "SELECT COUNT(*) FROM \"transaction\" WHERE type = 'PurchOrd' AND tranid IN (SELECT value FROM json_each(?))",
            (json.dumps(tran_ids),),
        ).fetchone()
        if clash:
            raise TranIdClash(f"{clash} of the purchase orders {tran_ids[0]}..{tran_ids[-1]} exist")
        stamp = iso_now()
        first_id = store._next_transaction_id

        def write() -> None:
            store._insert_bulk_items()
            marks = ",".join("?" * len(BULK_COMPONENTS))
            ids = dict(store.db.execute(f"SELECT itemid, id FROM item WHERE itemid IN ({marks})", BULK_COMPONENTS))
            items = [ids[BULK_COMPONENTS[k % len(BULK_COMPONENTS)]] for k in range(spec.lines_per_po)]
            for number in numbers:
                body = bulk_po_body(store._take_transaction_id(), number, items, spec.quantity, stamp)
                documents = [
                    linked_document(store._take_transaction_id(), rtype, body, quantity, stamp)
                    for rtype, quantity in (("itemReceipt", spec.received), ("vendorBill", spec.billed))
                    if quantity
                ]
                body["status"] = derive_po_status(body, store.config) if documents else body["status"]
                purchasing.write_purchase_order_rows(body, create=True)
                for rtype, document, lines in documents:
                    link = RECEIPT_LINK_TYPE if rtype == "itemReceipt" else BILL_LINK_TYPE
                    purchasing._insert_linked(rtype, document, body, lines, link)
                    if rtype == "itemReceipt":
                        store._move((ln.item, BULK_LOCATION, ln.quantity) for ln in lines)

        try:
            store._write(write)
        finally:
            store._load_caches()  # the new items; the id sequence again after a rollback
        store.db.execute("ANALYZE")
    return {
        "created": spec.count,
        "first_id": first_id if spec.count else None,
        "numbers": [tran_ids[0], tran_ids[-1]] if tran_ids else [],
    }
