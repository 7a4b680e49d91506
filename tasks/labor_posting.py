"""Prefect tasks of labor-sync: fetch a page of sessions, plan it, post it through the ledger.

The ledger protocol of `../shared/DESIGN.md`, with one addition for edits: a session's time
entry is keyed `ion:session:<id>:time` and the ledger keeps the fingerprint of what was
posted. A session seen again with the same fingerprint is settled; with another one (it was
edited in ION) the posted key is re-opened (`Ledger.reopen`) and the existing time bill is
updated through its external id, so an edit is a correction, never a second entry.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.errors import DataError, SyncError, TransientError
from connectors.ion import IonClient, Page
from connectors.ion.queries import LABOR_SESSIONS
from connectors.netsuite import NetSuiteClient
from core.config import Mappings
from core.writer import dead_letter_row, one_record, posted_or_dead
from erp.netsuite.consumption import external_id
from erp.netsuite.labor import (
    INTEGRATION,
    TIME_BILL,
    TimeEntryPlan,
    WorkOrderRef,
    correction_key,
    fingerprint,
    ledger_payload,
    parse_sessions,
    plan_time_entries,
    reference_problems,
    time_bill_body,
)
from erp.netsuite.references import SUITEQL_IN_CHUNK
from ledger import Claim, EntryStatus, Ledger, Outcome, RunHandle
from ledger.store import ClaimRequest, DeadLetter, EntryView


@dataclass
class LaborContext:
    """What every task of one labor-sync run shares."""

    ion: IonClient
    netsuite: NetSuiteClient
    ledger: Ledger
    run: RunHandle | None  # None in a dry run: nothing is claimed
    mappings: Mappings
    inactive_employees: set[str] = field(default_factory=set)
    retry_dead: bool = False
    max_attempts: int = 5
    work_orders: dict[str, WorkOrderRef | None] = field(default_factory=dict)  # number -> ref, cached per run


@dataclass(frozen=True)
class ReadyEntry:
    plan: TimeEntryPlan
    body: dict[str, Any]
    target_id: str | None = None  # set for a correction: the time bill posted earlier

    @property
    def is_correction(self) -> bool:
        return self.target_id is not None


@dataclass
class LaborPagePlan:
    ready: list[ReadyEntry] = field(default_factory=list)
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
    """One Relay page of time-tracking sessions with their run step, run and user."""
    return await ion.page(LABOR_SESSIONS, "sessions", {"filters": filters}, first=ion.settings.page_size, after=after)


@task(name="plan-time-entries", cache_policy=NO_CACHE)
async def plan_page(ctx: LaborContext, nodes: list[dict[str, Any]]) -> LaborPagePlan:
    """Validate a page of sessions, compare them with what the ledger says was posted, and
    resolve their work orders in NetSuite."""
    sessions, parse_dead = parse_sessions(nodes)
    planned = plan_time_entries(sessions, ctx.mappings.netsuite)
    page = LaborPagePlan(not_cost_plus=planned.not_cost_plus, open_times=planned.open_sessions, updated=planned.updated)
    keys = [p.key for p in planned.plans] + [d.key for d in (*parse_dead, *planned.dead_letters)]
    known = {e.key: e for e in ctx.ledger.entries(INTEGRATION, keys=keys)} if keys else {}
    dead = [d for d in (*parse_dead, *planned.dead_letters) if _worth_keeping(ctx, d, known.get(d.key))]
    candidates: list[tuple[TimeEntryPlan, EntryView | None]] = []
    for plan in planned.plans:
        entry = known.get(plan.key)
        if entry and entry.status is EntryStatus.dead and not ctx.retry_dead and _etag(entry.payload) == plan.etag:
            continue  # dead, and the session is as it was: a person must fix the cause, then replay
        candidates.append((plan, entry))
    await resolve_work_orders(ctx, {plan.work_order for plan, _ in candidates})
    for plan, entry in candidates:
        work_order = ctx.work_orders.get(plan.work_order)
        problems = reference_problems(plan, work_order, ctx.inactive_employees)
        if problems:
            letter = DeadLetter(
                plan.key, f"ion:session:{plan.session_id}", f"{plan.label}: " + "; ".join(problems),
                {"_etag": plan.etag}, plan.updated,
            )
            if _worth_keeping(ctx, letter, entry):
                dead.append(letter)
            continue
        assert work_order is not None
        source, etag = f"ion:session:{plan.session_id}", {"_etag": plan.etag}
        with one_record(dead, plan.key, source, plan.label, plan.updated, etag) as one:
            body = time_bill_body(plan, work_order, ctx.mappings.netsuite)
        if one.failed:
            continue
        if entry is not None and entry.status is EntryStatus.posted:
            if (entry.payload or {}).get("fingerprint") == fingerprint(body):
                page.unchanged += 1
            else:  # the session was edited after posting: correct the time bill posted then
                page.ready.append(ReadyEntry(plan, body, target_id=entry.target_id or ""))
            continue
        page.ready.append(ReadyEntry(plan, body))
    letters = [_as_correction(d, known.get(d.key)) for d in dead]
    corrections = [d.key for d in letters if d.key.endswith(":correction")]
    if corrections:
        known.update({e.key: e for e in ctx.ledger.entries(INTEGRATION, keys=corrections)})
    page.dead_letters = [d for d in letters if d.key not in corrections or _worth_keeping(ctx, d, known.get(d.key))]
    settled = {d.key for d in page.dead_letters if d.key in corrections and _is_posted(known.get(d.key))}
    page.unsettled_again = [d for d in page.dead_letters if d.key in settled]
    page.dead_letters = [d for d in page.dead_letters if d.key not in settled]
    return page


def _is_posted(entry: EntryView | None) -> bool:
    return entry is not None and entry.status is EntryStatus.posted


def _etag(payload: dict[str, Any] | None) -> str | None:
    return (payload or {}).get("_etag")


def _worth_keeping(ctx: LaborContext, letter: DeadLetter, entry: EntryView | None) -> bool:
    """A dead letter already kept for this very version of the session is not news."""
    if entry is None or entry.status is not EntryStatus.dead or ctx.retry_dead:
        return True
    return _etag(entry.payload) != _etag(letter.payload)


def _as_correction(letter: DeadLetter, entry: EntryView | None) -> DeadLetter:
    """A posted session edited into something unpostable: the posted entry stays, the edit is
    kept under its own key so a person sees it."""
    if entry is None or entry.status is not EntryStatus.posted:
        return letter
    posted = entry.payload or {}
    session = letter.source_ref.rsplit(":", 1)[-1]
    reason = (
        f"edited after posting; NetSuite time bill {entry.target_id} still holds {posted.get('hours', '?')} h "
        f"on {posted.get('tranDate', '?')}: {letter.reason}"
    )
    return DeadLetter(correction_key(session), letter.source_ref, reason, letter.payload, letter.source_time)


async def resolve_work_orders(ctx: LaborContext, numbers: set[str]) -> None:
    """Work orders by number (tranId) with status and location, cached for the run."""
    unknown = sorted(numbers - ctx.work_orders.keys())
    for start in range(0, len(unknown), SUITEQL_IN_CHUNK):
        chunk = unknown[start : start + SUITEQL_IN_CHUNK]
        rows = await ctx.netsuite.suiteql_all(
            "SELECT t.id, t.tranid, t.status, tl.location FROM transaction t "
            "JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'T' "
            f"WHERE t.type = 'WorkOrd' AND t.tranid IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        found = {
            str(row["tranid"]): WorkOrderRef(
                id=str(row["id"]),
                number=str(row["tranid"]),
                status=row.get("status"),
                location=str(row["location"]) if row.get("location") is not None else None,
            )
            for row in rows
        }
        ctx.work_orders.update({number: found.get(number) for number in chunk})


@task(name="post-time-entries", cache_policy=NO_CACHE)
async def post_page(ctx: LaborContext, page: LaborPagePlan) -> LaborPageReport:
    """Keep the page's dead letters, claim its new entries and re-open its edited ones, post
    them, record each outcome."""
    assert ctx.run is not None, "a dry run posts nothing"
    report = LaborPageReport(already_posted=page.unchanged)
    kept = set(ctx.ledger.dead_letter(INTEGRATION, page.dead_letters, replace_dead=True))
    report.dead_letters = [dead_letter_row(d) for d in page.dead_letters if d.key in kept]
    if page.unsettled_again:  # `dead_letter` leaves posted keys alone: re-open them to keep the new reason
        letters = {d.key: d for d in page.unsettled_again}
        again = ctx.ledger.reopen(INTEGRATION, ctx.run, list(letters)).mine
        ctx.ledger.record(
            INTEGRATION, ctx.run,
            [Outcome(c.key, EntryStatus.dead, reason=letters[c.key].reason, payload=letters[c.key].payload) for c in again],
        )
        report.dead_letters += [dead_letter_row(letters[c.key]) for c in again]
    by_key = {ready.plan.key: ready for ready in page.ready}
    fresh = [r for r in page.ready if not r.is_correction]
    batch = ctx.ledger.claim(
        INTEGRATION,
        ctx.run,
        [ClaimRequest(r.plan.key, f"ion:session:{r.plan.session_id}", r.plan.updated) for r in fresh],
        retry_dead=True,  # dead keys reach here only when the session changed or a replay asked for it
    )
    reopened = ctx.ledger.reopen(INTEGRATION, ctx.run, [r.plan.key for r in page.ready if r.is_correction])
    report.already_posted += len(batch.already_posted)
    busy = [*batch.in_flight_elsewhere, *reopened.in_flight_elsewhere]
    report.in_flight_elsewhere = len(busy)
    window = asyncio.Semaphore(ctx.netsuite.settings.concurrency)

    async def post(claim: Claim) -> Outcome:
        ready = by_key[claim.key]
        async with window:
            return await posted_or_dead(
                claim.key, ready.plan.label, lambda: post_time_entry(ctx, claim, ready), body=ready.body, target="NetSuite",
                target_id=ready.target_id, payload={"_etag": ready.plan.etag},
            )

    results = await asyncio.gather(*(post(c) for c in [*batch.mine, *reopened.mine]), return_exceptions=True)
    outcomes = [r for r in results if isinstance(r, Outcome)]
    ctx.ledger.record(INTEGRATION, ctx.run, outcomes)
    fatal = next((r for r in results if isinstance(r, BaseException)), None)
    if fatal:
        raise fatal
    for outcome in outcomes:
        ready = by_key[outcome.key]
        if outcome.status is EntryStatus.posted:
            report.posted.append(posted_row(ready, outcome.target_id or ""))
            report.corrected += ready.is_correction
        elif outcome.status is EntryStatus.dead:
            report.dead_letters.append(
                dead_letter_row(DeadLetter(outcome.key, f"ion:session:{ready.plan.session_id}", outcome.reason or ""))
            )
        else:
            report.failed += 1
            report.unsettled.append(ready.plan.updated)
    report.unsettled += [by_key[key].plan.updated for key in busy]
    settle_corrections(ctx, [(by_key[o.key], o.target_id or "") for o in outcomes if o.status is EntryStatus.posted])
    return report


def settle_corrections(ctx: LaborContext, posted: list[tuple[ReadyEntry, str]]) -> None:
    """An unpostable edit kept under `…:correction` is settled once the session posts again:
    the dead letter becomes `posted` with the time bill's id, so no stale reason lingers."""
    assert ctx.run is not None
    by_key = {correction_key(ready.plan.session_id): target for ready, target in posted}
    stale = [key for key, status in ctx.ledger.statuses(INTEGRATION, list(by_key)).items() if status is EntryStatus.dead]
    if not stale:
        return
    batch = ctx.ledger.claim(INTEGRATION, ctx.run, [ClaimRequest(key, key.rsplit(":", 1)[0]) for key in stale], retry_dead=True)
    ctx.ledger.record(INTEGRATION, ctx.run, [Outcome(c.key, EntryStatus.posted, target_id=by_key[c.key]) for c in batch.mine])


