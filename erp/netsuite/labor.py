"""Direct labor in NetSuite: what a time entry needs NetSuite to hold, and its timeBill body.

`mes.ion.labor` plans one `erp.port.time_entries.TimeEntry` per checked-out ION session; here:

1. `reference_problems`: the work order must exist and be open, the employee active.
2. `time_bill_body` and `fingerprint`: the timeBill JSON (reference §1.3, no work-order field:
   the work order rides in the memo), and a digest of everything that would change it, kept
   in the ledger so an edited session is corrected, not duplicated.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from core.config import ErpMappings
from erp.netsuite.consumption import external_id, work_order_problem
from erp.port.time_entries import TimeEntry

TIME_BILL = "timeBill"


@dataclass(frozen=True)
class WorkOrderRef:
    """A NetSuite work order as labor needs it: its id, status and location."""

    id: str
    number: str
    status: str | None
    location: str | None


def reference_problems(plan: TimeEntry, work_order: WorkOrderRef | None, inactive_employees: set[str]) -> list[str]:
    """What stops a plan from posting once NetSuite answered: said so a person can fix it."""
    problem = work_order_problem(plan.work_order, work_order, ": labor cannot be booked to it")
    problems = [problem] if problem else []
    if plan.employee in inactive_employees:
        problems.append(f"NetSuite employee {plan.employee} is inactive: reactivate them or map the user to another employee")
    return problems


def time_bill_body(plan: TimeEntry, work_order: WorkOrderRef, mappings: ErpMappings) -> dict[str, Any]:
    """The timeBill JSON (reference §1.3, §1.5), keyed by the session's external id."""
    labor = mappings.labor
    body: dict[str, Any] = {
        "externalId": external_id(plan.key),
        "employee": {"id": plan.employee},
        "tranDate": plan.tran_date,
        "hours": plan.hours,
        "item": {"id": labor.service_item},
        "customer": {"id": plan.customer},
        "isBillable": True,
        "memo": plan.memo,
    }
    if work_order.location:
        body["location"] = {"id": work_order.location}
    if labor.department:
        body["department"] = {"id": labor.department}
    if labor.classification:
        body["class"] = {"id": labor.classification}
    return body


def fingerprint(body: dict[str, Any]) -> str:
    """A digest of what the time entry says: a session edit that changes none of it posts nothing."""
    content = {k: v for k, v in body.items() if k != "externalId"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]
