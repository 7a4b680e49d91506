"""ERP port: production completions with their as-built consumption (ION -> ERP).

What the flow hands the ERP is ERP-neutral: completed ION runs (`parse_runs`, ION's own
objects) and what each consumed, per ION part, ION location and lot/serial
(`consumption_frame`: quantity produced x `quantityInstalledPerParentPartInventory`, the seed's
rule). The adapter maps parts and locations to its own, finds its work orders and plans one
completion per run (`CompletionTarget.plan`); its `writer` posts them through the engine, one
ledger key per run (`completion_key`), whatever the ERP.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

import pandas as pd

from connectors.ion.models.runs import CompletedRun
from core.quantities import QUANTITY_DECIMALS
from core.records import validated
from core.writer import Writer
from erp.port.writes import PlannedWrites
from ledger.store import DeadLetter

INTEGRATION = "consumption-sync"


def completion_key(run_id: int | str) -> str:
    """The ledger key of a run's completion: deterministic, from the source."""
    return f"ion:run:{run_id}:completion"


def run_label(run: CompletedRun) -> str:
    return f"run {run.id}" + (f" ({run.title})" if run.title else "")


def dead_letter(run_id: int | str, reason: str, payload: dict[str, Any] | None, end_time: datetime | None) -> DeadLetter:
    return DeadLetter(
        key=completion_key(run_id), source_ref=f"ion:run:{run_id}", reason=reason, payload=payload, source_time=end_time
    )


def run_dead_letter(run: CompletedRun, reasons: Sequence[str]) -> DeadLetter:
    payload = run.model_dump(mode="json", by_alias=True)
    return dead_letter(run.id, f"{run_label(run)}: " + "; ".join(reasons), payload, run.endTime)


def parse_runs(nodes: Iterable[dict[str, Any]]) -> tuple[list[CompletedRun], list[DeadLetter]]:
    """ION run nodes validated against `connectors.ion.models`; a node that fails is a dead
    letter naming the run and the field."""
    runs, failed = validated(CompletedRun, nodes, "run")
    return runs, [dead_letter(run_id, reason, node, None) for run_id, reason, node in failed]


CONSUMPTION_COLUMNS = [
    "run_id",
    "produced",
    "part_number",
    "tracking",
    "ion_location",
    "location_name",
    "per_parent",
    "number",
    "inventory_id",
]


def consumption_frame(runs: Sequence[CompletedRun]) -> pd.DataFrame:
    """One row per aBOM installation of every run (the seed's query, flattened), with the
    `quantity` it consumed: quantity produced x per parent, rounded to QUANTITY_DECIMALS."""
    rows = [
        (
            run.id,
            run.partInventory.quantity,
            inst.partInventory.part.partNumber,
            inst.partInventory.part.trackingType,
            inst.partInventory.location.id,
            inst.partInventory.location.name,
            inst.quantityInstalledPerParentPartInventory,
            inst.partInventory.serialNumber or inst.partInventory.lotNumber,
            inst.partInventory.id,
        )
        for run in runs
        for requirement in run.partInventory.buildRequirements
        for inst in requirement.abomInstallations
    ]
    frame = pd.DataFrame(rows, columns=CONSUMPTION_COLUMNS)
    frame["quantity"] = (frame["produced"] * frame["per_parent"]).round(QUANTITY_DECIMALS)
    return frame


class CompletionTarget(Protocol):
    """An ERP that records production completions with their consumption (NetSuite: a
    workOrderCompletion transformed from the run's work order)."""

    async def plan(self, runs: Sequence[CompletedRun]) -> PlannedWrites:
        """One completion per run that maps to the ERP's items, locations and an open work order
        (`Postable.key` = `completion_key`); a dead letter saying what to fix for each that does not."""
        ...

    def writer(self) -> Writer:
        """The engine's writer of planned completions (`find`: did the run's completion land?)."""
        ...
