"""Direct labor from ION's side: time-tracking sessions -> the time entries an ERP should hold.

Seed 002, "Canonical data flows: ION → ERP": labor/time flows ION → ERP for cost-plus
customers, as direct labor on jobs. Pure functions, no I/O:

1. `parse_sessions`: validate each session node (`connectors.ion.models.sessions`); a node that
   fails is a dead letter naming the session and the field.
2. `plan_time_entries`: an open session (still checked in) waits; a session on a run whose
   customer is not cost-plus is skipped; otherwise one time entry per session: the employee
   mapped from the ION user, the duration, the run's work order in the memo, the customer
   billable. Anything that does not map makes the session a dead letter that says what to fix.

What the ERP must also hold (the work order, an active employee) and its request body are the
ERP adapter's (`erp.port.time_entries`; NetSuite: `erp.netsuite.labor`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectors.ion.models.sessions import Session
from connectors.validation import shorten
from core.config import ErpMappings
from core.records import validated
from erp.port.time_entries import TimeEntry
from ledger.store import DeadLetter


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


@dataclass
class LaborPlan:
    plans: list[TimeEntry] = field(default_factory=list)
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
    sessions, failed = validated(Session, nodes, "session")
    return sessions, [dead_letter(session_id, reason, node, None) for session_id, reason, node in failed]


def plan_time_entries(sessions: Iterable[Session], mappings: ErpMappings) -> LaborPlan:
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
            TimeEntry(
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
