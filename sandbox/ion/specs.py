"""Descriptions of runs to create: the body of `POST /_sandbox/runs` and the demo seed's rows.

Deliberately permissive (sandbox/README.md, ION simulator): quantities and per-parent
quantities may be negative or null, locations may be null or unknown, and part numbers need
not exist (they become ION parts), so tests can feed the sync the bad input it must survive.
A field given as JSON null stays null; a field left out takes the default.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RunStatus = Literal["TODO", "IN_PROGRESS", "COMPLETE", "HOLD", "REDLINE", "FAILED", "CANCELED"]

_PERMISSIVE = ConfigDict(extra="forbid", allow_inf_nan=False)


class ProducedSpec(BaseModel):
    """The part inventory a run produces (the run's `partInventory`)."""

    model_config = _PERMISSIVE

    partNumber: str
    quantity: float | None = 1.0
    locationId: int | None = 3
    serialNumber: str | None = None
    lotNumber: str | None = None


class InstallationSpec(BaseModel):
    """One aBOM installation: a component inventory (status INSTALLED) installed into the product.

    `quantity` is the installation's total; left out, it is perParent x produced quantity.
    """

    model_config = _PERMISSIVE

    partNumber: str
    perParent: float | None
    locationId: int | None
    serialNumber: str | None = None
    lotNumber: str | None = None
    quantity: float | None = None

    def total_quantity(self, produced: float | None) -> float | None:
        if "quantity" in self.model_fields_set:
            return self.quantity
        if self.perParent is None or produced is None:
            return None
        return round(self.perParent * produced, 10)


class RunSpec(BaseModel):
    """A run with its work-order attribute, its product and its installations."""

    model_config = _PERMISSIVE

    id: int | None = None
    title: str | None = None
    status: RunStatus = "COMPLETE"
    startTime: datetime | None = None
    endTime: datetime | None = None
    workOrder: str | None = None
    produces: ProducedSpec
    installations: list[InstallationSpec] = []


class BulkInspectionsSpec(BaseModel):
    """Body of `POST /_sandbox/seed/bulk-inspections`: an inspected step on existing runs."""

    model_config = ConfigDict(extra="forbid")

    first_run_id: int = Field(ge=1)
    count: int = Field(ge=0, le=100_000)


class BulkRunsSpec(BaseModel):
    """Body of `POST /_sandbox/seed/bulk-runs` (benchmarks)."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=0, le=5_000_000)
    installations_per_run: int = Field(20, ge=0, le=99)
    first_run_id: int = Field(100000, ge=1)


class ReceiptItemSpec(BaseModel):
    """One received quantity of a PO line, into a new part inventory at `locationId`."""

    model_config = _PERMISSIVE

    purchaseOrderLineId: int
    quantity: float | None
    locationId: int | None = None
    lotNumber: str | None = None
    serialNumber: str | None = None


class ReceiptSpec(BaseModel):
    """Body of `POST /_sandbox/receipts`: a receipt against one purchase order (ion.md §3.8).

    Permissive like runs: over-receipts, canceled lines and odd quantities are accepted, so
    tests can feed receipt-sync the bad input it must dead-letter; the lines must exist and
    belong to `purchaseOrderId`.
    """

    model_config = _PERMISSIVE

    purchaseOrderId: int
    items: list[ReceiptItemSpec] = Field(min_length=1)
    receivedAt: datetime | None = None


class SessionSpec(BaseModel):
    """Body of `POST /_sandbox/sessions`: a time-tracking session on a run step (ion.md §3.2).

    The step at `stepPosition` is created if the run has none there; the user is found by
    email or created. `checkOut` null = still checked in.
    """

    model_config = ConfigDict(extra="forbid")

    runId: int
    stepPosition: int = 1
    userEmail: str
    checkIn: datetime
    checkOut: datetime | None = None
