"""SQLite layer of the purchasing loop (netsuite.md §1.3, §1.5, §1.9): purchase orders, item
receipts, vendor bills, time bills, entities and reference data, in both the REST layer
(`sim_record`) and the SuiteQL tables (`purchasing_schema.py`).

Every write runs inside `Store._write` (one SQLite transaction, under the store lock), so a
receipt's record, its SuiteQL rows, the PO's received quantities/status and the inventory move
commit together. PO status letters are derived by `derive_po_status` (§1.3, §2 item 5).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .config import NetSuiteSimConfig
from .purchasing_schema import (
    BILL_LINK_TYPE,
    DEMO_CLASSES,
    DEMO_CURRENCIES,
    DEMO_CUSTOM_FIELDS,
    DEMO_CUSTOMERS,
    DEMO_DEPARTMENTS,
    DEMO_EMPLOYEES,
    DEMO_PURCHASE_ORDERS,
    DEMO_SERVICE_ITEM,
    DEMO_TERMS,
    DEMO_VENDOR_BILLS,
    DEMO_VENDORS,
    RECEIPT_LINK_TYPE,
)
from .schema import TRANSACTION_TYPES

if TYPE_CHECKING:
    from .store import Store

EPS = 1e-9
_TYPE_OF = {code: rtype for rtype, code in TRANSACTION_TYPES.items()}
_TX_INSERT = (
    'INSERT INTO "transaction" (id, tranid, type, status, externalid, trandate, createdfrom, createddate, '
    "lastmodifieddate, memo, entity, currency, foreigntotal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_LINE_INSERT = (
    'INSERT INTO transactionline (id, "transaction", linesequencenumber, mainline, item, quantity, location, rate, '
    "foreignamount, quantityshiprecv, quantitybilled, isclosed, department, class, createdfrom, orderline) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def ref_id(value: Any) -> int | None:
    """The internal id of a canonical reference `{"id": "12"}` (None when absent)."""
    if isinstance(value, dict) and value.get("id") not in (None, ""):
        return int(value["id"])
    return None


def po_lines(body: dict[str, Any]) -> list[dict[str, Any]]:
    return list((body.get("item") or {}).get("items") or [])


def derive_po_status(body: dict[str, Any], config: NetSuiteSimConfig) -> str:
    """Status letter from the lines (§1.3 letters, [PRAC-POSTATUS]); A/C/P/H set by hand stay."""
    current = body.get("status")
    if current in ("P", "A", "C", "H"):
        return str(current)
    lines = po_lines(body)
    open_lines = [ln for ln in lines if not ln.get("isClosed")]
    if lines and not open_lines:
        return "H"
    received_any = any(float(ln.get("quantityReceived") or 0) > EPS for ln in lines)
    if not received_any:
        return "B"
    fully_received = all(float(ln.get("quantityReceived") or 0) >= float(ln["quantity"]) - EPS for ln in open_lines)
    unbilled = any(float(ln.get("quantityReceived") or 0) - float(ln.get("quantityBilled") or 0) > EPS for ln in lines)
    if not fully_received:
        mode = config.po_partial_receipt_status
        if mode == "auto":
            return "E" if unbilled else "D"
        return mode
    return "F" if unbilled else "G"


def po_total(body: dict[str, Any]) -> float:
    return round(sum(float(ln.get("amount") or 0) for ln in po_lines(body)), 6)


@dataclass
class LinkedLine:
    """One line of a receipt or bill: the PO line it comes from, and what moved."""

    order_line: int
    item: int
    quantity: float
    location: int | None
    rate: float | None
    body: dict[str, Any]


class PurchasingStore:
    """Reads and writes of the purchasing records; shares the `Store`'s connection and lock."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.config = store.config
        self._next_time_bill_id = 7001

    def load(self) -> None:
        (max_tb,) = self.db.execute("SELECT MAX(id) FROM timebill").fetchone()
        self._next_time_bill_id = max((max_tb or 0) + 1, 7001)

    # ------------------------------------------------------------------ seeding

    def seeded(self) -> bool:
        with self.store.lock:
            row = self.db.execute("SELECT 1 FROM sim_record WHERE rtype = 'vendor' AND id = ?", (DEMO_VENDORS[0][0],))
            return row.fetchone() is not None

    def seed_demo(self) -> bool:
        """Insert the purchasing demo data (sandbox/README.md); False if it is already there."""
        from .store import DEMO_EPOCH, iso  # local: store imports this module

        with self.store.lock:
            if self.seeded():
                return False
            stamp = iso(DEMO_EPOCH)

            def write() -> None:
                for cid, name, symbol in DEMO_CURRENCIES:
                    self._record("currency", cid, {"id": cid, "name": name, "symbol": symbol}, stamp)
                    self.db.execute("INSERT INTO currency VALUES (?, ?, ?)", (cid, name, symbol))
                self.db.executemany(
                    "INSERT INTO customer VALUES (?, ?, ?, 'F')", [(cid, name, name) for cid, name in DEMO_CUSTOMERS]
                )
                for tid, name, days in DEMO_TERMS:
                    self._record("term", tid, {"id": tid, "name": name, "daysUntilNetDue": days}, stamp)
                    self.db.execute("INSERT INTO term VALUES (?, ?, ?)", (tid, name, days))
                for table, rtype, rows in (
                    ("department", "department", DEMO_DEPARTMENTS),
                    ("classification", "classification", DEMO_CLASSES),
                ):
                    for rid, name in rows:
                        self._record(rtype, rid, {"id": rid, "name": name, "isInactive": False}, stamp)
                        self.db.execute(f"INSERT INTO {table} VALUES (?, ?, 'F')", (rid, name))
                for vid, name, terms, email in DEMO_VENDORS:
                    body = {
                        "id": vid,
                        "entityId": name,
                        "companyName": name,
                        "email": email,
                        "isPerson": False,
                        "terms": {"id": str(terms)},
                        "currency": {"id": "1"},
                        "subsidiary": {"id": "1"},
                        "isInactive": False,
                        "dateCreated": stamp,
                        "lastModifiedDate": stamp,
                    }
                    self._record("vendor", vid, body, stamp)
                    self.db.execute("INSERT INTO vendor VALUES (?, ?, ?, ?, ?, 1, 1, 'F', NULL)", (vid, name, name, email, terms))
                for eid, first, last, email in DEMO_EMPLOYEES:
                    name = f"{first} {last}"
                    body = {
                        "id": eid,
                        "entityId": name,
                        "firstName": first,
                        "lastName": last,
                        "email": email,
                        "subsidiary": {"id": "1"},
                        "isInactive": False,
                        "lastModifiedDate": stamp,
                    }
                    self._record("employee", eid, body, stamp)
                    self.db.execute("INSERT INTO employee VALUES (?, ?, ?, ?, ?, 1, 'F', NULL)", (eid, name, first, last, email))
                iid, itemid, name, rtype = DEMO_SERVICE_ITEM
                if iid not in self.store.items:
                    self.store._insert_item(iid, itemid, name, rtype)
                pos: dict[int, dict[str, Any]] = {}
                for n, (pid, tran_id, vendor, location, status, lines) in enumerate(DEMO_PURCHASE_ORDERS):
                    modified = iso(DEMO_EPOCH + timedelta(days=1, hours=n))
                    body = {
                        "id": pid,
                        "tranId": tran_id,
                        "entity": {"id": str(vendor)},
                        "subsidiary": {"id": "1"},
                        "location": {"id": str(location)},
                        "department": {"id": "1"},
                        "class": {"id": "1"},
                        "currency": {"id": "1"},
                        "tranDate": "2026-11-11",
                        "dueDate": "2026-11-25",
                        "memo": f"Demo purchase order {tran_id}",
                        "status": status,
                        "createdDate": modified,
                        "lastModifiedDate": modified,
                        "item": {
                            "items": [
                                {
                                    "line": line,
                                    "item": {"id": str(item)},
                                    "quantity": float(qty),
                                    "quantityReceived": 0.0,
                                    "quantityBilled": 0.0,
                                    "rate": rate,
                                    "amount": round(qty * rate, 6),
                                    "location": {"id": str(location)},
                                    "isClosed": closed,
                                }
                                for line, item, qty, rate, closed in lines
                            ]
                        },
                    }
                    header_custom, line_custom = DEMO_CUSTOM_FIELDS.get(pid, ({}, {}))
                    body.update(header_custom)
                    for ln in po_lines(body):
                        ln.update(line_custom.get(ln["line"], {}))
                    body["total"] = po_total(body)
                    pos[pid] = body
                for n, (bid, tran_id, pid, billed) in enumerate(DEMO_VENDOR_BILLS):
                    po = pos[pid]
                    modified = iso(DEMO_EPOCH + timedelta(days=2, hours=n))
                    by_line = {ln["line"]: ln for ln in po_lines(po)}
                    linked: list[LinkedLine] = []
                    for order_line, qty in billed:
                        pl = by_line[order_line]
                        pl["quantityBilled"] = float(pl["quantityBilled"]) + qty
                        amount = round(qty * pl["rate"], 6)
                        linked.append(
                            LinkedLine(
                                order_line,
                                int(pl["item"]["id"]),
                                float(qty),
                                None,
                                pl["rate"],
                                {
                                    "line": len(linked) + 1,
                                    "orderLine": order_line,
                                    "item": pl["item"],
                                    "quantity": float(qty),
                                    "rate": pl["rate"],
                                    "amount": amount,
                                },
                            )
                        )
                    bill = {
                        "id": bid,
                        "tranId": tran_id,
                        "createdFrom": {"id": str(pid)},
                        "entity": po["entity"],
                        "subsidiary": {"id": "1"},
                        "currency": {"id": "1"},
                        "tranDate": "2026-11-12",
                        "dueDate": "2026-12-12",
                        "status": "A",
                        "memo": f"Vendor bill for {po['tranId']}",
                        "createdDate": modified,
                        "lastModifiedDate": modified,
                        "item": {"items": [ln.body for ln in linked]},
                    }
                    bill["total"] = round(sum(ln.body["amount"] for ln in linked), 6)
                    self._insert_linked("vendorBill", bill, po, linked, BILL_LINK_TYPE)
                for body in pos.values():
                    body["status"] = derive_po_status(body, self.config)
                    self.write_purchase_order_rows(body, create=True)

            self.store._write(write)
            self.store._load_caches()
            return True

    def _record(self, rtype: str, rid: int, body: dict[str, Any], stamp: str) -> None:
        self.db.execute(
            "INSERT INTO sim_record VALUES (?, ?, ?, NULL, ?, ?)",
            (rtype, rid, body.get("externalId"), body.get("lastModifiedDate", stamp), json.dumps(body)),
        )

    # ------------------------------------------------------------------ reads

    def transaction_type(self, tid: int) -> str | None:
        """REST record type of a transaction id (for `createdFrom` links)."""
        with self.store.lock:
            row = self.db.execute('SELECT type FROM "transaction" WHERE id = ?', (tid,)).fetchone()
        return _TYPE_OF.get(row[0]) if row else None

    def name_of(self, rtype: str, rid: int) -> str | None:
        """Display name of an entity or reference record, for `refName`."""
        body = self.store.get(rtype, rid)
        if body is None:
            return None
        if rtype == "vendor":
            return body.get("companyName") or body.get("entityId")
        if rtype == "employee":
            return body.get("entityId")
        if rtype in TRANSACTION_TYPES:
            return body.get("tranId")
        return body.get("name")

    # ------------------------------------------------------------------ purchase orders

    def take_transaction_id(self) -> int:
        return self.store._take_transaction_id()

    def save_purchase_order(self, body: dict[str, Any], *, create: bool) -> int:
        with self.store.lock:
            if create:
                body["id"] = self.store._take_transaction_id()
                if not body.get("tranId"):
                    body["tranId"] = f"PO{body['id']}"
            self.store._write(lambda: self.write_purchase_order_rows(body, create=create))
            return int(body["id"])

    def write_purchase_order_rows(self, body: dict[str, Any], *, create: bool) -> None:
        """Both layers of one PO (no transaction handling): record, transaction, lines."""
        pid = body["id"]
        status = self.store._status_column("purchaseOrder", body["status"])
        if create:
            self.db.execute(
                "INSERT INTO sim_record VALUES ('purchaseOrder', ?, ?, ?, ?, ?)",
                (pid, body.get("externalId"), body["tranId"], body["lastModifiedDate"], json.dumps(body)),
            )
        else:
            self.db.execute(
                "UPDATE sim_record SET externalid = ?, tranid = ?, lastmodified = ?, body = ? "
                "WHERE rtype = 'purchaseOrder' AND id = ?",
                (body.get("externalId"), body["tranId"], body["lastModifiedDate"], json.dumps(body), pid),
            )
            self.db.execute('DELETE FROM "transaction" WHERE id = ?', (pid,))
            self.db.execute('DELETE FROM transactionline WHERE "transaction" = ?', (pid,))
        self.db.execute(
            _TX_INSERT,
            (
                pid,
                body["tranId"],
                "PurchOrd",
                status,
                body.get("externalId"),
                body.get("tranDate"),
                None,
                body["createdDate"],
                body["lastModifiedDate"],
                body.get("memo"),
                ref_id(body.get("entity")),
                ref_id(body.get("currency")),
                body.get("total"),
            ),
        )
        header_location = ref_id(body.get("location"))
        rows: list[tuple[Any, ...]] = [
            (
                0,
                pid,
                0,
                "T",
                None,
                None,
                header_location,
                None,
                body.get("total"),
                None,
                None,
                None,
                ref_id(body.get("department")),
                ref_id(body.get("class")),
                None,
                None,
            )
        ]
        for ln in po_lines(body):
            rows.append(
                (
                    ln["line"],
                    pid,
                    ln["line"],
                    "F",
                    ref_id(ln["item"]),
                    ln["quantity"],
                    ref_id(ln.get("location")) or header_location,
                    ln.get("rate"),
                    ln.get("amount"),
                    ln.get("quantityReceived") or 0.0,
                    ln.get("quantityBilled") or 0.0,
                    "T" if ln.get("isClosed") else "F",
                    ref_id(ln.get("department")) or ref_id(body.get("department")),
                    ref_id(ln.get("class")) or ref_id(body.get("class")),
                    None,
                    None,
                )
            )
        self.db.executemany(_LINE_INSERT, rows)

    def delete_purchase_order(self, po: dict[str, Any], deleted: str) -> bool:
        """Delete a PO that nothing was created from; False if receipts or bills depend on it."""
        pid = po["id"]
        with self.store.lock:
            if self.db.execute('SELECT 1 FROM "transaction" WHERE createdfrom = ? LIMIT 1', (pid,)).fetchone():
                return False

            def write() -> None:
                self.db.execute("DELETE FROM sim_record WHERE rtype = 'purchaseOrder' AND id = ?", (pid,))
                self.db.execute('DELETE FROM "transaction" WHERE id = ?', (pid,))
                self.db.execute('DELETE FROM transactionline WHERE "transaction" = ?', (pid,))
                self.db.execute(
                    "INSERT INTO deletedrecord VALUES (?, 'purchaseorder', 'Purchase Order', ?, ?, ?)",
                    (pid, po.get("tranId"), po.get("externalId"), deleted),
                )

            self.store._write(write)
            return True

    # ------------------------------------------------------------------ receipts and bills

    def commit_linked(self, rtype: str, body: dict[str, Any], po: dict[str, Any], lines: list[LinkedLine]) -> int:
        """Store an itemReceipt or vendorBill made from `po` (already updated by the caller),
        rewrite the PO, and for receipts move inventory (+quantity at each line's location)."""
        with self.store.lock:
            tid = self.store._take_transaction_id()
            body["id"] = tid
            body.setdefault("tranId", str(tid))

            def write() -> None:
                link = RECEIPT_LINK_TYPE if rtype == "itemReceipt" else BILL_LINK_TYPE
                self._insert_linked(rtype, body, po, lines, link)
                self.write_purchase_order_rows(po, create=False)
                if rtype == "itemReceipt":
                    self.store._move((ln.item, int(ln.location or 0), ln.quantity) for ln in lines if ln.quantity)

            self.store._write(write)
            return tid

    def _insert_linked(
        self, rtype: str, body: dict[str, Any], po: dict[str, Any], lines: list[LinkedLine], link_type: str
    ) -> None:
        tid, pid = body["id"], po["id"]
        self.db.execute(
            "INSERT INTO sim_record VALUES (?, ?, ?, ?, ?, ?)",
            (rtype, tid, body.get("externalId"), body["tranId"], body["lastModifiedDate"], json.dumps(body)),
        )
        code = TRANSACTION_TYPES[rtype]
        status = self.store._status_column(rtype, body.get("status"))
        self.db.execute(
            _TX_INSERT,
            (
                tid,
                body["tranId"],
                code,
                status,
                body.get("externalId"),
                body.get("tranDate"),
                pid,
                body["createdDate"],
                body["lastModifiedDate"],
                body.get("memo"),
                ref_id(body.get("entity")),
                ref_id(body.get("currency")),
                body.get("total"),
            ),
        )
        rows: list[tuple[Any, ...]] = [
            (
                0,
                tid,
                0,
                "T",
                None,
                None,
                ref_id(body.get("location")),
                None,
                body.get("total"),
                None,
                None,
                None,
                None,
                None,
                pid,
                None,
            )
        ]
        links = []
        for n, ln in enumerate(lines, start=1):
            amount = round(ln.quantity * ln.rate, 6) if ln.rate is not None else None
            rows.append(
                (
                    n,
                    tid,
                    n,
                    "F",
                    ln.item,
                    ln.quantity,
                    ln.location,
                    ln.rate,
                    amount,
                    None,
                    None,
                    None,
                    None,
                    None,
                    pid,
                    ln.order_line,
                )
            )
            links.append((pid, ln.order_line, "PurchOrd", tid, n, code, link_type, amount))
        self.db.executemany(_LINE_INSERT, rows)
        self.db.executemany("INSERT INTO previoustransactionlinelink VALUES (?, ?, ?, ?, ?, ?, ?, ?)", links)

    # ------------------------------------------------------------------ time bills

    def save_time_bill(self, body: dict[str, Any], hours: float, *, create: bool) -> int:
        with self.store.lock:
            if create:
                body["id"] = self._next_time_bill_id
                self._next_time_bill_id += 1
            tid = int(body["id"])

            def write() -> None:
                if create:
                    self.db.execute(
                        "INSERT INTO sim_record VALUES ('timeBill', ?, ?, NULL, ?, ?)",
                        (tid, body.get("externalId"), body["lastModifiedDate"], json.dumps(body)),
                    )
                else:
                    self.db.execute(
                        "UPDATE sim_record SET externalid = ?, lastmodified = ?, body = ? WHERE rtype = 'timeBill' AND id = ?",
                        (body.get("externalId"), body["lastModifiedDate"], json.dumps(body), tid),
                    )
                    self.db.execute("DELETE FROM timebill WHERE id = ?", (tid,))
                approval = body.get("approvalStatus")
                time_type = body.get("timeType")
                self.db.execute(
                    "INSERT INTO timebill VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        tid,
                        ref_id(body["employee"]),
                        body["tranDate"],
                        hours,
                        ref_id(body.get("item")),
                        ref_id(body.get("customer")),
                        ref_id(body.get("location")),
                        ref_id(body.get("department")),
                        ref_id(body.get("class")),
                        body.get("memo"),
                        "T" if body.get("isBillable") else "F",
                        approval.get("id") if isinstance(approval, dict) else approval,
                        time_type.get("id") if isinstance(time_type, dict) else time_type,
                        body.get("externalId"),
                        body["createdDate"],
                        body["lastModifiedDate"],
                    ),
                )

            self.store._write(write)
            return tid
