"""labor-sync's own part of exactly once (the shared cases are tests/contract/test_exactly_once.py):
sessions edited in ION after they were posted are corrected in place under faults and lost
answers, never posted twice, and each time bill holds its session's hours."""

from __future__ import annotations

import pytest

from ion_sync.runner import RunResult, run_deployment
from ledger import EntryStatus, Ledger
from tests.labor_helpers import add_session, edit_session, time_bills_by_external_id

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_api")]
DEMO_HOURS = {1: "0:30", 2: "0:30", 3: "0:45", 4: "0:30", 5: "0:45"}


def seed_sessions(world, runs: int) -> dict[int, str]:
    """Two sessions on each of `runs` bulk runs, 1:05 to 1:34 long; returns session id ->
    expected hours, the demo's closed sessions included."""
    world.seed_bulk(runs, installations=1)
    expected = dict(DEMO_HOURS)
    for i in range(runs * 2):
        minutes = 65 + i % 30
        check_out = f"2026-11-21T{minutes // 60:02d}:{minutes % 60:02d}:00Z"
        session = add_session(
            world,
            100000 + i // 2,
            ("alice", "bob")[i % 2] + "@factory.example",
            "2026-11-21T00:00:00Z",
            check_out,
            step=1 + i % 2,
        )
        expected[session] = f"{minutes // 60}:{minutes % 60:02d}"
    return expected


def sync_until_settled() -> list[RunResult]:
    results = [run_deployment("labor-sync")]
    while results[-1].summary and results[-1].summary.failed and len(results) < 5:
        results.append(run_deployment("labor-sync"))  # transient failures are retried next run
    assert results[-1].ok, [r.line() for r in results]
    return results


def test_corrections_under_faults_and_lost_answers_update_each_time_bill_in_place(world, monkeypatch):
    expected = seed_sessions(world, 12)
    for name, value in {
        "NETSUITE_TIMEOUT_SECONDS": "1",
        "NETSUITE_RETRY__ATTEMPTS": "8",
        "ION_PAGE_SIZE": "10",
        "ION_STEP_RECORDS": "10",
    }.items():
        monkeypatch.setenv(name, value)
    hostile = {
        "concurrency_limit": 5,
        "error_rates": {500: 0.05, 503: 0.05, 429: 0.05},
        "timeout_rate": 0.05,
        "hang_seconds": 1.5,
        "drop_after_commit_rate": 0.2,
        "error_after_commit_rate": 0.1,
        "seed": 11,
    }
    world.faults("netsuite", **hostile)
    assert sum(r.summary.posted for r in sync_until_settled()) == len(expected)
    for session in (1, 2, 3):
        edit_session(world, session, checkOut="2026-11-20T10:00:00Z")
    expected.update({1: "2:45", 2: "2:30", 3: "1:45"})
    second = sync_until_settled()
    assert sum(r.summary.corrected for r in second) == 3 and sum(r.summary.posted for r in second) == 0
    injected = world.stats("netsuite")["injected"]
    assert injected.get("drop_after_commit", 0) > 0 and injected.get("error_after_commit", 0) > 0

    landed = time_bills_by_external_id(world)
    assert {k: len(v) for k, v in landed.items() if len(v) > 1} == {}, "posted more than once"
    assert {int(k.split("-")[2]): v[0]["hours"] for k, v in landed.items()} == expected
    assert Ledger(world.ledger_url).entries("labor-sync", EntryStatus.pending) == []
