"""PLM port: the as-built record of each unit (ION -> PLM, seed 002 "Canonical data flows: ION -> PLM")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from plm.port.writes import Component, RecordTarget, Unit


@dataclass(frozen=True)
class AsBuilt:
    """What one unit was built from, per unit and in total, with lots, serials and substitutions."""

    unit: Unit
    run_id: str
    components: list[Component]
    run_title: str | None = None
    completed_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"ion:asbuilt:{self.unit.unit_id}"

    @property
    def source_ref(self) -> str:
        return f"ion:run:{self.run_id}"

    @property
    def label(self) -> str:
        return f"as-built of ION run {self.run_id} ({self.unit.label})"

    def document(self) -> dict[str, Any]:
        """The record as JSON, for a PLM that stores it as a file or a note."""
        return {
            "source": "ION Factory OS",
            "run": {"id": self.run_id, "title": self.run_title, "completed": self.completed_at and self.completed_at.isoformat()},
            "built": {
                "partNumber": self.unit.part_number,
                "revision": self.unit.revision,
                "quantity": self.unit.quantity,
                "serialNumber": self.unit.serial,
                "lotNumber": self.unit.lot,
            },
            "components": [
                {
                    "partNumber": c.part_number,
                    "revision": c.revision,
                    "quantityPerUnit": c.quantity_per_unit,
                    "quantity": c.quantity,
                    "serialNumber": c.serial,
                    "lotNumber": c.lot,
                    "location": c.location,
                    "substituteFor": c.substitute_for,
                }
                for c in self.components
            ],
        }


class AsBuiltTarget(RecordTarget[AsBuilt], Protocol):
    """A PLM that keeps as-built records on the item (Arena: a file on the item)."""
