"""Business Central as the ERP port's `TimeEntryTarget`: one time registration entry per ION
session (README "Labor": the one API v2.0 resource for time against a job), the employee by
number, the cost-plus customer's BC job (project) and its job task, hours as `quantity`.

An entry has no field for an external key (README fact 27), so the ledger keeps its BC id: an
edited session corrects that entry by PATCH (If-Match); `find` after a run that died mid-post
looks for an entry of that employee, date, job and task with that quantity which no other key
of this run was given."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.business_central import BusinessCentralClient, key, literal
from connectors.errors import ConfigError, TransientError
from core.config import LaborMapping
from core.writer import Landed, Postable, Writer
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


async def existing(bc: BusinessCentralClient, entity_set: str, field_name: str, values: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(values)
    for start in range(0, len(ordered), 20):
        query = " or ".join(f"{field_name} eq {literal(v)}" for v in ordered[start : start + 20])
        found |= {str(row[field_name]) for row in await bc.all(entity_set, **{"$filter": query})}
    return found


@dataclass
class BusinessCentralTimeEntries:
    bc: BusinessCentralClient
    labor: LaborMapping
    integration: str = "labor-sync-business-central"
    name: str = NAME
    jobs: set[str] = field(default_factory=set)  # BC job numbers that exist, known after `check`

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
        self.jobs = await existing(self.bc, "projects", "number", jobs)
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
        unknown = {e.customer for e in entries} - self.jobs
        self.jobs |= await existing(self.bc, "projects", "number", unknown) if unknown else set()
        return {
            e.key: [f"Business Central has no job (project) {e.customer}: create it or fix business_central.labor"]
            for e in entries
            if e.customer not in self.jobs
        }

    def body(self, entry: TimeEntry) -> dict[str, Any]:
        return registration_body(entry, self.job_task)

    def fingerprint(self, body: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]

    def writer(self) -> Writer:
        return TimeRegistrationWriter(self.bc, self.integration)


class TimeRegistrationWriter(Writer):
    target = NAME
    id_column = "BC entry"

    def __init__(self, bc: BusinessCentralClient, integration: str) -> None:
        self.bc = bc
        self.integration = integration
        self.planned: dict[str, Postable] = {}
        self._attributed: set[str] = set()

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        self.planned.update({item.key: item for item in items})
        return {}

    async def find(self, claim: Claim) -> str | Landed | None:
        item = self.planned.get(claim.key)
        return await self._posted(item.body) if item else None

    async def _posted(self, body: dict[str, Any]) -> str | None:
        query = f"employeeNumber eq {literal(body['employeeNumber'])} and date eq {body['date']}"
        for entry in await self.bc.all(ENTRIES, **{"$filter": query}):
            same = (
                all(entry.get(k) == body[k] for k in ("jobNumber", "jobTaskNumber"))
                and abs(float(entry["quantity"]) - body["quantity"]) < 1e-6
            )
            if same and str(entry["id"]) not in self._attributed:
                self._attributed.add(str(entry["id"]))
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
        if item.corrects is not None:
            current = await self.bc.get(f"{ENTRIES}{key(item.corrects)}")
            if current is None:
                raise ConfigError(f"{item.label}: the BC time registration entry {item.corrects} posted earlier is gone")
            await self.bc.update(f"{ENTRIES}{key(item.corrects)}", str(current["@odata.etag"]), item.body)
            return item.corrects
        try:
            created = await self.bc.create(ENTRIES, item.body)
        except TransientError as exc:
            found = await self._posted(item.body) if exc.uncertain else None
            if found is None:
                raise
            return found
        self._attributed.add(str(created["id"]))
        return str(created["id"])
