"""labor-sync end to end: ION sessions → NetSuite time entries, in the simulators, nothing mocked."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from connectors.netsuite import NetSuiteClient, NetSuiteSettings
from connectors.settings import load_settings
from erp.port.time_entries import INTEGRATION
from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from tests.labor_helpers import (
    add_session,
    edit_session,
    time_bills,
    time_bills_by_external_id,
)

pytestmark = pytest.mark.usefixtures("prefect_api")

DEMO_CLOSED_SESSIONS = {1: ("401", "0:30"), 2: ("402", "0:30"), 3: ("401", "0:45"), 4: ("402", "0:30"), 5: ("401", "0:45")}


def landed(world) -> dict[int, dict]:
    grouped = time_bills_by_external_id(world)
    assert all(len(v) == 1 for v in grouped.values()), {k: len(v) for k, v in grouped.items()}
    return {int(k.split("-")[2]): v[0] for k, v in grouped.items()}


def test_sessions_post_once_open_ones_wait_and_an_edit_corrects_its_entry(world):
    first = run_deployment("labor-sync")
    assert first.line() == "labor-sync Completed posted=5 dead_letters=0"
    assert first.summary.open_sessions == 1
    bills = landed(world)
    assert {s: (b["employee"]["id"], b["hours"]) for s, b in bills.items()} == DEMO_CLOSED_SESSIONS
    one = bills[1]
    assert one["tranDate"] == "2026-11-20" and one["item"]["id"] == "500" and one["customer"]["id"] == "77"
    assert one["isBillable"] is True and one["location"]["id"] == "1" and one["memo"].startswith("WO1001 · ION run 1001")
    # Session 6 (Bob, still checked in at 09:30) holds the watermark back.
    assert first.summary.watermark == "2026-11-20T09:30:00Z"

    edit_session(world, 1, checkOut="2026-11-20T08:15:00Z")  # Alice forgot to check out on time: 1:00, not 0:30
    edit_session(world, 6, checkOut="2026-11-20T11:00:00Z")  # Bob checks out: 1:30
    second = run_deployment("labor-sync")
    assert second.line() == "labor-sync Completed posted=1 dead_letters=0"
    assert second.summary.corrected == 1 and second.summary.open_sessions == 0
    bills = landed(world)
    assert len(bills) == 6 and bills[1]["hours"] == "1:00" and bills[1]["id"] == one["id"]
    assert (bills[6]["employee"]["id"], bills[6]["hours"]) == ("402", "1:30")
    entry = Ledger(world.ledger_url).entries(INTEGRATION, keys=["ion:session:1:time"])[0]
    assert entry.status is EntryStatus.posted and entry.payload["hours"] == "1:00" and entry.target_id == one["id"]

    # Looking at every session again asks NetSuite only the setup check (service item, employees):
    # a posted session ION still has at the etag it was posted from needs no work-order lookup.
    before = world.admin("netsuite", "GET", "stats")["requests"]
    again = run_deployment("labor-sync", {"since": "2026-11-01T00:00:00Z"})
    assert again.line() == "labor-sync Completed posted=0 dead_letters=0" and again.summary.already_posted == 6
    assert world.admin("netsuite", "GET", "stats")["requests"] - before == 2

    third = run_deployment("labor-sync", {"full_resync": True})
    assert third.line() == "labor-sync Completed posted=0 dead_letters=0"
    assert third.summary.corrected == 0 and third.summary.already_posted == 6
    assert len(time_bills(world)) == 6


def close_work_order(internal_id: str) -> None:
    async def close() -> None:
        async with NetSuiteClient(load_settings(NetSuiteSettings)) as netsuite:
            body = {"externalId": f"test-close-{internal_id}"}
            await netsuite.transform_once(
                "workOrder", internal_id, "workOrderClose", body, external_id=body["externalId"], check_first=False
            )

    asyncio.run(close())


def test_each_bad_session_is_a_dead_letter_with_its_reason_and_an_edit_replays_it(world):
    no_work_order = world.add_run({"status": "IN_PROGRESS", "workOrder": None, "produces": {"partNumber": "ASSY-100"}})["id"]
    close_work_order("2004")  # WO1004
    day = "2026-11-21T"
    bad = {
        "unmapped user": add_session(world, 1001, "carol@factory.example", f"{day}08:00:00Z", f"{day}09:00:00Z"),
        "no work order": add_session(world, no_work_order, "alice@factory.example", f"{day}08:00:00Z", f"{day}09:00:00Z"),
        "unknown work order": add_session(world, 1008, "alice@factory.example", f"{day}08:00:00Z", f"{day}09:00:00Z"),
        "closed work order": add_session(world, 1004, "bob@factory.example", f"{day}08:00:00Z", f"{day}09:00:00Z"),
        "zero": add_session(world, 1002, "bob@factory.example", f"{day}10:00:00Z", f"{day}10:00:00Z"),
        "negative": add_session(world, 1002, "bob@factory.example", f"{day}10:00:00Z", f"{day}09:00:00Z"),
        "seconds": add_session(world, 1002, "alice@factory.example", f"{day}10:00:00Z", f"{day}10:00:20Z"),
        "too long": add_session(world, 1003, "alice@factory.example", f"{day}08:00:00Z", "2026-11-22T14:00:00Z"),
    }
    result = run_deployment("labor-sync")
    assert result.line() == "labor-sync Completed with dead letters posted=5 dead_letters=8"
    dead = {e.key: e.reason for e in Ledger(world.ledger_url).entries(INTEGRATION, EntryStatus.dead)}
    reason = {what: dead[f"ion:session:{session}:time"] for what, session in bad.items()}
    assert "carol@factory.example" in reason["unmapped user"] and "netsuite.labor.employees" in reason["unmapped user"]
    assert f"run {no_work_order} has no 'NetSuite Work Order' attribute" in reason["no work order"]
    assert "no NetSuite work order numbered WO9999" in reason["unknown work order"]
    assert "NetSuite work order WO1004 is closed" in reason["closed work order"]
    assert "at its check-in" in reason["zero"] and "before its check-in" in reason["negative"]
    assert "rounds to a zero-minute" in reason["seconds"] and "max_session_hours" in reason["too long"]

    # Fixing the session in ION replays it by itself; a posted session edited into nonsense
    # keeps its time entry and says so under its own key.
    edit_session(world, bad["negative"], checkOut=f"{day}11:30:00Z")
    edit_session(world, 3, checkOut="2026-11-20T08:00:00Z")  # before its 08:15 check-in
    again = run_deployment("labor-sync")
    assert again.line() == "labor-sync Completed with dead letters posted=1 dead_letters=1"
    assert landed(world)[bad["negative"]]["hours"] == "1:30"
    ledger = Ledger(world.ledger_url)
    correction = ledger.entries(INTEGRATION, keys=["ion:session:3:correction"])[0]
    assert correction.status is EntryStatus.dead and "still holds 0:45 h" in correction.reason
    assert ledger.entries(INTEGRATION, keys=["ion:session:3:time"])[0].status is EntryStatus.posted
    assert landed(world)[3]["hours"] == "0:45"

    edit_session(world, 3, checkOut="2026-11-20T09:15:00Z")  # corrected properly this time
    fixed = run_deployment("labor-sync")
    assert fixed.line() == "labor-sync Completed posted=0 dead_letters=0" and fixed.summary.corrected == 1
    assert landed(world)[3]["hours"] == "1:00"
    settled = ledger.entries(INTEGRATION, keys=["ion:session:3:correction"])[0]
    assert settled.status is EntryStatus.posted and settled.target_id == landed(world)[3]["id"]
    edit_session(world, 3, checkOut="2026-11-20T08:15:00Z")  # and broken again: reported again
    broken = run_deployment("labor-sync")
    assert broken.line() == "labor-sync Completed with dead letters posted=0 dead_letters=1"
    again = ledger.entries(INTEGRATION, keys=["ion:session:3:correction"])[0]
    assert again.status is EntryStatus.dead and "still holds 1:00 h" in again.reason


def test_only_cost_plus_customers_post_and_dry_run_writes_nothing(world, tmp_path, monkeypatch):
    dry = run_deployment("labor-sync", {"dry_run": True})
    assert dry.ok and dry.summary.would_post == 5 and dry.summary.posted == 0
    assert time_bills(world) == [] and Ledger(world.ledger_url).entries(INTEGRATION) == []

    not_cost_plus = tmp_path / "mappings.yaml"
    not_cost_plus.write_text(
        Path(world.env["ION_SYNC_CONFIG"]).read_text().replace('default_customer: "77"', "default_customer: null")
    )
    monkeypatch.setenv("ION_SYNC_CONFIG", str(not_cost_plus))
    result = run_deployment("labor-sync")
    assert result.line() == "labor-sync Completed posted=0 dead_letters=0"
    assert result.summary.not_cost_plus == 5 and time_bills(world) == []


def test_an_unknown_employee_or_service_item_stops_before_any_write(world, tmp_path, monkeypatch):
    wrong = tmp_path / "mappings.yaml"
    wrong.write_text(
        Path(world.env["ION_SYNC_CONFIG"])
        .read_text()
        .replace('bob@factory.example: "402"', 'bob@factory.example: "499"')
        .replace('service_item: "500"', 'service_item: "9500"')
    )
    monkeypatch.setenv("ION_SYNC_CONFIG", str(wrong))
    result = run_deployment("labor-sync")
    assert result.state == "Failed"
    assert "service_item 9500 is not a NetSuite item" in (result.message or "")
    assert "employee(s) 499, which do not exist" in (result.message or "")
    assert time_bills(world) == [] and Ledger(world.ledger_url).entries(INTEGRATION) == []


def test_a_time_entry_netsuite_refuses_is_a_dead_letter_in_netsuites_words(world, tmp_path, monkeypatch):
    wrong = tmp_path / "mappings.yaml"
    wrong.write_text(
        Path(world.env["ION_SYNC_CONFIG"]).read_text().replace("    time_zone: UTC", '    time_zone: UTC\n    department: "99"')
    )
    monkeypatch.setenv("ION_SYNC_CONFIG", str(wrong))
    result = run_deployment("labor-sync")
    assert result.line() == "labor-sync Completed with dead letters posted=0 dead_letters=5"
    reasons = [e.reason for e in Ledger(world.ledger_url).entries(INTEGRATION, EntryStatus.dead)]
    assert all("NetSuite rejected the time entry for work order WO100" in r and "(field department)" in r for r in reasons), (
        reasons
    )
    assert time_bills(world) == []
