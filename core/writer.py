"""The ledger protocol for one page of records, whatever the target system.

Claim the page's keys, post each claimed record (at most `concurrency` at once), record every
outcome in one batch. A data error is a dead letter in the target's own words; a transient
error leaves the key `failed` for the next run (dead after `max_attempts` runs); auth and
contract errors stop the run after the outcomes already known are recorded.

One bad record never stops the others: whatever goes wrong with one record (a number no target
can hold, an exception while planning or building its body) makes it a dead letter naming the
record and the field (`one_record`, `posted_or_dead`, `dead_outcome`); only what stops every
record (auth, configuration, an unknown contract, a spent quota, the ledger itself) fails the flow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
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


@dataclass
class PostReport:
    posted: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0
    unsettled_time: datetime | None = None  # earliest source time not yet posted or dead


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
    - `prepare(items)`: batch lookups and prerequisite writes for the claimed items, once per
      page, before any `write`; returns the items that cannot be written, with why.
    - `find(claim)`: did this record land? Its target id, or None. Used for keys a dead run
      left `pending` and for uncertain earlier attempts; never posts.
    - `write(items)`: one result per item, in order: the target id, or the exception for it.

    A key may carry a version after `@` (labor's fingerprint, QuickBooks' digest) so a
    corrected record is a new key while the earlier version stays posted.
    """

    integration: str
    target: str
    batch_size: int = 1
    idempotent: bool = False
    id_column: str = "target id"  # the column of the "posted" table that holds the target id

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        return {}

    async def find(self, claim: Claim) -> str | None: ...

    async def write(self, items: Sequence[Postable]) -> Sequence[str | Exception]: ...


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
    for item in items:
        with one_record(dead_letters, item.key, item.source_ref, item.label, item.source_time):
            check_body(item.body, target)
            by_key[item.key] = item
    kept = set(ledger.dead_letter(writer.integration, dead_letters, replace_dead=retry_dead))
    report.dead_letters = [dead_letter_row(d) for d in dead_letters if d.key in kept]
    batch = ledger.claim(
        writer.integration,
        run,
        [ClaimRequest(key, item.source_ref, item.source_time) for key, item in by_key.items()],
        retry_dead=retry_dead,
    )
    report.already_posted = len(batch.already_posted)
    report.in_flight_elsewhere = len(batch.in_flight_elsewhere)
    claims = {claim.key: claim for claim in batch.mine}
    outcomes: dict[str, Outcome] = {}
    fatal: BaseException | None = None

    def settle(key: str, result: str | BaseException) -> None:
        outcomes[key] = classify(by_key[key], claims[key], result, target, max_attempts)

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
                settle(claim.key, found)

        await _all(
            uncertain(claim)
            for claim in claims.values()
            if claim.key not in outcomes and (claim.resolve_first or (claim.attempts and not writer.idempotent))
        )
        todo = [by_key[key] for key in claims if key not in outcomes]

        async def write(chunk: list[Postable]) -> None:
            async with window:
                try:
                    results: Sequence[str | BaseException] = await writer.write(chunk)
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
            outcomes[key] = Outcome(key, EntryStatus.failed, reason=f"not written: the run stopped ({shorten(str(exc))})")
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


def classify(item: Postable, claim: Claim, result: str | BaseException, target: str, max_attempts: int) -> Outcome:
    """The one rule for every writer: a target id is posted; a DataError is a dead letter in the
    target's own words; a transient error is `failed` (retried by the next run), dead after
    `max_attempts` runs; anything else wrong with this record alone is its dead letter; what
    stops every record is raised."""
    if isinstance(result, str):
        return Outcome(item.key, EntryStatus.posted, target_id=result)
    if isinstance(result, DataError):
        where = f" (field {result.field})" if result.field else ""
        code = f" [{result.code}]" if result.code else ""
        reason = f"{item.label}: {target} rejected it{code}: {result}{where}"
        return Outcome(item.key, EntryStatus.dead, reason=reason, payload=item.body)
    if isinstance(result, TransientError):
        if claim.attempts + 1 >= max_attempts:
            reason = f"{item.label}: gave up after {claim.attempts + 1} runs: {result}"
            return Outcome(item.key, EntryStatus.dead, reason=reason, payload=item.body)
        return Outcome(item.key, EntryStatus.failed, reason=str(result))
    if not isinstance(result, Exception):
        raise result
    return dead_outcome(item.key, item.label, result, payload=item.body)


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
            return Outcome(claim.key, EntryStatus.posted, target_id=found)
        return Outcome(claim.key, EntryStatus.failed, reason=f"interrupted before {target} confirmed; not there, will be posted")

    results = await asyncio.gather(*(resolve(claim) for claim in orphans), return_exceptions=True)
    outcomes = [r for r in results if isinstance(r, Outcome)]
    ledger.record(writer.integration, run, outcomes)
    fatal = next((r for r in results if isinstance(r, BaseException)), None)
    if fatal is not None:
        raise fatal
    return len(outcomes)


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
        raise DataError(f"{path} = {shown(value)}: not a number {target} can hold (finite, at most {LARGEST_NUMBER:,})", field=path)


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


async def posted_or_dead(
    key: str,
    label: str,
    post: Callable[[], Awaitable[Outcome]],
    *,
    body: dict[str, Any] | None = None,
    target: str = "the target",
    target_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Outcome:
    """Post ONE claimed record: a body `target` cannot hold, or anything else that goes wrong with
    this record alone, is its dead outcome (keeping `target_id` and `payload`), never an exception
    that leaves its key `pending`."""
    try:
        if body is not None:
            check_body(body, target)
        return await post()
    except Exception as exc:
        return dead_outcome(key, label, exc, target_id=target_id, payload=payload)


def dead_outcome(
    key: str, label: str, exc: Exception, *, target_id: str | None = None, payload: dict[str, Any] | None = None
) -> Outcome:
    """The outcome of a claimed record that failed on its own: dead, naming it (and the field
    where known). What stops every record is raised again instead."""
    if stops_every_record(exc):
        raise exc
    return Outcome(key, EntryStatus.dead, target_id=target_id, reason=record_problem(label, exc), payload=payload)
