"""Business Central as the ERP port's `TimeEntryTarget`: one time registration entry per ION
session (README "Labor": the one API v2.0 resource for time against a job), the employee by
number, the cost-plus customer's BC job (project) and its job task, hours as `quantity`.

An entry has no field for an external key (README fact 27), so the ledger keeps its BC id: an
edited session corrects that entry by PATCH (If-Match); before creating one, and in `find`, the
writer looks for an entry of that employee, date, job, task and hours that no other ledger key
owns (`Attribution`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.business_central import BusinessCentralClient, key, literal
from connectors.business_central.client import STANDARD
from connectors.errors import ConfigError, DataError, TransientError
from core.config import LaborMapping
from core.writer import Landed, Postable, Writer
from erp.business_central.attribution import Attribution
from erp.port.time_entries import TimeEntry
from ledger import Claim

NAME = "Business Central"
ENTRIES = "timeRegistrationEntries"


def registration_body(entry: TimeEntry, job_task: str) -> dict[str, Any]:
    return {
        "employeeNumber": entry.employee,
        "jobNumber": entry.customer,
        "jobTaskNumber": job_task,
        "date": entry.tran_date,
        "quantity": round(entry.minutes / 60, 5),
    }


async def existing(
    bc: BusinessCentralClient, entity_set: str, field_name: str, values: set[str], route: str = STANDARD
) -> set[str]:
    """Which of `values` BC has as `field_name` of `entity_set` (20 per request)."""
    found: set[str] = set()
    ordered = sorted(values)
    for start in range(0, len(ordered), 20):
        query = " or ".join(f"{field_name} eq {literal(v)}" for v in ordered[start : start + 20])
        found |= {str(row[field_name]) for row in await bc.all(entity_set, route=route, **{"$filter": query})}
    return found


@dataclass
class BusinessCentralTimeEntries:
    bc: BusinessCentralClient
    labor: LaborMapping
    integration: str = "labor-sync-business-central"
    database_url: str | None = None
    name: str = NAME
    jobs: set[str] = field(default_factory=set)  # BC job numbers that exist
    orders: set[str] = field(default_factory=set)  # released production order numbers that exist

    @property
    def concurrency(self) -> int:
        return self.bc.settings.concurrency

    @property
    def job_task(self) -> str:
        if not self.labor.service_item:
            raise ConfigError("business_central.labor.service_item must name the BC job task number time is booked to")
        return self.labor.service_item

    async def check(self) -> None:
        """The mapped employees and jobs exist in BC, and a job task is named."""
        _ = self.job_task
        employees = set(self.labor.employees.values())
        missing = employees - await existing(self.bc, "employees", "number", employees)
        jobs = {*self.labor.cost_plus_customers.values(), *([self.labor.default_customer] if self.labor.default_customer else [])}
        self.jobs |= await existing(self.bc, "projects", "number", jobs)
        problems = [
            f"employee(s) {', '.join(sorted(missing))}" if missing else "",
            f"job(s) {', '.join(sorted(jobs - self.jobs))}" if jobs - self.jobs else "",
        ]
        if any(problems):
            raise ConfigError(
                "business_central.labor names "
                + " and ".join(p for p in problems if p)
                + ", not in Business Central: fix the mappings file"
            )

    async def problems(self, entries: Sequence[TimeEntry]) -> dict[str, list[str]]:
        """The run's production order must be released in BC (labor follows the run), the job must exist."""
        jobs = {e.customer for e in entries} - self.jobs
        if jobs:
            self.jobs |= await existing(self.bc, "projects", "number", jobs)
        orders = {e.work_order for e in entries} - self.orders
        if orders:
            self.orders |= await existing(
                self.bc, "releasedProductionOrders", "number", orders, self.bc.settings.custom_api.route
            )
        found: dict[str, list[str]] = {}
        for e in entries:
            problems = []
            if e.work_order not in self.orders:
                problems.append(f"no released BC production order numbered {e.work_order}: labor cannot be booked to it")
            if e.customer not in self.jobs:
                problems.append(f"Business Central has no job (project) {e.customer}: create it or fix business_central.labor")
            if problems:
                found[e.key] = problems
        return found

    def body(self, entry: TimeEntry) -> dict[str, Any]:
        return registration_body(entry, self.job_task)

    def fingerprint(self, body: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]

    def writer(self) -> Writer:
        return TimeRegistrationWriter(self.bc, self.integration, Attribution(self.database_url, self.integration))


class TimeRegistrationWriter(Writer):
    """Looks before it creates: an entry of this content that no other key owns is this key's
    (an earlier write whose answer was lost), so writing again never adds a second one."""

    target = NAME
    idempotent = True

    def __init__(self, bc: BusinessCentralClient, integration: str, attribution: Attribution) -> None:
        self.bc = bc
        self.integration = integration
        self.attribution = attribution
        self.planned: dict[str, Postable] = {}

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        self.planned.update({item.key: item for item in items})
        self.attribution.refresh()
        return {}

    async def find(self, claim: Claim) -> str | Landed | None:
        item = self.planned.get(claim.key)
        return await self._posted(item.key, item.body) if item else None

    async def _posted(self, key_: str, body: dict[str, Any]) -> str | None:
        query = f"employeeNumber eq {literal(body['employeeNumber'])} and date eq {body['date']}"
        for entry in await self.bc.all(ENTRIES, **{"$filter": query}):
            same = all(entry.get(k) == body[k] for k in ("jobNumber", "jobTaskNumber"))
            same = same and abs(float(entry["quantity"]) - body["quantity"]) < 1e-6
            if same and self.attribution.free_for(str(entry["id"]), key_):
                self.attribution.give(str(entry["id"]), key_)
                return str(entry["id"])
        return None

    async def write(self, items: Sequence[Postable]) -> Sequence[str | Landed | Exception]:
        results: list[str | Landed | Exception] = []
        for item in items:
            try:
                results.append(await self._write_one(item))
            except Exception as exc:
                results.append(exc)
        return results

    async def _write_one(self, item: Postable) -> str:
        self.planned[item.key] = item
        if item.corrects is not None:
            current = await self.bc.get(f"{ENTRIES}{key(item.corrects)}")
            if current is None:
                raise DataError(f"{item.label}: the BC time registration entry {item.corrects} posted earlier is gone")
            await self.bc.update(f"{ENTRIES}{key(item.corrects)}", str(current["@odata.etag"]), item.body)
            self.attribution.give(item.corrects, item.key)
            return item.corrects
        found = await self._posted(item.key, item.body)
        if found:
            return found
        try:
            created = await self.bc.create(ENTRIES, item.body)
        except TransientError as exc:
            found = await self._posted(item.key, item.body) if exc.uncertain else None
            if found is None:
                raise
            return found
        self.attribution.give(str(created["id"]), item.key)
        return str(created["id"])
