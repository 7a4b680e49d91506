"""Odoo as the ERP port's `TimeEntryTarget`: timesheet lines (`account.analytic.line` with
`project_id`, `task_id`, `employee_id`, `unit_amount` hours, `date`, `name`) [ODOO-TIMESHEET].

Written with `load`, Odoo's import method: a row whose `id` column is an external id creates the
record and its `ir.model.data` in one transaction, and loading it again updates the same record
[ODOO-LOAD]. So a time entry is upserted by its ledger key, like NetSuite's external id: writing
twice cannot duplicate, a correction is the same call, and `find` looks the external id up.
`load` reports refusals as messages, not exceptions [ODOO-LOAD]: each is that entry's DataError.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import ConfigError, ContractError, DataError
from connectors.odoo import OdooClient
from connectors.retry import retrying
from core.config import erp_integration
from core.writer import Postable, Writer
from erp.odoo.bindings import bound, xmlid
from erp.odoo.references import chunks
from erp.port.time_entries import INTEGRATION, TimeEntry
from ledger import Claim

MODEL = "account.analytic.line"
COLUMNS = ["id", "name", "date", "unit_amount", "project_id/.id", "task_id/.id", "employee_id/.id"]


@dataclass
class OdooTimeEntries:
    odoo: OdooClient
    labor: Any  # the labor mappings: employees -> hr.employee ids, cost-plus customers -> project ids, service_item -> task id
    where: str = "odoo.labor"
    has_mrp: bool = True
    name: str = "Odoo"
    inactive_employees: set[str] = field(default_factory=set)
    work_orders: dict[str, bool] = field(default_factory=dict)

    @property
    def concurrency(self) -> int:
        return self.odoo.settings.concurrency

    async def check(self) -> None:
        """Every employee, project and the task the mappings name must exist (a typo stops the run)."""
        labor, problems = self.labor, []
        if not labor.employees:
            raise ConfigError(f"{self.where}.employees is empty: map each ION user's email to an Odoo employee (hr.employee id)")
        projects = {p for p in [*labor.cost_plus_customers.values(), labor.default_customer] if p}
        if not projects:
            raise ConfigError(
                f"{self.where}: neither cost_plus_customers nor default_customer names an Odoo project, so nothing would post"
            )
        employees = {
            str(r["id"]): r
            for r in await self.odoo.search_read(
                "hr.employee", [["id", "in", _ids(labor.employees.values())], ["active", "in", [True, False]]], ["active"]
            )
        }
        problems += [
            f"{self.where}.employees names Odoo employee {e}, which does not exist"
            for e in sorted(set(labor.employees.values()) - employees.keys())
        ]
        found = {str(r["id"]) for r in await self.odoo.search_read("project.project", [["id", "in", _ids(projects)]], ["id"])}
        problems += [f"{self.where} names Odoo project {p}, which does not exist" for p in sorted(projects - found)]
        if labor.service_item and not await self.odoo.search_read("project.task", [["id", "=", int(labor.service_item)]], ["id"]):
            problems.append(f"{self.where}.service_item names Odoo task {labor.service_item}, which does not exist")
        if problems:
            raise ConfigError("; ".join(problems) + ": fix the ids in the mappings file")
        self.inactive_employees = {e for e, row in employees.items() if not row.get("active")}

    async def problems(self, entries: Sequence[TimeEntry]) -> dict[str, list[str]]:
        await self._resolve({e.work_order for e in entries})
        found: dict[str, list[str]] = {}
        for entry in entries:
            reasons = []
            if self.has_mrp and not self.work_orders.get(entry.work_order):
                reasons.append(f"no open Odoo manufacturing order named {entry.work_order}: labor cannot be booked to it")
            if entry.employee in self.inactive_employees:
                reasons.append(f"Odoo employee {entry.employee} is archived: restore them or map the user to another employee")
            if reasons:
                found[entry.key] = reasons
        return found

    def body(self, entry: TimeEntry) -> dict[str, Any]:
        return {
            "name": entry.memo,
            "date": entry.tran_date,
            "unit_amount": round(entry.minutes / 60, 4),
            "project_id/.id": int(entry.customer),
            "task_id/.id": int(self.labor.service_item) if self.labor.service_item else "",
            "employee_id/.id": int(entry.employee),
        }

    def fingerprint(self, body: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]

    def writer(self) -> Writer:
        return TimesheetWriter(self.odoo)

    async def _resolve(self, names: set[str]) -> None:
        unknown = names - self.work_orders.keys()
        if not self.has_mrp or not unknown:
            return
        for chunk in chunks(unknown):
            rows = await self.odoo.search_read(
                "mrp.production", [["name", "in", chunk], ["state", "not in", ["cancel"]]], ["name"]
            )
            self.work_orders |= {str(r["name"]): True for r in rows}
        self.work_orders |= {name: self.work_orders.get(name, False) for name in unknown}


class TimesheetWriter(Writer):
    """Upserts by external id (`load`): idempotent, so no `find` is needed before writing again."""

    integration = erp_integration(INTEGRATION, "odoo")  # its own ledger namespace, beside NetSuite's
    target = "Odoo"
    idempotent = True
    id_column = "odoo timesheet id"

    def __init__(self, odoo: OdooClient) -> None:
        self.odoo = odoo

    async def find(self, claim: Claim) -> str | None:
        found = await bound(self.odoo, claim.key, MODEL)
        return str(found) if found is not None else None

    async def write(self, items: Sequence[Postable]) -> list[str | Exception]:
        """`load` is an upsert: a transient failure is simply loaded again."""
        item = items[0]
        async for trying in retrying(self.odoo.settings.retry):
            with trying:
                return [await self._load(item)]
        raise AssertionError("unreachable")  # pragma: no cover

    async def _load(self, item: Postable) -> str:
        row = [xmlid(item.key), *(item.body[column] for column in COLUMNS[1:])]
        if self.odoo.settings.transport == "json2":
            result = await self.odoo.call(MODEL, "load", fields=COLUMNS, data=[row])
        else:
            result = await self.odoo.call(MODEL, "load", None, _args=[COLUMNS, [row]])
        if not isinstance(result, dict):
            raise ContractError(f"Odoo {MODEL}.load answered {type(result).__name__}, not {{ids, messages}}")
        errors = [m for m in result.get("messages") or [] if m.get("type") == "error"]
        ids = result.get("ids")
        if errors or not ids:
            text = "; ".join(str(m.get("message")) for m in errors) or "no record was written"
            field_name = next((str(m["field"]) for m in errors if m.get("field")), None)
            raise DataError(f"{item.label}: {text}", code="load", field=field_name)
        return str(ids[0])


def _ids(values: Any) -> list[int]:
    return sorted({int(v) for v in values if str(v).isdigit()})
