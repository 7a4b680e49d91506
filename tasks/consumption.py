"""Prefect tasks of consumption-sync: fetch a page of runs, plan it with the ERP, post it
through the writer engine (`core.writer`).

Each task handles one page and talks to the ERP only through the port
(`erp.port.completions.CompletionTarget`): the engine claims the page's keys, writes each
claimed completion, records every outcome; keys another live run holds are left to it, and keys
a dead run left `pending` are looked up in the ERP before anything is posted again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient, Page
from connectors.ion.installed_quantity import completed_runs_step
from core.writer import Postable, Writer, resolve_orphans, write_page
from erp.port.completions import CompletionTarget, completion_key, parse_runs
from erp.port.writes import PlannedWrites
from ledger import EntryStatus, Ledger, RunHandle


@dataclass
class SyncContext:
    """What every task of one consumption-sync run shares."""

    ion: IonClient
    erp: CompletionTarget
    ledger: Ledger
    run: RunHandle | None  # None in a dry run: nothing is claimed
    concurrency: int  # completions in flight at once (the ERP's limit)
    retry_dead: bool = False
    max_attempts: int = 5
    writer: Writer = field(init=False)
    window: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.writer = self.erp.writer()
        self.window = asyncio.Semaphore(self.concurrency)


@dataclass
class PagePlan(PlannedWrites):
    already_posted: int = 0


@dataclass
class PageReport:
    """What happened to one page; the flow sums these up and reports them."""

    posted: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    would_post: list[Postable] = field(default_factory=list)
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0
    unsettled_end_time: datetime | None = None  # earliest run not yet posted or dead


@task(name="fetch-completed-runs", cache_policy=NO_CACHE)
async def fetch_runs_page(ion: IonClient, filters: dict[str, Any], after: str | None) -> Page:
    """One step of completed runs (ION_STEP_RECORDS, as many Relay pages as it takes) with their as-built installations."""
    return await completed_runs_step(ion, filters, after)


@task(name="plan-completions", cache_policy=NO_CACHE)
async def plan_page(ctx: SyncContext, nodes: list[dict[str, Any]]) -> PagePlan:
    """Skip runs the ledger has settled, validate the rest and let the ERP plan their completions."""
    keys = [completion_key(str(node.get("id"))) for node in nodes]
    known = ctx.ledger.statuses(ctx.writer.integration, keys)
    settled: set[EntryStatus | None] = {EntryStatus.posted} if ctx.retry_dead else {EntryStatus.posted, EntryStatus.dead}
    fresh = [node for node, key in zip(nodes, keys, strict=True) if known.get(key) not in settled]
    runs, dead = parse_runs(fresh)
    planned = await ctx.erp.plan(runs)
    return PagePlan(
        ready=planned.ready,
        dead_letters=[*dead, *planned.dead_letters],
        already_posted=sum(1 for status in known.values() if status is EntryStatus.posted),
    )


@task(name="post-completions", cache_policy=NO_CACHE)
async def post_page(ctx: SyncContext, page: PagePlan) -> PageReport:
    """Keep the page's dead letters, claim its completions, post them, record each outcome
    (the ledger protocol of `core.writer`)."""
    assert ctx.run is not None, "a dry run posts nothing"
    posted = await write_page(
        ctx.ledger,
        ctx.run,
        ctx.writer,
        page.ready,
        page.dead_letters,
        window=ctx.window,
        retry_dead=ctx.retry_dead,
        max_attempts=ctx.max_attempts,
    )
    return PageReport(
        posted=posted.posted,
        dead_letters=posted.dead_letters,
        already_posted=page.already_posted + posted.already_posted,
        in_flight_elsewhere=posted.in_flight_elsewhere,
        failed=posted.failed,
        unsettled_end_time=posted.unsettled_time,
    )


@task(name="resolve-interrupted-posts", cache_policy=NO_CACHE)
async def resolve_interrupted(ctx: SyncContext) -> int:
    """A run that died between posting and recording left keys `pending`: ask the ERP whether
    each completion exists and record what it says."""
    assert ctx.run is not None
    return await resolve_orphans(ctx.ledger, ctx.run, ctx.writer)
