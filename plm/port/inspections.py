"""PLM port: inspection and test results per serial or lot (ION -> PLM: production verification data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from plm.port.writes import RecordTarget, Unit


@dataclass(frozen=True)
class Measurement:
    """One inspection or test value recorded on a step."""

    step: str  # the procedure step it was recorded on
    name: str  # the field's name ("Torque")
    value: str | float | bool | None
    unit: str | None = None
    lower: float | None = None
    upper: float | None = None
    passed: bool | None = None  # None: no limits to judge by


@dataclass(frozen=True)
class InspectionResult:
    """Everything one run recorded about one unit (serial or lot): one record per unit and run."""

    unit: Unit
    run_id: str
    procedure: str  # "<title> v<version>"
    measurements: list[Measurement]
    inspected_at: datetime | None = None

    @property
    def passed(self) -> bool:
        return all(m.passed is not False for m in self.measurements)

    @property
    def key(self) -> str:
        return f"ion:inspection:{self.run_id}:{self.unit.unit_id}"

    @property
    def source_ref(self) -> str:
        return f"ion:run:{self.run_id}"

    @property
    def label(self) -> str:
        return f"inspection of ION run {self.run_id} ({self.unit.label})"

    def document(self) -> dict[str, Any]:
        return {
            "source": "ION Factory OS",
            "run": self.run_id,
            "procedure": self.procedure,
            "inspected": self.inspected_at and self.inspected_at.isoformat(),
            "unit": {
                "partNumber": self.unit.part_number,
                "revision": self.unit.revision,
                "serialNumber": self.unit.serial,
                "lotNumber": self.unit.lot,
                "quantity": self.unit.quantity,
            },
            "result": "PASS" if self.passed else "FAIL",
            "measurements": [
                {
                    "step": m.step,
                    "name": m.name,
                    "value": m.value,
                    "unit": m.unit,
                    "lower": m.lower,
                    "upper": m.upper,
                    "passed": m.passed,
                }
                for m in self.measurements
            ],
        }


class InspectionTarget(RecordTarget[InspectionResult], Protocol):
    """A PLM that keeps production verification data on the item (Arena: a file on the item)."""