async def post_time_entry(ctx: LaborContext, claim: Claim, ready: ReadyEntry) -> Outcome:
    """Create one time bill (or correct the one posted earlier). Data errors are dead letters
    with NetSuite's own words; transient errors that outlast the retries leave it `failed` for
    the next run (dead after `max_attempts` runs). Auth and contract errors stop the run."""
    plan = ready.plan
    key = external_id(plan.key)
    changes = {k: v for k, v in ready.body.items() if k != "externalId"}
    payload = {**ledger_payload(plan, ready.body), "_etag": plan.etag}
    try:
        if ready.is_correction:
            await ctx.netsuite.update_by_external_id(TIME_BILL, key, changes)
            target = ready.target_id
        else:
            result = await ctx.netsuite.create_once(TIME_BILL, ready.body, external_id=key, check_first=claim.resolve_first)
            if result.adopted:  # an earlier attempt landed, perhaps before the session was edited
                await ctx.netsuite.update_by_external_id(TIME_BILL, key, changes)
            target = result.target_id
        return Outcome(plan.key, EntryStatus.posted, target_id=target, payload=payload)
    except DataError as exc:
        where = f" (field {exc.field})" if exc.field else ""
        code = f" [{exc.code}]" if exc.code else ""
        verb = "correction of time bill " + (ready.target_id or "") if ready.is_correction else "time entry"
        reason = f"{plan.label}: NetSuite rejected the {verb} for work order {plan.work_order}{code}: {exc}{where}"
        return Outcome(plan.key, EntryStatus.dead, target_id=ready.target_id, reason=reason, payload={"_etag": plan.etag})
    except TransientError as exc:
        if claim.attempts + 1 >= ctx.max_attempts:
            reason = f"{plan.label}: gave up after {claim.attempts + 1} runs: {exc}"
            return Outcome(plan.key, EntryStatus.dead, target_id=ready.target_id, reason=reason, payload={"_etag": plan.etag})
        return Outcome(plan.key, EntryStatus.failed, target_id=ready.target_id, reason=str(exc))


