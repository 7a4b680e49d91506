"""Writes of the PLM area: parts and part revisions, part attributes, mBOM versions, issues.

Contract: ion.md §3.3 (identity is partNumber + revision; `createPart`, `updatePart`,
`createPartRevision` copies attributes), §3.10 (versions Draft / In Review / Released /
Archived, only one Released at a time; a released version is not edited, a new one is made),
§3.13 (issues: Pending → In Progress → In Review → Resolved; a disposition before moving on),
§2.4 (every update carries the object's `_etag`; a stale one is an "etag mismatch" error).
Errors are `GraphQLError`s (HTTP 200 with `errors[]`).
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from graphql import GraphQLError

from sandbox.ion.store import IonStore
from sandbox.ion.timestamps import now_stored

ISSUE_ORDER = ["PENDING", "IN_PROGRESS", "IN_REVIEW", "RESOLVED"]


def _id(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise GraphQLError(f"Invalid ID for {what}: {value!r}") from None


def next_revision(revision: str | None) -> str:
    """A → B … Z → AA (ION's default letter scheme)."""
    if not revision or not revision.isalpha():
        return "A"
    letters = list(revision.upper())
    i = len(letters) - 1
    while i >= 0:
        if letters[i] != "Z":
            letters[i] = chr(ord(letters[i]) + 1)
            return "".join(letters)
        letters[i] = "A"
        i -= 1
    return "A" + "".join(letters)


class Plm:
    def __init__(self, store: IonStore) -> None:
        self.store = store

    def _next_id(self, db: sqlite3.Connection, table: str) -> int:
        return int(db.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0])

    def _etag(self, db: sqlite3.Connection, table: str, object_id: int, etag: str | None, name: str) -> None:
        row = db.execute(f"SELECT etag FROM {table} WHERE id = ?", (object_id,)).fetchone()
        if row is None:
            raise GraphQLError(f"{name} {object_id} does not exist.")
        if etag != row[0]:
            raise GraphQLError(
                f"{name} {object_id} was changed by someone else (etag mismatch: got {etag!r}); re-read its _etag and retry."
            )

    def _touch(self, db: sqlite3.Connection, table: str, object_id: int, stamp: str, **columns: Any) -> None:
        sets = "".join(f"{c} = ?, " for c in columns)
        db.execute(
            f"UPDATE {table} SET {sets}etag = ?, updated = ? WHERE id = ?",
            (*columns.values(), uuid.uuid4().hex, stamp, object_id),
        )

    # --- parts --------------------------------------------------------------------------------

    def create_part(self, data: dict[str, Any]) -> int:
        stamp = now_stored()
        number = str(data["partNumber"]).strip()
        revision = data.get("revision") or "A"
        if not number:
            raise GraphQLError("partNumber must not be empty.")
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM parts WHERE part_number = ? AND revision = ?", (number, revision)).fetchone():
                raise GraphQLError(f"Part {number} revision {revision}: (partNumber, revision) is not unique.")
            part_id = max(self._next_id(db, "parts"), 1)
            db.execute(
                "INSERT INTO parts (id, part_number, revision, description, tracking_type, part_type, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    part_id,
                    number,
                    revision,
                    data.get("description"),
                    data.get("trackingType"),
                    data.get("partType") or "PART",
                    stamp,
                    stamp,
                ),
            )
        return part_id

    def update_part(self, data: dict[str, Any]) -> int:
        part_id = _id(data["id"], "part")
        columns = {c: data[f] for f, c in (("description", "description"), ("trackingType", "tracking_type")) if f in data}
        with self.store.transaction() as db:
            self._etag(db, "parts", part_id, data.get("etag"), "Part")
            self._touch(db, "parts", part_id, now_stored(), **columns)
        return part_id

    def create_revision(self, data: dict[str, Any]) -> int:
        source_id = _id(data["id"], "part")
        stamp = now_stored()
        with self.store.transaction() as db:
            self._etag(db, "parts", source_id, data.get("etag"), "Part")
            number, description, tracking, part_type = db.execute(
                "SELECT part_number, description, tracking_type, part_type FROM parts WHERE id = ?", (source_id,)
            ).fetchone()
            latest = db.execute(
                "SELECT revision FROM parts WHERE part_number = ? ORDER BY id DESC LIMIT 1", (number,)
            ).fetchone()[0]
            new_revision = data.get("revision") or next_revision(latest)
            if db.execute("SELECT 1 FROM parts WHERE part_number = ? AND revision = ?", (number, new_revision)).fetchone():
                raise GraphQLError(f"Part {number} revision {new_revision}: (partNumber, revision) is not unique.")
            part_id = self._next_id(db, "parts")
            db.execute(
                "INSERT INTO parts (id, part_number, revision, description, tracking_type, part_type, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (part_id, number, new_revision, description, tracking, part_type, stamp, stamp),
            )
            db.execute("INSERT INTO part_revisions (part_id, revised_from_id) VALUES (?, ?)", (part_id, source_id))
            db.execute(
                "INSERT INTO part_attributes (part_id, key, value, created, updated)"
                " SELECT ?, key, value, ?, ? FROM part_attributes WHERE part_id = ?",
                (part_id, stamp, stamp, source_id),
            )
        return part_id

    def update_attribute(self, data: dict[str, Any]) -> int:
        part_id = _id(data["partId"], "part")
        stamp = now_stored()
        with self.store.transaction() as db:
            existing = db.execute(
                "SELECT id, etag FROM part_attributes WHERE part_id = ? AND key = ?", (part_id, data["key"])
            ).fetchone()
            part_etag = db.execute("SELECT etag FROM parts WHERE id = ?", (part_id,)).fetchone()
            if part_etag is None:
                raise GraphQLError(f"Part {part_id} does not exist.")
            if data.get("etag") not in {part_etag[0], existing[1] if existing else None}:
                raise GraphQLError(f"Part {part_id} was changed by someone else (etag mismatch: got {data.get('etag')!r}).")
            db.execute(
                "INSERT INTO part_attributes (part_id, key, value, created, updated) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (part_id, key) DO UPDATE SET value = excluded.value, updated = excluded.updated,"
                " etag = lower(hex(randomblob(16)))",
                (part_id, data["key"], data.get("value"), stamp, stamp),
            )
            self._touch(db, "parts", part_id, stamp)
            return int(
                db.execute("SELECT id FROM part_attributes WHERE part_id = ? AND key = ?", (part_id, data["key"])).fetchone()[0]
            )

    # --- mBOMs --------------------------------------------------------------------------------

    def create_mbom(self, data: dict[str, Any]) -> int:
        """A new DRAFT version (states: ion.md §3.10). INFERENCE: it starts empty; no source says
        whether ION copies the previous version's lines into it (the writer fills it line by line)."""
        part_id = _id(data["partId"], "part")
        stamp = now_stored()
        with self.store.transaction() as db:
            if not db.execute("SELECT 1 FROM parts WHERE id = ?", (part_id,)).fetchone():
                raise GraphQLError(f"Part {part_id} does not exist.")
            version = db.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM mboms WHERE part_id = ?", (part_id,)).fetchone()[0]
            mbom_id = self._next_id(db, "mboms")
            db.execute(
                "INSERT INTO mboms (id, part_id, version, status, created, updated) VALUES (?, ?, ?, 'DRAFT', ?, ?)",
                (mbom_id, part_id, version, stamp, stamp),
            )
        return mbom_id

    def update_mbom(self, data: dict[str, Any]) -> int:
        mbom_id = _id(data["id"], "mBOM")
        status = data["status"]
        stamp = now_stored()
        with self.store.transaction() as db:
            self._etag(db, "mboms", mbom_id, data.get("etag"), "MBom")
            current, part_id = db.execute("SELECT status, part_id FROM mboms WHERE id = ?", (mbom_id,)).fetchone()
            if current in ("RELEASED", "ARCHIVED") and status in ("DRAFT", "IN_REVIEW"):
                raise GraphQLError(f"MBom {mbom_id} is {current} and cannot return to {status}; create a new version.")
            if status == "RELEASED":
                db.execute(
                    "UPDATE mboms SET status = 'ARCHIVED', etag = lower(hex(randomblob(16))), updated = ?"
                    " WHERE part_id = ? AND status = 'RELEASED' AND id != ?",
                    (stamp, part_id, mbom_id),
                )
            self._touch(db, "mboms", mbom_id, stamp, status=status)
        return mbom_id

    def create_mbom_item(self, data: dict[str, Any]) -> int:
        mbom_id = _id(data["mbomId"], "mBOM")
        part_id = _id(data["partId"], "part")
        with self.store.transaction() as db:
            row = db.execute("SELECT status, version FROM mboms WHERE id = ?", (mbom_id,)).fetchone()
            if row is None:
                raise GraphQLError(f"MBom {mbom_id} does not exist.")
            if row[0] not in ("DRAFT", "IN_REVIEW"):
                raise GraphQLError(f"MBom {mbom_id} (version {row[1]}) is {row[0]} and cannot be edited; create a new version.")
            if not db.execute("SELECT 1 FROM parts WHERE id = ?", (part_id,)).fetchone():
                raise GraphQLError(f"Part {part_id} does not exist.")
            if db.execute("SELECT 1 FROM mbom_items WHERE mbom_id = ? AND part_id = ?", (mbom_id, part_id)).fetchone():
                raise GraphQLError(f"MBomItem for part {part_id} on mBOM {mbom_id} is not unique.")
            item_id = self._next_id(db, "mbom_items")
            db.execute(
                "INSERT INTO mbom_items (id, mbom_id, part_id, quantity, made_on_assembly) VALUES (?, ?, ?, ?, ?)",
                (item_id, mbom_id, part_id, data["quantity"], 1 if data.get("madeOnAssembly") else 0),
            )
        return item_id

    def create_refdes(self, data: dict[str, Any]) -> int:
        item_id = _id(data["mbomItemId"], "mBOM item")
        with self.store.transaction() as db:
            if not db.execute("SELECT 1 FROM mbom_items WHERE id = ?", (item_id,)).fetchone():
                raise GraphQLError(f"MBomItem {item_id} does not exist.")
            refdes_id = self._next_id(db, "mbom_item_refdes")
            db.execute(
                "INSERT INTO mbom_item_refdes (id, mbom_item_id, value) VALUES (?, ?, ?)", (refdes_id, item_id, data["value"])
            )
        return refdes_id

    # --- issues -------------------------------------------------------------------------------

    def create_issue(self, data: dict[str, Any]) -> int:
        stamp = now_stored()
        status = data.get("status") or "PENDING"
        if status != "PENDING" and not data.get("disposition"):
            raise GraphQLError("An issue needs a disposition before it can leave PENDING.")
        with self.store.transaction() as db:
            run_id = None if data.get("runId") is None else _id(data["runId"], "run")
            if run_id is not None and not db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone():
                raise GraphQLError(f"Run {run_id} does not exist.")
            issue_id = self._next_id(db, "issues")
            db.execute(
                "INSERT INTO issues (id, title, status, disposition, cause_condition, expected_condition, run_id,"
                " run_step_id, part_inventory_id, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    issue_id,
                    data["title"],
                    status,
                    data.get("disposition"),
                    data.get("causeCondition"),
                    data.get("expectedCondition"),
                    run_id,
                    data.get("runStepId"),
                    data.get("partInventoryId"),
                    stamp,
                    stamp,
                ),
            )
        return issue_id

    def update_issue(self, data: dict[str, Any]) -> int:
        issue_id = _id(data["id"], "issue")
        with self.store.transaction() as db:
            self._etag(db, "issues", issue_id, data.get("etag"), "Issue")
            disposition = db.execute("SELECT disposition FROM issues WHERE id = ?", (issue_id,)).fetchone()[0]
            columns = {
                c: data[f] for f, c in (("title", "title"), ("status", "status"), ("disposition", "disposition")) if f in data
            }
            if columns.get("status", "PENDING") != "PENDING" and not columns.get("disposition", disposition):
                raise GraphQLError("An issue needs a disposition before it can leave PENDING.")
            self._touch(db, "issues", issue_id, now_stored(), **columns)
        return issue_id
