"""Benchmark receipts (`POST /_sandbox/seed/bulk-receipts`, sandbox/README.md "ION purchasing").

Purchase orders `PO-B<6 digits>` already synced from NetSuite (the NetSuite simulator's
`/_sandbox/seed/bulk-purchase-orders` makes the same numbers, lines and items), each line fully
received by `receipts_per_line` receipts of one item each, stored as `addItemsToReceipt` stores
them (a new part inventory per item, line receivedQuantity, statuses recomputed, parents
touched). Everything is inserted with executemany in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sandbox.ion.attributes import AttributeDefinition
from sandbox.ion.config import IonSimConfig
from sandbox.ion.purchasing import Purchasing, line_status
from sandbox.ion.store import ConflictError, IonStore
from sandbox.ion.timestamps import to_stored

BULK_PARTS = [f"BULK-C{n:02d}" for n in range(1, 21)]
PO_NUMBER_KEY = "Netsuite PO Number"
LINE_NUMBER_KEY = "Netsuite Line Number"
BULK_SUPPLIER = 1
BULK_CURRENCY = 1
BULK_LOCATION = 1


class BulkReceiptsSpec(BaseModel):
    """Body of `POST /_sandbox/seed/bulk-receipts`."""

    model_config = ConfigDict(extra="forbid")

    purchase_orders: int = Field(ge=0, le=1_000_000)
    lines_per_po: int = Field(1, ge=1, le=999)
    receipts_per_line: int = Field(1, ge=1, le=999)
    quantity: float = Field(1.0, gt=0, allow_inf_nan=False)
    first_number: int = Field(1, ge=1)
    received_at: datetime = datetime(2026, 11, 21, tzinfo=UTC)


def _attribute_rows(
    definitions: list[AttributeDefinition], owner: str, owner_ids: range, key: str, values: list[str], stamp: str
) -> Iterator[tuple[Any, ...]]:
    """Every org-level definition on every owner (value null until set, as `_materialize_attributes`), `key` set."""
    for owner_id, value in zip(owner_ids, values, strict=True):
        for d in definitions:
            yield (owner, owner_id, d.key, value if d.key == key else None, d.type, json.dumps(d.options), stamp, stamp)


def seed_bulk_receipts(store: IonStore, config: IonSimConfig, spec: BulkReceiptsSpec) -> dict[str, Any]:
    """POs `PO-B<first_number>`.. (ORDERED, supplier 1, currency 1, ship/bill to location 1), each with
    `lines_per_po` lines (line k: BULK-C<(k - 1) % 20 + 1>, quantity R x q, cost 1, position k, attribute
    `Netsuite Line Number` = k), each line received by R receipts of one item of q at location 1.
    Receipt g (0-based, in PO, line, receipt order) has receivedAt = _created = received_at + g s.
    POs and lines are created one day before received_at; lines and POs are last touched by their
    last receipt. Raises `ConflictError` if a PO already carries one of the numbers.
    """
    n_po, n_line, n_rcpt, q = spec.purchase_orders, spec.lines_per_po, spec.receipts_per_line, spec.quantity
    numbers = [f"PO-B{spec.first_number + i:06d}" for i in range(n_po)]
    origin = spec.received_at
    po_stamp = to_stored(origin - timedelta(days=1))
    stamps = [to_stored(origin + timedelta(seconds=g)) for g in range(n_po * n_line * n_rcpt)]
    purchasing = Purchasing(store, config)
    with store.transaction() as db:
        (clash,) = db.execute(
            "SELECT COUNT(*) FROM attribute_values WHERE owner = 'purchaseOrder' AND key = ?"
            " AND value IN (SELECT value FROM json_each(?))",
            (PO_NUMBER_KEY, json.dumps(numbers)),
        ).fetchone()
        if clash:
            raise ConflictError(f"{clash} purchase orders carry {PO_NUMBER_KEY} {numbers[0]}..{numbers[-1]}")
        part_numbers = [BULK_PARTS[k % len(BULK_PARTS)] for k in range(n_line)]
        store._ensure_parts(part_numbers, po_stamp)
        parts = [store.part_ids_by_number[p] for p in part_numbers]
        po0, line0 = store._next_id("purchase_orders"), store._next_id("purchase_order_lines")
        receipt0, item0 = store._next_id("receipts"), store._next_id("receipt_items")
        inventory0 = store._next_id("part_inventories")
        po_ids = range(po0, po0 + n_po)
        line_ids = range(line0, line0 + n_po * n_line)
        ordered = received = round(n_rcpt * q, 10)
        status = line_status("ORDERED", False, ordered, received)

        def last_stamp(line: int) -> str:
            return stamps[line * n_rcpt + n_rcpt - 1]

        db.executemany(
            "INSERT INTO purchase_orders (id, status, description, supplier_id, currency_id, ship_to_location_id,"
            " bill_to_location_id, ordered_at, created, updated) VALUES (?, 'ORDERED', ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    po0 + i,
                    f"NetSuite {numbers[i]}",
                    BULK_SUPPLIER,
                    BULK_CURRENCY,
                    BULK_LOCATION,
                    BULK_LOCATION,
                    po_stamp,
                    po_stamp,
                    po_stamp,
                )
                for i in range(n_po)
            ),
        )
        db.executemany(
            "INSERT INTO purchase_order_lines (id, purchase_order_id, part_id, status, position, cost, quantity,"
            " received_quantity, created, updated) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
            (
                (
                    line0 + i * n_line + k,
                    po0 + i,
                    parts[k],
                    status,
                    k + 1,
                    ordered,
                    received,
                    po_stamp,
                    last_stamp(i * n_line + k),
                )
                for i in range(n_po)
                for k in range(n_line)
            ),
        )
        attribute_sql = (
            "INSERT INTO attribute_values (owner, owner_id, key, value, type, options, created, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )
        db.executemany(
            attribute_sql,
            _attribute_rows(config.purchase_order_attributes, "purchaseOrder", po_ids, PO_NUMBER_KEY, numbers, po_stamp),
        )
        db.executemany(
            attribute_sql,
            _attribute_rows(
                config.purchase_order_line_attributes,
                "purchaseOrderLine",
                line_ids,
                LINE_NUMBER_KEY,
                [str(k + 1) for _ in range(n_po) for k in range(n_line)],
                po_stamp,
            ),
        )
        db.executemany(
            "INSERT INTO receipts (id, received_at, received_by_id, created, updated) VALUES (?, ?, ?, ?, ?)",
            ((receipt0 + g, stamp, config.user_id, stamp, stamp) for g, stamp in enumerate(stamps)),
        )
        db.executemany(
            "INSERT INTO part_inventories (id, part_id, quantity, quantity_installed, status, location_id, created,"
            " updated) VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
            (
                (inventory0 + g, parts[(g // n_rcpt) % n_line], q, config.received_inventory_status, BULK_LOCATION, stamp, stamp)
                for g, stamp in enumerate(stamps)
            ),
        )
        db.executemany(
            "INSERT INTO receipt_items (id, receipt_id, purchase_order_line_id, part_inventory_id, quantity, created,"
            " updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((item0 + g, receipt0 + g, line0 + g // n_rcpt, inventory0 + g, q, stamp, stamp) for g, stamp in enumerate(stamps)),
        )
        for i, po_id in enumerate(po_ids):  # the PO status rollup and parent touch of addItemsToReceipt
            stamp = last_stamp(i * n_line + n_line - 1)
            purchasing.refresh_purchase_order(db, po_id, stamp)
            purchasing._touch_parent(db, "purchase_orders", po_id, stamp)
    return {
        "purchase_orders": n_po,
        "receipts": len(stamps),
        "first_receipt_id": receipt0 if stamps else None,
        "last_receipt_id": receipt0 + len(stamps) - 1 if stamps else None,
    }
