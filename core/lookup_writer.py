"""A writer for targets without an idempotency key whose records each know how to find
themselves: the PLM loop's ION mutations (part revisions, attributes, mBOM versions, issues:
"ION already shows it") and its Arena creations (files, change requests, looked up by the
name or tag they carry).

Every record is a `Lookup` carried in `Postable.record`; `LookupWriter` runs them on the one
engine (`core.writer.write_page`), which asks `find` before writing again whatever an earlier
attempt may have left behind (never idempotent).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Protocol

from core.writer import Postable, PostReport, Writer, dead_letter_row, write_page
from ledger import Claim, Ledger, RunHandle
from ledger.store import DeadLetter

CLAIM_CHUNK = 10  # keys claimed at once: a run killed mid-page leaves at most this many to look up


class Lookup(Protocol):
    """One record to write: `find` says whether the target already shows it (its id), `write`
    makes it so and returns its id. Neither is ever retried here: the engine classifies."""

    async def find(self) -> str | None: ...

    async def write(self) -> str: ...


class LookupWriter(Writer):
    """The engine's `Writer` for `Lookup` records, one at a time, into `target`.

    A record finds itself from what it carries, not from its key, so a key a dead run left
    `pending` is checked when the source hands the record over again (the claim's
    `resolve_first`), not by `resolve_orphans`."""

    def __init__(self, integration: str, target: str) -> None:
        self.integration = integration
        self.target = target
        self.claimed: dict[str, Lookup] = {}

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        """Keep the claimed records: `find` gets only the claim."""
        self.claimed = {item.key: item.record for item in items}
        return {}

    async def find(self, claim: Claim) -> str | None:
        return await self.claimed[claim.key].find()

    async def write(self, items: Sequence[Postable]) -> Sequence[str | Exception]:
        return [await item.record.write() for item in items]


async def write_lookups(
    ledger: Ledger,
    run: RunHandle | None,
    writer: Writer,
    items: Sequence[Postable],
    dead_letters: Sequence[DeadLetter] = (),
    *,
    retry_dead: bool = False,
) -> PostReport:
    """Write `items` through the engine `CLAIM_CHUNK` keys at a time, one request at a time (the
    Arena quota stop stays exact); in a dry run (`run` None) only report what would be written."""
    if run is None:
        return PostReport(
            posted=[{**item.row, "target id": "(dry run)"} for item in items],
            dead_letters=[dead_letter_row(letter) for letter in dead_letters],
        )
    report = PostReport()
    for start in range(0, max(len(items), 1), CLAIM_CHUNK):
        report.merge(
            await write_page(
                ledger,
                run,
                writer,
                items[start : start + CLAIM_CHUNK],
                dead_letters if start == 0 else (),
                window=asyncio.Semaphore(1),
                retry_dead=retry_dead,
            )
        )
    return report
