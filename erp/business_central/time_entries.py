"""Business Central as the ERP port's `TimeEntryTarget`: one time registration entry per ION
session (README "Labor": the one API v2.0 resource for time against a job), the employee by
number, the cost-plus customer's BC job (project) and its job task, hours as `quantity`.

An entry has no field for an external key (README fact 27), so the ledger keeps its BC id: an
edited session corrects that entry by PATCH (If-Match); before creating one, and in `find`, the
writer looks for an entry of that employee, date, job, task and hours that no other ledger key
owns (`Attribution`). What an attempt is about to write is kept in the ledger first (the engine's
write-ahead, `Writer.write_ahead`), so an entry whose answer was lost is found by the content it
was created with even after the session was edited."""

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
    """Looks before it creates, for the entry this key already has in BC: the one an earlier
    attempt was correcting, else one of this content or of the content an earlier unconfirmed
    attempt wrote (the ledger's write-ahead intent: the session may have been edited since),
    that no other key owns. One found with older content is brought up to date (PATCH), so a lost
    answer, then an edit, never books the time twice."""

    target = NAME
    idempotent = True
    write_ahead = True

    def __init__(self, bc: BusinessCentralClient, integration: str, attribution: Attribution) -> None:
        self.bc = bc
        self.integration = integration
        self.attribution = attribution
        self.planned: dict[str, Postable] = {}
        self.refreshed = False  # the ledger's owners read since this writer began

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        self.planned.update({item.key: item for item in items})
        self.attribution.refresh()
        self.refreshed = True
        return {}

    async def find(self, claim: Claim) -> str | Landed | None:
        if not self.refreshed:  # orphans are resolved before any page is prepared
            self.attribution.refresh()
            self.refreshed = True
        item = self.planned.get(claim.key)
        found = await self._earlier(claim.key, item.body if item else None, claim.intended)
        return str(found["id"]) if found else None

    async def _earlier(self, key_: str, body: dict[str, Any] | None, intended: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
        """The entry `key_` has in BC, or None: the one an earlier attempt was correcting, else the
        first free entry with the content of `body`, then of the intents, newest first."""
        for intent in reversed(intended):
            if intent.get("corrects") and (entry := await self.bc.get(f"{ENTRIES}{key(intent['corrects'])}")):
                return entry
        bodies = [b for b in (body, *(intent["body"] for intent in reversed(intended))) if b]
        entries: list[dict[str, Any]] = []
        for employee, day in dict.fromkeys((b["employeeNumber"], b["date"]) for b in bodies):
            entries += await self.bc.all(ENTRIES, **{"$filter": f"employeeNumber eq {literal(employee)} and date eq {day}"})
        for wanted in bodies:
            for entry in entries:
                if holds(entry, wanted) and self.attribution.free_for(str(entry["id"]), key_):
                    self.attribution.give(str(entry["id"]), key_)
                    return entry
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
            return await self._bring_up_to_date(current, item)
        found = await self._earlier(item.key, item.body, item.intended)
        if found:
            return await self._bring_up_to_date(found, item)
        try:
            created = await self.bc.create(ENTRIES, item.body)
        except TransientError as exc:
            found = await self._earlier(item.key, item.body, ()) if exc.uncertain else None
            if found is None:
                raise
            return str(found["id"])
        self.attribution.give(str(created["id"]), item.key)
        return str(created["id"])

    async def _bring_up_to_date(self, entry: dict[str, Any], item: Postable) -> str:
        """PATCH `entry` to `item`'s content (If-Match its etag) unless it already holds it."""
        if not holds(entry, item.body):
            await self.bc.update(f"{ENTRIES}{key(entry['id'])}", str(entry["@odata.etag"]), item.body)
        self.attribution.give(str(entry["id"]), item.key)
        return str(entry["id"])


def holds(entry: dict[str, Any], body: dict[str, Any]) -> bool:
    """Whether a BC entry says what `body` says (hours to BC's five decimals)."""
    same = all(entry.get(k) == body[k] for k in ("employeeNumber", "date", "jobNumber", "jobTaskNumber"))
    return same and abs(float(entry["quantity"]) - body["quantity"]) < 1e-6
