"""PLM port: NCR / MRB outcomes (ION -> PLM). Problems go back as records for engineering to
triage, never as edits to the item (seed 002, rule 3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from plm.port.writes import RecordTarget, Unit


@dataclass(frozen=True)
class Nonconformance:
    """One ION issue that production dispositioned (MRB outcome)."""

    issue_id: str
    title: str
    disposition: str  # ION's disposition: "REWORK", "SCRAP", "USE_AS_IS", ...
    unit: Unit
    status: str | None = None
    run_id: str | None = None
    run_title: str | None = None
    found: str = ""  # the cause / condition found, plain text
    expected: str = ""

    @property
    def key(self) -> str:
        return f"ion:issue:{self.issue_id}:ncr"

    @property
    def source_ref(self) -> str:
        return f"ion:issue:{self.issue_id}"

    @property
    def label(self) -> str:
        return f"NCR {self.issue_id} ({self.unit.part_number} rev {self.unit.revision})"

    @property
    def tag(self) -> str:
        """How the PLM record's title starts, so it can be found again: "[ION NCR 12]"."""
        return f"[ION NCR {self.issue_id}]"


class NonconformanceTarget(RecordTarget[Nonconformance], Protocol):
    """A PLM that takes nonconformances as change requests / problem reports (Arena: a request)."""
