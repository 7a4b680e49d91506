"""Writes of procedures and their steps, with the rules the simulator enforces.

Sources: see schema_procedures.graphql. Rules: a procedure version is edited (steps created,
updated, deleted) only while DRAFT or IN_REVIEW (INFERENCE: [AB] `editable`, as ion.md §3.10
states for mBOMs); RELEASED archives the family's previously released version and cannot go
back; `cloneProcedure` makes the family's next version, DRAFT, with copies of the steps; every
update carries the object's `_etag` (ion.md §2.4). Errors are `GraphQLError`s.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from graphql import GraphQLError

from sandbox.ion.plm import Plm, _id
from sandbox.ion.store import IonStore
from sandbox.ion.timestamps import now_stored

EDITABLE = ("DRAFT", "IN_REVIEW")
ORDER = ["DRAFT", "IN_REVIEW", "RELEASED", "ARCHIVED"]


class Procedures(Plm):
    def _editable(self, db: sqlite3.Connection, procedure_id: int) -> None:
        row = db.execute("SELECT status, version FROM procedures WHERE id = ?", (procedure_id,)).fetchone()
        if row is None:
            raise GraphQLError(f"Procedure {procedure_id} does not exist.")
        if row[0] not in EDITABLE:
            raise GraphQLError(
                f"Procedure {procedure_id} v{row[1]} is {row[0]} and cannot be edited; clone it to make a new version."
            )

    def create_procedure(self, data: dict[str, Any]) -> int:
        title = str(data.get("title") or "").strip()
        if not title:
            raise GraphQLError("title must not be empty.")
        stamp = now_stored()
        with self.store.transaction() as db:
            procedure_id = self._next_id(db, "procedures")
            db.execute(
                "INSERT INTO procedures (id, family_id, version, title, description, status, created, updated)"
                " VALUES (?, ?, 1, ?, ?, 'DRAFT', ?, ?)",
                (procedure_id, procedure_id, title, data.get("description"), stamp, stamp),
            )
        return procedure_id

    def clone_procedure(self, data: dict[str, Any]) -> int:
        source = _id(data["procedureId"], "procedure")
        stamp = now_stored()
        with self.store.transaction() as db:
            self._etag(db, "procedures", source, data.get("etag"), "Procedure")
            family, title, description = db.execute(
                "SELECT family_id, title, description FROM procedures WHERE id = ?", (source,)
            ).fetchone()
            version = db.execute("SELECT MAX(version) + 1 FROM procedures WHERE family_id = ?", (family,)).fetchone()[0]
            procedure_id = self._next_id(db, "procedures")
            db.execute(
                "INSERT INTO procedures (id, family_id, version, title, description, status, created, updated)"
                " VALUES (?, ?, ?, ?, ?, 'DRAFT', ?, ?)",
                (procedure_id, family, version, title, description, stamp, stamp),
            )
            db.execute(
                "INSERT INTO steps (procedure_id, title, content, position, created, updated)"
                " SELECT ?, title, content, position, ?, ? FROM steps WHERE procedure_id = ? ORDER BY position, id",
                (procedure_id, stamp, stamp, source),
            )
        return procedure_id

    def update_procedure(self, data: dict[str, Any]) -> int:
        procedure_id = _id(data["id"], "procedure")
        stamp = now_stored()
        with self.store.transaction() as db:
            self._etag(db, "procedures", procedure_id, data.get("etag"), "Procedure")
            family, status = db.execute("SELECT family_id, status FROM procedures WHERE id = ?", (procedure_id,)).fetchone()
            new = data.get("status") or status
            if ORDER.index(new) < ORDER.index(status) or (status not in EDITABLE and new != status):
                raise GraphQLError(f"Procedure {procedure_id} cannot move from {status} to {new}.")
            if new == "RELEASED" and status != "RELEASED":
                db.execute(
                    "UPDATE procedures SET status = 'ARCHIVED', updated = ? WHERE family_id = ? AND status = 'RELEASED'",
                    (stamp, family),
                )
            columns = {c: data[c] for c in ("title", "description") if data.get(c) is not None}
            if columns and status not in EDITABLE:
                raise GraphQLError(f"Procedure {procedure_id} is {status} and cannot be edited; clone it to make a new version.")
            self._touch(db, "procedures", procedure_id, stamp, status=new, **columns)
        return procedure_id

    def create_step(self, data: dict[str, Any]) -> int:
        procedure_id = _id(data["procedureId"], "procedure")
        stamp = now_stored()
        with self.store.transaction() as db:
            self._editable(db, procedure_id)
            position = data.get("position")
            if position is None:
                position = db.execute(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM steps WHERE procedure_id = ?", (procedure_id,)
                ).fetchone()[0]
            step_id = self._next_id(db, "steps")
            db.execute(
                "INSERT INTO steps (id, procedure_id, title, content, position, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (step_id, procedure_id, data["title"], data.get("content"), position, stamp, stamp),
            )
        return step_id

    def update_step(self, data: dict[str, Any]) -> int:
        step_id = _id(data["id"], "step")
        with self.store.transaction() as db:
            self._etag(db, "steps", step_id, data.get("etag"), "Step")
            self._editable(db, db.execute("SELECT procedure_id FROM steps WHERE id = ?", (step_id,)).fetchone()[0])
            columns = {c: data[c] for c in ("title", "content", "position") if data.get(c) is not None}
            self._touch(db, "steps", step_id, now_stored(), **columns)
        return step_id

    def delete_step(self, data: dict[str, Any]) -> int:
        step_id = _id(data["id"], "step")
        with self.store.transaction() as db:
            self._etag(db, "steps", step_id, data.get("etag"), "Step")
            self._editable(db, db.execute("SELECT procedure_id FROM steps WHERE id = ?", (step_id,)).fetchone()[0])
            db.execute("DELETE FROM steps WHERE id = ?", (step_id,))
        return step_id


def seed_inspections(store: IonStore, first_run_id: int, count: int) -> int:
    """Test data: on each existing run from `first_run_id`, a COMPLETE step "Inspect" that recorded
    a torque and a voltage (run-step fields, ion.md §3.2). Returns how many runs got one."""
    stamp = now_stored()
    with store.transaction() as db:
        runs = [r[0] for r in db.execute("SELECT id FROM runs WHERE id >= ? ORDER BY id LIMIT ?", (first_run_id, count))]
        step = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM run_steps").fetchone()[0])
        for n, run_id in enumerate(runs, 1):
            db.execute(
                "INSERT INTO run_steps (id, run_id, title, position, status, created, updated) VALUES (?, ?, 'Inspect', 99, 'COMPLETE', ?, ?)",
                (step + n, run_id, stamp, stamp),
            )
            db.executemany(
                "INSERT INTO run_step_fields (run_step_id, name, type, unit, value) VALUES (?, ?, 'NUMBER', ?, ?)",
                [(step + n, "Torque", "N·m", f"{1 + run_id % 7 / 10:.1f}"), (step + n, "Supply voltage", "V", "5.02")],
            )
    return len(runs)
