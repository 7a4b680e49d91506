"""ERP port: labor time entries (ION -> ERP), corrected when their source is edited.

Seed 002 ("ION → ERP"): labor flows into the ERP as direct labor on jobs, for cost-plus
customers. labor-sync plans one `TimeEntry` per checked-out ION session (`mes.ion.labor`); an
adapter checks what its ERP must hold for it (employees, work orders), turns it into the
ERP's request, and writes it through the engine (`core.writer`) with the writer it provides:
a new entry is created once under its ledger key; an entry whose session was edited after
posting is a correction of the one posted (`Postable.corrects`), never a second entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from core.writer import Writer

INTEGRATION = "labor-sync"


def hours_text(minutes: int) -> str:
    """A duration as H:MM (NetSuite's Duration, reference §1.3; how reports show hours)."""
    return f"{minutes // 60}:{minutes % 60:02d}"


@dataclass(frozen=True)
class TimeEntry:
    """One session's time entry, in the ERP's ids, before the ERP has checked them."""

    session_id: int
    key: str
    label: str
    updated: datetime
    etag: str | None
    employee: str
    customer: str
    work_order: str
    tran_date: str
    minutes: int
    memo: str

    @property
    def hours(self) -> str:
        return hours_text(self.minutes)


class TimeEntryTarget(Protocol):
    """Writes labor time entries into an ERP, correcting one already posted."""

    name: str

    @property
    def concurrency(self) -> int:
        """How many writes the ERP takes at once."""
        ...

    async def check(self) -> None:
        """Raise a ConfigError if what the labor mappings name does not exist in the ERP (before any write)."""
        ...

    async def problems(self, entries: Sequence[TimeEntry]) -> dict[str, list[str]]:
        """What stops each entry (by key) once the ERP answered: an unknown or closed work order,
        an inactive employee; said so a person can fix it."""
        ...

    def body(self, entry: TimeEntry) -> dict[str, Any]:
        """The ERP's request for `entry`, carrying its ledger key where the ERP keeps one."""
        ...

    def fingerprint(self, body: dict[str, Any]) -> str:
        """A digest of what the entry says: a session edit that changes none of it posts nothing."""
        ...

    def writer(self) -> Writer:
        """The engine's writer of time entries: a Postable's `body` from `body`, its `corrects`
        the ERP id of the entry posted earlier; `find` looks an entry up by its ledger key."""
        ...
