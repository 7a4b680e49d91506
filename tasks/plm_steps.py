"""Prefect tasks of the PLM loop: each is one batched step over a list of items, one change
event or one page of ION records. Arena's side (`plm.arena`) reads and plans; ION's side
(`mes.ion.engineering`, PLM-neutral) writes; both through the one engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.arena import ArenaClient
from connectors.ion import IonClient
from connectors.ion.plm import IonPlm, MbomLine
from core.environment import Environment
from core.writer import PostReport
from ledger import Ledger, RunHandle
from mes.ion.engineering import Ebom, IonEngineering, PlmNames, flag_stale_runs, sync_mbom, sync_parts
from plm.arena.engineering import (
    CHANGES_LEDGER,
    KEY,
    MBOMS_LEDGER,
    PART_SYNC,
    PARTS_LEDGER,
    PHASE_ATTRIBUTE,
    PLM,
    PartNumbers,
    ReleasedItem,
    ebom_lines,
    ebom_of,
    released,
)
from plm.arena.feedback import FeedbackContext, post_as_built, post_ncrs

ARENA = PlmNames(
    plm=PLM,
    key=KEY,
    parts_ledger=PARTS_LEDGER,
    mboms_ledger=MBOMS_LEDGER,
    changes_ledger=CHANGES_LEDGER,
    phase_attribute=PHASE_ATTRIBUTE,
    part_sync=PART_SYNC,
)


@dataclass
class PlmReport(PostReport):
    """What a PLM run did: the engine's reports, summed, and how many source records it read."""

    fetched: int = 0

    @classmethod
    def of(cls, report: PostReport, fetched: int = 0) -> PlmReport:
        plm = cls(fetched=fetched)
        plm.merge(report)
        return plm

    def merge(self, other: PostReport) -> None:
        super().merge(other)
        self.fetched += other.fetched if isinstance(other, PlmReport) else 0

    @property
    def settled(self) -> bool:
        """Nothing left to do for these keys: all posted (now or before)."""
        return not (self.dead_letters or self.in_flight_elsewhere or self.failed)


@dataclass
class PlmContext:
    """What the tasks of one Arena → ION run share."""

    arena: ArenaClient
    ion: IonEngineering
    released_phases: list[str]
    numbers: PartNumbers = field(default_factory=PartNumbers)
    arena_numbers: set[str] = field(default_factory=set)  # ION numbers of every item Arena knows (filled by listing)

    @classmethod
    def for_run(cls, env: Environment, arena: ArenaClient, ion: IonClient, ledger: Ledger, run: RunHandle | None) -> PlmContext:
        return cls(
            arena=arena,
            ion=IonEngineering(IonPlm(ion), ledger, run, ARENA),
            released_phases=env.arena.released_phases,
            numbers=PartNumbers.from_mappings(env.mappings),
        )

    @property
    def ledger(self) -> Ledger:
        return self.ion.ledger

    @property
    def dry_run(self) -> bool:
        return self.ion.run is None

    async def sync_mbom(self, item: ReleasedItem, bom: list[dict[str, Any]], previous: str | None = None) -> PostReport:
        """The mBOM of `item` from its Arena BOM `bom`; `previous` is the GUID of the revision it
        supersedes, whose eBOM tells which lines were engineering's when the ledger does not know yet."""

        async def superseded() -> list[MbomLine]:
            assert previous is not None
            return ebom_lines(await self.arena.bom(previous), self.numbers)

        return await sync_mbom(
            self.ion, item, lambda: Ebom(*ebom_of(bom, self.numbers)), self.arena_numbers, superseded if previous else None
        )


@task(name="fetch-released-items", cache_policy=NO_CACHE)
async def fetch_released_items(ctx: PlmContext, numbers: list[str] | None) -> tuple[list[ReleasedItem], list[str]]:
    """Arena's items (every page, ≤ 400 a page), narrowed to released effective revisions."""
    items = await ctx.arena.all("/items")
    ctx.arena_numbers = {ctx.numbers.ion(i["number"]) for i in items}
    if numbers:
        items = [i for i in items if i["number"] in set(numbers)]
    return released(items, ctx.released_phases, ctx.numbers)


@task(name="sync-part-revisions", cache_policy=NO_CACHE)
async def sync_part_revisions(ctx: PlmContext, items: list[ReleasedItem]) -> PlmReport:
    return PlmReport.of(await sync_parts(ctx.ion, items))


@task(name="sync-mboms", cache_policy=NO_CACHE)
async def sync_mboms(ctx: PlmContext, items: list[ReleasedItem], numbers: list[str] | None = None) -> PlmReport:
    """Each released assembly's eBOM (or only those in `numbers`) into its mBOM; children that
    are assemblies too are walked in turn (Arena's BOM endpoint returns one level)."""
    by_guid = {i.guid: i for i in items}
    wanted = {ctx.numbers.ion(n) for n in numbers or []}  # Arena item numbers, as the parameter is given
    queue = [i for i in items if i.assembly and (not wanted or i.number in wanted)]
    report = PlmReport(fetched=len(queue))
    seen: set[str] = set()
    while queue:
        item = queue.pop(0)
        if item.guid in seen:
            continue
        seen.add(item.guid)
        bom = await ctx.arena.bom(item.guid)
        report.merge(await ctx.sync_mbom(item, bom))
        for line in bom:
            child = by_guid.get(line["item"]["guid"])
            if child is not None and child.assembly and child.guid not in seen:
                queue.append(child)
    return report


@task(name="apply-change", cache_policy=NO_CACHE)
async def apply_change(ctx: PlmContext, change: str, affected: list[dict[str, Any]]) -> PlmReport:
    """One effective change: new ION part revisions, their mBOMs, issues on stale runs."""
    report = PlmReport(fetched=1)
    for entry in affected:
        effective, superseded = entry["effective"], entry.get("superseded")
        item = ReleasedItem(
            guid=effective["guid"],
            number=ctx.numbers.ion(effective["number"]),
            name=effective.get("name") or "",
            revision=effective["revisionNumber"],
            phase=(effective.get("lifecyclePhase") or {}).get("name") or "",
            assembly=True,
        )
        if item.phase in ctx.released_phases:  # e.g. made Obsolete: nothing new to build, runs are still flagged
            report.merge(await sync_parts(ctx.ion, [item]))
            bom = await ctx.arena.bom(item.guid)
            if bom:
                report.merge(await ctx.sync_mbom(item, bom, superseded.get("guid") if superseded else None))
        if superseded and superseded.get("revisionNumber"):
            report.merge(await flag_stale_runs(ctx.ion, change, item.number, superseded["revisionNumber"], item.revision))
    return report


@task(name="post-as-built", cache_policy=NO_CACHE)
async def post_as_built_page(ctx: FeedbackContext, nodes: list[dict[str, Any]]) -> PlmReport:
    return PlmReport.of(await post_as_built(ctx, nodes), fetched=len(nodes))


@task(name="post-ncrs", cache_policy=NO_CACHE)
async def post_ncr_page(ctx: FeedbackContext, nodes: list[dict[str, Any]]) -> PlmReport:
    return PlmReport.of(await post_ncrs(ctx, nodes), fetched=len(nodes))
