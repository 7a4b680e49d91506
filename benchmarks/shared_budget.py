"""Benchmark: two syncs in two processes sharing one NetSuite concurrency budget through Prefect.

    .venv/bin/python benchmarks/shared_budget.py [--runs 1000] [--receipts 500] [--limit 5] [--latency-ms 100] [--unshared]

Starts a real `prefect server` (SQLite, its own PREFECT_HOME), the ION and NetSuite
simulators (each in its own process), seeds `--runs` completed runs with their work orders and
`--receipts` receipts against bulk purchase orders, limits the NetSuite simulator to `--limit`
requests in flight (more are refused with 429, as NetSuite's account concurrency governance does)
each taking `--latency-ms`, creates the account's budget as a Prefect global concurrency limit
(`ion-sync budgets` does the same), then starts consumption-sync and receipt-sync at the same
moment, each in its own process with `NETSUITE_CONCURRENCY=--limit`, as two workers would.

Alone, each process would fill all `--limit` slots, so together they would send twice the
account's limit and collect 429s (`--unshared` runs exactly that, without the limit). Through
the shared budget they stay inside it together. The ideal is every slot busy from the first
sync's start to the last one's end: limit / latency requests per second. It prints each sync's
counts and time, the NetSuite requests and, last, exactly
`utilization=<achieved/ideal> throttled=<429 responses>`. Figures, not assertions.
(labor-sync is not in it: the ION simulator has no bulk seed of time-tracking sessions.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from consumption import ROOT, admin, start_simulators

BULK_SINCE = "2026-11-21T00:00:00Z"  # bulk runs and receipts are after this; the demo's before
LINES_PER_PO = 20
SYNCS = ("consumption-sync", "receipt-sync")


def child(kind: str) -> dict[str, Any]:
    """One sync, started when the driver says go (a line on stdin), so both start together."""
    from prefect.client.orchestration import get_client

    from core.reporting import SyncSummary

    async def main() -> dict[str, Any]:
        async with get_client() as client:
            await client.hello()
        if kind == "consumption-sync":
            from flows.consumption_sync import consumption_sync as flow
        else:
            from flows.receipt_sync import receipt_sync as flow  # type: ignore[assignment]
        print("ready", flush=True)
        sys.stdin.readline()
        started = time.time()
        state = await flow(since=BULK_SINCE, return_state=True)  # type: ignore[call-arg]
        ended = time.time()
        summary = await state.aresult(raise_on_failure=False)
        posted = summary.posted if isinstance(summary, SyncSummary) else 0
        return {"kind": kind, "started": started, "ended": ended, "posted": posted, "state": state.name}

    return asyncio.run(main())


def start_prefect_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    from sandbox.server import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return process, api
        except httpx.HTTPError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError(f"prefect server did not start: {(home / 'server.log').read_text()[-2000:]}")


def seed(ion_url: str, ns_url: str, runs: int, receipts: int) -> None:
    admin(ion_url, "POST", "seed/bulk-runs", {"count": runs, "installations_per_run": 5, "first_run_id": 100000})
    admin(ns_url, "POST", "seed/bulk-work-orders", {"count": runs})
    purchase_orders = -(-receipts // LINES_PER_PO)
    admin(ns_url, "POST", "seed/bulk-purchase-orders", {"count": purchase_orders, "lines_per_po": LINES_PER_PO, "quantity": 1})
    admin(
        ion_url,
        "POST",
        "seed/bulk-receipts",
        {"purchase_orders": purchase_orders, "lines_per_po": LINES_PER_PO, "receipts_per_line": 1, "received_at": BULK_SINCE},
    )


def share_budget(api: str, account_id: str, limit: int) -> str:
    """The account's budget as a global concurrency limit on the server: what `ion-sync budgets`
    creates (here by its REST call, since this driver's own Prefect settings point nowhere)."""
    name = f"netsuite-{account_id.lower()}-concurrency"  # NetSuiteSettings.budget
    httpx.post(f"{api}/v2/concurrency_limits/", json={"name": name, "limit": limit}, timeout=30).raise_for_status()
    return name


def run_syncs(env: dict[str, str], workdir: Path, ns_url: str) -> list[dict[str, Any]]:
    processes = []
    for kind in SYNCS:
        child_env = {
            **os.environ,
            **env,
            "ION_PAGE_SIZE": "200",
            "ION_SYNC_DATABASE_URL": f"sqlite:///{workdir / f'ledger-{kind}.db'}",
            "ION_SYNC_REPORTS_DIR": str(workdir / "reports"),
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, __file__, "--child", kind],
                env=child_env,
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    for process in processes:
        assert process.stdout is not None
        line = process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"a sync did not start: {line}{process.stdout.read()[-3000:]}")
    admin(ns_url, "POST", "stats/reset")
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=1800)
        lines = [line for line in out.splitlines() if line.startswith("{")]
        if process.returncode != 0 or not lines:
            raise RuntimeError(f"a sync failed:\n{out[-3000:]}")
        results.append(json.loads(lines[-1]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000, help="completed ION runs for consumption-sync")
    parser.add_argument("--receipts", type=int, default=500, help="ION receipts for receipt-sync")
    parser.add_argument("--limit", type=int, default=5, help="NetSuite concurrent requests allowed")
    parser.add_argument("--latency-ms", type=int, default=100, help="every NetSuite request's response time")
    parser.add_argument("--unshared", action="store_true", help="no global concurrency limit: each process alone")
    parser.add_argument("--child", choices=SYNCS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)), flush=True)
        return
    ideal = args.limit / (args.latency_ms / 1000)
    print(
        f"shared budget: consumption-sync ({args.runs:,} runs) and receipt-sync ({args.receipts:,} receipts) at once, "
        f"NetSuite limit {args.limit} concurrent, {args.latency_ms} ms per request, ideal {ideal:.0f} requests/s, "
        f"budget {'not shared' if args.unshared else 'shared through a Prefect global concurrency limit'}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="ion-sync-shared-budget-") as tmp:
        workdir = Path(tmp)
        (workdir / "prefect").mkdir()
        server, api = start_prefect_server(workdir / "prefect")
        simulators, env = start_simulators(workdir / "sandbox")
        try:
            ion_url, ns_url = env["ION_API_URL"], env["NETSUITE_BASE_URL"]
            seed(ion_url, ns_url, args.runs, args.receipts)
            admin(
                ns_url,
                "PUT",
                "faults",
                {"concurrency_limit": args.limit, "latency_ms": args.latency_ms, "latency_is_response_time": True},
            )
            if not args.unshared:
                name = share_budget(api, env["NETSUITE_ACCOUNT_ID"], args.limit)
                print(f"  global concurrency limit {name}: {args.limit} slots", flush=True)
            env |= {"PREFECT_API_URL": api, "NETSUITE_CONCURRENCY": str(args.limit)}
            syncs = run_syncs(env, workdir, ns_url)
            stats = admin(ns_url, "GET", "stats")
        finally:
            for process in [*simulators, server]:
                process.terminate()
                process.wait(30)
    seconds = max(s["ended"] for s in syncs) - min(s["started"] for s in syncs)
    for s in syncs:
        print(f"  {s['kind']}: {s['state']}, posted {s['posted']:,} in {s['ended'] - s['started']:.1f} s")
    requests = int(stats["requests"])
    throttled = int(stats["by_status"].get("429", 0))
    achieved = (requests - throttled) / seconds  # a refused request used no slot
    print(f"  NetSuite requests: {requests:,} ({json.dumps(stats['by_status'])}), max in flight {stats.get('max_in_flight')}")
    print(f"  achieved {achieved:.1f} requests/s of an ideal {ideal:.0f} over {seconds:.1f} s")
    print(f"utilization={achieved / ideal:.2f} throttled={throttled}")


if __name__ == "__main__":
    main()
