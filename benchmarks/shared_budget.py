"""Benchmark: three syncs in three processes sharing one NetSuite concurrency budget through Prefect.

    .venv/bin/python benchmarks/shared_budget.py [--runs 1000] [--receipts 500] [--sessions N] [--limit 5] [--latency-ms 100]
        [--unshared] [--database postgresql://USER@HOST:PORT | sqlite]

Starts a real `prefect server` (its own PREFECT_HOME) on PostgreSQL, as production runs it
(docker/compose.yaml), in a scratch database it creates on `--database`'s server (default: the
local one, postgres@127.0.0.1:5432) and drops afterwards. With `--database sqlite`, or by default
when no local PostgreSQL answers (said on the third line), on Prefect's SQLite file instead, which
answers three processes' writes with 503 "database is locked" and, once in a few runs, stalls for a
minute: not the figure production would see. Then the ION and NetSuite
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

Utilization is that of the shared budget: the share of the slot-time the syncs' requests wanted
that the simulator saw taken, `busy slot-seconds / wanted slot-seconds`. The simulator sums each
admitted request's time in a slot; each process records when each of its requests starts waiting
for a place and when its answer is back, and at each moment the requests wanted as many slots as
there were such requests, at most `--limit`. Fewer while a sync reads ION and plans its next page
and the others have less to send, or finishes its last page alone: slots no budget could fill, so
not counted against it. Not from the first sync's start to the last one's end either, which adds
each flow's start, ION reads, first plan and report (measured: the first request came 2–5 s
after the start under load), nor requests × the nominal latency (on a loaded machine the
simulator answers slower than `--latency-ms`, and a slot held longer is still a slot used). Those
figures are printed too, and `limit × the time some sync had a request waiting or in flight`
as the denominator (the headline before the wanted slot-time). It prints each sync's counts and
time, the NetSuite requests and, last, exactly `utilization=<U> throttled=<429 responses>`.
Figures, not assertions.
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
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BULK_SINCE, ROOT, admin, start_simulators, stop_simulators

LINES_PER_PO = 20
SYNCS = ("consumption-sync", "receipt-sync", "labor-sync")
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432"  # a local server with trust auth


class Demand:
    """The process's budget holder, recording its NetSuite work: when each request starts waiting
    for a place and when its answer is back (+1 / -1). (A request waiting for the client's own
    semaphore has `NETSUITE_CONCURRENCY` others in here already.)"""

    def __init__(self) -> None:
        from tasks.budgets import PrefectBudgets

        self.inner = PrefectBudgets()
        self.steps: list[tuple[float, int]] = []
        self.held = 0.0  # summed over requests: time each held its places

    @asynccontextmanager
    async def hold(self, budgets: tuple[Any, ...]) -> AsyncIterator[object]:
        self.steps.append((time.time(), 1))
        try:
            async with self.inner.hold(budgets):
                since = time.time()
                try:
                    yield None
                finally:
                    self.held += time.time() - since
        finally:
            self.steps.append((time.time(), -1))


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
            "demand": demand.steps,
            "held": demand.held,
        }

    return asyncio.run(main())


def demand_seconds(steps: list[tuple[float, int]], limit: int) -> tuple[float, float]:
    """From every process's steps: the seconds some request was waiting for a place or in flight,
    and the slot-seconds they wanted (at each moment as many slots as requests, at most `limit`)."""
    seconds = wanted = 0.0
    requests, last = 0, 0.0
    for at, step in sorted(steps):
        if requests:
            seconds += at - last
            wanted += min(limit, requests) * (at - last)
        requests, last = requests + step, at
    return seconds, wanted


@contextmanager
def scratch_database(server: str | None) -> Iterator[str | None]:
    """A database of its own for the Prefect server on the PostgreSQL `server` (None: the local
    one), as an asyncpg URL, dropped afterwards. None, Prefect's SQLite file, for `sqlite`, or
    when no `--database` was given and no local PostgreSQL answers (said: not production's figure)."""
    if server == "sqlite":
        print("  Prefect server on SQLite", flush=True)
        yield None
        return
    import psycopg

    try:
        admin_db = psycopg.connect(f"{server or LOCAL_POSTGRES}/postgres", autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        if server:
            raise SystemExit(f"no PostgreSQL at {server} ({exc}); pass its URL, or --database sqlite") from None
        print(f"  Prefect server on SQLite: no PostgreSQL at {LOCAL_POSTGRES} (pass --database <its URL>)", flush=True)
        yield None
        return
    name = f"ion_sync_bench_budget_{uuid.uuid4().hex[:8]}"
    with admin_db:
        admin_db.execute(f'CREATE DATABASE "{name}"')
        print(f"  Prefect server on PostgreSQL: database {name} at {server or LOCAL_POSTGRES}", flush=True)
        try:
            yield f"{(server or LOCAL_POSTGRES).replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
        finally:
            admin_db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_prefect_server(home: Path, database: str | None) -> tuple[subprocess.Popen[bytes], str]:
    from sandbox.server import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    if database:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = database
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
    parser.add_argument(
        "--database",
        help=f"the PostgreSQL server the Prefect server's scratch database goes on (default {LOCAL_POSTGRES}, "
        "else SQLite), or `sqlite`",
    )
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
    with tempfile.TemporaryDirectory(prefix="ion-sync-shared-budget-") as tmp, scratch_database(args.database) as database:
        workdir = Path(tmp)
        (workdir / "prefect").mkdir()
        server, api = start_prefect_server(workdir / "prefect", database)
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
    demand, wanted = demand_seconds([(at, step) for s in syncs for at, step in s["demand"]], args.limit)
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
    print(
        f"  slot-time the requests wanted ({wanted:.1f} slot-s, {wanted / (args.limit * demand):.2f} of the limit over "
        f"that time: fewer than {args.limit} requests the rest): slots held {busy / wanted:.2f} of it"
    )
    print(f"utilization={busy / wanted:.2f} throttled={throttled}")


if __name__ == "__main__":
    main()
