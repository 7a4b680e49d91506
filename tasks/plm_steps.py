"""Prefect tasks of the PLM loop, over the PLM port: each is one batched step over a list of
items, one change or one page of ION records. The PLM's adapter (`plm.port`) reads and plans;
ION's side (`mes.ion`, PLM-neutral) writes; both through the one engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient
from connectors.ion.plm import IonPlm, MbomLine
from core.lookup_writer import write_lookups
from core.writer import PostReport
from ledger import EntryStatus, Ledger, RunHandle
from mes.ion.engineering import (
    Ebom,
    IonEngineering,
    PlmNames,
    applied_revisions,
    flag_stale_runs,
    sync_mbom,
    sync_parts,
)
from mes.ion.procedures import sync_procedure
from plm.port import PlmAdapter
from plm.port.boms import AssemblyBom
from plm.port.changes import EngineeringChange
from plm.port.items import ReleasedItem, ReleasedItems
from plm.port.routings import Routing, Settled
from plm.port.writes import Record, RecordTarget


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
    """What the tasks of one PLM → ION run share."""

    plm: PlmAdapter
    ion: IonEngineering
    known: set[str] = field(default_factory=set)  # ION numbers of every item the PLM knows (filled by listing)

    @classmethod
    def for_run(cls, plm: PlmAdapter, ion: IonClient, ledger: Ledger, run: RunHandle | None) -> PlmContext:
        return cls(plm, IonEngineering(IonPlm(ion), ledger, run, PlmNames.of(plm)))

    @property
    def ledger(self) -> Ledger:
        return self.ion.ledger

    @property
    def dry_run(self) -> bool:
        return self.ion.run is None

    async def sync_mbom(self, level: AssemblyBom, previous: str | None = None) -> PostReport:
        """The mBOM of `level.item` from its eBOM level; `previous` is the PLM's id of the revision
        it supersedes, whose eBOM tells which lines were engineering's when the ledger does not know yet."""
        boms = self.plm.require(self.plm.boms, "eBOMs")

        async def superseded() -> list[MbomLine]:
            assert previous is not None
            return [MbomLine(b.number, b.quantity, b.refdes) for b in await boms.lines(previous)]

        return await sync_mbom(self.ion, level.item, lambda: Ebom.of(level), self.known, superseded if previous else None)


@task(name="fetch-released-items", cache_policy=NO_CACHE)
async def fetch_released_items(ctx: PlmContext, part_numbers: list[str] | None) -> ReleasedItems:
    """The PLM's items, narrowed to released effective revisions (or to these PLM part numbers)."""
    found = await ctx.plm.require(ctx.plm.items, "released items").released(part_numbers)
    ctx.known = found.known
    return found


@task(name="sync-part-revisions", cache_policy=NO_CACHE)
async def sync_part_revisions(ctx: PlmContext, items: list[ReleasedItem]) -> PlmReport:
    return PlmReport.of(await sync_parts(ctx.ion, items))


@task(name="sync-mboms", cache_policy=NO_CACHE)
async def sync_mboms(
    ctx: PlmContext, items: list[ReleasedItem], part_numbers: list[str] | None = None, full_resync: bool = False
) -> PlmReport:
    """Each released assembly's eBOM (or only those in `part_numbers`, as the PLM numbers them),
    every level of it, into ION mBOMs; an assembly reached twice is synced once. Unless
    `full_resync`, a revision whose eBOM was applied before is not read or compared again."""
    boms = ctx.plm.require(ctx.plm.boms, "eBOMs")
    wanted = set(part_numbers or [])
    queue = [i for i in items if i.assembly and (not wanted or (i.plm_number or i.number) in wanted)]
    report = PlmReport(fetched=len(queue))
    names = ctx.ion.names
    seen: set[str] = set()
    if not full_resync:
        done = applied_revisions(ctx.ledger, names.mboms_ledger, f"{names.key}:mbom:")
        seen = {i.key for i in queue if (i.number, i.revision) in done}
        report.already_posted += len(seen)
    for item in queue:
        if item.key in seen:
            continue
        for level in await boms.ebom(item):
            if level.item.key not in seen:
                seen.add(level.item.key)
                report.merge(await ctx.sync_mbom(level))
    return report


@task(name="apply-change", cache_policy=NO_CACHE)
async def apply_change(ctx: PlmContext, change: EngineeringChange) -> PlmReport:
    """One effective change: new ION part revisions, their mBOMs and procedure revisions (plm-change-sync
    runs the routing step after), and an issue on every run still building a superseded revision (the gate)."""
    boms = ctx.plm.require(ctx.plm.boms, "eBOMs")
    report = PlmReport(fetched=1)
    for affected in change.affected:
        item = affected.effective
        if affected.released:  # made Obsolete: nothing new to build, runs are still gated
            report.merge(await sync_parts(ctx.ion, [item]))
            levels = await boms.ebom(item)
            if levels and (levels[0].lines or levels[0].problem):
                report.merge(await ctx.sync_mbom(levels[0], affected.superseded_key))
        if affected.superseded_revision:
            report.merge(await flag_stale_runs(ctx.ion, change.number, item.number, affected.superseded_revision, item.revision))
    return report


def applied_routings(ctx: PlmContext) -> Settled:
    """Whether the ledger shows an item revision's routing applied to ION at this routing revision."""
    names = ctx.ion.names
    done = applied_revisions(ctx.ledger, names.procedures_ledger, f"{names.key}:procedure:", "routing_revision")
    return lambda item, revision: (item.number, item.revision, revision) in done


@task(name="sync-procedures", cache_policy=NO_CACHE)
async def sync_procedures(ctx: PlmContext, routings: list[Routing]) -> PlmReport:
    """Each released routing as a new ION procedure version where it changed (never editing a released one)."""
    report = PlmReport(fetched=len(routings))
    for routing in routings:
        report.merge(await sync_procedure(ctx.ion, routing))
    return report


# --- ION -> PLM ------------------------------------------------------------------------------------

T = TypeVar("T", bound=Record)


@dataclass
class FeedbackRun:
    """What one ION -> PLM run shares: the ledger, the run (None in a dry run), its ledger name."""

    ledger: Ledger
    run: RunHandle | None
    integration: str
    full_resync: bool = False

    def unsettled(self, records: Sequence[T]) -> tuple[list[T], int]:
        """The records the ledger does not show settled (posted, or dead unless resyncing), so a
        page already sent costs the PLM no request; and how many were posted before."""
        known = self.ledger.statuses(self.integration, [r.key for r in records])
        settled = {EntryStatus.posted} | (set() if self.full_resync else {EntryStatus.dead})
        already = sum(1 for status in known.values() if status is EntryStatus.posted)
        return [r for r in records if known.get(r.key) not in settled], already


@task(name="post-to-plm", cache_policy=NO_CACHE)
async def post_records(
    feedback: FeedbackRun, target: RecordTarget[Any], nodes: list[dict[str, Any]], read: Callable[[dict[str, Any]], Any]
) -> PlmReport:
    """One page of ION nodes, each read into a port record (None: nothing to send), planned by the
    PLM's target and written through the engine."""
    records = [r for r in (read(n) for n in nodes) if r is not None]
    pending, already = feedback.unsettled(records)
    planned = await target.plan(pending)
    report = await write_lookups(
        feedback.ledger,
        feedback.run,
        target.writer(feedback.integration),
        planned.ready,
        planned.dead_letters,
        retry_dead=feedback.full_resync,
    )
    report.already_posted += already
    return PlmReport.of(report, fetched=len(nodes))
