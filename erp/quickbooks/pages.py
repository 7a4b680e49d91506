"""A page of ION records planned for QuickBooks: what is ready for the writer, the dead letters,
the names to fix by hand, and what the ledger had settled already."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from core.writer import Postable
from ledger import EntryStatus, Ledger
from ledger.store import DeadLetter


class Keyed(Protocol):
    @property
    def key(self) -> str: ...


K = TypeVar("K", bound=Keyed)


@dataclass
class PagePlan:
    ready: list[Postable] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    out_of_sync: list[dict[str, Any]] = field(default_factory=list)  # names QuickBooks lacks (purchase orders)
    already_posted: int = 0

    def sort_out(self, ledger: Ledger, integration: str, planned: Sequence[K], *, retry_dead: bool) -> tuple[list[K], list[K]]:
        """Split `planned` by what the ledger knows: to post (neither posted nor, unless `retry_dead`,
        dead) and held (dead letters of earlier runs). Those already posted are counted, not returned."""
        known = ledger.statuses(integration, [p.key for p in planned])
        self.already_posted += sum(1 for status in known.values() if status is EntryStatus.posted)
        settled = {EntryStatus.posted} | (set() if retry_dead else {EntryStatus.dead})
        fresh = [p for p in planned if known.get(p.key) not in settled]
        held = [p for p in planned if known.get(p.key) is EntryStatus.dead and not retry_dead]
        return fresh, held
