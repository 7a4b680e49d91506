"""Exactly once for the purchasing writers: receipt-sync (ION → NetSuite item receipts) and
purchase-order-sync (NetSuite → ION purchase orders) under SIGKILL mid-batch, injected
5xx/429/timeouts, responses dropped after the server committed, and two syncs at once.
Counted afterwards in the simulators: none missing, none twice."""

from __future__ import annotations

import signal
import time

import pytest

from erp.port.purchase_orders import INTEGRATION as PO_SYNC
from erp.port.receipts import INTEGRATION as RECEIPT_SYNC
from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from tests.test_exactly_once import summary_line, sync_process
from tests.test_purchase_order_sync import ion_pos

pytestmark = pytest.mark.slow
DEMO_RECEIPTS = {"ion-receipt-1-po-1", "ion-receipt-2-po-2"}


def seed_receipts(world, purchase_orders: int, lines: int, per_line: int) -> set[str]:
    """Matching bulk POs on both sides and `purchase_orders × lines × per_line` ION receipts;
    returns the external ids the item receipts must carry."""
    world.admin("netsuite", "POST", "seed/bulk-purchase-orders", {"count": purchase_orders, "lines_per_po": lines, "quantity": per_line})
    seeded = world.admin(
        "ion", "POST", "seed/bulk-receipts", {"purchase_orders": purchase_orders, "lines_per_po": lines, "receipts_per_line": per_line}
    )
    pos = world.ion_graphql(
        "query ($n: Int) { purchaseOrders(sort: [ID_DESC], first: $n) { edges { node { id purchaseOrderLines { receiptItems { receiptId } } } } } }",
        {"n": purchase_orders},
    )
    expected = {
        f"ion-receipt-{item['receiptId']}-po-{edge['node']['id']}"
        for edge in pos["purchaseOrders"]["edges"]
        for line in edge["node"]["purchaseOrderLines"]
        for item in line["receiptItems"]
    }
    assert len(expected) == seeded["receipts"]
    return expected | DEMO_RECEIPTS


def assert_receipts_once(world, expected: set[str]) -> None:
    landed: dict[str, int] = {}
    for record in world.netsuite_records("itemReceipt"):
        landed[record["externalId"]] = landed.get(record["externalId"], 0) + 1
    twice = {k: n for k, n in landed.items() if n > 1}
    assert not twice, f"item receipts posted more than once: {twice}"
    assert set(landed) == expected, f"missing: {sorted(expected - set(landed))[:10]}"
    ledger = Ledger(world.ledger_url)
    assert ledger.entries(RECEIPT_SYNC, EntryStatus.pending) == []
    assert len(ledger.entries(RECEIPT_SYNC, EntryStatus.posted)) == len(expected)
    # NetSuite's own books agree: every bulk PO line received exactly what ION received.
    rows = world.netsuite_records("purchaseOrder")
    bulk_lines = [line for po in rows if po["tranId"].startswith("PO-B") for line in po["item"]["items"]]
    assert bulk_lines and all(line["quantityReceived"] == line["quantity"] for line in bulk_lines)


def test_receipts_sigkill_mid_batch_then_rerun_posts_each_once(world, tmp_path):
    expected = seed_receipts(world, purchase_orders=20, lines=10, per_line=2)
    world.faults("netsuite", concurrency_limit=5, latency_ms=40)
    process = sync_process(world, tmp_path, "killed", "receipt-sync")
    deadline = time.monotonic() + 120
    while len(world.netsuite_records("itemReceipt")) < 60:
        assert process.poll() is None, (tmp_path / "killed.log").read_text()
        assert time.monotonic() < deadline, "the sync never got going"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert 0 < len(world.netsuite_records("itemReceipt")) < len(expected)
    world.faults("netsuite", concurrency_limit=5)
    rerun = sync_process(world, tmp_path, "rerun", "receipt-sync")
    assert rerun.wait(300) == 0, (tmp_path / "rerun.log").read_text()
    assert_receipts_once(world, expected)


