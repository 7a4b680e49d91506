"""The ledger protocol for the PLM loop's writes (`../shared/DESIGN.md`, "The ledger").

Neither ION's part/mBOM/issue mutations nor Arena's file and change-request creation take an
idempotency key, so every write here is *look up, then create*: a claimed key is posted by
first asking the target whether the object exists whenever an earlier attempt may have
landed (a run died holding the claim, an earlier run failed on it, or this attempt's answer
was lost), then creating it. Outcomes are recorded per page; a quota stop records what was
done and leaves the rest `failed` for the next run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from connectors.arena import QuotaExhausted
from connectors.errors import DataError, TransientError
from core.writer import posted_or_dead
from ledger import Claim, EntryStatus, Ledger, Outcome, RunHandle
from ledger.store import ClaimRequest, DeadLetter

MAX_ATTEMPTS = 5  # runs a key may fail in before it becomes a dead letter
TRIES_PER_RUN = 3
CLAIM_CHUNK = 10  # keys claimed at once

Lookup = Callable[[], Awaitable[str | None]]
Create = Callable[[], Awaitable[str]]


@dataclass
class Write:
    """One record to write: its key, where it came from, and how to find or create it."""

    key: str
    source_ref: str
    label: str
    lookup: Lookup
    create: Create
    payload: dict[str, Any] | None = None
    row: dict[str, Any] = field(default_factory=dict)  # what the posted table shows


@dataclass
class WriteReport:
    fetched: int = 0
    posted: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0
    interrupted_resolved: int = 0

    @property
    def settled(self) -> bool:
        """Nothing left to do for these keys: all posted (now or before)."""
        return not (self.dead_letters or self.in_flight_elsewhere or self.failed)

    def merge(self, other: WriteReport) -> None:
        self.fetched += other.fetched
        self.posted += other.posted
        self.dead_letters += other.dead_letters
        self.already_posted += other.already_posted
        self.in_flight_elsewhere += other.in_flight_elsewhere
        self.failed += other.failed
        self.interrupted_resolved += other.interrupted_resolved


def dead_row(key: str, source: str, reason: str) -> dict[str, Any]:
    return {"key": key, "source": source, "reason": reason}


async def post_with_lookup(claim: Claim, write: Write) -> Outcome:
    """Find-or-create one claimed record. Data errors → dead letter with the target's words;
    transient errors → retried here, then `failed` (dead after MAX_ATTEMPTS runs)."""
    check = claim.resolve_first or claim.attempts > 0
    last: Exception | None = None
    for attempt in range(TRIES_PER_RUN):
        try:
            if check:
                found = await write.lookup()
                if found is not None:
                    return Outcome(write.key, EntryStatus.posted, target_id=found, payload=write.payload)
            return Outcome(write.key, EntryStatus.posted, target_id=await write.create(), payload=write.payload)
        except DataError as exc:
            return Outcome(write.key, EntryStatus.dead, reason=f"{write.label}: {exc}", payload=write.payload)
        except TransientError as exc:
            last = exc
            check = check or exc.uncertain
            await asyncio.sleep(0.05 * 2**attempt)
    if claim.attempts + 1 >= MAX_ATTEMPTS:
        return Outcome(write.key, EntryStatus.dead, reason=f"{write.label}: gave up after {claim.attempts + 1} runs: {last}")
    return Outcome(write.key, EntryStatus.failed, reason=str(last))


async def write_all(
    ledger: Ledger, integration: str, run: RunHandle, writes: list[Write], dead: list[DeadLetter] | None = None
) -> WriteReport:
    """Keep the dead letters, then claim, post and record the writes a chunk at a time: a run
    killed mid-page leaves at most one chunk for the next run to look up before posting."""
    report = WriteReport()
    if dead:
        kept = set(ledger.dead_letter(integration, dead, replace_dead=False))
        report.dead_letters += [dead_row(d.key, d.source_ref, d.reason) for d in dead if d.key in kept]
    unique = list({w.key: w for w in writes}.values())
    for start in range(0, len(unique), CLAIM_CHUNK):
        report.merge(await _write_chunk(ledger, integration, run, unique[start : start + CLAIM_CHUNK]))
    return report


async def _write_chunk(ledger: Ledger, integration: str, run: RunHandle, writes: list[Write]) -> WriteReport:
    report = WriteReport()
    by_key = {w.key: w for w in writes}
    batch = ledger.claim(integration, run, [ClaimRequest(w.key, w.source_ref) for w in writes])
    report.already_posted = len(batch.already_posted)
    report.in_flight_elsewhere = len(batch.in_flight_elsewhere)
    outcomes: list[Outcome] = []
    try:
        for claim in batch.mine:
            write = by_key[claim.key]
            outcome = await posted_or_dead(write.key, write.label, partial(post_with_lookup, claim, write))
            outcomes.append(outcome)
            report.interrupted_resolved += int(claim.resolve_first)
            if outcome.status is EntryStatus.posted:
                report.posted.append({**write.row, "target id": outcome.target_id})
            elif outcome.status is EntryStatus.dead:
                report.dead_letters.append(dead_row(write.key, write.source_ref, outcome.reason or ""))
            else:
                report.failed += 1
    except QuotaExhausted as exc:
        done = {o.key for o in outcomes}
        outcomes += [Outcome(c.key, EntryStatus.failed, reason=str(exc)) for c in batch.mine if c.key not in done]
        raise
    finally:
        ledger.record(integration, run, outcomes)
    return report
