"""labor-sync exactly once under faults: SIGKILL mid-batch, injected 5xx/429/timeouts and
responses dropped after the server committed (corrections included), two syncs at once.
Counted in the NetSuite simulator: one time bill per session, holding the session's hours."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from erp.port.time_entries import INTEGRATION
from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from tests.labor_helpers import (
    add_session,
    edit_session,
    time_bills,
    time_bills_by_external_id,
)

pytestmark = pytest.mark.slow
DEMO_HOURS = {1: "0:30", 2: "0:30", 3: "0:45", 4: "0:30", 5: "0:45"}


def seed_sessions(world, runs: int) -> dict[int, str]:
    """Two sessions on each of `runs` bulk runs (their work orders exist in NetSuite), 1:05 to
    1:34 long; returns session id -> expected hours, the demo's closed sessions included."""
    world.seed_bulk(runs, installations=1)
    expected = dict(DEMO_HOURS)
    for i in range(runs * 2):
        minutes = 65 + i % 30
        check_out = f"2026-11-21T{minutes // 60:02d}:{minutes % 60:02d}:00Z"
        session = add_session(world, 100000 + i // 2, ("alice", "bob")[i % 2] + "@factory.example", "2026-11-21T00:00:00Z", check_out, step=1 + i % 2)
        expected[session] = f"{minutes // 60}:{minutes % 60:02d}"
    return expected


def assert_exactly_once(world, expected: dict[int, str]) -> None:
    landed = time_bills_by_external_id(world)
    twice = {k: len(v) for k, v in landed.items() if len(v) > 1}
    assert not twice, f"posted more than once: {twice}"
    hours = {int(k.split("-")[2]): v[0]["hours"] for k, v in landed.items()}
    assert hours == expected, f"missing {sorted(set(expected) - set(hours))[:10]}, wrong {[(s, h) for s, h in hours.items() if expected.get(s) != h][:10]}"
    ledger = Ledger(world.ledger_url)
    assert ledger.entries(INTEGRATION, EntryStatus.pending) == []
    posted = {e.key: e.target_id for e in ledger.entries(INTEGRATION, EntryStatus.posted)}
    assert len(posted) == len(expected)
    by_external_id = {k: v[0]["id"] for k, v in landed.items()}
    assert all(by_external_id[key.replace(":", "-")] == target for key, target in posted.items())


def sync_process(world, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    """`ion-sync run labor-sync` in its own process, with its own ephemeral Prefect."""
    env = {**os.environ, **world.env, "PREFECT_HOME": str(tmp_path / f"prefect-{name}")}
    env.pop("PREFECT_API_URL", None)
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - the child writes it after we return
    return subprocess.Popen([sys.executable, "-m", "ion_sync", "run", "labor-sync"], env=env, stdout=log, stderr=subprocess.STDOUT)


def test_sigkill_mid_batch_then_rerun_posts_every_session_once(world, tmp_path):
    expected = seed_sessions(world, 100)
    world.faults("netsuite", concurrency_limit=5, latency_ms=40)
    process = sync_process(world, tmp_path, "killed")
    deadline = time.monotonic() + 120
    while len(time_bills(world)) < 40:
        assert process.poll() is None, (tmp_path / "killed.log").read_text()
        assert time.monotonic() < deadline, "the sync never got going"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert 0 < len(time_bills(world)) < len(expected)
    # Edits made while the sync was down are corrected by the rerun, not duplicated.
    edit_session(world, 1, checkOut="2026-11-20T09:15:00Z")
    expected[1] = "2:00"
    world.faults("netsuite", concurrency_limit=5)
    rerun = sync_process(world, tmp_path, "rerun")
    assert rerun.wait(300) == 0, (tmp_path / "rerun.log").read_text()
    assert_exactly_once(world, expected)


@pytest.mark.usefixtures("prefect_api")
def test_faults_and_dropped_responses_leave_exact_totals_and_corrections(world, monkeypatch):
    expected = seed_sessions(world, 60)
    monkeypatch.setenv("NETSUITE_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("ION_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("NETSUITE_RETRY__ATTEMPTS", "8")
    monkeypatch.setenv("ION_PAGE_SIZE", "40")
    ion_faults = {"error_rates": {502: 0.1, 503: 0.05, 429: 0.05}, "seed": 7}
    world.faults("ion", **ion_faults)
    world.faults(
        "netsuite",
        concurrency_limit=5,
        error_rates={500: 0.05, 503: 0.05, 429: 0.05},
        timeout_rate=0.05,
        hang_seconds=1.5,
        drop_after_commit_rate=0.1,
        error_after_commit_rate=0.05,
        seed=11,
    )

    def sync_until_settled() -> list:
        results = [run_deployment("labor-sync")]
        while results[-1].summary and results[-1].summary.failed and len(results) < 4:
            results.append(run_deployment("labor-sync"))  # transient failures are retried next run
        assert results[-1].state == "Completed", [r.line() for r in results]
        return results

    first = sync_until_settled()
    assert sum(r.summary.posted for r in first) == len(expected)
    world.faults("ion")  # the person editing in ION is not the one under test
    for session in (1, 2, 3):
        edit_session(world, session, checkOut="2026-11-20T10:00:00Z")
    world.faults("ion", **ion_faults)
    expected.update({1: "2:45", 2: "2:30", 3: "1:45"})
    second = sync_until_settled()
    assert sum(r.summary.corrected for r in second) == 3 and sum(r.summary.posted for r in second) == 0
    injected = world.stats("netsuite")["injected"]
    assert injected.get("drop_after_commit", 0) > 0 and injected.get("error_after_commit", 0) > 0
    assert injected.get("timeout", 0) > 0 and world.stats("ion")["injected"]
    assert_exactly_once(world, expected)


def test_two_overlapping_syncs_post_nothing_twice(world, tmp_path):
    expected = seed_sessions(world, 50)
    world.faults("netsuite", concurrency_limit=10, latency_ms=50)
    first, second = sync_process(world, tmp_path, "first"), sync_process(world, tmp_path, "second")
    assert first.wait(300) == 0, (tmp_path / "first.log").read_text()
    assert second.wait(300) == 0, (tmp_path / "second.log").read_text()
    assert_exactly_once(world, expected)
    posted = [int(summary_line(tmp_path / f"{n}.log").split("posted=")[1].split()[0]) for n in ("first", "second")]
    assert sum(posted) == len(expected), posted  # each time entry posted by exactly one of them


def summary_line(path: Path) -> str:
    return next(line for line in path.read_text().splitlines() if line.startswith("labor-sync "))