@pytest.mark.usefixtures("prefect_api")
def test_receipts_faults_and_dropped_responses_leave_exact_totals(world, monkeypatch):
    expected = seed_receipts(world, purchase_orders=10, lines=5, per_line=2)
    monkeypatch.setenv("NETSUITE_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("NETSUITE_RETRY__ATTEMPTS", "8")
    monkeypatch.setenv("ION_PAGE_SIZE", "25")
    world.faults("ion", error_rates={502: 0.1, 429: 0.05}, seed=3)
    world.faults(
        "netsuite",
        concurrency_limit=5,
        error_rates={500: 0.05, 503: 0.05, 429: 0.05},
        timeout_rate=0.05,
        hang_seconds=1.5,
        drop_after_commit_rate=0.1,
        error_after_commit_rate=0.05,
        seed=5,
    )
    results = [run_deployment("receipt-sync")]
    while results[-1].summary and results[-1].summary.failed and len(results) < 4:
        results.append(run_deployment("receipt-sync"))
    injected = world.stats("netsuite")["injected"]
    assert injected.get("drop_after_commit", 0) > 0 and injected.get("error_after_commit", 0) > 0
    assert results[-1].state == "Completed", [r.line() for r in results]
    assert sum(r.summary.posted for r in results) == len(expected)
    assert_receipts_once(world, expected)


def test_two_overlapping_receipt_syncs_post_nothing_twice(world, tmp_path):
    expected = seed_receipts(world, purchase_orders=15, lines=10, per_line=1)
    world.faults("netsuite", concurrency_limit=10, latency_ms=30)
    first, second = (sync_process(world, tmp_path, name, "receipt-sync") for name in ("first", "second"))
    assert first.wait(300) == 0, (tmp_path / "first.log").read_text()
    assert second.wait(300) == 0, (tmp_path / "second.log").read_text()
    assert_receipts_once(world, expected)
    posted = [int(summary_line(tmp_path / f"{n}.log", "receipt-sync").split("posted=")[1].split()[0]) for n in ("first", "second")]
    assert sum(posted) == len(expected), posted


def seed_netsuite_pos(world, count: int, lines: int) -> set[str]:
    """`count` new NetSuite POs (PO-B…) whose items ION knows as parts (BULK-C…)."""
    world.admin("ion", "POST", "seed/bulk-receipts", {"purchase_orders": 1, "lines_per_po": 20, "first_number": 900000})
    world.admin("netsuite", "POST", "seed/bulk-purchase-orders", {"count": count, "lines_per_po": lines, "quantity": 5})
    return {f"PO-B{i:06d}" for i in range(1, count + 1)}


def assert_pos_once(world, expected: set[str], lines: int) -> None:
    pos = ion_pos(world)  # fails on any NetSuite PO held twice
    created = {number: po for number, po in pos.items() if number in expected}
    assert set(created) == expected, f"missing in ION: {sorted(expected - set(created))[:10]}"
    assert all(len(po["purchaseOrderLines"]) == lines and po["status"] == "ORDERED" for po in created.values())
    assert all(
        {n: line["quantity"] for n, line in po["lines"].items()} == {n: 5 for n in range(1, lines + 1)} for po in created.values()
    )
    suppliers = world.ion_graphql('{ suppliers(filters: {name: {eq: "Acme Metals"}}) { edges { node { id } } } }')
    assert len(suppliers["suppliers"]["edges"]) == 1
    assert Ledger(world.ledger_url).entries(PO_SYNC, EntryStatus.pending) == []


@pytest.mark.usefixtures("prefect_api")
def test_po_sync_under_ion_faults_and_lost_answers_creates_each_po_and_line_once(world, monkeypatch):
    expected = seed_netsuite_pos(world, count=12, lines=4)
    monkeypatch.setenv("ION_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("ION_RETRY__ATTEMPTS", "10")
    world.faults(
        "ion",
        error_rates={502: 0.05, 503: 0.05, 429: 0.05},
        timeout_rate=0.03,
        hang_seconds=1.5,
        drop_after_commit_rate=0.08,
        error_after_commit_rate=0.05,
        seed=13,
    )
    results = [run_deployment("purchase-order-sync")]
    while results[-1].summary and results[-1].summary.failed and len(results) < 4:
        results.append(run_deployment("purchase-order-sync"))
    injected = world.stats("ion")["injected"]
    assert injected.get("drop_after_commit", 0) > 0 and injected.get("error_after_commit", 0) > 0
    assert results[-1].state == "Completed", [r.line() for r in results]
    world.faults("ion")
    assert_pos_once(world, expected, lines=4)


def test_po_sync_killed_mid_batch_and_run_twice_at_once_creates_each_po_once(world, tmp_path):
    expected = seed_netsuite_pos(world, count=20, lines=4)
    world.faults("ion", latency_ms=5)
    process = sync_process(world, tmp_path, "killed", "purchase-order-sync")
    deadline = time.monotonic() + 120
    while len([n for n in ion_pos(world) if n in expected]) < 3:
        assert process.poll() is None, (tmp_path / "killed.log").read_text()
        assert time.monotonic() < deadline, "the sync never got going"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert len([n for n in ion_pos(world) if n in expected]) < len(expected)
    first, second = (sync_process(world, tmp_path, name, "purchase-order-sync") for name in ("first", "second"))
    assert first.wait(300) == 0, (tmp_path / "first.log").read_text()
    assert second.wait(300) == 0, (tmp_path / "second.log").read_text()
    assert_pos_once(world, expected, lines=4)
