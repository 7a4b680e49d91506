"""The writer engine: the one way every outgoing write runs the ledger protocol (DESIGN.md).

A writer (`Writer`) knows its target; `write_page` claims a page's keys, lets the writer
`prepare`, `find` and `write`, classifies every result with one rule and records every outcome
in one batch; `resolve_orphans` settles keys a dead run left `pending`. A data error is a dead letter in the target's own words; a transient
error leaves the key `failed` for the next run (dead after `max_attempts` runs); auth and
contract errors stop the run after the outcomes already known are recorded.

One bad record never stops the others: whatever goes wrong with one record (a number no target
can hold, an exception while planning or building its body) makes it a dead letter naming the
record and the field (`one_record`, `classify`); only what stops every
record (auth, configuration, an unknown contract, a spent quota, the ledger itself) fails the flow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from connectors.errors import ContractError, DataError, SyncError, TransientError
from connectors.validation import (
    LARGEST_NUMBER,
    explain_record_error,
    number_out_of_range,
    shorten,
    shown,
)
from core.collector import collector_paused
from core.reporting import SyncSummary
from ledger import Claim, EntryStatus, Ledger, Outcome, RunHandle
from ledger.store import ClaimRequest, DeadLetter


@dataclass(frozen=True)
class Postable:
    """One record ready to post: its ledger key, where it came from, what to send."""

    key: str
    source_ref: str
    label: str  # how a person names it in a reason: "ION receipt 7 → PO5001"
    body: dict[str, Any]
    row: dict[str, Any]  # its line in the "posted" table
    source_time: datetime | None = None
    record: Any = None  # what the writer needs beyond the body (the planned record itself)
    what: str = "it"  # how a reason names what the target refused: "the time entry for work order WO1001"
    payload: dict[str, Any] | None = None  # what the ledger keeps with the outcome of writing it (dead: the body if None)
    corrects: str | None = None  # the target id of the version posted earlier that this record corrects
    intended: tuple[dict[str, Any], ...] = ()  # unconfirmed earlier attempts' intents (`Claim.intended`)


@dataclass(frozen=True)
class Landed:
    """A record that landed, with what the ledger keeps beside its target id (Ramp's line ids,
    whether an existing object was adopted): a `find` or `write` result where a bare id is not enough."""

    target_id: str
    payload: dict[str, Any] | None = None


@dataclass
class PlannedWrites:
    """One page planned against a target by a port's writing capability: `ready` carries each
    record's body, its report row and (in `Postable.record`) what the adapter's writer needs;
    `dead_letters` say what to fix."""

    ready: list[Postable] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


@dataclass
class PostReport:
    posted: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0
    interrupted_resolved: int = 0  # keys a dead run left `pending`, checked with `find` before writing
    unsettled_time: datetime | None = None  # earliest source time not yet posted or dead

    def merge(self, other: PostReport) -> None:
        """Add the report of another page (or another writer) of the same run."""
        self.posted += other.posted
        self.dead_letters += other.dead_letters
        self.already_posted += other.already_posted
        self.in_flight_elsewhere += other.in_flight_elsewhere
        self.failed += other.failed
        self.interrupted_resolved += other.interrupted_resolved
        self.unsettled_time = min(filter(None, [self.unsettled_time, other.unsettled_time]), default=None)


class PostedSummary(SyncSummary):
    """The counts of a sync that posts page by page through `post_through_ledger`, and how far
    its watermark may move: to the earliest record not yet settled, else the latest seen."""

    latest: datetime | None = None
    unsettled: datetime | None = None

    def add_page(self, fetched: int, times: Sequence[datetime], report: PostReport) -> None:
        self.fetched += fetched
        if self.dry_run:
            self.would_post += len(report.posted)
        else:
            self.posted += len(report.posted)
        self.dead_letters += len(report.dead_letters)
        self.already_posted += report.already_posted
        self.in_flight_elsewhere += report.in_flight_elsewhere
        self.failed += report.failed
        self.latest = max([*times, *([self.latest] if self.latest else [])], default=None)
        if report.unsettled_time:
            self.unsettled = min(filter(None, [self.unsettled, report.unsettled_time]))

    @property
    def watermark_candidate(self) -> datetime | None:
        return self.unsettled or self.latest


class Writer(Protocol):
    """One kind of outgoing write, run by `write_page` (the one engine every writer goes through).

    Learned from Singer's `BatchSink.process_batch` and the transactional outbox: the engine owns
    the ledger (claim, classify, record, orphans); a writer only knows its target.

    - `integration`: the ledger namespace of its keys; `target`: how a reason names the system.
    - `batch_size`: records per `write` call (1: one by one; QuickBooks batches 30).
    - `idempotent`: writing a record twice cannot duplicate it (NetSuite upserts by external
      id), so a record whose earlier attempt failed is written again without asking `find`.
      Otherwise (Ramp, ION mutations, QuickBooks) the engine asks `find` first.
    - `id_column`: the "posted" table's column for the target id ("ramp id").
    - `prepare(items)`: batch lookups and prerequisite writes for the claimed items, once per
      page, before any `write`; returns the items that cannot be written, with why.
    - `find(claim)`: did this record land? Its target id (or `Landed`), or None. Used for keys a
      dead run left `pending` and for uncertain earlier attempts; never posts.
    - `write(items)`: one result per item, in order: the target id (or `Landed`), or the exception for it.
    - `write_ahead`: the target keeps no key of ours on what it holds (Business Central's time
      entries), so a lost answer leaves no trace but the content, which may be edited before the
      next attempt. Before each `write` the engine keeps in the ledger what it is about to write
      (`Ledger.intend`: the body, and `corrects`), and a later claim of the key hands back every
      such intent not yet confirmed (`Claim.intended` to `find`, `Postable.intended` to `write`),
      so the writer can find what an earlier attempt made under its old content.

    A key may carry a version after `@` (QuickBooks' digest) so a changed record is a new key
    while the earlier version stays posted. A record that corrects what its key already posted
    under the same key (labor: the time entry of an edited session, its external id fixed) says
    so with `Postable.corrects`: the engine re-opens the posted key (`Ledger.reopen`) instead of
    claiming it, and the earlier target id stays on the key whatever the correction's outcome.
    """

    integration: str
    target: str
    batch_size: int = 1
    idempotent: bool = False
    write_ahead: bool = False
    id_column: str = "target id"  # the column of the "posted" table that holds the target id

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        return {}

    async def find(self, claim: Claim) -> str | Landed | None: ...

    async def write(self, items: Sequence[Postable]) -> Sequence[str | Landed | Exception]: ...


async def write_page(
    ledger: Ledger,
    run: RunHandle,
    writer: Writer,
    items: Sequence[Postable],
    dead_letters: Sequence[DeadLetter] = (),
    *,
    window: asyncio.Semaphore,
    retry_dead: bool = False,
    max_attempts: int = 5,
) -> PostReport:
    """The ledger protocol for one page: keep the dead letters, claim the items, `prepare`,
    `find` where the outcome of an earlier attempt is uncertain, `write` (at most `window`
    calls in flight, shared by the pages of a run), classify every outcome with one rule
    (`classify`) and record them all in one place. What stops every record is raised after
    the outcomes already known are recorded; no key is left `pending` by an error."""
    report = PostReport()
    target = writer.target
    dead_letters = [*dead_letters]
    by_key: dict[str, Postable] = {}
    with collector_paused():
        for item in items:
            with one_record(dead_letters, item.key, item.source_ref, item.label, item.source_time):
                check_body(item.body, target)
                by_key[item.key] = item
    kept = set(ledger.dead_letter(writer.integration, dead_letters, replace_dead=retry_dead, run=run))
    report.dead_letters = [dead_letter_row(d) for d in dead_letters if d.key in kept]
    batch = ledger.claim(
        writer.integration,
        run,
        [ClaimRequest(key, item.source_ref, item.source_time) for key, item in by_key.items() if item.corrects is None],
        retry_dead=retry_dead,
    )
    reopened = ledger.reopen(writer.integration, run, [key for key, item in by_key.items() if item.corrects is not None])
    batch.mine += reopened.mine
    batch.in_flight_elsewhere += reopened.in_flight_elsewhere
    report.already_posted = len(batch.already_posted)
    report.in_flight_elsewhere = len(batch.in_flight_elsewhere)
    report.interrupted_resolved = sum(1 for claim in batch.mine if claim.resolve_first)
    claims = {claim.key: claim for claim in batch.mine}
    by_key.update({key: replace(by_key[key], intended=claim.intended) for key, claim in claims.items() if claim.intended})
    outcomes: dict[str, Outcome] = {}
    fatal: BaseException | None = None

    def settle(key: str, result: str | Landed | BaseException, *, found: bool = False) -> None:
        item = by_key[key]
        outcome = classify(item, claims[key], result, target, max_attempts)
        if found and not isinstance(result, Landed):  # it landed earlier, but which version is not known
            outcome = replace(outcome, payload=None)
        if item.corrects is not None and outcome.status is not EntryStatus.posted:
            outcome = replace(outcome, target_id=item.corrects)  # the earlier version is still there
        outcomes[key] = outcome

    try:
        if claims:
            problems = await writer.prepare([by_key[key] for key in claims])
            for key, problem in problems.items():
                settle(key, problem)

        async def uncertain(claim: Claim) -> None:
            async with window:
                try:
                    found = await writer.find(claim)
                except Exception as exc:
                    settle(claim.key, exc)
                    return
            if found:
                settle(claim.key, found, found=True)

        await _all(
            uncertain(claim)
            for claim in claims.values()
            if claim.key not in outcomes and (claim.resolve_first or (claim.attempts and not writer.idempotent))
        )
        todo = [by_key[key] for key in claims if key not in outcomes]

        async def write(chunk: list[Postable]) -> None:
            async with window:
                try:
                    if writer.write_ahead:
                        ledger.intend(writer.integration, run, {item.key: intent(item) for item in chunk})
                    results: Sequence[str | Landed | BaseException] = await writer.write(chunk)
                except Exception as exc:
                    results = [exc] * len(chunk)
            if len(results) != len(chunk):
                raise ContractError(f"{target} writer answered {len(results)} results for {len(chunk)} records")
            for item, result in zip(chunk, results, strict=True):
                settle(item.key, result)

        size = max(1, writer.batch_size)
        await _all(write(todo[i : i + size]) for i in range(0, len(todo), size))
    except BaseException as exc:  # what stops every record: record what is known, release the rest
        fatal = exc
        for key in claims.keys() - outcomes.keys():
            reason = f"not written: the run stopped ({shorten(str(exc))})"
            outcomes[key] = Outcome(key, EntryStatus.failed, target_id=by_key[key].corrects, reason=reason)
    ledger.record(writer.integration, run, outcomes.values())
    if fatal is not None:
        raise fatal
    unsettled = [by_key[k].source_time for k in batch.in_flight_elsewhere]
    for outcome in outcomes.values():
        item = by_key[outcome.key]
        if outcome.status is EntryStatus.posted:
            report.posted.append({**item.row, writer.id_column: outcome.target_id})
        elif outcome.status is EntryStatus.dead:
            report.dead_letters.append(dead_letter_row(DeadLetter(item.key, item.source_ref, outcome.reason or "")))
        else:
            report.failed += 1
            unsettled.append(item.source_time)
    report.unsettled_time = min(filter(None, unsettled), default=None)
    return report


def intent(item: Postable) -> dict[str, Any]:
    """What the ledger keeps before `item` is written by a `write_ahead` writer."""
    return {"body": item.body, **({"corrects": item.corrects} if item.corrects is not None else {})}


def classify(item: Postable, claim: Claim, result: str | Landed | BaseException, target: str, max_attempts: int) -> Outcome:
    """The one rule for every writer: a target id is posted; a DataError is a dead letter in the
    target's own words; a transient error is `failed` (retried by the next run), dead after
    `max_attempts` runs; anything else wrong with this record alone is its dead letter; what
    stops every record is raised."""
    kept = item.body if item.payload is None else item.payload
    if isinstance(result, str | Landed):
        return posted_outcome(item.key, result, item.payload)
    if isinstance(result, DataError):
        where = f" (field {result.field})" if result.field else ""
        code = f" [{result.code}]" if result.code else ""
        reason = f"{item.label}: {target} rejected {item.what}{code}: {result}{where}"
        return Outcome(item.key, EntryStatus.dead, reason=reason, payload=kept)
    if isinstance(result, TransientError):
        if claim.attempts + 1 >= max_attempts:
            reason = f"{item.label}: gave up after {claim.attempts + 1} runs: {result}"
            return Outcome(item.key, EntryStatus.dead, reason=reason, payload=kept)
        return Outcome(item.key, EntryStatus.failed, reason=str(result))
    if not isinstance(result, Exception):
        raise result
    return dead_outcome(item.key, item.label, result, payload=kept)


async def _all(calls: Iterable[Awaitable[None]]) -> None:
    """Run `calls` together; the first exception is raised once all have finished."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    fatal = next((r for r in results if isinstance(r, BaseException)), None)
    if fatal is not None:
        raise fatal


async def resolve_orphans(ledger: Ledger, run: RunHandle, writer: Writer) -> int:
    """Keys a dead run left `pending`: ask the target whether each record landed (`find`), record
    the answer. Never posts; a check that fails leaves the key `failed`, checked again next run."""
    orphans = ledger.take_orphans(writer.integration, run)
    target = writer.target

    async def resolve(claim: Claim) -> Outcome:
        try:
            found = await writer.find(claim)
        except Exception as exc:
            if stops_every_record(exc) and not isinstance(exc, TransientError):
                raise
            return Outcome(claim.key, EntryStatus.failed, reason=f"could not check {target} after an interruption: {exc}")
        if found:
            return posted_outcome(claim.key, found)
        return Outcome(claim.key, EntryStatus.failed, reason=f"interrupted before {target} confirmed; not there, will be posted")

    results = await asyncio.gather(*(resolve(claim) for claim in orphans), return_exceptions=True)
    outcomes = [r for r in results if isinstance(r, Outcome)]
    ledger.record(writer.integration, run, outcomes)
    fatal = next((r for r in results if isinstance(r, BaseException)), None)
    if fatal is not None:
        raise fatal
    return len(outcomes)


def posted_outcome(key: str, found: str | Landed, payload: dict[str, Any] | None = None) -> Outcome:
    """A record that landed: its target id and what the ledger keeps beside it (a `Landed`'s
    payload from the target's answer, else the item's own `payload`)."""
    if isinstance(found, Landed):
        return Outcome(key, EntryStatus.posted, target_id=found.target_id, payload=found.payload or payload)
    return Outcome(key, EntryStatus.posted, target_id=found, payload=payload)


def dead_letter_row(letter: DeadLetter) -> dict[str, Any]:
    return {"key": letter.key, "source": letter.source_ref, "reason": letter.reason}


def stops_every_record(exc: Exception) -> bool:
    """What fails the flow, not one record: every connector error but a DataError (auth,
    configuration, contract, transient, a spent quota) and the ledger's or the network's own."""
    return isinstance(exc, SyncError | SQLAlchemyError | OSError) and not isinstance(exc, DataError)


def record_problem(label: str, exc: Exception) -> str:
    """Why one record cannot be posted, naming it and, where known, the field."""
    if isinstance(exc, ValidationError):
        return explain_record_error(label, exc)
    if isinstance(exc, DataError):
        return f"{label}: {exc}" + (f" (field {exc.field})" if exc.field and exc.field not in str(exc) else "")
    what = f"field {exc.args[0]!r} is missing" if isinstance(exc, KeyError) and exc.args else shorten(str(exc))
    return f"{label}: could not be turned into a request ({type(exc).__name__}: {what})"


def check_body(body: dict[str, Any], target: str = "the target") -> None:
    """A DataError naming the field if the body holds a number `target` cannot hold (NaN,
    Infinity, beyond `LARGEST_NUMBER`): caught here, not as a serialisation error mid-post."""
    found = number_out_of_range(body)
    if found:
        path, value = found
        raise DataError(
            f"{path} = {shown(value)}: not a number {target} can hold (finite, at most {LARGEST_NUMBER:,})", field=path
        )


@dataclass
class Guarded:
    failed: bool = False  # the block raised: the record is a dead letter, skip the rest of it


@contextmanager
def one_record(
    dead_letters: list[DeadLetter],
    key: str,
    source_ref: str,
    label: str,
    source_time: datetime | None = None,
    payload: dict[str, Any] | None = None,
) -> Iterator[Guarded]:
    """Plan or build ONE record inside this block: whatever goes wrong with it becomes its dead
    letter and the loop goes on to the next; what stops every record propagates."""
    guarded = Guarded()
    try:
        yield guarded
    except Exception as exc:
        if stops_every_record(exc):
            raise
        guarded.failed = True
        dead_letters.append(DeadLetter(key, source_ref, record_problem(label, exc), payload, source_time))


def dead_outcome(
    key: str, label: str, exc: Exception, *, target_id: str | None = None, payload: dict[str, Any] | None = None
) -> Outcome:
    """The outcome of a claimed record that failed on its own: dead, naming it (and the field
    where known). What stops every record is raised again instead."""
    if stops_every_record(exc):
        raise exc
    return Outcome(key, EntryStatus.dead, target_id=target_id, reason=record_problem(label, exc), payload=payload)
