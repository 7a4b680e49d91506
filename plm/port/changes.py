"""PLM port: engineering changes that became effective, with their effectivity (PLM -> ION).

An effective change (ECO/ECN) makes new revisions effective; ION must build them (new part
revisions, mBOMs, procedure revisions) and gate runs still building a superseded revision
(seed 002: "ECN / ECR notifications … gate runs against stale revisions"). A change comes from
the PLM's event queue or webhooks (acknowledged only after it was applied) or from polling
(the flow keeps a watermark of `effective_at`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from plm.port.items import ReleasedItem


@dataclass(frozen=True)
class AffectedItem:
    """One revision a change made effective and the revision it superseded."""

    effective: ReleasedItem
    released: bool = True  # its state is a released one; False (made Obsolete): no part revision, runs are still gated
    superseded_revision: str | None = None
    superseded_key: str | None = None  # the PLM's id of the superseded revision (`BomSource.lines`)


@dataclass(frozen=True)
class EngineeringChange:
    number: str  # as people name it: "ECO-000123"
    affected: list[AffectedItem]
    effective_at: datetime | None = None  # its effectivity (UTC)
    event: str | None = None  # the queue event / notification to acknowledge; None when polled
    plm: str = ""

    @property
    def source_ref(self) -> str:
        return f"{self.plm}:change:{self.number}"


class ChangeSource(Protocol):
    async def effective(self, since: datetime | None, *, poll: bool = False) -> list[EngineeringChange]:
        """Changes to apply, oldest first: pending events of the PLM's queue when one is set up
        (unless `poll`), else changes made effective since `since` (None: all)."""
        ...

    async def acknowledge(self, change: EngineeringChange) -> None:
        """Tell the PLM a queued change was applied (nothing for a polled one). Called only after
        every write it asked for settled."""
        ...
