"""Resolvers of procedures, their steps, a run's procedure and steps, and run-step fields
(schema_procedures.graphql); writes go through `sandbox.ion.procedures.Procedures`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.ion.plm_resolvers import _one, _rows
from sandbox.ion.procedures import Procedures
from sandbox.ion.resolvers import _list_resolver
from sandbox.ion.store import Entity

Row = dict[str, Any]


def _procedure_post(row: Row) -> Row:
    row["editable"] = row["status"] in ("DRAFT", "IN_REVIEW")
    row["isLatestVersion"] = bool(row["isLatestVersion"])
    row["isLatestReleasedVersion"] = row["status"] == "RELEASED"
    return row


PROCEDURES = Entity(
    table="procedures",
    select=(
        "SELECT id, family_id AS familyId, version, title, description, status, etag AS _etag, created AS _created,"
        " updated AS _updated,"
        " version = (SELECT MAX(p2.version) FROM procedures p2 WHERE p2.family_id = procedures.family_id) AS isLatestVersion"
        " FROM procedures"
    ),
    filters={
        "id": ("id", "id"),
        "title": ("title", "str"),
        "familyId": ("family_id", "id"),
        "status": ("status", "enum"),
        "version": ("version", "num"),
    },
    sorts={"ID": "id", "VERSION": "version"},
    post=_procedure_post,
)
STEPS_SELECT = (
    "SELECT id, procedure_id AS procedureId, title, content, position, etag AS _etag, created AS _created,"
    " updated AS _updated, (SELECT status IN ('DRAFT', 'IN_REVIEW') FROM procedures p WHERE p.id = procedure_id) AS editable"
    " FROM steps"
)
RUN_STEPS_SELECT = "SELECT id, run_id AS runId, title, position, status, etag AS _etag FROM run_steps"
FIELDS_SELECT = "SELECT id, run_step_id AS runStepId, name, type, unit, value, etag AS _etag FROM run_step_fields"


def _steps(source: Row, info: GraphQLResolveInfo) -> list[Row]:
    rows = _rows(info, f"{STEPS_SELECT} WHERE procedure_id = ? ORDER BY position, id", (source["id"],))
    for row in rows:
        row["editable"] = bool(row["editable"])
    return rows


def _run_procedure(source: Row, info: GraphQLResolveInfo) -> Row | None:
    found = _rows(info, "SELECT procedure_id AS id FROM run_procedures WHERE run_id = ?", (source["id"],))
    return _one(PROCEDURES)(None, info, found[0]["id"]) if found else None


def _run_procedure_id(source: Row, info: GraphQLResolveInfo) -> Any:
    found = _rows(info, "SELECT procedure_id AS id FROM run_procedures WHERE run_id = ?", (source["id"],))
    return found[0]["id"] if found else None


def _write(kind: str, payload: str, write: Callable[[Procedures, dict[str, Any]], int]) -> Callable[..., Row]:
    """A mutation answering the object re-read after the write (plain arguments or `input`)."""

    def resolve(_source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Row:
        object_id = write(Procedures(info.context.store), arguments.get("input") or arguments)
        info.context.reset_loaders()
        if kind == "deleted":
            return {payload: object_id}
        if kind == "procedure":
            return {payload: _one(PROCEDURES)(None, info, object_id)}
        found = _rows(info, f"{STEPS_SELECT} WHERE id = ?", (object_id,))
        for row in found:
            row["editable"] = bool(row["editable"])
        return {payload: found[0] if found else None}

    return resolve


PROCEDURE_RESOLVERS: dict[str, dict[str, Callable[..., Any]]] = {
    "Query": {"procedure": _one(PROCEDURES), "procedures": _list_resolver(PROCEDURES)},
    "Procedure": {"steps": _steps},
    "Run": {
        "procedure": _run_procedure,
        "procedureId": _run_procedure_id,
        "steps": lambda source, info: _rows(info, f"{RUN_STEPS_SELECT} WHERE run_id = ? ORDER BY position", (source["id"],)),
    },
    "RunStep": {
        "fields": lambda source, info: _rows(info, f"{FIELDS_SELECT} WHERE run_step_id = ? ORDER BY id", (source["id"],)),
    },
    "Mutation": {
        "createProcedure": _write("procedure", "procedure", Procedures.create_procedure),
        "cloneProcedure": _write("procedure", "procedure", Procedures.clone_procedure),
        "updateProcedure": _write("procedure", "procedure", Procedures.update_procedure),
        "createStep": _write("step", "step", Procedures.create_step),
        "updateStep": _write("step", "step", Procedures.update_step),
        "deleteStep": _write("deleted", "id", Procedures.delete_step),
    },
}
