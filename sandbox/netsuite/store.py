"""SQLite state of the simulated account, and the demo factory (sandbox/README.md).

Two layers live in one database file:
- `sim_record`: the REST representation of every record (JSON, canonical, references stored
  as `{"id": ...}`), keyed by record type and internal id, with `externalId` unique per record
  type (netsuite.md §1.5) enforced by a unique index;
- NetSuite-named SuiteQL tables (`transaction`, `transactionline`, `item`, `location`,
  `inventorybalance`, §1.9, plus the purchasing tables of `purchasing_schema.py`, written by
  `purchasing_store.py`), written alongside every REST write, which `suiteql.py` queries
  directly. Indexes make `tranid IN (...)`/`externalid IN (...)` lookups cheap at 100k rows.

Items and locations are few and read on every transform, so they are cached in memory.
All access goes through one lock: handlers run on the event loop, seeding and admin calls may
come from another thread.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.seed_rows import batches

from .config import NetSuiteSimConfig
from .purchasing_schema import PURCHASING_SCHEMA, PURCHASING_TABLES
from .purchasing_store import PurchasingStore
from .schema import ITEM_TYPES, TRANSACTION_TYPES

BALANCE_BATCH = 50_000  # rows of a bulk balance seed held at once

SCHEMA = """
CREATE TABLE IF NOT EXISTS sim_record (
    rtype TEXT NOT NULL, id INTEGER NOT NULL, externalid TEXT, tranid TEXT,
    lastmodified TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (rtype, id));
CREATE UNIQUE INDEX IF NOT EXISTS sim_record_eid ON sim_record (rtype, externalid);
CREATE INDEX IF NOT EXISTS sim_record_tranid ON sim_record (rtype, tranid);
CREATE INDEX IF NOT EXISTS sim_record_lastmodified ON sim_record (rtype, lastmodified);
CREATE TABLE IF NOT EXISTS "transaction" (
    id INTEGER PRIMARY KEY, tranid TEXT, type TEXT NOT NULL, status TEXT, externalid TEXT,
    trandate TEXT, createdfrom INTEGER, createddate TEXT, lastmodifieddate TEXT, memo TEXT,
    entity INTEGER, currency INTEGER, foreigntotal REAL);
CREATE INDEX IF NOT EXISTS transaction_tranid ON "transaction" (tranid);
CREATE INDEX IF NOT EXISTS transaction_externalid ON "transaction" (externalid) WHERE externalid IS NOT NULL;
CREATE INDEX IF NOT EXISTS transaction_createdfrom ON "transaction" (createdfrom);
CREATE TABLE IF NOT EXISTS transactionline (
    id INTEGER NOT NULL, "transaction" INTEGER NOT NULL, linesequencenumber INTEGER,
    mainline TEXT NOT NULL, item INTEGER, quantity REAL, location INTEGER,
    rate REAL, foreignamount REAL, quantityshiprecv REAL, quantitybilled REAL, isclosed TEXT,
    department INTEGER, class INTEGER, createdfrom INTEGER, orderline INTEGER,
    PRIMARY KEY ("transaction", id));
