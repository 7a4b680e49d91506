"""Arena behind the PLM port: the capabilities Arena's REST API serves (see plm/port/__init__.py).

`open_arena` is the opener `tasks.plm.ADAPTERS["arena"]` names: one Arena session (shared by
every process through the ledger) for the run, the adapter over it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.arena import ArenaClient, QuotaExhausted
from connectors.errors import ConfigError, DataError
from core.environment import Environment
from ledger import Ledger
from plm.arena.engineering import KEY, PLM, PartNumbers, ebom_lines, from_change_items, from_event_items, released
from plm.arena.feedback import ArenaFeedback, ChangeRequests, ItemFiles
from plm.arena.routings import ArenaRoutings
from plm.arena.session import arena_client
from plm.port import PlmAdapter, Usage
from plm.port.as_built import AsBuilt
from plm.port.boms import AssemblyBom, BomLine
from plm.port.changes import AffectedItem, EngineeringChange
from plm.port.inspections import InspectionResult
from plm.port.items import ReleasedItem, ReleasedItems
from plm.port.traceability import TraceabilityRecord

EFFECTIVE = ("EFFECTIVE", "COMPLETED")  # change lifecycle status types whose revisions are effective


@dataclass
class ArenaItems:
    """`ItemSource` and `BomSource`: Arena's items (pages of up to 400) and their BOMs (one level a
    call, walked here into every released sub-assembly)."""

    arena: ArenaClient
    numbers: PartNumbers
    released_phases: list[str]
    routings: ArenaRoutings
    by_key: dict[str, ReleasedItem] = field(default_factory=dict)  # what the last listing released, by GUID
    boms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # BOMs read this run (the adapter is one run's), by GUID

    async def released(self, part_numbers: Sequence[str] | None = None) -> ReleasedItems:
        listed = await self.arena.all("/items")
        self.routings.listing = {i["number"]: i for i in listed}
        items = [i for i in listed if not self.routings.is_routing(i["number"])]  # a routing is no part
        known = {self.numbers.ion(i["number"]) for i in items}
        if part_numbers:
            items = [i for i in items if i["number"] in set(part_numbers)]
        found, skipped = released(items, self.released_phases, self.numbers)
        self.by_key.update({i.key: i for i in found})
        return ReleasedItems(found, skipped, known)

    async def ebom(self, item: ReleasedItem) -> list[AssemblyBom]:
        levels: list[AssemblyBom] = []
        queue, seen = [item], {item.key}
        while queue:
            parent = queue.pop(0)
            if parent.key not in self.boms:  # a sub-assembly of several assemblies is read once a run
                self.boms[parent.key] = await self.arena.bom(parent.key)
            bom = self.boms[parent.key]
            try:
                levels.append(AssemblyBom(parent, ebom_lines(bom, self.numbers)))
            except DataError as exc:
                levels.append(AssemblyBom(parent, [], f"{parent.number} rev {parent.revision} eBOM: {exc}"))
            for line in bom:
                child = self.by_key.get(line["item"]["guid"])
                if child is not None and child.assembly and child.key not in seen:
                    seen.add(child.key)
                    queue.append(child)
        return levels

    async def lines(self, revision_key: str) -> list[BomLine]:
        return ebom_lines(await self.arena.bom(revision_key), self.numbers)


@dataclass
class ArenaChanges:
    """`ChangeSource`: the outbound event queue (ARENA_INTEGRATION_GUID, Arena's recommended way;
    an event is acknowledged with `itemsReconciled: true`), else changes polled by effectivity."""

    arena: ArenaClient
    numbers: PartNumbers
    released_phases: list[str]

    async def effective(self, since: datetime | None, *, poll: bool = False) -> list[EngineeringChange]:
        if self.arena.settings.integration_guid and not poll:
            return await self._queued()
        params: dict[str, Any] = {}
        if since:
            params["effectiveDateTimeFrom"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        changes = [
            c for c in await self.arena.all("/changes", params) if (c.get("lifecycleStatus") or {}).get("type") in EFFECTIVE
        ]
        out = []
        for change in sorted(changes, key=lambda c: str(c.get("effectiveDateTime"))):
            affected = from_change_items(await self.arena.change_items(change["guid"]))
            at = change.get("effectiveDateTime")
            out.append(
                EngineeringChange(
                    change["number"],
                    [self._affected(a) for a in affected],
                    datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None,
                    plm=KEY,
                )
            )
        return out

    async def _queued(self) -> list[EngineeringChange]:
        try:
            events = await self.arena.pending_events()
        except DataError as exc:
            raise ConfigError(
                f"ARENA_INTEGRATION_GUID={self.arena.settings.integration_guid} is not an outbound integration of this "
                f"workspace ({exc}): ask Arena support for the integration's GUID, or unset it to poll changes"
            ) from None
        out = []
        for event in events:
            affected = from_event_items(await self.arena.event_items(event["guid"]))
            out.append(
                EngineeringChange(event["change"]["number"], [self._affected(a) for a in affected], event=event["guid"], plm=KEY)
            )
        return out

    def _affected(self, entry: dict[str, Any]) -> AffectedItem:
        effective, superseded = entry["effective"], entry.get("superseded") or {}
        phase = (effective.get("lifecyclePhase") or {}).get("name") or ""
        return AffectedItem(
            ReleasedItem(
                key=effective["guid"],
                number=self.numbers.ion(effective["number"]),
                name=effective.get("name") or "",
                revision=effective["revisionNumber"],
                phase=phase,
                assembly=True,  # an affected revision's eBOM is read; an empty one changes nothing
                plm=KEY,
            ),
            phase in self.released_phases,
            superseded.get("revisionNumber"),
            superseded.get("guid"),
        )

    async def acknowledge(self, change: EngineeringChange) -> None:
        if change.event is not None:
            await self.arena.reconcile_event(change.event)


def arena_adapter(arena: ArenaClient, env: Environment) -> PlmAdapter:
    numbers = PartNumbers.from_mappings(env.mappings)
    phases = env.arena.released_phases
    routings = ArenaRoutings(arena, numbers, env.arena.routing_suffix, phases)
    items = ArenaItems(arena, numbers, phases, routings)
    setup = env.mappings.arena
    feedback = ArenaFeedback(arena, numbers, setup.request_category_guid, setup.request_number_prefix, setup.file_category_guid)

    async def check() -> None:
        feedback.require_request_settings()

    return PlmAdapter(
        name=PLM,
        key=KEY,
        check=check,
        usage=lambda: Usage(arena.requests, arena.quota.remaining),
        stops=(QuotaExhausted,),
        items=items,
        boms=items,
        routings=routings,
        changes=ArenaChanges(arena, numbers, phases),
        as_built=ItemFiles[AsBuilt](
            feedback,
            "as-built",
            lambda r: f"ion-asbuilt-{r.unit.unit_id}.json",
            lambda r: f"As-built BOM from ION: {len(r.components)} component line(s).",
        ),
        nonconformances=ChangeRequests(feedback),
        inspections=ItemFiles[InspectionResult](
            feedback,
            "inspection",
            lambda r: f"ion-inspection-{r.run_id}-{r.unit.unit_id}.json",
            lambda r: f"Inspection results from ION: {'PASS' if r.passed else 'FAIL'}, {len(r.measurements)} measurement(s).",
        ),
        traceability=ItemFiles[TraceabilityRecord](
            feedback,
            "traceability",
            lambda r: f"ion-trace-{r.unit.unit_id}.json",
            lambda r: (
                f"Traceability from ION: {len(r.components)} part(s) via {', '.join(p.title for p in r.procedures) or 'no procedure'}."
            ),
        ),
    )


@asynccontextmanager
async def open_arena(env: Environment, ledger: Ledger) -> AsyncIterator[PlmAdapter]:
    async with arena_client(env.arena, ledger) as arena:
        yield arena_adapter(arena, env)
