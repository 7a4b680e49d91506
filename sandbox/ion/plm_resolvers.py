"""Resolvers of the PLM area (schema_plm.graphql): mBOMs, issues, part revisions and attributes.

The PLM objects are few per request (one part's mBOM versions, one run's issues), so
relations are read per object with small indexed queries; root lists reuse `_list_resolver`.
Mutations call `sandbox.ion.plm.Plm`, then answer the object re-read after the write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.ion.plm import Plm
from sandbox.ion.plm_entities import ISSUES, MBOM_ITEMS_SELECT, MBOMS, PART_ATTRIBUTES_SELECT, REFDES_SELECT
from sandbox.ion.resolvers import _id, _list_resolver, _part_of
from sandbox.ion.store import RUNS, Entity, IonStore

Row = dict[str, Any]


def _store(info: GraphQLResolveInfo) -> IonStore:
    return info.context.store


def _rows(info: GraphQLResolveInfo, sql: str, params: tuple[Any, ...], post: Callable[[Row], Row] | None = None) -> list[Row]:
    store = _store(info)
    with store.lock:
        return store._fetch(sql, params, post)


def _one(entity: Entity) -> Callable[..., Row | None]:
    def resolve(_source: Any, info: GraphQLResolveInfo, id: Any) -> Row | None:
        found = _rows(info, f"{entity.select} WHERE id = ?", (_id(id),), entity.post)
        return found[0] if found else None

    return resolve


def _mboms_of(source: Row, info: GraphQLResolveInfo) -> list[Row]:
    return _rows(info, f"{MBOMS.select} WHERE part_id = ? ORDER BY version", (source["id"],), MBOMS.post)


def _latest_mbom(released: bool) -> Callable[..., Row | None]:
    def resolve(source: Row, info: GraphQLResolveInfo) -> Row | None:
        rows = [m for m in _mboms_of(source, info) if not released or m["status"] == "RELEASED"]
        return rows[-1] if rows else None

    return resolve


def _is_latest_revision(source: Row, info: GraphQLResolveInfo) -> bool:
    """The newest row of its part number (ion.md §3.3: identity is partNumber + revision)."""
    parts = _store(info).parts
    return max(p["id"] for p in parts.values() if p["partNumber"] == source["partNumber"]) == source["id"]


def _revised_from(source: Row, info: GraphQLResolveInfo) -> Any:
    rows = _rows(info, "SELECT revised_from_id AS id FROM part_revisions WHERE part_id = ?", (source["id"],))
    return rows[0]["id"] if rows else None


def _mbom_items(source: Row, info: GraphQLResolveInfo) -> list[Row]:
    rows = _rows(info, f"{MBOM_ITEMS_SELECT} WHERE mbom_id = ? ORDER BY id", (source["id"],))
    for row in rows:
        row["madeOnAssembly"] = bool(row["madeOnAssembly"])
    return rows


def _mutation(kind: Entity | str, payload_key: str, write: Callable[[Plm, dict[str, Any]], int]) -> Callable[..., Row]:
    def resolve(_source: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
        object_id = write(Plm(_store(info)), input)
        info.context.reset_loaders()
        if kind == "Part":
            return {payload_key: _store(info).parts.get(object_id)}
        if isinstance(kind, Entity):
            return {payload_key: _one(kind)(None, info, object_id)}
        found = _rows(info, f"{kind} WHERE id = ?", (object_id,))
        return {payload_key: found[0] if found else None}

    return resolve


def _run_of(source: Row, info: GraphQLResolveInfo) -> Row | None:
    return None if source["runId"] is None else _one(RUNS)(None, info, source["runId"])


PLM_RESOLVERS: dict[str, dict[str, Callable[..., Any]]] = {
    "Query": {
        "mbom": _one(MBOMS),
        "mboms": _list_resolver(MBOMS),
        "issue": _one(ISSUES),
        "issues": _list_resolver(ISSUES),
    },
    "Part": {
        "isLatestRevision": _is_latest_revision,
        "revisedFromId": _revised_from,
        "attributes": lambda source, info: _rows(
            info, f"{PART_ATTRIBUTES_SELECT} WHERE part_id = ? ORDER BY id", (source["id"],)
        ),
        "mboms": _mboms_of,
        "latestMbom": _latest_mbom(released=False),
        "latestReleasedMbom": _latest_mbom(released=True),
    },
    "Run": {
        "issues": lambda source, info: _rows(info, f"{ISSUES.select} WHERE run_id = ? ORDER BY id", (source["id"],)),
    },
    "MBom": {"part": _part_of, "items": _mbom_items},
    "MBomItem": {
        "part": _part_of,
        "referenceDesignators": lambda source, info: _rows(
            info, f"{REFDES_SELECT} WHERE mbom_item_id = ? ORDER BY id", (source["id"],)
        ),
    },
    "Issue": {
        "run": _run_of,
        "partInventory": lambda source, info: info.context.loader.inventory(source["partInventoryId"]),
    },
    "Mutation": {
        "createPart": _mutation("Part", "part", Plm.create_part),
        "updatePart": _mutation("Part", "part", Plm.update_part),
        "createPartRevision": _mutation("Part", "part", Plm.create_revision),
        "updatePartAttribute": _mutation(PART_ATTRIBUTES_SELECT, "partAttribute", Plm.update_attribute),
        "createMbom": _mutation(MBOMS, "mbom", Plm.create_mbom),
        "updateMbom": _mutation(MBOMS, "mbom", Plm.update_mbom),
        "createMbomItem": _mutation(MBOM_ITEMS_SELECT, "mbomItem", Plm.create_mbom_item),
        "createMbomItemReferenceDesignator": _mutation(REFDES_SELECT, "mbomItemReferenceDesignator", Plm.create_refdes),
        "createIssue": _mutation(ISSUES, "issue", Plm.create_issue),
        "updateIssue": _mutation(ISSUES, "issue", Plm.update_issue),
    },
}
