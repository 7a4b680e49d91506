"""Benchmark: quickbooks-purchase-order-sync against the realm's request budget.

    .venv/bin/python benchmarks/quickbooks.py [--pos 200]

Starts the simulators in this process (QuickBooks at its documented limits: 500 requests a
minute, 10 a second), seeds `--pos` ordered ION purchase orders (each with a new part, so a new
Inventory item, an expense line with class and expense account, and a fee), warms up the
embedded Prefect API, then times one sync run. It prints POs per second, QuickBooks requests
per second (the budget is 10), requests per PO and how many requests QuickBooks throttled
(the client keeps its own budget, so 0 is expected). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import httpx

from ion_sync.sandbox import start_sandbox
from sandbox.ion.purchasing import Purchasing
from sandbox.ion.timestamps import now_stored

FIRST = 1000


def seed(app: object, count: int) -> None:
    store, config = app.state.store, app.state.config  # type: ignore[attr-defined]
    writes = Purchasing(store, config)
    store.insert_parts([(FIRST + i, f"Q-{i:04d}", "A", f"bulk part {i}", None, "PART") for i in range(count)], now_stored())
    for i in range(count):
        po = FIRST + i
        writes.create_purchase_order(
            {"supplierId": 1 + i % 2, "currencyId": 1, "shipToLocationId": 1, "status": "ORDERED"}, po_id=po
        )
        writes.create_line({"purchaseOrderId": po, "partId": FIRST + i, "quantity": 4, "cost": 1.25}, line_id=10_000 + 2 * i)
        writes.create_line(
            {"purchaseOrderId": po, "partId": None, "quantity": 1, "cost": 9.5, "description": "setup"}, line_id=10_001 + 2 * i
        )
        for line, key, value in ((10_000 + 2 * i, "Class", "Hardware"), (10_001 + 2 * i, "Expense Account", "Office Supplies")):
            writes.update_attribute("purchaseOrderLine", {"purchaseOrderLineId": line, "key": key, "value": value}, check=False)
        writes.create_fee({"purchaseOrderId": po, "name": "Freight", "value": 3, "type": "FIXED"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pos", type=int, default=200)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="qbo-bench-"))
    sandbox = start_sandbox(workdir / "sandbox")
    os.environ.update(sandbox.env)
    os.environ["ION_SYNC_DATABASE_URL"] = f"sqlite:///{workdir / 'ledger.db'}"
    os.environ["ION_SYNC_REPORTS_DIR"] = str(workdir / "reports")
    try:
        seed(sandbox.ion.server.config.app, args.pos)
        from prefect import flow

        from ion_sync.runner import run_deployment

        flow(name="warm-up")(lambda: None)()  # start the embedded Prefect API outside the timing
        started = time.perf_counter()
        result = run_deployment("quickbooks-purchase-order-sync")
        seconds = time.perf_counter() - started
        stats = httpx.get(f"{sandbox.quickbooks.url}/_sandbox/stats").json()  # type: ignore[union-attr]
        total = args.pos + 2  # the demo's two POs too
        print(result.line())
        print(
            f"pos={total} seconds={seconds:.1f} pos_per_s={total / seconds:.1f} requests={stats['requests']} "
            f"requests_per_s={stats['requests'] / seconds:.1f} requests_per_po={stats['requests'] / total:.2f} "
            f"batch_requests={stats.get('batch_requests', 0)} throttled={stats['throttled']}"
        )
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
