"""Business Central's completions behind the ERP port (`erp.port.completions.CompletionTarget`):
the port plans each run (items, locations, the production order the run attribute names); here
the production orders and items are looked up in BC and each run becomes one production journal
(an Output line for what it produced, a Consumption line per component and location, lots and
serials on the lines) posted through `ProductionJournalWriter` (README "The ion-sync production API")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.business_central import BusinessCentralClient, literal
from connectors.ion.models.runs import CompletedRun
from core.config import ErpMappings
from core.writer import Postable, Writer, one_record
from erp.business_central.production import ProductionJournalWriter, document_number
from erp.business_central.time_entries import existing
from erp.port.completions import INTEGRATION, CompletionPlan, plan_completions
from erp.port.terms import ErpTerms
from erp.port.writes import PlannedWrites
from ledger.store import DeadLetter

ERP = "Business Central"


def journal_body(plan: CompletionPlan) -> dict[str, Any]:
    """The `productionJournals` deep insert of one run."""
    lines: list[dict[str, Any]] = []

    def add(kind: str, item: str, location: str, quantity: float, numbers: tuple[tuple[str, float], ...]) -> None:
        """One line per lot/serial (the page reads the item's tracking to tell which it is)."""
        for number, part in numbers or ((None, quantity),):
            line = {"entryType": kind, "itemNumber": item, "quantity": part, "locationCode": location}
            if number:
                line["itemTrackingNumber"] = number
            lines.append(line)

    add("Output", plan.item, plan.location, plan.quantity, plan.numbers)
    for component in plan.components:
        add("Consumption", component.item, component.location, component.quantity, component.numbers)
    for sequence, line in enumerate(lines, start=1):
        line["sequence"] = sequence * 10000
    return {
        "documentNumber": document_number(plan.run_id),
        "productionOrderNumber": plan.work_order,
        "postingDate": plan.end_time.date().isoformat(),
        "productionJournalLines": lines,
    }


class BusinessCentralCompletions:
    def __init__(self, bc: BusinessCentralClient, mappings: ErpMappings, integration: str = INTEGRATION) -> None:
        self.bc = bc
        self.mappings = mappings
        self.integration = integration
        self.route = bc.settings.custom_api.route
        self.items: set[str] = set()  # BC item numbers known to exist

    async def plan(self, runs: Sequence[CompletedRun]) -> PlannedWrites:
        planned = plan_completions(runs, ErpTerms.of(ERP, "business_central", self.mappings))
        page = PlannedWrites(dead_letters=planned.dead_letters)
        if not planned.plans:
            return page
        wanted = {p.item for p in planned.plans} | {c.item for p in planned.plans for c in p.components}
        self.items |= await existing(self.bc, "items", "number", wanted - self.items)
        orders = await self._production_orders({p.work_order for p in planned.plans})
        for plan in planned.plans:
            source = f"ion:run:{plan.run_id}"
            problems = self.problems(plan, orders.get(plan.work_order))
            if problems:
                page.dead_letters.append(
                    DeadLetter(plan.key, source, f"{plan.label}: " + "; ".join(problems), None, plan.end_time)
                )
                continue
            with one_record(page.dead_letters, plan.key, source, plan.label, plan.end_time):
                row = {
                    "run": plan.run_id,
                    "production order": plan.work_order,
                    "part": plan.item,
                    "quantity": plan.quantity,
                    "components": len(plan.components),
                }
                page.ready.append(Postable(plan.key, source, plan.label, journal_body(plan), row, plan.end_time))
        return page

    def problems(self, plan: CompletionPlan, order: dict[str, Any] | None) -> list[str]:
        problems = []
        if order is None:
            problems.append(
                f"no released BC production order numbered {plan.work_order}: create or release it in Business Central "
                "(ion-sync never authors production orders), then replay"
            )
        elif order.get("itemNumber") != plan.item:
            problems.append(f"BC production order {plan.work_order} produces {order.get('itemNumber')}, not {plan.item}")
        for name in dict.fromkeys([plan.item, *(c.item for c in plan.components)]):
            if name not in self.items:
                problems.append(
                    f"no BC item numbered {name}: create the item in Business Central, or map the ION part to its "
                    "item number under business_central.items in the mappings file"
                )
        return problems

    async def _production_orders(self, numbers: set[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        ordered = sorted(numbers)
        for start in range(0, len(ordered), 20):
            query = " or ".join(f"number eq {literal(n)}" for n in ordered[start : start + 20])
            for row in await self.bc.all("releasedProductionOrders", route=self.route, **{"$filter": query}):
                found[str(row["number"])] = row
        return found

    def writer(self) -> Writer:
        return ProductionJournalWriter(self.bc, self.integration)