@task(name="resolve-interrupted-posts", cache_policy=NO_CACHE)
async def resolve_interrupted(ctx: LaborContext) -> int:
    """A run that died between posting and recording left keys `pending`: ask NetSuite whether
    each time bill exists (by external id). What it holds is unknown, so the fingerprint is left
    empty and the next look at the session corrects it if it differs."""
    assert ctx.run is not None
    orphans = ctx.ledger.take_orphans(INTEGRATION, ctx.run)

    async def resolve(claim: Claim) -> Outcome:
        try:
            found = await ctx.netsuite.find_by_external_id(TIME_BILL, external_id(claim.key))
        except SyncError as exc:
            return Outcome(claim.key, EntryStatus.failed, reason=f"could not check NetSuite after an interruption: {exc}")
        if found:
            return Outcome(claim.key, EntryStatus.posted, target_id=found, payload={"fingerprint": None})
        return Outcome(claim.key, EntryStatus.failed, reason="interrupted before NetSuite confirmed; not in NetSuite, will be posted")

    outcomes = await asyncio.gather(*(resolve(claim) for claim in orphans))
    ctx.ledger.record(INTEGRATION, ctx.run, outcomes)
    return len(outcomes)


def posted_row(ready: ReadyEntry, target_id: str) -> dict[str, Any]:
    plan = ready.plan
    return {
        "session": plan.session_id,
        "work order": plan.work_order,
        "employee": plan.employee,
        "customer": plan.customer,
        "date": plan.tran_date,
        "hours": plan.hours,
        "action": "corrected" if ready.is_correction else "created",
        "netsuite id": target_id,
    }


def would_post_row(ready: ReadyEntry) -> dict[str, Any]:
    return {**posted_row(ready, ready.target_id or ""), "action": "would correct" if ready.is_correction else "would create"}
