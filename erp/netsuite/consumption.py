"""As-built consumption in NetSuite's terms: the rules that turn ION runs into workOrderCompletions.

Pure functions, no I/O (`erp.netsuite.completions` does the lookups and posting); the
ERP-neutral part (validating runs, consumption per item and location, one plan per run:
`erp.port.completions.plan_completions`) is shared with every ERP.

1. `plan_completions`: the port's planning with NetSuite's mappings (`netsuite:`).
2. `reference_problems`: what NetSuite's answers (items, work orders, inventory numbers) stop.
3. `completion_body`: the JSON NetSuite's `workOrder → workOrderCompletion` transform takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from connectors.ion.models.runs import CompletedRun
from core.config import ErpMappings
from erp.port.completions import CompletionPlan, Planned
from erp.port.completions import plan_completions as plan_for_erp
from erp.port.terms import ErpTerms

ERP = "NetSuite"
# The completion's component lines replace the transform's pre-filled BOM lines (see completion_body).
COMPLETION_REPLACE = ("component",)


_NOT_IN_EXTERNAL_IDS = re.compile(r"[^A-Za-z0-9_-]")


def external_id(key: str) -> str:
    """NetSuite external ids allow letters, digits, `_` and `-` only (reference §1.5)."""
    return _NOT_IN_EXTERNAL_IDS.sub("-", key)


def plan_completions(runs: Sequence[CompletedRun], mappings: ErpMappings) -> Planned:
    """One completion plan per run that maps to NetSuite (erp.port.completions.plan_completions)."""
    return plan_for_erp(runs, ErpTerms.of("NetSuite", "netsuite", mappings))


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
