"""Direct labor: the business rules that turn ION time-tracking sessions into NetSuite time entries.

Seed 002, "Canonical data flows: ION → ERP": labor/time flows ION → ERP for cost-plus
customers, as direct labor on jobs. Pure functions, no I/O (`tasks/labor_posting.py` fetches
and posts):

1. `parse_sessions`: validate each session node (`connectors.ion.models.sessions`); a node that
   fails is a dead letter naming the session and the field.
2. `plan_time_entries`: an open session (still checked in) waits; a session on a run whose
   customer is not cost-plus is skipped; otherwise one time entry per session: the employee
   mapped from the ION user, the duration in H:MM, the run's work order in the memo (§1.3
   has no work-order field on timeBill), the customer billable. Anything that does not map
   makes the session a dead letter that says what to fix.
3. `time_bill_body` and `fingerprint`: the timeBill JSON, and a digest of everything that
   would change it, kept in the ledger so an edited session is corrected, not duplicated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from connectors.ion.models.sessions import Session
from connectors.validation import explain_record_error, shorten
from core.config import NetSuiteMappings
from erp.netsuite.consumption import CLOSED_WORK_ORDER_STATUSES, external_id
from ledger.store import DeadLetter

INTEGRATION = "labor-sync"
TIME_BILL = "timeBill"


def session_key(session_id: int | str) -> str:
    """The ledger key of a session's time entry: one per session, whatever edits follow."""
    return f"ion:session:{session_id}:time"


def correction_key(session_id: int | str) -> str:
    """Where a posted session's later, unpostable edit is kept (the posted entry stays as it is)."""
    return f"ion:session:{session_id}:correction"


def session_label(session: Session) -> str:
    user = shorten(session.createdBy.email or f"user {session.createdBy.id}")
    step = session.runStep
    return f"session {session.id} ({user}, run {step.run.id} step {step.position or step.id})"


def hours_text(minutes: int) -> str:
    """NetSuite's Duration as H:MM (reference §1.3; decimal strings are the INFERENCE alternative)."""
    return f"{minutes // 60}:{minutes % 60:02d}"


@dataclass(frozen=True)
class TimeEntryPlan:
    """One session's time entry, before NetSuite ids (work order, employee status) are checked."""

    session_id: int
    key: str
    label: str
    updated: datetime
    etag: str | None
    employee: str
    customer: str
    work_order: str
    tran_date: str
    minutes: int
    memo: str

    @property
    def hours(self) -> str:
        return hours_text(self.minutes)


@dataclass
class LaborPlan:
    plans: list[TimeEntryPlan] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    open_sessions: list[datetime] = field(default_factory=list)  # `_updated` of sessions still checked in
    not_cost_plus: int = 0
    updated: list[datetime] = field(default_factory=list)  # `_updated` of every valid session seen


def dead_letter(session_id: int | str, reason: str, payload: dict[str, Any] | None, updated: datetime | None) -> DeadLetter:
    return DeadLetter(
        key=session_key(session_id),
        source_ref=f"ion:session:{session_id}",
        reason=reason,
        payload=payload,
        source_time=updated,
    )


def parse_sessions(nodes: Iterable[dict[str, Any]]) -> tuple[list[Session], list[DeadLetter]]:
    sessions: list[Session] = []
    dead: list[DeadLetter] = []
    for node in nodes:
        try:
            sessions.append(Session.model_validate(node))
        except ValidationError as exc:
            session_id = node.get("id") or "unknown-" + hashlib.sha1(json.dumps(node, sort_keys=True).encode()).hexdigest()[:12]
            dead.append(dead_letter(session_id, explain_record_error(f"session {session_id}", exc), node, None))
    return sessions, dead


