"""As-built feedback lands exactly once per unit in Arena, which has no idempotency key:
SIGKILL mid-batch, injected 5xx, and responses lost after Arena stored the file
(the pattern of tests/test_exactly_once.py, counted in the Arena simulator)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.lookup_writer import CLAIM_CHUNK
from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from tests.arena_helpers import as_built_files

pytestmark = pytest.mark.slow
DEMO_UNITS = 8  # completed demo runs


def seed_bulk_runs(world, count: int) -> None:
    world.admin("ion", "POST", "seed/bulk-runs", {"count": count, "installations_per_run": 3, "first_run_id": 100000})


def assert_once_per_unit(world, units: int) -> None:
    files = as_built_files(world)
    twice = {name: n for name, n in files.items() if n > 1}
    assert not twice, f"as-built posted more than once: {twice}"
    assert len(files) == units
    ledger = Ledger(world.ledger_url)
    assert ledger.entries("plm-feedback", EntryStatus.pending) == []
    posted = [e for e in ledger.entries("plm-feedback", EntryStatus.posted) if e.key.startswith("ion:asbuilt:")]
    assert len(posted) == units
    assert len(world.admin("arena", "GET", "requests")["results"]) == 1  # the NCR, once


def feedback_process(world, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **world.env, "PREFECT_HOME": str(tmp_path / f"prefect-{name}")}
    env.pop("PREFECT_API_URL", None)
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - the child writes it after we return
    return subprocess.Popen([sys.executable, "-m", "ion_sync", "run", "plm-feedback-sync"], env=env, stdout=log,
                            stderr=subprocess.STDOUT)


@pytest.mark.usefixtures("prefect_api")
def test_sigkill_mid_batch_then_rerun_sends_each_as_built_once(world, tmp_path):
    bulk = 30
    seed_bulk_runs(world, bulk)
    world.faults("arena", latency_ms=30)
    process = feedback_process(world, tmp_path, "killed")
    deadline = time.monotonic() + 120
    while len(as_built_files(world)) < 10:
        assert process.poll() is None, (tmp_path / "killed.log").read_text()
        assert time.monotonic() < deadline, "the sync never got going"
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    landed = len(as_built_files(world))
    assert 0 < landed < DEMO_UNITS + bulk
    world.faults("arena")
    rerun = run_deployment("plm-feedback-sync")  # in this process: the killed run's claim is resolved by lookup
    assert rerun.state == "Completed", rerun.message
    assert rerun.summary.interrupted_resolved <= CLAIM_CHUNK  # only the killed run's chunk is looked up
    assert_once_per_unit(world, DEMO_UNITS + bulk)


@pytest.mark.usefixtures("prefect_api")
def test_faults_and_lost_responses_leave_one_file_per_unit(world, monkeypatch):
    bulk = 40
    seed_bulk_runs(world, bulk)
    monkeypatch.setenv("ARENA_RETRY__INITIAL_WAIT", "0.02")
    monkeypatch.setenv("ARENA_RETRY__ATTEMPTS", "8")
    world.faults("arena", error_rates={500: 0.08, 503: 0.05}, drop_after_commit_rate=0.15, error_after_commit_rate=0.1,
                  seed=5)
    results = [run_deployment("plm-feedback-sync")]
    while results[-1].state != "Completed" and len(results) < 6:
        results.append(run_deployment("plm-feedback-sync"))  # what failed transiently is retried next run
    injected = world.stats("arena")["injected"]
    assert injected.get("drop_after_commit", 0) > 0 and injected.get("error_after_commit", 0) > 0
    assert results[-1].state == "Completed", [r.line() for r in results]
    assert_once_per_unit(world, DEMO_UNITS + bulk)
