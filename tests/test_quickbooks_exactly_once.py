"""QuickBooks' own part of exactly once (the shared cases are tests/contract/test_exactly_once.py):
when `requestid` does not deduplicate, lost answers are still found by DocNumber and item name."""

from __future__ import annotations

import pytest

from ion_sync.runner import run_deployment
from tests.quickbooks_helpers import QB_ENV, QuickBooksWorld, quickbooks_purchase_orders, whole_in_quickbooks

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_api")]
PO = "quickbooks-purchase-order-sync"


def test_without_working_requestid_lost_answers_are_found_by_doc_number_and_name(world, monkeypatch):
    """Users report requestid not preventing duplicates (quickbooks.md A3): DocNumber and unique
    item names are the second line of defence."""
    qb = QuickBooksWorld(world)
    qb.reset()
    total = quickbooks_purchase_orders(world, 20)
    for name, value in QB_ENV.items():
        monkeypatch.setenv(name, value)
    qb.admin("PUT", "config", {"honour_requestid": False})
    qb.faults(drop_after_commit_rate=0.3, error_after_commit_rate=0.1, seed=21)
    try:
        results = [run_deployment(PO)]
        while results[-1].summary and results[-1].summary.failed and len(results) < 5:
            results.append(run_deployment(PO))
    finally:
        qb.admin("PUT", "config", {"honour_requestid": True})
    assert results[-1].ok, [r.line() for r in results]
    assert qb.stats()["injected"].get("drop_after_commit", 0) > 0 and qb.stats().get("requestid_replays", 0) == 0
    landed = qb.purchase_orders()
    assert {doc: len(v) for doc, v in landed.items() if len(v) > 1} == {}, "posted more than once"
    assert len(landed) == total
    whole_in_quickbooks(world)
