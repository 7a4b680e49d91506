"""The labor rules as pure functions (no I/O): which sessions post, as what, and what is kept."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from core.config import ErpMappings, LaborMapping
from erp.netsuite.labor import WorkOrderRef, fingerprint, reference_problems, time_bill_body
from mes.ion.labor import parse_sessions, plan_time_entries

LABOR = LaborMapping(
    employees={"Alice@Factory.example": "401", "3": "402"},
    service_item="500",
    cost_plus_customers={"Orbital Dynamics": "77"},
    department="1",
    time_zone="America/Los_Angeles",
)
MAPPINGS = ErpMappings(labor=LABOR)
WO = WorkOrderRef(id="2001", number="WO1001", status="B", location="1")


def session(
    id: int = 1,
    check_in: str = "2026-11-21T06:30:00Z",
    check_out: str | None = "2026-11-21T08:05:00Z",
    email: str | None = "alice@factory.example",
    user_id: int = 2,
    attributes: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    attrs = {"NetSuite Work Order": "WO1001", "Customer": "Orbital Dynamics"} if attributes is None else attributes
    return {
        "id": id,
        "_etag": f"etag-{id}",
        "_updated": check_out or check_in,
        "checkIn": check_in,
        "checkOut": check_out,
        "createdBy": {"id": user_id, "email": email},
        "runStep": {
            "id": 9,
            "title": "Kit",
            "position": 1,
            "run": {"id": 1001, "attributes": [{"key": k, "value": v} for k, v in attrs.items()]},
        },
        **extra,
    }


def planned(*nodes: dict[str, Any], mappings: ErpMappings = MAPPINGS):
    sessions, dead = parse_sessions(nodes)
    plan = plan_time_entries(sessions, mappings)
    return plan, dead + plan.dead_letters


def test_a_checked_out_session_becomes_a_billable_time_entry_on_the_local_day():
    plan, dead = planned(session())
    assert not dead
    [entry] = plan.plans
    body = time_bill_body(entry, WO, MAPPINGS)
    assert body == {
        "externalId": "ion-session-1-time",
        "employee": {"id": "401"},
        "tranDate": "2026-11-20",
        "hours": "1:35",
        "item": {"id": "500"},
        "customer": {"id": "77"},
        "isBillable": True,
        "location": {"id": "1"},
        "department": {"id": "1"},
        "memo": "WO1001 · ION run 1001 step 1 Kit · session 1",
    }  # 06:30Z is 22:30 the day before in Los Angeles


def test_users_map_by_email_case_insensitively_or_by_id():
    plan, dead = planned(session(email="ALICE@factory.example"), session(id=2, email=None, user_id=3))
    assert not dead and [p.employee for p in plan.plans] == ["401", "402"]


def test_open_sessions_wait_and_other_customers_are_skipped():
    plan, dead = planned(
        session(check_out=None),
        session(id=2, attributes={"NetSuite Work Order": "WO1001", "Customer": "Fixed Price Co"}),
        session(id=3, attributes={"NetSuite Work Order": "WO1001"}),  # no customer, no default
    )
    assert not dead and not plan.plans
    assert len(plan.open_sessions) == 1 and plan.not_cost_plus == 2


def test_default_customer_makes_runs_without_the_attribute_cost_plus():
    mappings = ErpMappings(labor=LABOR.model_copy(update={"default_customer": "88"}))
    plan, _ = planned(session(attributes={"NetSuite Work Order": "WO1001"}), mappings=mappings)
    assert plan.plans[0].customer == "88"


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        (session(email="carol@factory.example", user_id=9), "ION user 9 (carol@factory.example) has no NetSuite employee"),
        (session(attributes={"Customer": "Orbital Dynamics"}), "run 1001 has no 'NetSuite Work Order' attribute"),
        (session(check_out="2026-11-21T06:30:00Z"), "at its check-in"),
        (session(check_out="2026-11-21T06:00:00Z"), "before its check-in"),
        (session(check_out="2026-11-21T06:30:29Z"), "rounds to a zero-minute time entry"),
        (session(check_out="2026-11-22T07:00:00Z"), "more than netsuite.labor.max_session_hours (24)"),
        (session(createdBy=None), "createdBy"),
        (session(checkIn="yesterday"), "checkIn"),
    ],
)
def test_bad_sessions_are_dead_letters_naming_session_and_cause(node, reason):
    plan, [letter] = planned(node)
    assert not plan.plans and letter.key == "ion:session:1:time" and reason in letter.reason
    assert "session 1" in letter.reason


def test_work_order_problems_found_in_netsuite_are_named():
    plan, _ = planned(session())
    entry = plan.plans[0]
    assert "no NetSuite work order numbered WO1001" in reference_problems(entry, None, set())[0]
    closed = WorkOrderRef(id="2001", number="WO1001", status="WorkOrd:H", location="1")
    assert "WO1001 is closed" in reference_problems(entry, closed, set())[0]
    assert "employee 401 is inactive" in reference_problems(entry, WO, {"401"})[0]


def test_the_fingerprint_changes_with_what_the_entry_says_not_with_the_session_etag():
    [a], [b], [c] = (
        planned(node)[0].plans for node in (session(), session(_etag="other"), session(check_out="2026-11-21T08:06:00Z"))
    )
    assert fingerprint(time_bill_body(a, WO, MAPPINGS)) == fingerprint(time_bill_body(b, WO, MAPPINGS))
    assert fingerprint(time_bill_body(a, WO, MAPPINGS)) != fingerprint(time_bill_body(c, WO, MAPPINGS))


def test_an_unknown_time_zone_is_a_config_error():
    with pytest.raises(ValidationError, match="unknown time zone"):
        LaborMapping(time_zone="Mars/Olympus_Mons")
