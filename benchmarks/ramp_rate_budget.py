"""Ramp's rate budget in practice: ramp-purchase-order-sync creating N purchase orders against
the Ramp simulator (200 requests per rolling 10 s enforced), on the client's default budget.

Prints the requests sent, the simulator's busiest 10-s window, 429s answered, and the time:
`ramp_rate_budget pos=N requests=R max_in_window=M rate_limited=0 seconds=S`.
Usage: python benchmarks/ramp_rate_budget.py [N]   (default 300)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

from ion_sync.ramp_demo import IonBuyer
from ion_sync.sandbox import start_sandbox


def main(count: int) -> str:
    from prefect.testing.utilities import prefect_test_harness

    from ion_sync.runner import run_deployment

    workdir = Path(tempfile.mkdtemp(prefix="ramp-bench-"))
    sandbox = start_sandbox(workdir / "sandbox")
    os.environ.update(sandbox.env)
    os.environ["ION_SYNC_DATABASE_URL"] = f"sqlite:///{workdir / 'ledger.db'}"
    os.environ["ION_SYNC_REPORTS_DIR"] = str(workdir / "reports")
    ramp = sandbox.env["RAMP_BASE_URL"]
    try:
        buyer = IonBuyer(sandbox.env)
        etag = buyer.data("query { supplier(id: 1) { _etag } }", {})["supplier"]["_etag"]
        buyer.data(
            "mutation($i: UpdateSupplierAttributeInput!) { updateSupplierAttribute(input: $i) { supplierAttribute { key } } }",
            {"i": {"supplierId": 1, "key": "Ramp Vendor Id", "value": "0b5e7c1a-1111-4a6e-9c1d-ac0e00000001", "etag": etag}},
        )
        for index in range(count):
            buyer.purchase_order(1, "APPROVED", [("COMP-200", index + 1, 2.5)])
        buyer.close()
        httpx.post(f"{ramp}/_sandbox/stats/reset")
        with prefect_test_harness(server_startup_timeout=120):
            started = time.perf_counter()
            result = run_deployment("ramp-purchase-order-sync")
            seconds = time.perf_counter() - started
        stats = httpx.get(f"{ramp}/_sandbox/stats").json()
        assert result.summary and result.summary.posted == count, result.line()
        return (
            f"ramp_rate_budget pos={count} requests={stats['requests']} max_in_window={stats['max_in_window']} "
            f"rate_limited={stats['rate_limited']} seconds={seconds:.1f}"
        )
    finally:
        sandbox.stop()


if __name__ == "__main__":
    print(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
