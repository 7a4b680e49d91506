"""Benchmark: how much of NetSuite's concurrency budget receipt-sync uses, and whether it stays inside it.

    .venv/bin/python benchmarks/erp_budget.py [--receipts 2000] [--limit 5] [--latency-ms 100]

Starts the two simulators (each in its own process), limits the NetSuite simulator to
`--limit` concurrent requests (more are refused with 429, as NetSuite's account
concurrency governance does) and makes every NetSuite request take `--latency-ms` (the
response time, the simulator's own work included: `latency_is_response_time`, so the
simulator's CPU on a busy machine does not count against the client), seeds
`--receipts` ION receipts against matching bulk purchase orders on both sides, then runs the
`receipt-sync` flow in a fresh process (the Prefect API started beforehand, not timed).

The ideal request rate is limit / latency (5 / 0.1 s = 50 requests/s): every slot busy all
the time. It prints the NetSuite requests the sync made (SuiteQL reads, lookups and item
receipt transforms), the achieved rate and, last, exactly
`utilization=<achieved/ideal> throttled=<429 responses the client provoked>`.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BULK_SINCE, admin, peak_rss_mb, run_child, start_simulators, stop_simulators, timed_flow

LINES_PER_PO = 20


def child_receipt_sync() -> dict[str, Any]:
    from core.reporting import SyncSummary
    from flows.receipt_sync import receipt_sync

    figures, summary = timed_flow(lambda: receipt_sync(since=BULK_SINCE, return_state=True))
    posted = summary.posted if isinstance(summary, SyncSummary) else 0  # a failed run posts nothing to measure
    return {**figures, "posted": posted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=5, help="NetSuite concurrent requests allowed")
    parser.add_argument("--latency-ms", type=int, default=100, help="added to every NetSuite request")
    parser.add_argument("--profile", type=Path, help="a directory: profile the sync (cProfile) and print its top entries")
    parser.add_argument("--child", choices=["receipt-sync"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps({**child_receipt_sync(), "rss_mb": peak_rss_mb()}))
        return
    purchase_orders = -(-args.receipts // LINES_PER_PO)
    ideal = args.limit / (args.latency_ms / 1000)
    print(
        f"erp budget: {args.receipts:,} receipts, NetSuite limit {args.limit} concurrent, {args.latency_ms} ms per request, ideal {ideal:.0f} requests/s"
    )
    with tempfile.TemporaryDirectory(prefix="ion-sync-erp-budget-") as tmp:
        workdir = Path(tmp)
        simulators, env = start_simulators(workdir / "sandbox")
        try:
            ion_url, ns_url = env["ION_API_URL"], env["NETSUITE_BASE_URL"]
            admin(
                ns_url,
                "POST",
                "seed/bulk-purchase-orders",
                {"count": purchase_orders, "lines_per_po": LINES_PER_PO, "quantity": 1},
            )
            seeded = admin(
                ion_url,
                "POST",
                "seed/bulk-receipts",
                {
                    "purchase_orders": purchase_orders,
                    "lines_per_po": LINES_PER_PO,
                    "receipts_per_line": 1,
                    "received_at": BULK_SINCE,
                },
            )
            receipts = seeded["receipts"]
            admin(
                ns_url,
                "PUT",
                "faults",
                {
                    "concurrency_limit": args.limit,
                    "latency_ms": args.latency_ms,
                    "latency_is_response_time": True,
                },
            )
            admin(ns_url, "POST", "stats/reset")
            profile = args.profile / f"receipt-sync-{args.receipts}.prof" if args.profile else None
            sync = run_child_here(env, workdir, args.limit, profile)
            stats = admin(ns_url, "GET", "stats")
        finally:
            stop_simulators(simulators)
    requests = int(stats["requests"])
    throttled = int(stats["by_status"].get("429", 0))
    achieved = requests / sync["seconds"]
    print(
        f"  sync: {sync['state']}, {sync['posted']:,} of {receipts:,} item receipts posted in {sync['seconds']:.1f} s "
        f"({sync['posted'] / sync['seconds']:.1f} receipts/s), CPU {sync['cpu']:.1f} s = "
        f"{sync['cpu'] / max(1, sync['posted']) * 1000:.2f} s per 1,000 receipts, peak RSS {sync['rss_mb']:.0f} MB"
    )
    print(f"  NetSuite requests: {requests:,} ({json.dumps(stats['by_status'])}), max in flight {stats.get('max_in_flight')}")
    print(f"  achieved {achieved:.1f} requests/s of an ideal {ideal:.0f}")
    print(f"utilization={achieved / ideal:.2f} throttled={throttled}")


def run_child_here(env: dict[str, str], workdir: Path, limit: int, profile: Path | None = None) -> dict[str, Any]:
    """The sync in a fresh process (this file's `--child`), with the client's concurrency set
    to the account's limit, as a production deployment configures it."""
    return run_child("receipt-sync", {**env, "NETSUITE_CONCURRENCY": str(limit)}, workdir, script=__file__, profile=profile)


if __name__ == "__main__":
    main()
