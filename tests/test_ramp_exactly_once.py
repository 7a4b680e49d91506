"""Exactly once into Ramp, which has no idempotency key: SIGKILL mid-run, injected 5xx/429/
timeouts, responses dropped after Ramp committed, and two syncs at once. Counted in the Ramp
simulator by purchase-order and item-receipt number."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from tests.ramp_world import RampWorld, approved_purchase_orders, link_acme

pytestmark = pytest.mark.slow


@pytest.fixture
def ramp(world) -> RampWorld:
    current = RampWorld(world)
    current.reset()
    return current


def assert_once(ramp: RampWorld, kind: str, field: str, expected: set[str], ledger_url: str, integration: str) -> None:
    landed = Counter(r[field] for r in ramp.records(kind))
    assert {k: n for k, n in landed.items() if n > 1} == {}, "created more than once"
    assert set(landed) == expected, f"missing: {sorted(expected - set(landed))[:10]}"
    ledger = Ledger(ledger_url)
    assert ledger.entries(integration, EntryStatus.pending) == []
    assert len(ledger.entries(integration, EntryStatus.posted)) == len(expected)


def sync_process(world, tmp_path: Path, name: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, **world.env, **(extra_env or {}), "PREFECT_HOME": str(tmp_path / f"prefect-{name}")}
    env.pop("PREFECT_API_URL", None)
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - the child writes it after we return
    return subprocess.Popen([sys.executable, "-m", "ion_sync", "run", "ramp-purchase-order-sync"], env=env, stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.usefixtures("prefect_api")
def test_faults_and_dropped_responses_create_every_po_and_receipt_once(ramp, world, monkeypatch):
    buyer = ramp.buyer()
    link_acme(buyer)
    made = approved_purchase_orders(buyer, 30)
    for po, line in made:
        buyer.receive(po, [(line, 1)])
    buyer.close()
    for name, value in {"RAMP_TIMEOUT_SECONDS": "1", "RAMP_RETRY__ATTEMPTS": "8", "RAMP_RETRY__INITIAL_WAIT": "0.05",
                        "RAMP_RETRY__MAX_WAIT": "0.5"}.items():
        monkeypatch.setenv(name, value)
    ramp.faults(error_rates={500: 0.05, 503: 0.05, 429: 0.05}, timeout_rate=0.03, hang_seconds=1.5,
                drop_after_commit_rate=0.2, error_after_commit_rate=0.1, seed=5)
    for deployment in ("ramp-purchase-order-sync", "ramp-receipt-sync"):
        results = [run_deployment(deployment)]
        while results[-1].summary and results[-1].summary.failed and len(results) < 5:
            results.append(run_deployment(deployment))  # transient failures are retried by the next run
        assert results[-1].state == "Completed", [r.line() for r in results]
        assert sum(r.summary.posted for r in results) == len(made)
    injected = ramp.stats()["injected"]
    assert injected.get("drop_after_commit", 0) > 0 and injected.get("error_after_commit", 0) > 0
    assert_once(ramp, "purchase-orders", "purchase_order_number", {f"ION-{po}" for po, _ in made}, world.ledger_url, "ramp-purchase-order-sync")
    assert_once(ramp, "item-receipts", "purchase_order_id", {p["id"] for p in ramp.records("purchase-orders")}, world.ledger_url, "ramp-receipt-sync")


@pytest.mark.usefixtures("prefect_api")
def test_sigkill_mid_run_then_a_rerun_creates_every_po_once(ramp, world, tmp_path):
    buyer = ramp.buyer()
    link_acme(buyer)
    made = approved_purchase_orders(buyer, 30)
    buyer.close()
    ramp.faults(latency_ms=200)
    killed = sync_process(world, tmp_path, "killed", {"RAMP_CONCURRENCY": "2"})
    deadline = time.monotonic() + 180
    while len(ramp.records("purchase-orders")) < 4:
        assert killed.poll() is None, (tmp_path / "killed.log").read_text()
        assert time.monotonic() < deadline, "the sync never got going"
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.wait(30)
    landed = len(ramp.records("purchase-orders"))
    assert 0 < landed < len(made)
    ramp.faults()
    rerun = run_deployment("ramp-purchase-order-sync")  # in this process: the dead run's claims are orphans
    assert rerun.state == "Completed" and rerun.summary.interrupted_resolved > 0, rerun.line()
    assert_once(ramp, "purchase-orders", "purchase_order_number", {f"ION-{po}" for po, _ in made}, world.ledger_url, "ramp-purchase-order-sync")


@pytest.mark.usefixtures("prefect_api")
async def test_two_overlapping_syncs_create_nothing_twice(ramp, world, monkeypatch, database_url):
    """On each ledger database: two runs at once claim page by page; each PO is created by one."""
    from flows.ramp_purchase_order_sync import ramp_purchase_order_sync

    monkeypatch.setenv("ION_SYNC_DATABASE_URL", database_url)

    buyer = ramp.buyer()
    link_acme(buyer)
    made = approved_purchase_orders(buyer, 30)
    buyer.close()
    monkeypatch.setenv("ION_PAGE_SIZE", "5")  # many pages: the two runs claim page by page, interleaved
    monkeypatch.setenv("RAMP_CONCURRENCY", "2")
    ramp.faults(latency_ms=100)
    first, second = await asyncio.gather(ramp_purchase_order_sync(), ramp_purchase_order_sync())
    assert first.posted + second.posted == len(made), (first, second)
    assert first.in_flight_elsewhere + second.in_flight_elsewhere + first.already_posted + second.already_posted >= len(made)
    assert_once(ramp, "purchase-orders", "purchase_order_number", {f"ION-{po}" for po, _ in made}, database_url, "ramp-purchase-order-sync")


@pytest.mark.usefixtures("prefect_api")
def test_ion_writes_under_faults_land_once_suppliers_and_payments(ramp, world):
    """The writes into ION (suppliers, paid) with ION failing writes before and after
    committing: re-runs settle every one, and nothing is created or applied twice."""
    from tests.test_ramp_flows import suppliers

    hostile = {"error_rates": {502: 0.15}, "error_after_commit_rate": 0.3, "random_faults_on": "writes", "seed": 3}

    def until_settled(deployment: str, **params: object) -> list:
        results = [run_deployment(deployment, params or None)]
        while results[-1].summary and results[-1].summary.failed and len(results) < 8:
            results.append(run_deployment(deployment, params or None))
        assert results[-1].state == "Completed", [r.line() for r in results]
        return results

    world.faults("ion", **hostile)
    until_settled("ramp-supplier-import")
    world.faults("ion")
    imported = suppliers(ramp)
    assert len(imported) == 4 and {s["vendor"] for s in imported.values()} == {v["id"] for v in ramp.records("vendors")}

    buyer = ramp.buyer()
    pos = [buyer.purchase_order(1 + i % 2, "APPROVED", [("COMP-300", i + 1, 4.0)])[0] for i in range(4)]
    assert run_deployment("ramp-purchase-order-sync").summary.posted == 4
    for po in pos[:2]:
        ramp.admin("POST", f"purchase-orders/{ramp.purchase_order(f'ION-{po}')['id']}/bill", {"paid": True})
    ramp.deliver_events_to_inbox()
    world.faults("ion", **hostile)
    results = until_settled("ramp-approval-sync", poll=True)
    world.faults("ion")
    assert world.stats("ion")["injected"]
    assert [buyer.state(po)["paid"] for po in pos] == [True, True, False, False]
    ledger = Ledger(world.ledger_url)
    assert ledger.entries("ramp-approval-sync", EntryStatus.pending) == [] and ledger.entries("ramp-approval-sync", EntryStatus.failed) == []
    assert sorted(e.key.rsplit(":", 1)[1] for e in ledger.entries("ramp-approval-sync", EntryStatus.posted)) == ["paid"] * 2
    assert sum(r.summary.posted for r in results) <= 2
    buyer.close()
