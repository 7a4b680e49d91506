"""Request-scoped batch loading for the purchasing and time-tracking types (ion.md §3.2, §3.5-§3.8).

The same idea as `resolvers.BatchLoader` (no query per object), made generic: every row a
request produces is remembered by type; the first time a relation is asked for, it is loaded
for every remembered sibling in one `IN (json_each(?))` query. `one()` follows a foreign key
(line -> purchase order), `many()` collects children (purchase order -> lines).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sandbox.ion.purchasing_entities import (
    ATTRIBUTE_POST,
    ATTRIBUTES_SELECT,
    CURRENCIES_SELECT,
    PURCHASE_ORDER_FEES,
    PURCHASE_ORDER_LINES,
    PURCHASE_ORDERS,
    RECEIPT_ITEMS,
    RECEIPTS,
    RUN_STEPS,
    SESSIONS,
    SUPPLIERS,
    USERS_SELECT,
)
from sandbox.ion.store import RUNS, IonStore, _run_post

Row = dict[str, Any]
Post = Callable[[Row], Row] | None

#: kind -> (SELECT ..., row post-processing)
KINDS: dict[str, tuple[str, Post]] = {
    "PurchaseOrder": (PURCHASE_ORDERS.select, PURCHASE_ORDERS.post),
    "PurchaseOrderLine": (PURCHASE_ORDER_LINES.select, PURCHASE_ORDER_LINES.post),
    "PurchaseOrderFee": (PURCHASE_ORDER_FEES.select, None),
    "Supplier": (SUPPLIERS.select, None),
    "Receipt": (RECEIPTS.select, None),
    "ReceiptItem": (RECEIPT_ITEMS.select, None),
    "RunStep": (RUN_STEPS.select, None),
    "Session": (SESSIONS.select, None),
    "Run": (RUNS.select, _run_post),
    "User": (USERS_SELECT, None),
    "Currency": (CURRENCIES_SELECT, None),
    "Attribute": (ATTRIBUTES_SELECT, ATTRIBUTE_POST),
}
_IN_IDS = "IN (SELECT value FROM json_each(?))"


class RelationLoader:
    """Batch loads by type; `on_rows` lets the run/inventory `BatchLoader` hear about new rows."""

    def __init__(self, store: IonStore, on_rows: Callable[[str, list[Row]], None] | None = None) -> None:
        self.store = store
        self.on_rows = on_rows
        self.seen: dict[str, dict[int, Row]] = {}
        self._by_id: dict[str, dict[int, Row | None]] = {}
        self._children: dict[tuple[str, str, str], dict[int, list[Row]]] = {}

    def saw(self, kind: str, rows: list[Row]) -> list[Row]:
        seen = self.seen.setdefault(kind, {})
        cache = self._by_id.setdefault(kind, {})
        for row in rows:
            seen[row["id"]] = row
            cache[row["id"]] = row
        if self.on_rows is not None and rows:
            self.on_rows(kind, rows)
        return rows

    def _fetch(self, kind: str, where: str, params: list[Any]) -> list[Row]:
        select, post = KINDS[kind]
        return self.store._fetch(f"{select} WHERE {where} ORDER BY id", params, post)

    def one(self, kind: str, object_id: int | None, source_kind: str, fk: str) -> Row | None:
        """The `kind` row with `object_id`, loaded together with `fk` of every seen `source_kind` row."""
        if object_id is None:
            return None
        cache = self._by_id.setdefault(kind, {})
        if object_id in cache:
            return cache[object_id]
        wanted = {object_id} | {row[fk] for row in self.seen.get(source_kind, {}).values() if row.get(fk) is not None}
        wanted -= cache.keys()
        rows = self._fetch(kind, f"id {_IN_IDS}", [_ids(wanted)])
        for key in wanted:
            cache[key] = None
        self.saw(kind, rows)
        return cache[object_id]

    def many(self, kind: str, parent_kind: str, parent_id: int, column: str, key: str, owner: str | None = None) -> list[Row]:
        """Children of `kind` whose `column` (row field `key`) is the parent's id; attributes by owner."""
        done = self._children.setdefault((kind, column, owner or ""), {})
        found = done.get(parent_id)
        if found is not None:
            return found
        keys = {parent_id} | (self.seen.get(parent_kind, {}).keys() - done.keys())
        for k in keys:
            done[k] = []
        where, params = f"{column} {_IN_IDS}", [_ids(keys)]
        if owner is not None:
            where, params = f"owner = ? AND {where}", [owner, *params]
        rows = self._fetch(kind, where, params)
        for row in rows:
            done[row[key]].append(row)
        self.saw(kind, rows)
        return done[parent_id]


def _ids(ids: Any) -> str:
    return json.dumps(sorted(int(i) for i in ids))
