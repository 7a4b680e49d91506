"""Field resolvers and the per-request batch loader (../shared/reference/ion.md §3, §2.2-§2.3).

GraphQL execution walks depth-first (run 1's whole subtree before run 2's), so loading a
relation per object would cost one SQL query per object: 200 runs x 20 installations would
be thousands of queries. `BatchLoader` instead remembers every object the request has seen;
the first time a relation is missing it loads that relation for all of them in one query.
A page of the consumption query therefore costs a fixed handful of queries. Parts and
locations come from the store's in-memory catalog.

Resolvers take graphql-core's `(source, info, **args)` so both executors can run them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.ion.config import IonSimConfig
from sandbox.ion.connections import PageLimits, build_connection
from sandbox.ion.filters import compile_filters, compile_sort
from sandbox.ion.purchasing import Purchasing
from sandbox.ion.relations import RelationLoader
from sandbox.ion.store import LOCATIONS, PART_INVENTORIES, PARTS, RUNS, Entity, IonStore

Row = dict[str, Any]


class BatchLoader:
    """Request-scoped cache that loads each relation for all seen siblings at once."""

    def __init__(self, store: IonStore, relations: RelationLoader) -> None:
        self.store = store
        self.relations = relations  # the purchasing types' loader (sandbox.ion.relations)
        self.inventories: dict[int, Row | None] = {}
        self.requirements: dict[int, Row] = {}
        self._wanted_inventories: set[int] = set()
        self._wanted_requirements: set[int] = set()
        self._runs: dict[int, None] = {}
        self._requirements_by_parent: dict[int, list[Row]] = {}
        self._installations_by_requirement: dict[int, list[Row]] = {}
        self._installations_by_child: dict[int, list[Row]] = {}
        self._attributes_by_run: dict[int, list[Row]] = {}

    def saw_runs(self, runs: list[Row]) -> None:
        for run in runs:
            self._runs[run["id"]] = None
            if run["partInventoryId"] is not None and run["partInventoryId"] not in self.inventories:
                self._wanted_inventories.add(run["partInventoryId"])

    def saw_inventories(self, rows: list[Row]) -> None:
        for row in rows:
            self.inventories[row["id"]] = row

    def _saw_installations(self, rows: list[Row]) -> None:
        for row in rows:
            if row["partInventoryId"] not in self.inventories:
                self._wanted_inventories.add(row["partInventoryId"])
            if row["buildRequirementId"] not in self.requirements:
                self._wanted_requirements.add(row["buildRequirementId"])

    def inventory(self, inventory_id: int | None) -> Row | None:
        if inventory_id is None:
            return None
        try:
            return self.inventories[inventory_id]
        except KeyError:
            pass
        wanted = (self._wanted_inventories | {inventory_id}) - self.inventories.keys()
        self._wanted_inventories.clear()
        for row in self.store.part_inventories(wanted):
            self.inventories[row["id"]] = row
        for key in wanted:
            self.inventories.setdefault(key, None)
        return self.inventories[inventory_id]

    def requirement(self, requirement_id: int) -> Row | None:
        if requirement_id not in self.requirements:
            wanted = (self._wanted_requirements | {requirement_id}) - self.requirements.keys()
            self._wanted_requirements.clear()
            for row in self.store.build_requirements(wanted):
                self.requirements[row["id"]] = row
        return self.requirements.get(requirement_id)

    def requirements_of(self, parent_id: int) -> list[Row]:
        found = self._requirements_by_parent.get(parent_id)
        if found is not None:
            return found
        done = self._requirements_by_parent
        keys = {parent_id, *(k for k, v in self.inventories.items() if v is not None and k not in done)}
        for key in keys:
            done[key] = []
        for row in self.store.build_requirements_of(keys):
            done[row["parentPartInventoryId"]].append(row)
            self.requirements[row["id"]] = row
        return done[parent_id]

    def installations_of_requirement(self, requirement_id: int) -> list[Row]:
        found = self._installations_by_requirement.get(requirement_id)
        if found is not None:
            return found
        done = self._installations_by_requirement
        keys = {requirement_id, *(k for k in self.requirements if k not in done)}
        for key in keys:
            done[key] = []
        rows = self.store.installations_of_requirements(keys)
        for row in rows:
            done[row["buildRequirementId"]].append(row)
        self._saw_installations(rows)
        return done[requirement_id]

    def installations_of_child(self, child_id: int) -> list[Row]:
        found = self._installations_by_child.get(child_id)
        if found is not None:
            return found
        done = self._installations_by_child
        keys = {child_id, *(k for k, v in self.inventories.items() if v is not None and k not in done)}
        for key in keys:
            done[key] = []
        rows = self.store.installations_of_children(keys)
        for row in rows:
            done[row["partInventoryId"]].append(row)
        self._saw_installations(rows)
        return done[child_id]

    def attributes_of(self, run_id: int) -> list[Row]:
        found = self._attributes_by_run.get(run_id)
        if found is not None:
            return found
        done = self._attributes_by_run
        keys = {run_id, *(k for k in self._runs if k not in done)}
        for key in keys:
            done[key] = []
        for row in self.store.run_attributes_of(keys):
            done[row["runId"]].append(row)
        return done[run_id]


class RequestContext:
    """`info.context` for one GraphQL operation."""

    def __init__(self, store: IonStore, config: IonSimConfig) -> None:
        self.store = store
        self.config = config
        self.purchasing = Purchasing(store, config)
        self.limits = PageLimits(config.max_page_size, config.default_page_size, config.page_size_overflow)
        self.reset_loaders()

    def reset_loaders(self) -> None:
        """Fresh request caches (after a mutation wrote)."""
        self.relations = RelationLoader(self.store, on_rows=self._on_rows)
        self.loader = BatchLoader(self.store, self.relations)

    def _on_rows(self, kind: str, rows: list[Row]) -> None:
        """Rows the relation loader produced that the run/inventory loader batches on."""
        if kind == "Run":
            self.loader.saw_runs(rows)
        elif kind == "ReceiptItem":
            for row in rows:
                if row["partInventoryId"] is not None and row["partInventoryId"] not in self.loader.inventories:
                    self.loader._wanted_inventories.add(row["partInventoryId"])


def _id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise GraphQLError(f"Invalid ID: {value!r}") from None


def _ctx(info: GraphQLResolveInfo) -> RequestContext:
    return info.context


def _list_resolver(entity: Entity, seen: Callable[[BatchLoader, list[Row]], None] | None = None) -> Callable[..., Row]:
    """A root connection field over one entity: filters and sort to SQL, then a Relay slice."""

    def resolve(
        _source: Any,
        info: GraphQLResolveInfo,
        filters: dict[str, Any] | None = None,
        sort: list[str] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Row:
        ctx = _ctx(info)
        where, params = compile_filters(entity, filters)
        order = compile_sort(entity, sort)

        def fetch(offset: int, limit: int | None) -> list[Row]:
            rows = ctx.store.page(entity, where, params, order, offset, limit)
            if seen is not None:
                seen(ctx.loader, rows)
            return rows

        return build_connection(
            field=info.field_name,
            limits=ctx.limits,
            fetch=fetch,
            count=lambda: ctx.store.count(entity, where, params),
            first=first,
            after=after,
            last=last,
            before=before,
        )

    return resolve


def _me(_source: Any, info: GraphQLResolveInfo) -> Row:
    config = _ctx(info).config
    return {"id": config.user_id, "name": config.user_name, "email": config.user_email}


def _run(_source: Any, info: GraphQLResolveInfo, id: Any) -> Row | None:
    ctx = _ctx(info)
    row = ctx.store.get(RUNS, _id(id))
    if row is not None:
        ctx.loader.saw_runs([row])
    return row


def _part_inventory(_source: Any, info: GraphQLResolveInfo, id: Any) -> Row | None:
    return _ctx(info).loader.inventory(_id(id))


def _part(_source: Any, info: GraphQLResolveInfo, id: Any) -> Row | None:
    return _ctx(info).store.parts.get(_id(id))


def _location(_source: Any, info: GraphQLResolveInfo, id: Any) -> Row | None:
    return _ctx(info).store.locations.get(_id(id))


def _part_of(source: Row, info: GraphQLResolveInfo) -> Row | None:
    return _ctx(info).store.parts.get(source["partId"])


def _location_of(source: Row, info: GraphQLResolveInfo) -> Row | None:
    location_id = source["locationId"]
    return None if location_id is None else _ctx(info).store.locations.get(location_id)


def _tracking_type_of(source: Row, info: GraphQLResolveInfo) -> str | None:
    part = _ctx(info).store.parts.get(source["partId"])
    return None if part is None else part["trackingType"]


def _total_count(source: Row, _info: GraphQLResolveInfo) -> int:
    value = source["totalCount"]
    return value() if callable(value) else value


RESOLVERS: dict[str, dict[str, Callable[..., Any]]] = {
    "Query": {
        "me": _me,
        "run": _run,
        "runs": _list_resolver(RUNS, BatchLoader.saw_runs),
        "partInventory": _part_inventory,
        "partInventories": _list_resolver(PART_INVENTORIES, BatchLoader.saw_inventories),
        "part": _part,
        "parts": _list_resolver(PARTS),
        "location": _location,
        "locations": _list_resolver(LOCATIONS),
    },
    "PageInfo": {"totalCount": _total_count},
    "Run": {
        "partInventory": lambda source, info: _ctx(info).loader.inventory(source["partInventoryId"]),
        "part": _part_of,
        "attributes": lambda source, info: _ctx(info).loader.attributes_of(source["id"]),
    },
    "PartInventory": {
        "part": _part_of,
        "location": _location_of,
        "trackingType": _tracking_type_of,
        "buildRequirements": lambda source, info: _ctx(info).loader.requirements_of(source["id"]),
        "abomInstallations": lambda source, info: _ctx(info).loader.installations_of_child(source["id"]),
    },
    "BuildRequirement": {
        "part": _part_of,
        "partInventories": lambda source, info: [_ctx(info).loader.inventory(source["parentPartInventoryId"])],
        "abomInstallations": lambda source, info: _ctx(info).loader.installations_of_requirement(source["id"]),
    },
    "AbomInstallation": {
        "partInventory": lambda source, info: _ctx(info).loader.inventory(source["partInventoryId"]),
        "buildRequirement": lambda source, info: _ctx(info).loader.requirement(source["buildRequirementId"]),
    },
}
