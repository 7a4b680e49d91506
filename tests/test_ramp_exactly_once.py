"""Ramp's own part of exactly once (the shared cases are tests/contract/test_exactly_once.py): two
runs in one process on each ledger database, and the convergent writes into ION (the `paid`
flag) under ION's faults. Counted in the simulators."""

from __future__ import annotations

import asyncio
from collections import Counter

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
    assert_once(
        ramp,
        "purchase-orders",
        "purchase_order_number",
        {f"ION-{po}" for po, _ in made},
        database_url,
        "ramp-purchase-order-sync",
    )


@pytest.mark.usefixtures("prefect_api")
def test_paid_flags_under_ion_faults_land_once(ramp, world):
    """ramp-supplier-import's and ramp-approval-sync's writes into ION with ION failing writes
    before and after committing: re-runs settle every one, and nothing is applied twice."""
    hostile = {"error_rates": {502: 0.15}, "error_after_commit_rate": 0.3, "random_faults_on": "writes", "seed": 3}

    def until_settled(deployment: str, **params: object) -> list:
        results = [run_deployment(deployment, params or None)]
        while results[-1].summary and results[-1].summary.failed and len(results) < 8:
            results.append(run_deployment(deployment, params or None))
        assert results[-1].ok, [r.line() for r in results]
        return results

    world.faults("ion", **hostile)
    until_settled("ramp-supplier-import")  # ION's suppliers linked to Ramp's vendors (convergent writes too)
    world.faults("ion")
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
    assert (
        ledger.entries("ramp-approval-sync", EntryStatus.pending) == []
        and ledger.entries("ramp-approval-sync", EntryStatus.failed) == []
    )
    assert sorted(e.key.rsplit(":", 1)[1] for e in ledger.entries("ramp-approval-sync", EntryStatus.posted)) == ["paid"] * 2
    assert sum(r.summary.posted for r in results) <= 2
    buyer.close()
