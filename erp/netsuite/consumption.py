"""As-built consumption in NetSuite's terms: the rules that turn ION runs into workOrderCompletions.

Pure functions, no I/O (`erp.netsuite.completions` does the lookups and posting); the
ERP-neutral part (validating runs, quantity consumed per installation) is `erp.port.completions`.

1. `expand_consumption` (pandas): ION's consumption per NetSuite item and location; the same
   component from different locations stays separate per NetSuite location and sums per component.
2. `plan_completions`: one completion per run, with the produced item and its lot/serial,
   the mapped locations and the component lines; any part or location that does not map
   makes the whole run a dead letter that says what to fix.
3. `completion_body`: the JSON NetSuite's `workOrder → workOrderCompletion` transform takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import pandas as pd

from connectors.ion.models.runs import CompletedRun
from core.config import ErpMappings
from erp.port.completions import QUANTITY_DECIMALS, completion_key, consumption_frame, run_dead_letter, run_label
from ledger.store import DeadLetter

# The completion's component lines replace the transform's pre-filled BOM lines (see completion_body).
COMPLETION_REPLACE = ("component",)


def external_id(key: str) -> str:
    """NetSuite external ids allow letters, digits, `_` and `-` only (reference §1.5)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", key)


@dataclass(frozen=True)
class ComponentLine:
    """One component consumed by a run at one NetSuite location."""

    item: str  # NetSuite item name (itemid)
    location: str  # NetSuite location internal id
    quantity: float
    numbers: tuple[tuple[str, float], ...] = ()  # lot or serial number -> quantity


@dataclass(frozen=True)
class CompletionPlan:
    """Everything needed to post one run's completion, before NetSuite ids are resolved."""

    run_id: int
    key: str
    label: str
    end_time: datetime
    work_order: str  # NetSuite work order number (tranId)
    item: str  # the produced assembly's NetSuite item name
    location: str
    quantity: float
    numbers: tuple[tuple[str, float], ...]
    components: tuple[ComponentLine, ...]
    memo: str


@dataclass
class Planned:
    plans: list[CompletionPlan] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


def expand_consumption(runs: Sequence[CompletedRun], mappings: ErpMappings) -> tuple[pd.DataFrame, list[DeadLetter]]:
    """Consumption per run, component (NetSuite item) and NetSuite location.

    Returns a frame with columns run_id, item, location, quantity, number (lot/serial or
    None): one row per lot/serial where there is one, so the caller can sum per line and
    list the inventory assignments. Runs with an unmapped location or a tracked component
    without its lot/serial number come back as dead letters instead.
    """
    frame = consumption_frame(runs)
    frame["location"] = frame["ion_location"].map(mappings.location_map)
    frame["item"] = frame["part_number"].map(mappings.item_name)

    problems: dict[int, list[str]] = {}
    unmapped = frame[frame["location"].isna()]
    for row in unmapped.itertuples():
        problems.setdefault(row.run_id, []).append(
            f"{row.part_number} was installed from ION location {row.ion_location}"
            f"{f' ({row.location_name})' if row.location_name else ''}, which has no NetSuite location: "
            "add it under netsuite.locations in the mappings file"
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


def plan_completions(runs: Sequence[CompletedRun], mappings: ErpMappings) -> Planned:
    """One completion plan per run that maps; a dead letter for each that does not."""
    consumption, dead = expand_consumption(runs, mappings)
    lines = component_lines(consumption)
    planned = Planned(dead_letters=dead)
    dead_ids = {d.key for d in dead}
    attribute = mappings.work_orders.run_attribute
    for run in runs:
        key = completion_key(run.id)
        if key in dead_ids:
            continue
        produced = run.partInventory
        reasons = []
        work_order = run.attribute(attribute)
        if not work_order:
            reasons.append(f"has no '{attribute}' attribute naming its NetSuite work order")
        location = mappings.location_map.get(produced.location.id)
        if location is None:
            reasons.append(
                f"produced {produced.part.partNumber} at ION location {produced.location.id}"
                f"{f' ({produced.location.name})' if produced.location.name else ''}, which has no NetSuite location: "
                "add it under netsuite.locations in the mappings file"
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
                item=mappings.item_name(produced.part.partNumber),
                location=location,
                quantity=round(produced.quantity, QUANTITY_DECIMALS),
                numbers=((number, produced.quantity),) if number else (),
                components=lines.get(run.id, ()),
                memo=f"ION run {run.id}" + (f": {run.title}" if run.title else ""),
            )
        )
    return planned


@dataclass(frozen=True)
class WorkOrderRef:
    id: str
    number: str
    status: str | None
    item_id: str | None


class HasStatus(Protocol):
    @property
    def status(self) -> str | None: ...


