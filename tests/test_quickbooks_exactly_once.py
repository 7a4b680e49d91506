"""QuickBooks exactly once under faults: SIGKILL mid-run, injected 5xx/429/timeouts, answers
dropped after QuickBooks committed, and two syncs at once. Counted in the simulator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from erp.quickbooks.rules import PO_INTEGRATION
from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from tests.quickbooks_helpers import QuickBooksWorld

pytest_plugins = ["tests.quickbooks_helpers"]  # the qb fixture
pytestmark = pytest.mark.slow
PO = "quickbooks-purchase-order-sync"
FIRST = 1000


def seed_bulk(qb: QuickBooksWorld, count: int) -> set[str]:
    """`count` ordered POs, each with a new part (so a new item) and an expense line; returns
    every document number that must land (the demo's two included)."""
    for i in range(count):
        qb.add_part(FIRST + i, f"Q-{i:04d}", "A", f"bulk part {i}")
        qb.add_purchase_order(
            FIRST + i, 1 + i % 2,
            [
                {"id": 10_000 + 2 * i, "part": f"Q-{i:04d}", "quantity": 4, "cost": 1.25, "attributes": {"Class": "Hardware"}},
                {"id": 10_001 + 2 * i, "part": None, "quantity": 1, "cost": 9.5, "description": "setup fee",
                 "attributes": {"Expense Account": "Office Supplies"}},
            ],
            fees=[("Freight", 3, "FIXED")],
        )
    return {"1", "2"} | {str(FIRST + i) for i in range(count)}


def assert_exactly_once(qb: QuickBooksWorld, expected: set[str]) -> None:
    landed = qb.purchase_orders()
    twice = {doc: len(v) for doc, v in landed.items() if len(v) > 1}
    assert not twice, f"posted more than once: {twice}"
    assert set(landed) == expected, f"missing: {sorted(expected - set(landed))[:10]}"
    items = qb.items()
    assert all(len(v) == 1 for v in items.values()), "an item was created twice"
    assert all(len(po[0]["Line"]) == 3 for doc, po in landed.items() if int(doc) >= FIRST), "a PO landed partly"
    ledger = Ledger(qb.world.ledger_url)
    assert ledger.entries(PO_INTEGRATION, EntryStatus.pending) == []
    posted = {e.source_ref.rsplit(":", 1)[-1]: e.target_id for e in ledger.entries(PO_INTEGRATION, EntryStatus.posted)}
    assert posted == {doc: v[0]["Id"] for doc, v in landed.items()}


def fast_limits(qb: QuickBooksWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exactly-once is the point here, not the budget (tested on its own): lift both sides."""
    qb.admin("PUT", "limits", {"requests_per_minute": 100_000, "requests_per_second": 10_000, "batch_requests_per_minute": 1000})
    for name, value in {"QUICKBOOKS_REQUESTS_PER_MINUTE": "100000", "QUICKBOOKS_REQUESTS_PER_SECOND": "10000",
                        "QUICKBOOKS_BATCH_REQUESTS_PER_MINUTE": "1000"}.items():
        monkeypatch.setenv(name, value)
        qb.world.env[name] = value


def sync_process(qb: QuickBooksWorld, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **qb.world.env, "PREFECT_HOME": str(tmp_path / f"prefect-{name}")}
    env.pop("PREFECT_API_URL", None)
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - the child writes it after we return
    return subprocess.Popen([sys.executable, "-m", "ion_sync", "run", PO], env=env, stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.usefixtures("prefect_api")
def test_faults_and_dropped_answers_leave_exact_totals(qb, monkeypatch):
    expected = seed_bulk(qb, 60)
    fast_limits(qb, monkeypatch)
    monkeypatch.setenv("QUICKBOOKS_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("QUICKBOOKS_THROTTLE_WAIT_SECONDS", "0.2")
    monkeypatch.setenv("QUICKBOOKS_RETRY__ATTEMPTS", "8")
    qb.faults(
        error_rates={500: 0.05, 503: 0.05, 429: 0.05}, timeout_rate=0.03, hang_seconds=1.5,
        drop_after_commit_rate=0.15, error_after_commit_rate=0.05, seed=5,
    )
    results = [run_deployment(PO)]
    while results[-1].summary and results[-1].summary.failed and len(results) < 5:
        results.append(run_deployment(PO))  # transient failures are retried next run
    injected = qb.stats()["injected"]
    assert injected.get("drop_after_commit", 0) > 0 and injected.get("error_after_commit", 0) > 0
    assert injected.get("timeout", 0) > 0 and injected.get("status_429", 0) > 0
    assert results[-1].state == "Completed", [r.line() for r in results]
    assert sum(r.summary.posted for r in results) == len(expected)
    assert qb.stats()["requestid_replays"] > 0  # lost answers came back from the replay cache
    assert_exactly_once(qb, expected)


@pytest.mark.usefixtures("prefect_api")
def test_without_working_requestid_lost_answers_are_found_by_doc_number_and_name(qb, monkeypatch):
    """Users report requestid not preventing duplicates (quickbooks.md A3): DocNumber and unique
    item names are the second line of defence."""
    expected = seed_bulk(qb, 30)
    fast_limits(qb, monkeypatch)
    qb.admin("PUT", "config", {"honour_requestid": False})
    qb.faults(drop_after_commit_rate=0.3, error_after_commit_rate=0.1, seed=21)
    try:
        results = [run_deployment(PO)]
        while results[-1].summary and results[-1].summary.failed and len(results) < 5:
            results.append(run_deployment(PO))
    finally:
        qb.admin("PUT", "config", {"honour_requestid": True})
    assert results[-1].state == "Completed", [r.line() for r in results]
    assert qb.stats()["injected"].get("drop_after_commit", 0) > 0 and qb.stats().get("requestid_replays", 0) == 0
    assert_exactly_once(qb, expected)


@pytest.mark.usefixtures("prefect_api")
def test_item_sync_under_faults_creates_each_item_once(qb, monkeypatch):
    for i in range(70):
        qb.add_part(FIRST + i, f"Q-{i:04d}", "A", f"bulk part {i}")
    fast_limits(qb, monkeypatch)
    monkeypatch.setenv("QUICKBOOKS_THROTTLE_WAIT_SECONDS", "0.2")
    qb.faults(error_rates={503: 0.1, 429: 0.1}, drop_after_commit_rate=0.3, error_after_commit_rate=0.1, seed=9)
    results = [run_deployment("quickbooks-item-sync")]
    while results[-1].summary and results[-1].summary.failed and len(results) < 5:
        results.append(run_deployment("quickbooks-item-sync"))
    assert results[-1].state == "Completed", [r.line() for r in results]
    assert qb.stats()["injected"].get("drop_after_commit", 0) > 0
    items = qb.items()
    assert len(items) == 79 and all(len(v) == 1 for v in items.values())
    assert sum(r.summary.posted for r in results) == 79


@pytest.mark.usefixtures("prefect_api")
def test_sigkill_mid_run_then_rerun_posts_every_po_once(qb, tmp_path, monkeypatch):
    expected = seed_bulk(qb, 80)
    fast_limits(qb, monkeypatch)
    qb.faults(latency_ms=120)
    process = sync_process(qb, tmp_path, "killed")
    deadline = time.monotonic() + 180
    while len(qb.entities("PurchaseOrder")) < 12:
        assert process.poll() is None, (tmp_path / "killed.log").read_text()
        assert time.monotonic() < deadline, "the sync never got going"
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert 0 < len(qb.entities("PurchaseOrder")) < len(expected)
    qb.faults()
    rerun = run_deployment(PO)  # in this process: the killed run's claims are orphans now
    assert rerun.ok, rerun.message
    assert_exactly_once(qb, expected)


@pytest.mark.usefixtures("prefect_api")
def test_two_overlapping_syncs_post_nothing_twice(qb, tmp_path, monkeypatch):
    expected = seed_bulk(qb, 60)
    fast_limits(qb, monkeypatch)
    qb.faults(latency_ms=250)
    other = sync_process(qb, tmp_path, "other")
    deadline = time.monotonic() + 180
    while "Fetching purchase orders" not in (tmp_path / "other.log").read_text():
        assert other.poll() is None, (tmp_path / "other.log").read_text()
        assert time.monotonic() < deadline, "the other sync never got going"
        time.sleep(0.05)
    here = run_deployment(PO)  # runs while the other process posts
    assert other.wait(300) == 0, (tmp_path / "other.log").read_text()
    assert here.ok, here.message
    assert_exactly_once(qb, expected)
    line = next(x for x in (tmp_path / "other.log").read_text().splitlines() if x.startswith(f"{PO} "))
    posted = [int(line.split("posted=")[1].split()[0]), here.summary.posted]
    assert sum(posted) == len(expected), posted  # each PO posted by exactly one of them
    assert here.summary.already_posted < len(expected), "the two runs did not overlap"