CREATE INDEX IF NOT EXISTS transactionline_item ON transactionline (item);
CREATE TABLE IF NOT EXISTS item (
    id INTEGER PRIMARY KEY, itemid TEXT NOT NULL, displayname TEXT, fullname TEXT, itemtype TEXT,
    isserialitem TEXT, islotitem TEXT, isinactive TEXT, externalid TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS item_itemid ON item (itemid);
CREATE TABLE IF NOT EXISTS location (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, fullname TEXT, parent INTEGER, isinactive TEXT,
    externalid TEXT);
CREATE TABLE IF NOT EXISTS inventorybalance (
    item INTEGER NOT NULL, location INTEGER NOT NULL, quantityonhand REAL, quantityavailable REAL,
    PRIMARY KEY (item, location));
CREATE TABLE IF NOT EXISTS inventorynumber (
    id INTEGER PRIMARY KEY AUTOINCREMENT, inventorynumber TEXT NOT NULL, item INTEGER NOT NULL,
    UNIQUE (item, inventorynumber));
"""
_DATA_TABLES = (
    "sim_record",
    '"transaction"',
    "transactionline",
    "item",
    "location",
    "inventorybalance",
    "inventorynumber",
    *PURCHASING_TABLES,
)
_TX_COLUMNS = '"transaction" (id, tranid, type, status, externalid, trandate, createdfrom, createddate, lastmodifieddate, memo)'
_LINE_COLUMNS = 'transactionline (id, "transaction", linesequencenumber, mainline, item, quantity, location)'

# --- the demo factory (sandbox/README.md, "NetSuite ..." paragraphs) ---
DEMO_LOCATIONS = [(1, "Hawthorne"), (2, "Long Beach")]
DEMO_ITEMS = [  # id, itemid, displayName, REST record type
    (501, "ASSY-100", "Assembly Part One", "assemblyItem"),
    (502, "COMP-200", "Component Part One", "inventoryItem"),
    (503, "COMP-300", "Component Part Two", "inventoryItem"),
    (504, "SAT-500", "Satellite modem", "serializedAssemblyItem"),
    (505, "RES-10", "Resistor kit", "lotNumberedInventoryItem"),
    (506, "MOD-20", "RF module", "serializedInventoryItem"),
    (507, "BRACKET-0007", "Bracket", "inventoryItem"),
    (509, "GLUE-1", "Epoxy, ml", "inventoryItem"),
]
DEMO_WORK_ORDERS = [  # id, tranId, assembly, quantity, location, status
    (2001, "WO1001", 501, 3, 1, "B"),
    (2002, "WO1002", 504, 1, 2, "B"),
    (2003, "WO1003", 501, 2, 1, "D"),
    (2004, "WO1004", 501, 1, 1, "B"),
    (2005, "WO1005", 501, 1, 1, "B"),
    (2006, "WO1006", 501, 1, 1, "B"),
    (2007, "WO1007", 501, 1, 1, "B"),
    (2009, "WO1009", 501, 2, 1, "B"),
]
DEMO_BALANCES = [  # itemid, location, quantity on hand (= available)
    ("COMP-200", 1, 67.2),
    ("COMP-200", 2, 49.8),
    ("COMP-300", 1, 100),
    ("COMP-300", 2, 40),
    ("RES-10", 2, 100),
    ("MOD-20", 2, 5),
    ("GLUE-1", 1, 12),
    ("GLUE-1", 2, 99.95),
    ("BRACKET-0007", 1, 50),
]
# Lots/serials in stock (inventoryNumber records: id, number, item): what ION's demo runs consume.
DEMO_INVENTORY_NUMBERS = [(801, "L-2211", 505), *[(810 + n, f"M-{n:04d}", 506) for n in range(1, 6)]]
DEMO_EPOCH = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
BULK_ASSEMBLY = 501
BULK_COMPONENTS = [f"BULK-C{n:02d}" for n in range(1, 21)]


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ItemInfo:
    id: int
    itemid: str
    rtype: str
    display_name: str
    external_id: str | None

    @property
    def tracking(self) -> str | None:
        return ITEM_TYPES[self.rtype][1]

    @property
    def is_assembly(self) -> bool:
        return ITEM_TYPES[self.rtype][0] == "Assembly"


@dataclass(frozen=True)
class LocationInfo:
    id: int
    name: str
    external_id: str | None


@dataclass
class ComponentLine:
    """One validated completion component line (several may share an item)."""

    item: int
    quantity: float
    location: int
    body: dict[str, Any]


@dataclass
class CompletionPlan:
    """A validated workOrderCompletion, ready to commit in one SQLite transaction."""

    work_order: dict[str, Any]
    external_id: str | None
    tran_date: str
    quantity: float
    location: int
    assembly: int
    body: dict[str, Any]
    components: list[ComponentLine] = field(default_factory=list)
    received_numbers: tuple[str, ...] = ()  # lots/serials of the built assembly: new inventoryNumber records


class DuplicateExternalId(Exception):
    """The externalId is already used by a record of the same type."""


def work_order_body(
    wid: int,
    tran_id: str,
    assembly: int,
    quantity: float,
    location: int | None,
    status: str,
    tran_date: str,
    modified: str,
    external_id: str | None = None,
    memo: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": wid,
        "tranId": tran_id,
        "assemblyItem": {"id": str(assembly)},
        "quantity": quantity,
        "status": status,
        "subsidiary": {"id": "1"},
        "tranDate": tran_date,
        "startDate": tran_date,
        "isWip": False,
        "createdDate": modified,
        "lastModifiedDate": modified,
    }
    if location is not None:
        body["location"] = {"id": str(location)}
    if external_id is not None:
        body["externalId"] = external_id
    if memo is not None:
        body["memo"] = memo
    return body


class Store:
    """The account's records. Every public method takes the lock and commits (or rolls back)."""

    def __init__(self, config: NetSuiteSimConfig) -> None:
        self.config = config
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        if config.database is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="netsuite-sim-")
            self.path = os.path.join(self._tmpdir.name, "netsuite.sqlite3")
        else:
            self.path = config.database
        self.lock = threading.RLock()
        self.db = self._connect()
        self.db.executescript(SCHEMA)
        self.db.executescript(PURCHASING_SCHEMA)
        self.purchasing = PurchasingStore(self)
        self.items: dict[int, ItemInfo] = {}
        self.items_by_eid: dict[str, ItemInfo] = {}
        self.locations: dict[int, LocationInfo] = {}
        self.locations_by_eid: dict[str, LocationInfo] = {}
        self._next_transaction_id = 0
        self._next_item_id = 0
        self._load_caches()
        if config.seed_demo and not self.items and not self.locations:
            self.seed_demo()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, cached_statements=256)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA temp_store=MEMORY")
        return db

    def connect_reader(self) -> sqlite3.Connection:
        """A second connection for SuiteQL (gets its own authorizer; sees every commit via WAL)."""
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, cached_statements=256)
        db.execute("PRAGMA query_only=ON")
        return db

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # ------------------------------------------------------------------ caches, sequences

    def _load_caches(self) -> None:
        self.items.clear()
        self.items_by_eid.clear()
        self.locations.clear()
        self.locations_by_eid.clear()
        marks = ",".join("?" * len(ITEM_TYPES))
        for rtype, body in self.db.execute(f"SELECT rtype, body FROM sim_record WHERE rtype IN ({marks})", tuple(ITEM_TYPES)):
            b = json.loads(body)
            info = ItemInfo(int(b["id"]), b["itemId"], rtype, b.get("displayName") or b["itemId"], b.get("externalId"))
            self.items[info.id] = info
            if info.external_id:
                self.items_by_eid[info.external_id] = info
        for (body,) in self.db.execute("SELECT body FROM sim_record WHERE rtype = 'location'"):
            b = json.loads(body)
            loc = LocationInfo(int(b["id"]), b["name"], b.get("externalId"))
            self.locations[loc.id] = loc
            if loc.external_id:
                self.locations_by_eid[loc.external_id] = loc
        (max_tx,) = self.db.execute('SELECT MAX(id) FROM "transaction"').fetchone()
        self._next_transaction_id = max((max_tx or 0) + 1, 3001)
        self._next_item_id = max(self.items, default=509) + 1
        self.purchasing.load()

    def _take_transaction_id(self) -> int:
        tid = self._next_transaction_id
        self._next_transaction_id += 1
        return tid

    # ------------------------------------------------------------------ seeding

    def reset(self) -> None:
        """Drop all state and re-seed the demo factory (when configured)."""
        with self.lock:
            self.db.execute("BEGIN")
            for table in _DATA_TABLES:
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("COMMIT")
            self._load_caches()
            if self.config.seed_demo:
                self.seed_demo()

    def seed_demo(self) -> None:
        with self.lock:
            self.db.execute("BEGIN")
            try:
                for lid, name in DEMO_LOCATIONS:
                    self._insert_location(lid, name)
                for iid, itemid, name, rtype in DEMO_ITEMS:
                    self._insert_item(iid, itemid, name, rtype)
                by_itemid = {itemid: iid for iid, itemid, _, _ in DEMO_ITEMS}
                self.db.executemany("INSERT INTO inventorynumber VALUES (?, ?, ?)", DEMO_INVENTORY_NUMBERS)
                self.db.executemany(
                    "INSERT INTO inventorybalance VALUES (?, ?, ?, ?)",
                    [(by_itemid[itemid], loc, qty, qty) for itemid, loc, qty in DEMO_BALANCES],
                )
                for n, (wid, tran_id, assembly, qty, loc, status) in enumerate(DEMO_WORK_ORDERS):
                    modified = iso(DEMO_EPOCH + timedelta(hours=n))
                    body = work_order_body(wid, tran_id, assembly, qty, loc, status, "2026-11-10", modified)
                    self._insert_work_orders([body])
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("ANALYZE")
            self._load_caches()
            if self.config.seed_purchasing:
                self.purchasing.seed_demo()

    def _insert_location(self, lid: int, name: str, external_id: str | None = None) -> None:
        body = {"id": lid, "name": name, "isInactive": False, "subsidiary": {"id": "1"}}
        if external_id:
            body["externalId"] = external_id
        self.db.execute(
            "INSERT INTO sim_record VALUES ('location', ?, ?, NULL, ?, ?)", (lid, external_id, iso(DEMO_EPOCH), json.dumps(body))
        )
        self.db.execute("INSERT INTO location VALUES (?, ?, ?, NULL, 'F', ?)", (lid, name, name, external_id))

    def _insert_item(self, iid: int, itemid: str, name: str, rtype: str) -> None:
        itemtype, tracking = ITEM_TYPES[rtype]
        body = {"id": iid, "itemId": itemid, "displayName": name, "isInactive": False}
        self.db.execute("INSERT INTO sim_record VALUES (?, ?, NULL, NULL, ?, ?)", (rtype, iid, iso(DEMO_EPOCH), json.dumps(body)))
        self.db.execute(
            "INSERT INTO item VALUES (?, ?, ?, ?, ?, ?, ?, 'F', NULL)",
            (iid, itemid, name, itemid, itemtype, "T" if tracking == "serial" else "F", "T" if tracking == "lot" else "F"),
        )

    def _status_column(self, rtype: str, letter: str | None) -> str | None:
        if letter is None:
            return None
        if self.config.suiteql_status_format == "prefixed":
            return f"{TRANSACTION_TYPES[rtype]}:{letter}"
        return letter

    def _insert_work_orders(self, bodies: Sequence[dict[str, Any]]) -> None:
        """Insert work orders in the REST layer and the SuiteQL tables (no transaction handling)."""
        self.db.executemany(
            "INSERT INTO sim_record VALUES ('workOrder', ?, ?, ?, ?, ?)",
            [(b["id"], b.get("externalId"), b["tranId"], b["lastModifiedDate"], json.dumps(b)) for b in bodies],
        )
        self.db.executemany(
            f"INSERT INTO {_TX_COLUMNS} VALUES (?, ?, 'WorkOrd', ?, ?, ?, NULL, ?, ?, ?)",
            [
                (
                    b["id"],
                    b["tranId"],
                    self._status_column("workOrder", b["status"]),
                    b.get("externalId"),
                    b.get("tranDate"),
                    b["createdDate"],
                    b["lastModifiedDate"],
                    b.get("memo"),
                )
                for b in bodies
            ],
        )
        self.db.executemany(
            f"INSERT INTO {_LINE_COLUMNS} VALUES (0, ?, 0, 'T', ?, ?, ?)",
            [
                (b["id"], int(b["assemblyItem"]["id"]), b["quantity"], int(b["location"]["id"]) if b.get("location") else None)
                for b in bodies
            ],
        )

    def bulk_work_orders(self, count: int) -> dict[str, int]:
        """Benchmark data: items BULK-C01..C20 if missing, work orders WO-B000001..WO-B<count>."""
        with self.lock:
            self.db.execute("BEGIN")
            try:
                items_created = self._insert_bulk_items()
                existing = {
                    r[0]
                    for r in self.db.execute("SELECT tranid FROM \"transaction\" WHERE type = 'WorkOrd' AND tranid LIKE 'WO-B%'")
                }
                now = iso_now()
                today = now[:10]
                bodies = []
                for i in range(1, count + 1):
                    tran_id = f"WO-B{i:06d}"
                    if tran_id in existing:
                        continue
                    bodies.append(
                        work_order_body(self._take_transaction_id(), tran_id, BULK_ASSEMBLY, (i - 1) % 5 + 1, 1, "B", today, now)
                    )
                self._insert_work_orders(bodies)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                self._load_caches()
                raise
            self.db.execute("ANALYZE")  # planner statistics: prefer the tranid/externalid indexes
            if items_created:
                self._load_caches()
            return {"work_orders_created": len(bodies), "items_created": items_created}

    def bulk_balances(self, rows: Iterable[tuple[str, int, float]]) -> dict[str, int]:
        """Benchmark data: on-hand `quantity` of item `itemid` at location id, per row (items
        created as inventory items when missing; an existing balance is replaced), in one
        transaction a batch at a time; the caches are reloaded once, after."""
        balances = created = 0
        with self.lock:
            self.db.execute("BEGIN")
            try:
                known = {i.itemid: iid for iid, i in self.items.items()}
                itemtype, _ = ITEM_TYPES["inventoryItem"]
                stamp = iso(DEMO_EPOCH)
                for batch in batches(iter(rows), BALANCE_BATCH):
                    missing = list(dict.fromkeys(itemid for itemid, _, _ in batch if itemid not in known))
                    first = self._next_item_id + created
                    self.db.executemany(
                        "INSERT INTO sim_record VALUES ('inventoryItem', ?, NULL, NULL, ?, ?)",
                        (
                            (
                                first + n,
                                stamp,
                                json.dumps({"id": first + n, "itemId": itemid, "displayName": itemid, "isInactive": False}),
                            )
                            for n, itemid in enumerate(missing)
                        ),
                    )
                    self.db.executemany(
                        "INSERT INTO item VALUES (?, ?, ?, ?, ?, 'F', 'F', 'F', NULL)",
                        ((first + n, itemid, itemid, itemid, itemtype) for n, itemid in enumerate(missing)),
                    )
                    known.update({itemid: first + n for n, itemid in enumerate(missing)})
                    self.db.executemany(
                        "INSERT OR REPLACE INTO inventorybalance VALUES (?1, ?2, ?3, ?3)",
                        ((known[itemid], location, quantity) for itemid, location, quantity in batch),
                    )
                    created += len(missing)
                    balances += len(batch)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self._load_caches()
            return {"balances": balances, "items_created": created}

    def _insert_bulk_items(self) -> int:
        """Insert the missing inventory items BULK-C01..C20 (no transaction handling; the caller
        reloads the caches); returns how many were created."""
        known = {i.itemid for i in self.items.values()}
        created = 0
        for n, itemid in enumerate(BULK_COMPONENTS, start=1):
            if itemid not in known:
                self._insert_item(self._next_item_id, itemid, f"Bulk component {n:02d}", "inventoryItem")
                self._next_item_id += 1
                created += 1
        return created

    # ------------------------------------------------------------------ reads

    def get(self, rtype: str, rid: int) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute("SELECT body FROM sim_record WHERE rtype = ? AND id = ?", (rtype, rid)).fetchone()
        return json.loads(row[0]) if row else None

    def get_by_external_id(self, rtype: str, external_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT body FROM sim_record WHERE rtype = ? AND externalid = ?", (rtype, external_id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def list_ids(self, rtype: str, where: str | None, params: Sequence[Any], limit: int, offset: int) -> tuple[list[int], int]:
        cond = f" AND ({where})" if where else ""
        with self.lock:
            (total,) = self.db.execute(f"SELECT COUNT(*) FROM sim_record WHERE rtype = ?{cond}", (rtype, *params)).fetchone()
            ids = [
                r[0]
                for r in self.db.execute(
                    f"SELECT id FROM sim_record WHERE rtype = ?{cond} ORDER BY id LIMIT ? OFFSET ?",
                    (rtype, *params, limit, offset),
                )
            ]
        return ids, total

    def dump(self, rtype: str, limit: int | None = None, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        with self.lock:
            (total,) = self.db.execute("SELECT COUNT(*) FROM sim_record WHERE rtype = ?", (rtype,)).fetchone()
            rows = self.db.execute(
                "SELECT body FROM sim_record WHERE rtype = ? ORDER BY id LIMIT ? OFFSET ?",
                (rtype, -1 if limit is None else limit, offset),
            ).fetchall()
        return [json.loads(r[0]) for r in rows], total

    def balances(self) -> list[tuple[int, int, float, float]]:
        with self.lock:
            return self.db.execute(
                "SELECT item, location, quantityonhand, quantityavailable FROM inventorybalance ORDER BY item, location"
            ).fetchall()

    def on_hand(self, item: int, location: int) -> float:
        with self.lock:
            row = self.db.execute(
                "SELECT quantityonhand FROM inventorybalance WHERE item = ? AND location = ?", (item, location)
            ).fetchone()
        return float(row[0]) if row else 0.0

    # ------------------------------------------------------------------ writes

    def create_work_order(self, body: dict[str, Any]) -> int:
        """`body` is canonical except `id`; returns the new internal id."""
        with self.lock:
            body["id"] = wid = self._take_transaction_id()
            if not body.get("tranId"):
                body["tranId"] = f"WO{wid}"
            self._write(lambda: self._insert_work_orders([body]))
            return wid

    def update_work_order(self, body: dict[str, Any]) -> None:
        """Replace a stored work order with `body` (same id) in both layers."""
        with self.lock:
            wid = body["id"]

            def write() -> None:
                self.db.execute(
                    "UPDATE sim_record SET externalid = ?, tranid = ?, lastmodified = ?, body = ? WHERE rtype = 'workOrder' AND id = ?",
                    (body.get("externalId"), body["tranId"], body["lastModifiedDate"], json.dumps(body), wid),
                )
                self.db.execute(
                    'UPDATE "transaction" SET tranid = ?, status = ?, externalid = ?, trandate = ?, lastmodifieddate = ?, memo = ? WHERE id = ?',
                    (
                        body["tranId"],
                        self._status_column("workOrder", body["status"]),
                        body.get("externalId"),
                        body.get("tranDate"),
                        body["lastModifiedDate"],
                        body.get("memo"),
                        wid,
                    ),
                )
                self.db.execute(
                    'UPDATE transactionline SET item = ?, quantity = ?, location = ? WHERE "transaction" = ? AND id = 0',
                    (
                        int(body["assemblyItem"]["id"]),
                        body["quantity"],
                        int(body["location"]["id"]) if body.get("location") else None,
                        wid,
                    ),
                )

            self._write(write)

    def create_completion(self, plan: CompletionPlan) -> int:
        """Commit a completion: its record, SuiteQL rows, and the inventory moves."""
        with self.lock:
            cid = self._take_transaction_id()
            now = iso_now()
            body = plan.body
            body["id"] = cid
            body.setdefault("tranId", str(cid))
            body["createdDate"] = body["lastModifiedDate"] = now
            sign = -1 if self.config.suiteql_component_lines_negative else 1
            lines = [(0, cid, 0, "T", plan.assembly, plan.quantity, plan.location)]
            lines += [(n, cid, n, "F", c.item, sign * c.quantity, c.location) for n, c in enumerate(plan.components, start=1)]
            moves = [(plan.assembly, plan.location, plan.quantity)]
            moves += [(c.item, c.location, -c.quantity) for c in plan.components if c.quantity]

            def write() -> None:
                self.db.execute(
                    "INSERT INTO sim_record VALUES ('workOrderCompletion', ?, ?, ?, ?, ?)",
                    (cid, plan.external_id, body["tranId"], now, json.dumps(body)),
                )
                self.db.execute(
                    f"INSERT INTO {_TX_COLUMNS} VALUES (?, ?, 'WOCompl', NULL, ?, ?, ?, ?, ?, ?)",
                    (cid, body["tranId"], plan.external_id, plan.tran_date, plan.work_order["id"], now, now, body.get("memo")),
                )
                self.db.executemany(f"INSERT INTO {_LINE_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?)", lines)
                self._move(moves)
                self.db.executemany(
                    "INSERT OR IGNORE INTO inventorynumber (inventorynumber, item) VALUES (?, ?)",
                    [(n, plan.assembly) for n in plan.received_numbers],
                )

            self._write(write)
            return cid

    def inventory_number(self, number_id: int) -> tuple[str, int] | None:
        """(number, item) of an inventoryNumber record."""
        with self.lock:
            row = self.db.execute("SELECT inventorynumber, item FROM inventorynumber WHERE id = ?", (number_id,)).fetchone()
        return (str(row[0]), int(row[1])) if row else None

    def close_work_order(self, work_order: dict[str, Any], body: dict[str, Any], external_id: str | None) -> int:
        """workOrderClose transform: a WOClose transaction and the work order's status H."""
        with self.lock:
            xid = self._take_transaction_id()
            now = iso_now()
            body["id"] = xid
            body.setdefault("tranId", str(xid))
            body["createdDate"] = body["lastModifiedDate"] = now
            work_order["status"] = "H"
            work_order["lastModifiedDate"] = now

            def write() -> None:
                self.db.execute(
                    "INSERT INTO sim_record VALUES ('workOrderClose', ?, ?, ?, ?, ?)",
                    (xid, external_id, body["tranId"], now, json.dumps(body)),
                )
                self.db.execute(
                    f"INSERT INTO {_TX_COLUMNS} VALUES (?, ?, 'WOClose', NULL, ?, ?, ?, ?, ?, ?)",
                    (xid, body["tranId"], external_id, body.get("tranDate"), work_order["id"], now, now, body.get("memo")),
                )
                self.db.execute(
                    "UPDATE sim_record SET lastmodified = ?, body = ? WHERE rtype = 'workOrder' AND id = ?",
                    (now, json.dumps(work_order), work_order["id"]),
                )
                self.db.execute(
                    'UPDATE "transaction" SET status = ?, lastmodifieddate = ? WHERE id = ?',
                    (self._status_column("workOrder", "H"), now, work_order["id"]),
                )

            self._write(write)
            return xid

    def _move(self, moves: Iterable[tuple[int, int, float]]) -> None:
        self.db.executemany(
            "INSERT INTO inventorybalance VALUES (?1, ?2, ?3, ?3) ON CONFLICT (item, location) DO UPDATE SET "
            "quantityonhand = ROUND(quantityonhand + ?3, 9), quantityavailable = ROUND(quantityavailable + ?3, 9)",
            list(moves),
        )

    def _write(self, fn: Callable[[], None]) -> None:
        self.db.execute("BEGIN")
        try:
            fn()
        except sqlite3.IntegrityError as exc:
            self.db.execute("ROLLBACK")
            if "sim_record.rtype, sim_record.externalid" in str(exc):
                raise DuplicateExternalId(str(exc)) from exc
            raise
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
