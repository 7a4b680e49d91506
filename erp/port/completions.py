"""ERP port: production completions with their as-built consumption (ION -> ERP).

What the flow hands the ERP is ERP-neutral: completed ION runs (`parse_runs`, ION's own
objects) and what each consumed, per ION part, ION location and lot/serial
(`installations`: quantity produced x `quantityInstalledPerParentPartInventory`, the seed's
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
from typing import Any, NamedTuple, Protocol

from connectors.ion.models.runs import CompletedRun
from core.quantities import QUANTITY_DECIMALS, rounded, summed
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


class Installed(NamedTuple):
    """One aBOM installation of a run (the seed's query, flattened), with the `quantity` it
    consumed: quantity produced x per parent, rounded to QUANTITY_DECIMALS."""

    run_id: int
    part_number: str
    tracking: str | None
    ion_location: int
    location_name: str | None
    number: str | None  # lot or serial number
    inventory_id: int | None
    quantity: float


def installations(runs: Sequence[CompletedRun]) -> list[Installed]:
    """Every aBOM installation of every run, in order. Plain tuples, not a frame: a page is a few
    thousand rows, where pandas' fixed cost per call outweighed the work (benchmarks/consumption.py)."""
    found = []
    for run in runs:
        produced = run.partInventory.quantity
        for requirement in run.partInventory.buildRequirements:
            for installation in requirement.abomInstallations:
                inventory = installation["partInventory"]
                part, location = inventory["part"], inventory["location"]
                found.append(
                    Installed(
                        run.id,
                        part["partNumber"],
                        part.get("trackingType"),
                        location["id"],
                        location.get("name"),
                        inventory.get("serialNumber") or inventory.get("lotNumber"),
                        inventory.get("id"),
                        rounded(produced * installation["quantityInstalledPerParentPartInventory"]),
                    )
                )
    return found


class Consumed(NamedTuple):
    """What one installation consumed, in the ERP's terms."""

    run_id: int
    item: str
    location: str
    quantity: float
    number: str | None


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


def expand_consumption(runs: Sequence[CompletedRun], erp: ErpTerms) -> tuple[list[Consumed], list[DeadLetter]]:
    """Consumption per run, component (the ERP's item) and the ERP's location: one row per
    installation that consumed something, with its lot/serial where there is one, so the caller
    can sum per line and list the inventory assignments. Runs with an unmapped location or a
    tracked component without its lot/serial number come back as dead letters instead.
    """
    rows = installations(runs)
    locations = dict(erp.locations)
    problems: dict[int, list[str]] = {}
    for row in rows:
        if locations.get(row.ion_location) is None:
            problems.setdefault(row.run_id, []).append(
                f"{row.part_number} was installed from ION location {row.ion_location}"
                f"{f' ({row.location_name})' if row.location_name else ''}, which has no {erp.name} location: "
                f"add it under {erp.section}.locations in the mappings file"
            )
    for row in rows:
        if row.tracking is not None and row.number is None:
            problems.setdefault(row.run_id, []).append(
                f"{row.part_number} is {row.tracking.lower()}-tracked but installed part inventory "
                f"{row.inventory_id} has no {'serialNumber' if row.tracking == 'SERIAL' else 'lotNumber'}"
            )
    by_id = {run.id: run for run in runs}
    dead = [run_dead_letter(by_id[run_id], reasons) for run_id, reasons in problems.items()]
    items = {part: erp.item_name(part) for part in {row.part_number for row in rows}}
    consumed = [
        Consumed(row.run_id, items[row.part_number], locations[row.ion_location], row.quantity, row.number)
        for row in rows
        if row.run_id not in problems and row.quantity > 0
    ]
    return consumed, dead


def component_lines(consumption: Sequence[Consumed]) -> dict[int, tuple[ComponentLine, ...]]:
    """Sum per run, item and location; keep the lot/serial split as inventory assignments
    (sorted by run, item, location and number)."""
    totals: dict[tuple[int, str, str], list[float]] = {}
    numbered: dict[tuple[int, str, str, str], list[float]] = {}
    for row in consumption:
        totals.setdefault((row.run_id, row.item, row.location), []).append(row.quantity)
        if row.number is not None:
            numbered.setdefault((row.run_id, row.item, row.location, row.number), []).append(row.quantity)
    numbers: dict[tuple[int, str, str], list[tuple[str, float]]] = {}
    for run_id, item, location, number in sorted(numbered):
        quantity = rounded(summed(numbered[run_id, item, location, number]))
        numbers.setdefault((run_id, item, location), []).append((number, quantity))
    lines: dict[int, list[ComponentLine]] = {}
    for run_id, item, location in sorted(totals):
        lines.setdefault(run_id, []).append(
            ComponentLine(
                item=item,
                location=location,
                quantity=rounded(summed(totals[run_id, item, location])),
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
