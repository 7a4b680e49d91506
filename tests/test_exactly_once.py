"""Exactly once under faults: SIGKILL mid-batch, injected 5xx/429/timeouts, responses dropped
after the server committed, and two syncs at once. Counted in the NetSuite simulator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from erp.port.completions import INTEGRATION
from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger

pytestmark = pytest.mark.slow
DEMO_GOOD_RUNS = 5


def expected_external_ids(bulk: int) -> set[str]:
    demo = {f"ion-run-{i}-completion" for i in (1001, 1002, 1003, 1004, 1009)}
    return demo | {f"ion-run-{100000 + i}-completion" for i in range(bulk)}


def assert_exactly_once(world, bulk: int) -> None:
    landed = world.completions_by_external_id()
    twice = {k: len(v) for k, v in landed.items() if len(v) > 1}
    assert not twice, f"posted more than once: {twice}"
    assert set(landed) == expected_external_ids(bulk), f"missing: {sorted(expected_external_ids(bulk) - set(landed))[:10]}"
    ledger = Ledger(world.ledger_url)
    assert ledger.entries(INTEGRATION, EntryStatus.pending) == []
    posted = {e.key: e.target_id for e in ledger.entries(INTEGRATION, EntryStatus.posted)}
    assert len(posted) == DEMO_GOOD_RUNS + bulk
    by_external_id = {k: v[0]["id"] for k, v in landed.items()}
    assert all(by_external_id[key.replace(":", "-")] == target for key, target in posted.items())


def sync_process(world, tmp_path: Path, name: str, deployment: str = "consumption-sync") -> subprocess.Popen[bytes]:
    """`ion-sync run <deployment>` in its own process, with its own ephemeral Prefect."""
    env = {**os.environ, **world.env, "PREFECT_HOME": str(tmp_path / f"prefect-{name}")}
    env.pop("PREFECT_API_URL", None)
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - the child writes it after we return
    return subprocess.Popen(
        [sys.executable, "-m", "ion_sync", "run", deployment], env=env, stdout=log, stderr=subprocess.STDOUT
    )


def test_sigkill_mid_batch_then_rerun_posts_every_completion_once(world, tmp_path):
    bulk = 400
    world.seed_bulk(bulk, installations=5)
    world.faults("netsuite", concurrency_limit=5, latency_ms=40)
    process = sync_process(world, tmp_path, "killed")
    deadline = time.monotonic() + 120
    while len(world.completions()) < 60:
        assert process.poll() is None, (tmp_path / "killed.log").read_text()
        assert time.monotonic() < deadline, "the sync never got going"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    landed_before_rerun = len(world.completions())
    assert 0 < landed_before_rerun < DEMO_GOOD_RUNS + bulk
    world.faults("netsuite", concurrency_limit=5)
    rerun = sync_process(world, tmp_path, "rerun")
    assert rerun.wait(300) == 0, (tmp_path / "rerun.log").read_text()
    assert_exactly_once(world, bulk)


@pytest.mark.usefixtures("prefect_api")
def test_faults_and_dropped_responses_leave_exact_totals(world, monkeypatch):
    bulk = 150
    world.seed_bulk(bulk, installations=5)
    monkeypatch.setenv("NETSUITE_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("ION_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("NETSUITE_RETRY__ATTEMPTS", "8")
    monkeypatch.setenv("ION_PAGE_SIZE", "50")
    world.faults("ion", error_rates={502: 0.1, 503: 0.05, 429: 0.05}, seed=7)
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
    results = [run_deployment("consumption-sync")]
    while results[-1].summary and results[-1].summary.failed and len(results) < 4:
        results.append(run_deployment("consumption-sync"))  # transient failures are retried next run
    injected = world.stats("netsuite")["injected"]
    assert injected.get("drop_after_commit", 0) > 0 and injected.get("error_after_commit", 0) > 0
    assert injected.get("timeout", 0) > 0 and world.stats("ion")["injected"]
    assert results[-1].state == "Completed", [r.line() for r in results]
    assert sum(r.summary.posted for r in results) == DEMO_GOOD_RUNS + bulk
    assert_exactly_once(world, bulk)


def test_two_overlapping_syncs_post_nothing_twice(world, tmp_path):
    bulk = 300
    world.seed_bulk(bulk, installations=5)
    world.faults("netsuite", concurrency_limit=10, latency_ms=50)
    first, second = sync_process(world, tmp_path, "first"), sync_process(world, tmp_path, "second")
    assert first.wait(300) == 0, (tmp_path / "first.log").read_text()
    assert second.wait(300) == 0, (tmp_path / "second.log").read_text()
    assert_exactly_once(world, bulk)
    posted = [int(summary_line(tmp_path / f"{n}.log").split("posted=")[1].split()[0]) for n in ("first", "second")]
    assert sum(posted) == DEMO_GOOD_RUNS + bulk, posted  # each completion posted by exactly one of them


def summary_line(path: Path, deployment: str = "consumption-sync") -> str:
    return next(line for line in path.read_text().splitlines() if line.startswith(f"{deployment} "))
