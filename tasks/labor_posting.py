"""Prefect tasks of labor-sync: fetch a page of sessions, plan it, write it through the engine.

The ledger protocol is `core.writer`'s; labor adds edits: a session's time entry is keyed
`ion:session:<id>:time` and the ledger keeps the fingerprint of what was posted. A session
seen again with the same fingerprint is settled; with another one (it was edited in ION) it
is written as a correction of the entry posted then (`Postable.corrects`: the engine re-opens
the posted key, the ERP adapter's writer updates the entry through its key), never a second
entry. A posted session whose ION etag is the one posted is settled without building its body
(no ERP lookup: a no-op run asks the ERP nothing per session); a re-run by id or a full resync
compares the body's fingerprint too, so a mapping changed since is corrected then. The ERP is reached only through the port (`erp.port.time_entries`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient, Page
from connectors.ion.queries import LABOR_SESSIONS
from core.config import ErpMappings
from core.writer import Postable, dead_letter_row, one_record, resolve_orphans, write_page
from erp.port.time_entries import INTEGRATION, TimeEntry, TimeEntryTarget
from ledger import EntryStatus, Ledger, Outcome, RunHandle
from ledger.store import ClaimRequest, DeadLetter, EntryView
from mes.ion.labor import correction_key, parse_sessions, plan_time_entries
from mes.ion.labor_entries import as_correction, etag_of, is_posted, time_entry, worth_keeping


@dataclass
class LaborContext:
    """What every task of one labor-sync run shares."""

    ion: IonClient
    target: TimeEntryTarget
    ledger: Ledger
    run: RunHandle | None  # None in a dry run: nothing is claimed
    mappings: ErpMappings  # the ERP's section of the mappings file
    retry_dead: bool = False
    max_attempts: int = 5
    integration: str = INTEGRATION  # the ledger's name for this ERP's labor sync (core.config.erp_integration)
    window: asyncio.Semaphore = field(init=False)  # entries in flight, across the pages of a run

    def __post_init__(self) -> None:
        self.window = asyncio.Semaphore(self.target.concurrency)


@dataclass
class LaborPagePlan:
    ready: list[Postable] = field(default_factory=list)  # new entries and corrections (`corrects` set)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    unchanged: int = 0  # posted earlier, and the session still says the same
    unsettled_again: list[DeadLetter] = field(default_factory=list)  # bad edits of a correction settled earlier
    not_cost_plus: int = 0
    open_times: list[datetime] = field(default_factory=list)
    updated: list[datetime] = field(default_factory=list)


@dataclass
class LaborPageReport:
    """What happened to one page; the flow sums these up and reports them."""

    posted: list[dict[str, Any]] = field(default_factory=list)
    corrected: int = 0
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0
    unsettled: list[datetime] = field(default_factory=list)  # `_updated` of sessions neither posted nor dead


@task(name="fetch-sessions", cache_policy=NO_CACHE)
async def fetch_sessions_page(ion: IonClient, filters: dict[str, Any], after: str | None) -> Page:
    """One step of time-tracking sessions (ION_STEP_RECORDS) with their run step, run and user."""
    return await ion.read_step(LABOR_SESSIONS, "sessions", {"filters": filters}, after=after)


@task(name="plan-time-entries", cache_policy=NO_CACHE)
async def plan_page(ctx: LaborContext, nodes: list[dict[str, Any]]) -> LaborPagePlan:
    """Validate a page of sessions, compare them with what the ledger says was posted, and
    have the ERP check what they name (work orders, employees)."""
    sessions, parse_dead = parse_sessions(nodes)
    planned = plan_time_entries(sessions, ctx.mappings)
    page = LaborPagePlan(not_cost_plus=planned.not_cost_plus, open_times=planned.open_sessions, updated=planned.updated)
    keys = [p.key for p in planned.plans] + [d.key for d in (*parse_dead, *planned.dead_letters)]
    known = {e.key: e for e in ctx.ledger.entries(ctx.integration, keys=keys)} if keys else {}
    dead = [d for d in (*parse_dead, *planned.dead_letters) if worth_keeping(d, known.get(d.key), retry_dead=ctx.retry_dead)]
    candidates: list[tuple[TimeEntry, EntryView | None]] = []
    for plan in planned.plans:
        entry = known.get(plan.key)
        same_version = entry is not None and not ctx.retry_dead and etag_of(entry.payload) == plan.etag
        if entry and entry.status is EntryStatus.dead and same_version:
            continue  # dead, and the session is as it was: a person must fix the cause, then replay
        if entry and entry.status is EntryStatus.posted and same_version and plan.etag is not None:
            page.unchanged += 1  # posted from this very version: no body, so no ERP lookup, to see it is settled
            continue
        candidates.append((plan, entry))
    problems = await ctx.target.problems([plan for plan, _ in candidates]) if candidates else {}
    for plan, entry in candidates:
        source, etag = f"ion:session:{plan.session_id}", {"_etag": plan.etag}
        if problems.get(plan.key):
            letter = DeadLetter(plan.key, source, f"{plan.label}: " + "; ".join(problems[plan.key]), etag, plan.updated)
            if worth_keeping(letter, entry, retry_dead=ctx.retry_dead):
                dead.append(letter)
            continue
        with one_record(dead, plan.key, source, plan.label, plan.updated, etag) as one:
            body = ctx.target.body(plan)
        if one.failed:
            continue
        fingerprint, corrects = ctx.target.fingerprint(body), None
        if entry is not None and entry.status is EntryStatus.posted:
            if (entry.payload or {}).get("fingerprint") == fingerprint:
                page.unchanged += 1
                continue
            corrects = entry.target_id or ""  # the session was edited after posting: correct the entry posted then
        page.ready.append(time_entry(plan, body, fingerprint, corrects))
    letters = [as_correction(d, known.get(d.key), ctx.target.name) for d in dead]
    corrections = [d.key for d in letters if d.key.endswith(":correction")]
    if corrections:
        known.update({e.key: e for e in ctx.ledger.entries(ctx.integration, keys=corrections)})
    page.dead_letters = [
        d for d in letters if d.key not in corrections or worth_keeping(d, known.get(d.key), retry_dead=ctx.retry_dead)
    ]
    settled = {d.key for d in page.dead_letters if d.key in corrections and is_posted(known.get(d.key))}
    page.unsettled_again = [d for d in page.dead_letters if d.key in settled]
    page.dead_letters = [d for d in page.dead_letters if d.key not in settled]
    return page


@task(name="post-time-entries", cache_policy=NO_CACHE)
async def post_page(ctx: LaborContext, page: LaborPagePlan) -> LaborPageReport:
    """Keep the page's unsettled corrections, write its entries through the engine (new ones
    claimed, edited ones re-opened), then settle the corrections that posted."""
    assert ctx.run is not None, "a dry run posts nothing"
    again = reopen_unsettled(ctx, page.unsettled_again)
    writer = ctx.target.writer()
    written = await write_page(
        ctx.ledger,
        ctx.run,
        writer,
        page.ready,
        page.dead_letters,
        window=ctx.window,
        retry_dead=True,  # dead keys reach here only when the session changed or a replay asked for it
        max_attempts=ctx.max_attempts,
    )
    settle_corrections(ctx, {correction_key(row["session"]): row[writer.id_column] for row in written.posted})
    return LaborPageReport(
        posted=written.posted,
        corrected=sum(1 for row in written.posted if row["action"] == "corrected"),
        dead_letters=[*again, *written.dead_letters],
        already_posted=page.unchanged + written.already_posted,
        in_flight_elsewhere=written.in_flight_elsewhere,
        failed=written.failed,
        unsettled=[written.unsettled_time] if written.unsettled_time else [],
    )


def reopen_unsettled(ctx: LaborContext, letters: list[DeadLetter]) -> list[dict[str, Any]]:
    """A correction settled earlier whose session was edited into something unpostable again:
    `dead_letter` leaves posted keys alone, so re-open them to keep the new reason."""
    assert ctx.run is not None
    by_key = {d.key: d for d in letters}
    again = ctx.ledger.reopen(ctx.integration, ctx.run, list(by_key)).mine
    ctx.ledger.record(
        ctx.integration,
        ctx.run,
        [Outcome(c.key, EntryStatus.dead, reason=by_key[c.key].reason, payload=by_key[c.key].payload) for c in again],
    )
    return [dead_letter_row(by_key[c.key]) for c in again]


def settle_corrections(ctx: LaborContext, posted: dict[str, str]) -> None:
    """An unpostable edit kept under `…:correction` (key -> the entry's id) is settled once the
    session posts again: the dead letter becomes `posted` with the entry's id, so no stale
    reason lingers."""
    assert ctx.run is not None
    stale = [key for key, status in ctx.ledger.statuses(ctx.integration, list(posted)).items() if status is EntryStatus.dead]
    if not stale:
        return
    batch = ctx.ledger.claim(
        ctx.integration, ctx.run, [ClaimRequest(key, key.rsplit(":", 1)[0]) for key in stale], retry_dead=True
    )
    ctx.ledger.record(ctx.integration, ctx.run, [Outcome(c.key, EntryStatus.posted, target_id=posted[c.key]) for c in batch.mine])


@task(name="resolve-interrupted-posts", cache_policy=NO_CACHE)
async def resolve_interrupted(ctx: LaborContext) -> int:
    """A run that died between writing and recording left keys `pending`: ask the ERP whether each
    entry exists. What it holds is unknown, so no fingerprint is kept and the next look at the
    session corrects it if it differs."""
    assert ctx.run is not None
    return await resolve_orphans(ctx.ledger, ctx.run, ctx.target.writer())


def would_post_row(ctx: LaborContext, item: Postable) -> dict[str, Any]:
    """The dry run's row for an entry it would create or correct."""
    action = "would create" if item.corrects is None else "would correct"
    return {**item.row, "action": action, ctx.target.writer().id_column: item.corrects or "", "body": item.body}
