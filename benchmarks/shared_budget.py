"""Benchmark: three syncs in three processes sharing one NetSuite concurrency budget through Prefect.

    .venv/bin/python benchmarks/shared_budget.py [--runs 1000] [--receipts 500] [--sessions N] [--limit 5] [--latency-ms 100] [--unshared]

Starts a real `prefect server` (SQLite, its own PREFECT_HOME), the ION and NetSuite
simulators (each in its own process), seeds `--runs` completed runs with their work orders and
`--receipts` receipts against bulk purchase orders and `--sessions` (default: as many as receipts,
at most `--runs`) checked-out time-tracking sessions on the bulk runs, limits the NetSuite simulator to `--limit`
requests in flight (more are refused with 429, as NetSuite's account concurrency governance does)
each taking `--latency-ms`, creates the account's budget as a Prefect global concurrency limit
(`ion-sync budgets` does the same), then starts consumption-sync, receipt-sync and labor-sync at
the same moment, each in its own process with `NETSUITE_CONCURRENCY=--limit`, as two workers would.

Alone, each process would fill all `--limit` slots, so together they would send three times the
account's limit and collect 429s (`--unshared` runs exactly that, without the limit). Through
the shared budget they stay inside it together.

Utilization is that of the shared budget: the share of the account's slot-time that requests
held, `busy slot-seconds / (limit × window)`, where the simulator sums each admitted request's
time in a slot and the window runs from the first NetSuite request to the last answer, the span
in which some sync has NetSuite work. Not from the first sync's start to the last one's end:
before its first request a sync starts its flow run, reads ION and plans its first page, and
after its last it writes its report, none of which any budget can fill (measured: the first
request came 2–5 s after the start under load). Not requests × the nominal latency either: on a
loaded machine the simulator answers slower than `--latency-ms`, and a slot held longer is still
a slot used. Both of those figures are printed too. It prints each sync's counts and time, the
NetSuite requests and, last, exactly `utilization=<U> throttled=<429 responses>`. Figures, not
assertions.
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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BULK_SINCE, ROOT, admin, start_simulators, stop_simulators

LINES_PER_PO = 20
SYNCS = ("consumption-sync", "receipt-sync", "labor-sync")


class Demand:
    """The process's budget holder, recording when it has NetSuite work: from a request's first
    wait for a place to its answer, merged while any of its requests is there. (A request waiting
    for the client's own semaphore has `NETSUITE_CONCURRENCY` others in here already.)"""

    def __init__(self) -> None:
        from tasks.budgets import PrefectBudgets

        self.inner = PrefectBudgets()
        self.open = 0
        self.since = 0.0
        self.spans: list[tuple[float, float]] = []
        self.held = 0.0  # summed over requests: time each held its places

    @asynccontextmanager
    async def hold(self, budgets: tuple[Any, ...]) -> AsyncIterator[object]:
        if not self.open:
            self.since = time.time()
        self.open += 1
        try:
            async with self.inner.hold(budgets):
                since = time.time()
                try:
                    yield None
                finally:
                    self.held += time.time() - since
        finally:
            self.open -= 1
            if not self.open:
                self.spans.append((self.since, time.time()))


def child(kind: str) -> dict[str, Any]:
    """One sync, started when the driver says go (a line on stdin), so all start together."""
    from prefect.client.orchestration import get_client

    from connectors.shared_budget import share_budgets
    from core.reporting import SyncSummary

    async def main() -> dict[str, Any]:
        async with get_client() as client:
            await client.hello()
        if kind == "consumption-sync":
            from flows.consumption_sync import consumption_sync as flow
        elif kind == "receipt-sync":
            from flows.receipt_sync import receipt_sync as flow  # type: ignore[assignment]
        else:
            from flows.labor_sync import labor_sync as flow  # type: ignore[assignment]
        demand = Demand()
        share_budgets(demand)  # what importing the flows installed, recording
        print("ready", flush=True)
        sys.stdin.readline()
        started = time.time()
        state = await flow(since=BULK_SINCE, return_state=True)  # type: ignore[call-arg]
        ended = time.time()
        summary = await state.aresult(raise_on_failure=False)
        posted = summary.posted if isinstance(summary, SyncSummary) else 0
        return {
            "kind": kind,
            "started": started,
            "ended": ended,
            "posted": posted,
            "state": state.name,
            "demand": demand.spans,
            "held": demand.held,
        }

    return asyncio.run(main())


def merged_seconds(spans: list[tuple[float, float]]) -> float:
    """The length of the union of the spans."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


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


def seed(ion_url: str, ns_url: str, runs: int, receipts: int, sessions: int) -> None:
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
    admin(ion_url, "POST", "seed/bulk-sessions", {"count": sessions, "first_run_id": 100000, "updated_at": BULK_SINCE})


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
    parser.add_argument("--sessions", type=int, help="ION time-tracking sessions for labor-sync (default: as receipts)")
    parser.add_argument("--limit", type=int, default=5, help="NetSuite concurrent requests allowed")
    parser.add_argument("--latency-ms", type=int, default=100, help="every NetSuite request's response time")
    parser.add_argument("--unshared", action="store_true", help="no global concurrency limit: each process alone")
    parser.add_argument("--child", choices=SYNCS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)), flush=True)
        return
    sessions = min(args.runs, args.receipts if args.sessions is None else args.sessions)
    ideal = args.limit / (args.latency_ms / 1000)
    print(
        f"shared budget: consumption-sync ({args.runs:,} runs), receipt-sync ({args.receipts:,} receipts) and "
        f"labor-sync ({sessions:,} sessions) at once, "
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
            seed(ion_url, ns_url, args.runs, args.receipts, sessions)
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
            stop_simulators([*simulators, server])
    seconds = max(s["ended"] for s in syncs) - min(s["started"] for s in syncs)
    for s in syncs:
        print(f"  {s['kind']}: {s['state']}, posted {s['posted']:,} in {s['ended'] - s['started']:.1f} s")
    requests = int(stats["requests"])
    throttled = int(stats["by_status"].get("429", 0))
    achieved = (requests - throttled) / seconds  # a refused request used no slot
    window = float(stats["last_response_at"]) - float(stats["first_request_at"])
    demand = merged_seconds([(a, b) for s in syncs for a, b in s["demand"]])
    busy = float(stats["busy_seconds"])
    print(f"  NetSuite requests: {requests:,} ({json.dumps(stats['by_status'])}), max in flight {stats.get('max_in_flight')}")
    print(f"  the simulator's pace when full, on this machine: {requests / max(busy, 1e-9) * args.limit:.0f} requests/s")
    print(
        f"  first sync's start to last one's end ({seconds:.1f} s): {achieved:.1f} requests/s of an ideal {ideal:.0f} "
        f"({achieved / ideal:.2f}); slots held {busy / (args.limit * seconds):.2f} of the time"
    )
    print(f"  first request to last answer ({window:.1f} s): slots held {busy / (args.limit * window):.2f} of the time")
    held = sum(s["held"] for s in syncs)
    print(
        f"  some sync with a request waiting or in flight ({demand:.1f} s): slots held {busy / (args.limit * demand):.2f} "
        f"of the time; the budget's places held by requests {held / (args.limit * demand):.2f} (the rest of a place's "
        "time in a request is the HTTP stacks' of this machine)"
    )
    print(f"utilization={busy / (args.limit * demand):.2f} throttled={throttled}")


if __name__ == "__main__":
    main()