def work_order_problem(number: str, work_order: HasStatus | None, closed: str = "") -> str | None:
    """Why nothing can be booked against work order `number` (missing or closed), or None."""
    if work_order is None:
        return (
            f"no NetSuite work order numbered {number}: create or release it in NetSuite "
            "(ion-sync never authors work orders), then replay"
        )
    if work_order.status in CLOSED_WORK_ORDER_STATUSES:
        return f"NetSuite work order {number} is closed{closed}"
    return None


CLOSED_WORK_ORDER_STATUSES = {"H", "WorkOrd:H"}  # Closed (reference §1.3, practitioner letters)


def reference_problems(
    plan: CompletionPlan,
    items: dict[str, str | None],
    work_order: WorkOrderRef | None,
    numbers: dict[tuple[str, str], str] | None = None,
) -> list[str]:
    """What stops a plan from posting once NetSuite's ids are known: said so a person can fix it.
    `numbers`: (item id, lot/serial) -> inventoryNumber id, when consumed numbers are referenced
    by id (issueInventoryNumber); a consumed number NetSuite does not know cannot be issued."""
    problems = [problem] if (problem := work_order_problem(plan.work_order, work_order)) else []
    for name in [plan.item, *(line.item for line in plan.components)]:
        if items.get(name) is None:
            problems.append(
                f"no NetSuite item named {name}: create the item in NetSuite, or map the ION part to its "
                "NetSuite name under netsuite.items in the mappings file"
            )
    if work_order and work_order.item_id and items.get(plan.item) and work_order.item_id != items[plan.item]:
        problems.append(f"NetSuite work order {plan.work_order} builds item {work_order.item_id}, not {plan.item}")
    if numbers is not None:
        for line in plan.components:
            item_id = items.get(line.item)
            for number, _ in line.numbers:
                if item_id is not None and (item_id, number) not in numbers:
                    problems.append(
                        f"{line.item} lot/serial {number} is not in NetSuite (no inventoryNumber of item {item_id}): "
                        "receive it into NetSuite first, then replay"
                    )
    return sorted(set(problems), key=problems.index)


def consumed_numbers(plans: Iterable[CompletionPlan]) -> set[tuple[str, str]]:
    """(item name, lot/serial) of every consumed component number."""
    return {(line.item, number) for plan in plans for line in plan.components for number, _ in line.numbers}


def _received(numbers: tuple[tuple[str, float], ...]) -> dict[str, Any]:
    """New numbers entering inventory (the built assembly): `receiptInventoryNumber`, text."""
    return {"inventoryAssignment": {"items": [{"receiptInventoryNumber": n, "quantity": q} for n, q in numbers]}}


def _issued(item_id: str, numbers: tuple[tuple[str, float], ...], ids: dict[tuple[str, str], str] | None) -> dict[str, Any]:
    """Numbers leaving inventory (a consumed component): Oracle documents `issueInventoryNumber`,
    a reference to the existing inventoryNumber, for stock that leaves inventory
    (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_4687606595.html;
    REST schema workOrderCompletion-component-componentInventoryDetail-inventoryAssignmentElement).
    Without `ids` (NETSUITE_COMPONENT_NUMBER_FIELD=receiptInventoryNumber) the number goes as text."""
    if ids is None:
        return _received(numbers)
    return {
        "inventoryAssignment": {"items": [{"issueInventoryNumber": {"id": ids[(item_id, n)]}, "quantity": q} for n, q in numbers]}
    }


def completion_body(
    plan: CompletionPlan, items: dict[str, str | None], numbers: dict[tuple[str, str], str] | None = None
) -> dict[str, Any]:
    """The workOrderCompletion transform body (reference §1.3 schema, §1.5 transform): exactly
    ION's as-built consumption. It is posted with `?replace=component` (COMPLETION_REPLACE) so
    these lines replace the ones the transform pre-fills from the work order's BOM, which
    `isBackflush` would otherwise consume as well (a run without installations: all of them).
    `numbers`: (item id, lot/serial) -> inventoryNumber id for `issueInventoryNumber`."""
    body: dict[str, Any] = {
        "externalId": external_id(plan.key),
        "tranDate": plan.end_time.date().isoformat(),
        "quantity": plan.quantity,
        "completedQuantity": plan.quantity,
        "isBackflush": True,
        "location": {"id": plan.location},
        "memo": plan.memo,
        "component": {
            "items": [
                {
                    "item": {"id": items[line.item]},
                    "quantity": line.quantity,
                    "componentInventoryDetail": {
                        "location": {"id": line.location},
                        "quantity": line.quantity,
                        **(_issued(str(items[line.item]), line.numbers, numbers) if line.numbers else {}),
                    },
                }
                for line in plan.components
            ]
        },
    }
    if plan.numbers:
        body["inventoryDetail"] = _received(plan.numbers)
    return body
