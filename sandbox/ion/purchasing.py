"""Writes on purchase orders, lines, fees, suppliers, attributes, receipts and sessions.

Contract: ../shared/reference/ion.md §2.4 (every update/delete carries `etag`; a stale one is
an error; a fresh 32-hex `_etag` on every write, `uuid4().hex` as §2.4 suggests), §3.5 (PO
status values, editability: outside DRAFT only line ETA/paid/attributes and cancelling),
§3.6 (line status is calculated; only CANCELED is manual), §3.7 fees, §3.8 receipts (receiving
adds to the line's receivedQuantity and creates the received part inventory, §10), §3.12
suppliers, §3.14 attributes, §3.2 sessions. What those sections mark INFERENCE is read from
`IonSimConfig`. Errors are `GraphQLError`s (HTTP 200 with `errors[]`, §2.5); the admin routes
turn them into 4xx. Every method runs in one `IonStore.transaction()`.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError

from sandbox.ion.attributes import AttributeDefinition, check_value, definition_for
from sandbox.ion.config import IonSimConfig
from sandbox.ion.store import IonStore
from sandbox.ion.timestamps import now_stored, parse_input

DRAFT_LIKE = frozenset({"DRAFT", "REQUESTED", "APPROVED"})
#: line fields only a DRAFT purchase order lets change (§3.5 editability)
DRAFT_ONLY_LINE_FIELDS = {
    "partId": "part_id",
    "quantity": "quantity",
    "cost": "cost",
    "description": "description",
    "position": "position",
}
FREE_LINE_FIELDS = {"needDate": "need_date", "estimatedArrivalDate": "estimated_arrival_date", "paid": "paid"}
PO_FIELDS = {
    "description": "description",
    "supplierId": "supplier_id",
    "currencyId": "currency_id",
    "shipToLocationId": "ship_to_location_id",
    "billToLocationId": "bill_to_location_id",
    "needDate": "need_date",
    "estimatedArrivalDate": "estimated_arrival_date",
    "paid": "paid",
}
SUPPLIER_FIELDS = {
    "name": "name",
    "description": "description",
    "phoneNumber": "phone_number",
    "address": "address",
    "email": "email",
    "contactName": "contact_name",
}
_TYPE_NAMES = {
    "suppliers": "Supplier",
    "purchase_orders": "PurchaseOrder",
    "purchase_order_lines": "PurchaseOrderLine",
    "purchase_order_fees": "PurchaseOrderFee",
    "receipts": "Receipt",
    "sessions": "Session",
}
_OWNER_TABLES = {"purchaseOrder": "purchase_orders", "purchaseOrderLine": "purchase_order_lines", "supplier": "suppliers"}


def new_etag() -> str:
    return uuid.uuid4().hex


def line_status(po_status: str, canceled: bool, quantity: float | None, received: float) -> str:
    """§3.6: calculated; DRAFT until the PO is ordered, then ORDERED, RECEIVED when fully received."""
    if canceled or po_status == "CANCELED":
        return "CANCELED"
    if po_status in DRAFT_LIKE:
        return "DRAFT"
    if quantity is not None and received > 0 and received >= quantity:
        return "RECEIVED"
    return "ORDERED"


def _id(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise GraphQLError(f"Invalid ID for {what}: {value!r}") from None


def _opt_id(value: Any, what: str) -> int | None:
    return None if value is None else _id(value, what)


def _dt(value: Any) -> str | None:
    return None if value is None else parse_input(value)


class Purchasing:
    """The purchasing writes of one simulated tenant."""

    def __init__(self, store: IonStore, config: IonSimConfig) -> None:
        self.store = store
        self.config = config

    # --- helpers ----------------------------------------------------------------------------

    def _exists(self, db: sqlite3.Connection, table: str, object_id: int | None, what: str) -> None:
        if object_id is not None and not db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (object_id,)).fetchone():
            raise GraphQLError(f"{what} {object_id} does not exist.")

    def _check_etag(self, db: sqlite3.Connection, table: str, object_id: int, etag: str | None) -> None:
        row = db.execute(f"SELECT etag FROM {table} WHERE id = ?", (object_id,)).fetchone()
        name = _TYPE_NAMES.get(table, table)
        if row is None:
            raise GraphQLError(f"{name} {object_id} does not exist.")
        if etag != row[0]:
            raise GraphQLError(
                f"{name} {object_id} was changed by someone else (etag mismatch: got {etag!r}); re-read its _etag and retry."
            )

    def _touch(
        self, db: sqlite3.Connection, table: str, object_id: int, stamp: str, sets: Mapping[str, Any] | None = None
    ) -> None:
        columns = dict(sets or {})
        assignments = "".join(f"{column} = ?, " for column in columns)
        db.execute(
            f"UPDATE {table} SET {assignments}etag = ?, updated = ? WHERE id = ?",
            (*columns.values(), new_etag(), stamp, object_id),
        )

    def _touch_parent(self, db: sqlite3.Connection, table: str, object_id: int, stamp: str) -> None:
        if self.config.child_writes_touch_parent:
            self._touch(db, table, object_id, stamp)

    def _definitions(self, owner: str) -> list[AttributeDefinition]:
        return {
            "purchaseOrder": self.config.purchase_order_attributes,
            "purchaseOrderLine": self.config.purchase_order_line_attributes,
            "supplier": self.config.supplier_attributes,
        }[owner]

    def _materialize_attributes(self, db: sqlite3.Connection, owner: str, owner_id: int, stamp: str) -> None:
        """Every org-level definition shows on every object, value null until set (§3.14 INFERENCE)."""
        db.executemany(
            "INSERT OR IGNORE INTO attribute_values (owner, owner_id, key, value, type, options, created, updated)"
            " VALUES (?, ?, ?, NULL, ?, ?, ?, ?)",
            [(owner, owner_id, d.key, d.type, json.dumps(d.options), stamp, stamp) for d in self._definitions(owner)],
        )

    def refresh_purchase_order(self, db: sqlite3.Connection, po_id: int, stamp: str, rollup: bool = True) -> None:
        """Recompute line statuses (§3.6) and, if configured, roll the PO status up from them (§3.5)."""
        for _ in range(2):
            po_status = db.execute("SELECT status FROM purchase_orders WHERE id = ?", (po_id,)).fetchone()[0]
            statuses = []
            for line_id, status, canceled, quantity, received in db.execute(
                "SELECT id, status, canceled, quantity, received_quantity FROM purchase_order_lines"
                " WHERE purchase_order_id = ? ORDER BY id",
                (po_id,),
            ).fetchall():
                new = line_status(po_status, bool(canceled), quantity, received)
                statuses.append(new)
                if new != status:
                    self._touch(db, "purchase_order_lines", line_id, stamp, {"status": new})
            if not (rollup and self.config.purchase_order_status_rollup and statuses):
                return
            target = None
            if all(s == "CANCELED" for s in statuses) and po_status != "CANCELED":
                target = "CANCELED"
            elif po_status == "ORDERED" and all(s in ("RECEIVED", "CANCELED") for s in statuses):
                target = "RECEIVED"
            if target is None:
                return
            self._touch(db, "purchase_orders", po_id, stamp, {"status": target})

    # --- suppliers (§3.12) ------------------------------------------------------------------

    def create_supplier(self, data: Mapping[str, Any], stamp: str | None = None, supplier_id: int | None = None) -> int:
        stamp = stamp or now_stored()
        if not (data.get("name") or "").strip():
            raise GraphQLError("A supplier needs a name.")
        with self.store.transaction() as db:
            supplier_id = supplier_id or self.store._next_id("suppliers")
            columns = {column: data.get(field) for field, column in SUPPLIER_FIELDS.items()}
            db.execute(
                f"INSERT INTO suppliers (id, {', '.join(columns)}, created, updated) VALUES (?{', ?' * len(columns)}, ?, ?)",
                (supplier_id, *columns.values(), stamp, stamp),
            )
            self._materialize_attributes(db, "supplier", supplier_id, stamp)
        return supplier_id

    def update_supplier(self, data: Mapping[str, Any]) -> int:
        supplier_id = _id(data.get("id"), "id")
        stamp = now_stored()
        with self.store.transaction() as db:
            self._check_etag(db, "suppliers", supplier_id, data.get("etag"))
            sets = {column: data[field] for field, column in SUPPLIER_FIELDS.items() if field in data}
            if "name" in sets and not (sets["name"] or "").strip():
                raise GraphQLError("A supplier needs a name.")
            self._touch(db, "suppliers", supplier_id, stamp, sets)
        return supplier_id

    # --- purchase orders (§3.5, §3.7) -------------------------------------------------------

    def _po_columns(self, db: sqlite3.Connection, data: Mapping[str, Any]) -> dict[str, Any]:
        sets: dict[str, Any] = {}
        for field, column in PO_FIELDS.items():
            if field not in data:
                continue
            value = data[field]
            if field.endswith("Id"):
                value = _opt_id(value, field)
                table = {"supplierId": "suppliers", "currencyId": "currencies"}.get(field, "locations")
                self._exists(db, table, value, {"supplierId": "Supplier", "currencyId": "Currency"}.get(field, "Location"))
            elif field in ("needDate", "estimatedArrivalDate"):
                value = _dt(value)
            elif field == "paid":
                value = 1 if value else 0
            sets[column] = value
        return sets

    def create_purchase_order(self, data: Mapping[str, Any], stamp: str | None = None, po_id: int | None = None) -> int:
        stamp = stamp or now_stored()
        status = data.get("status") or "DRAFT"
        with self.store.transaction() as db:
            po_id = po_id or self.store._next_id("purchase_orders")
            columns = self._po_columns(db, data)
            columns["status"] = status
            if status in ("ORDERED", "RECEIVED"):
                columns["ordered_at"] = _dt(data.get("orderedAt")) or stamp
            db.execute(
                f"INSERT INTO purchase_orders (id, {', '.join(columns)}, created, updated) VALUES (?{', ?' * len(columns)}, ?, ?)",
                (po_id, *columns.values(), stamp, stamp),
            )
            self._materialize_attributes(db, "purchaseOrder", po_id, stamp)
        return po_id

    def update_purchase_order(self, data: Mapping[str, Any]) -> int:
        po_id = _id(data.get("id"), "id")
        stamp = now_stored()
        with self.store.transaction() as db:
            self._check_etag(db, "purchase_orders", po_id, data.get("etag"))
            sets = self._po_columns(db, data)
            status = data.get("status")
            if status is not None:
                sets["status"] = status
                ordered_at = db.execute("SELECT ordered_at FROM purchase_orders WHERE id = ?", (po_id,)).fetchone()[0]
                if status == "ORDERED" and ordered_at is None:
                    sets["ordered_at"] = stamp
            self._touch(db, "purchase_orders", po_id, stamp, sets)
            self.refresh_purchase_order(db, po_id, stamp, rollup=status is None)
        return po_id

    def delete_purchase_order(self, po_id: int, etag: str | None) -> int:
        """`deletePurchaseOrder(id, etag)` (§3.5): with its lines, fees and attributes; refused once received."""
        with self.store.transaction() as db:
            self._check_etag(db, "purchase_orders", po_id, etag)
            received = db.execute(
                "SELECT 1 FROM receipt_items WHERE purchase_order_line_id IN"
                " (SELECT id FROM purchase_order_lines WHERE purchase_order_id = ?)",
                (po_id,),
            ).fetchone()
            if received:
                raise GraphQLError(f"PurchaseOrder {po_id} has receipts and cannot be deleted.")
            lines = [row[0] for row in db.execute("SELECT id FROM purchase_order_lines WHERE purchase_order_id = ?", (po_id,))]
            db.executemany(
                "DELETE FROM attribute_values WHERE owner = 'purchaseOrderLine' AND owner_id = ?", [(i,) for i in lines]
            )
            db.execute("DELETE FROM attribute_values WHERE owner = 'purchaseOrder' AND owner_id = ?", (po_id,))
            db.execute("DELETE FROM purchase_order_lines WHERE purchase_order_id = ?", (po_id,))
            db.execute("DELETE FROM purchase_order_fees WHERE purchase_order_id = ?", (po_id,))
            db.execute("DELETE FROM purchase_orders WHERE id = ?", (po_id,))
        return po_id

    def create_fee(self, data: Mapping[str, Any], stamp: str | None = None) -> int:
        stamp = stamp or now_stored()
        po_id = _id(data.get("purchaseOrderId"), "purchaseOrderId")
        with self.store.transaction() as db:
            self._exists(db, "purchase_orders", po_id, "PurchaseOrder")
            fee_id = self.store._next_id("purchase_order_fees")
            db.execute(
                "INSERT INTO purchase_order_fees (id, purchase_order_id, name, value, type, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (fee_id, po_id, data.get("name"), data.get("value"), data.get("type") or "FIXED", stamp, stamp),
            )
            self._touch_parent(db, "purchase_orders", po_id, stamp)
        return fee_id

    # --- purchase order lines (§3.6) --------------------------------------------------------

    def _po_status(self, db: sqlite3.Connection, po_id: int) -> str:
        row = db.execute("SELECT status FROM purchase_orders WHERE id = ?", (po_id,)).fetchone()
        if row is None:
            raise GraphQLError(f"PurchaseOrder {po_id} does not exist.")
        return str(row[0])

    def _require_draft(self, db: sqlite3.Connection, po_id: int, what: str) -> None:
        status = self._po_status(db, po_id)
        if self.config.enforce_line_editability and status != "DRAFT":
            raise GraphQLError(
                f"Cannot {what}: PurchaseOrder {po_id} is {status}; only a DRAFT purchase order's lines are editable"
                " (move it back to DRAFT first)."
            )

    def create_line(self, data: Mapping[str, Any], stamp: str | None = None, line_id: int | None = None) -> int:
        stamp = stamp or now_stored()
        po_id = _id(data.get("purchaseOrderId"), "purchaseOrderId")
        with self.store.transaction() as db:
            if line_id is None:
                self._require_draft(db, po_id, "add a line")
            po_status = self._po_status(db, po_id)
            part_id = _opt_id(data.get("partId"), "partId")
            self._exists(db, "parts", part_id, "Part")
            position = data.get("position")
            if position is None:
                top = db.execute(
                    "SELECT MAX(position) FROM purchase_order_lines WHERE purchase_order_id = ?", (po_id,)
                ).fetchone()[0]
                position = (top or 0) + 1
            line_id = line_id or self.store._next_id("purchase_order_lines")
            quantity = data.get("quantity")
            db.execute(
                "INSERT INTO purchase_order_lines (id, purchase_order_id, part_id, status, description, position, cost,"
                " quantity, need_date, estimated_arrival_date, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    line_id,
                    po_id,
                    part_id,
                    line_status(po_status, False, quantity, 0.0),
                    data.get("description"),
                    position,
                    data.get("cost"),
                    quantity,
                    _dt(data.get("needDate")),
                    _dt(data.get("estimatedArrivalDate")),
                    stamp,
                    stamp,
                ),
            )
            self._materialize_attributes(db, "purchaseOrderLine", line_id, stamp)
            self._touch_parent(db, "purchase_orders", po_id, stamp)
        return line_id

    def _line_po(self, db: sqlite3.Connection, line_id: int) -> int:
        row = db.execute("SELECT purchase_order_id FROM purchase_order_lines WHERE id = ?", (line_id,)).fetchone()
        if row is None:
            raise GraphQLError(f"PurchaseOrderLine {line_id} does not exist.")
        return int(row[0])

    def update_line(self, data: Mapping[str, Any]) -> int:
        line_id = _id(data.get("id"), "id")
        stamp = now_stored()
        with self.store.transaction() as db:
            self._check_etag(db, "purchase_order_lines", line_id, data.get("etag"))
            po_id = self._line_po(db, line_id)
            restricted = [f for f in DRAFT_ONLY_LINE_FIELDS if f in data]
            if restricted:
                self._require_draft(db, po_id, f"change {', '.join(restricted)} of PurchaseOrderLine {line_id}")
            sets: dict[str, Any] = {}
            for field, column in {**DRAFT_ONLY_LINE_FIELDS, **FREE_LINE_FIELDS}.items():
                if field not in data:
                    continue
                value = data[field]
                if field == "partId":
                    value = _opt_id(value, field)
                    self._exists(db, "parts", value, "Part")
                elif field in ("needDate", "estimatedArrivalDate"):
                    value = _dt(value)
                elif field == "paid":
                    value = 1 if value else 0
                sets[column] = value
            status = data.get("status")
            if status == "CANCELED":
                sets["canceled"] = 1
            elif status is not None:
                self._require_draft(db, po_id, f"un-cancel PurchaseOrderLine {line_id}")
                sets["canceled"] = 0
            self._touch(db, "purchase_order_lines", line_id, stamp, sets)
            self.refresh_purchase_order(db, po_id, stamp)
            self._touch_parent(db, "purchase_orders", po_id, stamp)
        return line_id

    def delete_line(self, line_id: int, etag: str | None) -> int:
        stamp = now_stored()
        with self.store.transaction() as db:
            self._check_etag(db, "purchase_order_lines", line_id, etag)
            po_id = self._line_po(db, line_id)
            self._require_draft(db, po_id, f"delete PurchaseOrderLine {line_id}")
            if db.execute("SELECT 1 FROM receipt_items WHERE purchase_order_line_id = ?", (line_id,)).fetchone():
                raise GraphQLError(f"PurchaseOrderLine {line_id} has receipt items and cannot be deleted.")
            db.execute("DELETE FROM purchase_order_lines WHERE id = ?", (line_id,))
            db.execute("DELETE FROM attribute_values WHERE owner = 'purchaseOrderLine' AND owner_id = ?", (line_id,))
            self._touch_parent(db, "purchase_orders", po_id, stamp)
        return line_id

    # --- attributes (§3.14) -----------------------------------------------------------------

    def update_attribute(self, owner: str, data: Mapping[str, Any], stamp: str | None = None, check: bool = True) -> int:
        """`update<Owner>Attribute(input: {<owner>Id, key, value, etag})`; returns the attribute row id."""
        stamp = stamp or now_stored()
        owner_id = _id(data.get(f"{owner}Id"), f"{owner}Id")
        table = _OWNER_TABLES[owner]
        key, value = data.get("key"), data.get("value")
        definition = definition_for(self._definitions(owner), str(key), _TYPE_NAMES[table])
        check_value(definition, value)
        with self.store.transaction() as db:
            parent = db.execute(f"SELECT etag FROM {table} WHERE id = ?", (owner_id,)).fetchone()
            if parent is None:
                raise GraphQLError(f"{_TYPE_NAMES[table]} {owner_id} does not exist.")
            self._materialize_attributes(db, owner, owner_id, stamp)
            attribute_id, attribute_etag = db.execute(
                "SELECT id, etag FROM attribute_values WHERE owner = ? AND owner_id = ? AND key = ?", (owner, owner_id, key)
            ).fetchone()
            mode = self.config.attribute_etag
            accepted = {"attribute": {attribute_etag}, "parent": {parent[0]}, "either": {attribute_etag, parent[0]}}[mode]
            if check and data.get("etag") not in accepted:
                raise GraphQLError(
                    f"{_TYPE_NAMES[table]} {owner_id} attribute {key!r} was changed by someone else"
                    f" (etag mismatch: got {data.get('etag')!r}); re-read its Etag and retry."
                )
            db.execute(
                "UPDATE attribute_values SET value = ?, type = ?, options = ?, etag = ?, updated = ? WHERE id = ?",
                (value, definition.type, json.dumps(definition.options), new_etag(), stamp, attribute_id),
            )
            self._touch_parent(db, table, owner_id, stamp)
        return int(attribute_id)

    # --- receipts (§3.8) --------------------------------------------------------------------

    def create_receipt(self, data: Mapping[str, Any], stamp: str | None = None) -> int:
        stamp = stamp or now_stored()
        received_by = _opt_id(data.get("receivedById"), "receivedById") or self.config.user_id
        with self.store.transaction() as db:
            receipt_id = self.store._next_id("receipts")
            db.execute(
                "INSERT INTO receipts (id, received_at, received_by_id, created, updated) VALUES (?, ?, ?, ?, ?)",
                (receipt_id, _dt(data.get("receivedAt")) or stamp, received_by, stamp, stamp),
            )
        return receipt_id

    def add_items(
        self, items: list[Mapping[str, Any]], stamp: str | None = None, strict: bool = True
    ) -> tuple[int, list[int], list[int]]:
        """Receive: one receipt item and (unless given) one new part inventory per item.

        Adds the quantity to the line's receivedQuantity, recomputes line and PO status.
        `strict=False` (admin route) accepts over-receipts, canceled lines and any quantity.
        """
        stamp = stamp or now_stored()
        if not items:
            raise GraphQLError("addItemsToReceipt needs at least one item.")
        receipt_ids = {_id(item.get("receiptId"), "receiptId") for item in items}
        if len(receipt_ids) != 1:
            raise GraphQLError("All items of one addItemsToReceipt call must name the same receiptId.")
        (receipt_id,) = receipt_ids
        item_ids: list[int] = []
        inventory_ids: list[int] = []
        with self.store.transaction() as db:
            self._exists(db, "receipts", receipt_id, "Receipt")
            touched: dict[int, None] = {}
            for item in items:
                line_id = _id(item.get("purchaseOrderLineId"), "purchaseOrderLineId")
                row = db.execute(
                    "SELECT purchase_order_id, part_id, quantity, received_quantity, status FROM purchase_order_lines WHERE id = ?",
                    (line_id,),
                ).fetchone()
                if row is None:
                    raise GraphQLError(f"PurchaseOrderLine {line_id} does not exist.")
                po_id, part_id, ordered, received, status = row
                quantity = item.get("quantity")
                location_id = _opt_id(item.get("locationId"), "locationId")
                if strict:
                    if quantity is None or quantity <= 0:
                        raise GraphQLError(f"Receipt item quantity must be positive, got {quantity!r}.")
                    if status == "CANCELED":
                        raise GraphQLError(f"PurchaseOrderLine {line_id} is CANCELED and cannot be received.")
                    if not self.config.allow_over_receipt and ordered is not None and received + quantity > ordered:
                        raise GraphQLError(f"Over-receipt on PurchaseOrderLine {line_id}: {received} + {quantity} > {ordered}.")
                    self._exists(db, "locations", location_id, "Location")
                inventory_id = _opt_id(item.get("partInventoryId"), "partInventoryId")
                if inventory_id is None and part_id is not None:
                    inventory_id = self.store._next_id("part_inventories")
                    db.execute(
                        "INSERT INTO part_inventories (id, part_id, quantity, quantity_installed, status, serial_number,"
                        " lot_number, location_id, created, updated) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                        (
                            inventory_id,
                            part_id,
                            quantity,
                            self.config.received_inventory_status,
                            item.get("serialNumber"),
                            item.get("lotNumber"),
                            location_id,
                            stamp,
                            stamp,
                        ),
                    )
                item_id = self.store._next_id("receipt_items")
                db.execute(
                    "INSERT INTO receipt_items (id, receipt_id, purchase_order_line_id, part_inventory_id, quantity,"
                    " created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (item_id, receipt_id, line_id, inventory_id, quantity, stamp, stamp),
                )
                self._touch(
                    db, "purchase_order_lines", line_id, stamp, {"received_quantity": round(received + (quantity or 0), 10)}
                )
                item_ids.append(item_id)
                if inventory_id is not None:
                    inventory_ids.append(inventory_id)
                touched[po_id] = None
            for po_id in touched:
                self.refresh_purchase_order(db, po_id, stamp)
                self._touch_parent(db, "purchase_orders", po_id, stamp)
            self._touch(db, "receipts", receipt_id, stamp)
        return receipt_id, item_ids, inventory_ids

    # --- sessions (§3.2) --------------------------------------------------------------------

    def update_session(self, data: Mapping[str, Any]) -> int:
        session_id = _id(data.get("id"), "id")
        stamp = now_stored()
        with self.store.transaction() as db:
            self._check_etag(db, "sessions", session_id, data.get("etag"))
            sets = {
                column: _dt(data[field])
                for field, column in (("checkIn", "check_in"), ("checkOut", "check_out"))
                if field in data
            }
            self._touch(db, "sessions", session_id, stamp, sets)
        return session_id

    def user_id_for(self, db: sqlite3.Connection, email: str, name: str | None = None) -> int:
        row = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
        if row is not None:
            return int(row[0])
        user_id = self.store._next_id("users")
        db.execute("INSERT INTO users (id, name, email) VALUES (?, ?, ?)", (user_id, name or email.split("@")[0], email))
        return user_id

    def create_session(
        self, run_id: int, step_position: int, user_email: str, check_in: str, check_out: str | None, stamp: str | None = None
    ) -> dict[str, int]:
        """A session on the run's step at `step_position` (the step is created if missing)."""
        stamp = stamp or now_stored()
        with self.store.transaction() as db:
            self._exists(db, "runs", run_id, "Run")
            row = db.execute("SELECT id FROM run_steps WHERE run_id = ? AND position = ?", (run_id, step_position)).fetchone()
            if row is None:
                step_id = self.store._next_id("run_steps")
                db.execute(
                    "INSERT INTO run_steps (id, run_id, title, position, status, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        step_id,
                        run_id,
                        f"Step {step_position}",
                        step_position,
                        "IN_PROGRESS" if check_out is None else "COMPLETE",
                        stamp,
                        stamp,
                    ),
                )
            else:
                step_id = int(row[0])
            user_id = self.user_id_for(db, user_email)
            session_id = self.store._next_id("sessions")
            db.execute(
                "INSERT INTO sessions (id, run_step_id, created_by_id, check_in, check_out, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, step_id, user_id, check_in, check_out, stamp, stamp),
            )
        return {"id": session_id, "runStepId": step_id, "createdById": user_id}