def plan_time_entries(sessions: Iterable[Session], mappings: NetSuiteMappings) -> LaborPlan:
    """One plan per checked-out session of a cost-plus run; open sessions wait; the rest are
    dead letters with every reason at once."""
    labor = mappings.labor
    zone = ZoneInfo(labor.time_zone)
    wo_attribute = mappings.work_orders.run_attribute
    planned = LaborPlan()
    for session in sessions:
        planned.updated.append(session.updated)
        if session.checkOut is None:
            planned.open_sessions.append(session.updated)
            continue
        run = session.runStep.run
        customer = labor.customer_for(run.attribute(labor.customer_attribute))
        if customer is None:  # labor is booked to the ERP for cost-plus customers only (seed 002)
            planned.not_cost_plus += 1
            continue
        reasons: list[str] = []
        user = session.createdBy
        employee = labor.employee_for(user.id, user.email)
        if employee is None:
            reasons.append(
                f"ION user {user.id} ({shorten(user.email) if user.email else 'no email'}) has no NetSuite employee: "
                "add their email under netsuite.labor.employees in the mappings file"
            )
        work_order = run.attribute(wo_attribute)
        if not work_order:
            reasons.append(f"run {run.id} has no '{wo_attribute}' attribute naming its NetSuite work order")
        seconds = (session.checkOut - session.checkIn).total_seconds()
        minutes = round(seconds / 60)
        if seconds <= 0:
            reasons.append(
                f"checks out at {session.checkOut.isoformat()}, "
                f"{'at' if seconds == 0 else 'before'} its check-in {session.checkIn.isoformat()} (duration {seconds / 60:g} min)"
            )
        elif minutes == 0:
            reasons.append(f"lasts {seconds:g} s, which rounds to a zero-minute time entry")
        elif seconds > labor.max_session_hours * 3600:
            reasons.append(
                f"lasts {seconds / 3600:.2f} h, more than netsuite.labor.max_session_hours ({labor.max_session_hours:g}); "
                "a forgotten check-out? correct the session in ION"
            )
        if reasons:
            planned.dead_letters.append(session_dead_letter(session, reasons))
            continue
        assert employee and work_order
        step = session.runStep
        planned.plans.append(
            TimeEntryPlan(
                session_id=session.id,
                key=session_key(session.id),
                label=session_label(session),
                updated=session.updated,
                etag=session.etag,
                employee=employee,
                customer=customer,
                work_order=work_order,
                tran_date=session.checkIn.astimezone(zone).date().isoformat(),
                minutes=minutes,
                memo=(
                    f"{work_order} · ION run {run.id}"
                    + (f" step {step.position}" if step.position is not None else "")
                    + (f" {step.title}" if step.title else "")
                    + f" · session {session.id}"
                ),
            )
        )
    return planned


def session_dead_letter(session: Session, reasons: list[str]) -> DeadLetter:
    payload = session.model_dump(mode="json", by_alias=True)
    return dead_letter(session.id, f"{session_label(session)}: " + "; ".join(reasons), payload, session.updated)


@dataclass(frozen=True)
class WorkOrderRef:
    """A NetSuite work order as labor needs it: its id, status and location."""

    id: str
    number: str
    status: str | None
    location: str | None


def reference_problems(
    plan: TimeEntryPlan, work_order: WorkOrderRef | None, inactive_employees: set[str]
) -> list[str]:
    """What stops a plan from posting once NetSuite answered: said so a person can fix it."""
    problems = []
    if work_order is None:
        problems.append(
            f"no NetSuite work order numbered {plan.work_order}: create or release it in NetSuite "
            "(ion-sync never authors work orders), then replay"
        )
    elif work_order.status in CLOSED_WORK_ORDER_STATUSES:
        problems.append(f"NetSuite work order {plan.work_order} is closed: labor cannot be booked to it")
    if plan.employee in inactive_employees:
        problems.append(f"NetSuite employee {plan.employee} is inactive: reactivate them or map the user to another employee")
    return problems


def time_bill_body(plan: TimeEntryPlan, work_order: WorkOrderRef, mappings: NetSuiteMappings) -> dict[str, Any]:
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


def ledger_payload(plan: TimeEntryPlan, body: dict[str, Any]) -> dict[str, Any]:
    """What the ledger keeps of a posted entry: enough to see what NetSuite holds and to detect edits."""
    return {
        "fingerprint": fingerprint(body),
        "hours": plan.hours,
        "tranDate": plan.tran_date,
        "employee": plan.employee,
        "work_order": plan.work_order,
        "session_etag": plan.etag,
    }
