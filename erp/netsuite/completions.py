"""NetSuite's completions behind the ERP port (`erp.port.completions.CompletionTarget`): map a
page of ION runs to NetSuite (items, inventory numbers, work orders by SuiteQL), plan one
workOrderCompletion per run and transform it from its work order, keyed by external id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.ion.models.runs import CompletedRun
from connectors.netsuite import NetSuiteClient
from core.config import ErpMappings
from core.writer import Postable, Writer, one_record
from erp.netsuite.consumption import (
    COMPLETION_REPLACE,
    CompletionPlan,
    WorkOrderRef,
    completion_body,
    consumed_numbers,
    external_id,
    plan_completions,
    reference_problems,
)
from erp.netsuite.references import find_item_ids, suiteql_in
from erp.netsuite.transform_writer import TransformWriter
from erp.port.completions import INTEGRATION
from erp.port.writes import PlannedWrites
from ledger.store import DeadLetter

COMPLETION = "workOrderCompletion"


class NetSuiteCompletions:
    """Work-order completions in NetSuite, for one flow run: item and inventory-number ids are
    looked up once per run and kept."""

    def __init__(self, netsuite: NetSuiteClient, mappings: ErpMappings) -> None:
        self.netsuite = netsuite
        self.mappings = mappings
        self.item_ids: dict[str, str | None] = {}  # NetSuite item name -> internal id
        self.number_ids: dict[tuple[str, str], str] = {}  # (item id, lot/serial) -> inventoryNumber id

    async def plan(self, runs: Sequence[CompletedRun]) -> PlannedWrites:
        """Expand and map the runs, then resolve NetSuite ids for items, consumed numbers and
        work orders; `Postable.record` is the work order's internal id."""
        planned = plan_completions(runs, self.mappings)
        page = PlannedWrites(dead_letters=planned.dead_letters)
        if not planned.plans:
            return page
        names = {plan.item for plan in planned.plans} | {line.item for plan in planned.plans for line in plan.components}
        self.item_ids.update(await find_item_ids(self.netsuite, names - self.item_ids.keys()))
        numbers: dict[tuple[str, str], str] | None = None
        if self.netsuite.settings.component_number_field == "issueInventoryNumber":
            await self._resolve_numbers(consumed_numbers(planned.plans))
            numbers = self.number_ids
        work_orders = await find_work_orders(self.netsuite, {plan.work_order for plan in planned.plans})
        for plan in planned.plans:
            source = f"ion:run:{plan.run_id}"
            work_order = work_orders.get(plan.work_order)
            problems = reference_problems(plan, self.item_ids, work_order, numbers)
            if problems:
                page.dead_letters.append(
                    DeadLetter(plan.key, source, f"{plan.label}: " + "; ".join(problems), None, plan.end_time)
                )
                continue
            assert work_order is not None
            with one_record(page.dead_letters, plan.key, source, plan.label, plan.end_time):
                body = completion_body(plan, self.item_ids, numbers)
                page.ready.append(Postable(plan.key, source, plan.label, body, posted_row(plan), plan.end_time, work_order.id))
        return page

    def writer(self) -> Writer:
        """Completions transformed from their work order, with `?replace=component`."""
        return TransformWriter(self.netsuite, INTEGRATION, "workOrder", COMPLETION, external_id, COMPLETION_REPLACE)

    async def _resolve_numbers(self, wanted: set[tuple[str, str]]) -> None:
        """Fill the cache of inventoryNumber ids for consumed (item, lot/serial) pairs
        (SuiteQL `inventorynumber`, one query per 500 numbers)."""
        pairs = {(self.item_ids[item], number) for item, number in wanted if self.item_ids.get(item)}
        unknown = {number for item_id, number in pairs if (item_id, number) not in self.number_ids}
        sql = "SELECT id, inventorynumber, item FROM inventorynumber WHERE inventorynumber"
        for row in await suiteql_in(self.netsuite, sql, unknown):
            key = (str(row["item"]), str(row["inventorynumber"]))
            if key in pairs:
                self.number_ids[key] = str(row["id"])


async def find_work_orders(netsuite: NetSuiteClient, numbers: set[str]) -> dict[str, WorkOrderRef]:
    """Work orders by number (tranId), with their status and assembly item (mainline)."""
    found: dict[str, WorkOrderRef] = {}
    sql = (
        "SELECT t.id, t.tranid, t.status, tl.item FROM transaction t "
        "JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'T' WHERE t.type = 'WorkOrd' AND t.tranid"
    )
    for row in await suiteql_in(netsuite, sql, numbers):
        number = str(row["tranid"])
        found[number] = WorkOrderRef(
            id=str(row["id"]),
            number=number,
            status=row.get("status"),
            item_id=str(row["item"]) if row.get("item") is not None else None,
        )
    return found


def posted_row(plan: CompletionPlan) -> dict[str, Any]:
    return {
        "run": plan.run_id,
        "work order": plan.work_order,
        "part": plan.item,
        "quantity": plan.quantity,
        "components": len(plan.components),
    }
