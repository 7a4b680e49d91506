"""ERP port: production completions with their as-built consumption (ION -> ERP).

What the flow hands the ERP is ERP-neutral: completed ION runs (`parse_runs`, ION's own
objects) and what each consumed, per ION part, ION location and lot/serial
(`consumption_frame`: quantity produced x `quantityInstalledPerParentPartInventory`, the seed's
rule). `plan_completions` maps them through one ERP's mappings (`ErpTerms`): one plan per run
with the produced item and its lot/serial and the components per ERP item, location and lot; a
part or location that does not map makes the run a dead letter saying what to fix. The adapter
then finds its work orders and ids (`CompletionTarget.plan`); its `writer` posts them through the
engine, one ledger key per run (`completion_key`), whatever the ERP.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import pandas as pd

from connectors.ion.models.runs import CompletedRun
from core.quantities import QUANTITY_DECIMALS
from core.records import validated
from core.writer import Writer
from erp.port.terms import ErpTerms
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


@dataclass(frozen=True)
class ComponentLine:
    """One component consumed by a run at one ERP location."""

    item: str  # the ERP's item name
    location: str  # the ERP's location id
    quantity: float
    numbers: tuple[tuple[str, float], ...] = ()  # lot or serial number -> quantity


@dataclass(frozen=True)
class CompletionPlan:
    """Everything needed to post one run's completion, before the ERP's ids are resolved."""

    run_id: int
    key: str
    label: str
    end_time: datetime
    work_order: str  # the ERP's work order number (NetSuite tranId, Odoo MO name)
    item: str  # the produced assembly's item name in the ERP
    location: str
    quantity: float
    numbers: tuple[tuple[str, float], ...]
    components: tuple[ComponentLine, ...]
    memo: str


@dataclass
class Planned:
    plans: list[CompletionPlan] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


def expand_consumption(runs: Sequence[CompletedRun], erp: ErpTerms) -> tuple[pd.DataFrame, list[DeadLetter]]:
    """Consumption per run, component (the ERP's item) and the ERP's location.

    Returns a frame with columns run_id, item, location, quantity, number (lot/serial or
    None): one row per lot/serial where there is one, so the caller can sum per line and
    list the inventory assignments. Runs with an unmapped location or a tracked component
    without its lot/serial number come back as dead letters instead.
    """
    frame = consumption_frame(runs)
    frame["location"] = frame["ion_location"].map(dict(erp.locations))
    frame["item"] = frame["part_number"].map(erp.item_name)

    problems: dict[int, list[str]] = {}
    unmapped = frame[frame["location"].isna()]
    for row in unmapped.itertuples():
        problems.setdefault(row.run_id, []).append(
            f"{row.part_number} was installed from ION location {row.ion_location}"
            f"{f' ({row.location_name})' if row.location_name else ''}, which has no {erp.name} location: "
            f"add it under {erp.section}.locations in the mappings file"
        )
    untracked = frame[frame["tracking"].notna() & frame["number"].isna()]
    for row in untracked.itertuples():
        problems.setdefault(row.run_id, []).append(
            f"{row.part_number} is {str(row.tracking).lower()}-tracked but installed part inventory "
            f"{row.inventory_id} has no {'serialNumber' if row.tracking == 'SERIAL' else 'lotNumber'}"
        )
    by_id = {run.id: run for run in runs}
    dead = [run_dead_letter(by_id[run_id], reasons) for run_id, reasons in problems.items()]
    consumed = frame[~frame["run_id"].isin(problems.keys()) & (frame["quantity"] > 0)]
    return consumed[["run_id", "item", "location", "quantity", "number"]].reset_index(drop=True), dead


def component_lines(consumption: pd.DataFrame) -> dict[int, tuple[ComponentLine, ...]]:
    """Sum per run, item and location; keep the lot/serial split as inventory assignments."""
    lines: dict[int, list[ComponentLine]] = {}
    if consumption.empty:
        return {}
    totals = consumption.groupby(["run_id", "item", "location"], sort=True)["quantity"].sum().round(QUANTITY_DECIMALS)
    numbered = (
        consumption.dropna(subset=["number"])
        .groupby(["run_id", "item", "location", "number"], sort=True)["quantity"]
        .sum()
        .round(QUANTITY_DECIMALS)
    )
    numbers: dict[tuple[int, str, str], list[tuple[str, float]]] = {}
    for (run_id, item, location, number), quantity in numbered.items():
        numbers.setdefault((run_id, item, location), []).append((str(number), float(quantity)))
    for (run_id, item, location), quantity in totals.items():
        lines.setdefault(int(run_id), []).append(
            ComponentLine(
                item=str(item),
                location=str(location),
                quantity=float(quantity),
                numbers=tuple(numbers.get((run_id, item, location), ())),
            )
        )
    return {run_id: tuple(run_lines) for run_id, run_lines in lines.items()}


def plan_completions(runs: Sequence[CompletedRun], erp: ErpTerms) -> Planned:
    """One completion plan per run that maps; a dead letter for each that does not."""
    consumption, dead = expand_consumption(runs, erp)
    lines = component_lines(consumption)
    planned = Planned(dead_letters=dead)
    dead_ids = {d.key for d in dead}
    attribute = erp.run_attribute
    for run in runs:
        key = completion_key(run.id)
        if key in dead_ids:
            continue
        produced = run.partInventory
        reasons = []
        work_order = run.attribute(attribute)
        if not work_order:
            reasons.append(f"has no '{attribute}' attribute naming its {erp.name} work order")
        location = erp.locations.get(produced.location.id)
        if location is None:
            reasons.append(
                f"produced {produced.part.partNumber} at ION location {produced.location.id}"
                f"{f' ({produced.location.name})' if produced.location.name else ''}, which has no {erp.name} location: "
                f"add it under {erp.section}.locations in the mappings file"
            )
        number = produced.serialNumber or produced.lotNumber
        if produced.part.trackingType and not number:
            reasons.append(
                f"produced {produced.part.partNumber} is {produced.part.trackingType.lower()}-tracked but has no number"
            )
        if produced.part.trackingType == "SERIAL" and produced.quantity != 1:
            reasons.append(f"produced serial {number} with quantity {produced.quantity} (a serial number is one unit)")
        if reasons:
            planned.dead_letters.append(run_dead_letter(run, reasons))
            continue
        assert work_order and location
        planned.plans.append(
            CompletionPlan(
                run_id=run.id,
                key=key,
                label=run_label(run),
                end_time=run.endTime,
                work_order=work_order,
                item=erp.item_name(produced.part.partNumber),
                location=location,
                quantity=round(produced.quantity, QUANTITY_DECIMALS),
                numbers=((number, produced.quantity),) if number else (),
                components=lines.get(run.id, ()),
                memo=f"ION run {run.id}" + (f": {run.title}" if run.title else ""),
            )
        )
    return planned


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
