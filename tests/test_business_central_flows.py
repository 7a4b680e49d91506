"""The ERP-port flows the contract suites do not drive against Business Central (purchase orders,
labor, inventory reconciliation, 3-way match: receipts and completions are in tests/contract/
erp_port and the exactly-once suite), end to end through their `<flow>-business-central`
deployments and the simulators: the same flows as NetSuite's, nothing copied."""

from __future__ import annotations

from typing import Any

import pytest

from ion_sync.runner import run_deployment
from tests.world import World

pytestmark = pytest.mark.usefixtures("prefect_api")


def bc(world: World, path: str) -> list[dict[str, Any]]:
    return list(world.admin("business_central", "GET", f"entities/{path}")["value"])


def test_purchase_orders_labor_and_the_reports_run_against_business_central(world: World) -> None:
    names = ("purchase-order-sync", "labor-sync", "inventory-reconciliation", "three-way-match")
    results = {name: run_deployment(f"{name}-business-central") for name in names}
    lines = {name: r.line() for name, r in results.items()}
    assert all(r.completed for r in results.values()), lines
    po_sync, labor = results["purchase-order-sync"].summary, results["labor-sync"].summary
    assert po_sync is not None and po_sync.posted == 2, lines  # PO5001, PO5002 (PO5003 in review, PO5004 received)
    assert labor is not None and labor.posted == 5 and len(bc(world, "timeRegistrationEntries")) == 5, lines
