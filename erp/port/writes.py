"""What a writing capability of the ERP port hands back for one page: the writes it planned,
ready for the writer engine (`core.writer.write_page`), and the records it cannot write."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.writer import Postable
from ledger.store import DeadLetter


@dataclass
class PlannedWrites:
    """One page planned against the ERP: `ready` carries each record's body, its report row and
    (in `Postable.record`) what the adapter's writer needs; `dead_letters` say what to fix."""

    ready: list[Postable] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
