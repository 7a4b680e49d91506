"""PLM port: production traceability records (ION -> PLM): "this serial was built from these
parts via these procedures against this revision" (seed 002)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from plm.port.writes import Component, RecordTarget, Unit


@dataclass(frozen=True)
class ProcedureUsed:
    title: str
    version: str | None


@dataclass(frozen=True)
class TraceabilityRecord:
    """One unit's genealogy: the revision built, the procedures run, the parts consumed (with lots/serials)."""

    unit: Unit
    run_id: str
    procedures: list[ProcedureUsed]
    components: list[Component]
    completed_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"ion:trace:{self.unit.unit_id}"

    @property
    def source_ref(self) -> str:
        return f"ion:run:{self.run_id}"

    @property
    def label(self) -> str:
        return f"traceability of ION run {self.run_id} ({self.unit.label})"

    def document(self) -> dict[str, Any]:
        return {
            "source": "ION Factory OS",
            "built": {
                "partNumber": self.unit.part_number,
                "revision": self.unit.revision,
                "serialNumber": self.unit.serial,
                "lotNumber": self.unit.lot,
                "quantity": self.unit.quantity,
            },
            "run": self.run_id,
            "completed": self.completed_at and self.completed_at.isoformat(),
            "procedures": [{"title": p.title, "version": p.version} for p in self.procedures],
            "components": [
                {
                    "partNumber": c.part_number,
                    "revision": c.revision,
                    "quantity": c.quantity,
                    "serialNumber": c.serial,
                    "lotNumber": c.lot,
                }
                for c in self.components
            ],
        }


class TraceabilityTarget(RecordTarget[TraceabilityRecord], Protocol):
    """A PLM that keeps unit genealogy on the item (Arena: a file on the item)."""
