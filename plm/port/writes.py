"""What every ION -> PLM capability shares: the records ION sends, and the target protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from core.writer import PlannedWrites, Writer


@dataclass(frozen=True)
class Unit:
    """What ION built: one serial, one lot, or an untracked run's output."""

    part_number: str  # the ION part number (the adapter maps it to the PLM's)
    revision: str | None
    quantity: float = 1.0
    serial: str | None = None
    lot: str | None = None
    unit_id: str | None = None  # ION's part inventory id

    @property
    def label(self) -> str:
        where = f"serial {self.serial}" if self.serial else f"lot {self.lot}" if self.lot else "untracked"
        return f"{self.part_number} rev {self.revision} {where}"


@dataclass(frozen=True)
class Component:
    """A part installed into a unit."""

    part_number: str
    revision: str | None
    quantity: float
    quantity_per_unit: float | None = None
    serial: str | None = None
    lot: str | None = None
    location: str | None = None
    substitute_for: str | None = None  # the part the build requirement asked for, if another was installed


class Record(Protocol):
    """What every ION -> PLM record carries: its ledger key, where it came from, and how to name it."""

    @property
    def key(self) -> str: ...
    @property
    def source_ref(self) -> str: ...
    @property
    def label(self) -> str: ...


R = TypeVar("R", contravariant=True)


class RecordTarget(Protocol[R]):
    async def plan(self, records: Sequence[R]) -> PlannedWrites:
        """A `Postable` per record that can be written (`key` = the record's key, `record` what the
        writer needs), and a dead letter naming the record and the field for each that cannot
        (its part is no PLM item, a value the PLM cannot hold)."""
        ...

    def writer(self, integration: str) -> Writer:
        """The engine's writer of planned records in the ledger namespace `integration`; the PLM
        has no idempotency key for them, so its `find` looks each one up (never idempotent)."""
        ...
