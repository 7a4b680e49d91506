"""Benchmark: what each deployment costs when there is nothing to do.

    .venv/bin/python benchmarks/noop.py [--warm-passes 1] [--only NAME ...]

Starts every simulator in this process with the demo's data (as `make demo` does), runs every
deployment of `prefect.yaml` once per `--warm-passes` so that every watermark is current and
everything is posted, then runs each deployment once more with nothing new anywhere and prints,
per deployment: its final state, its wall seconds beyond Prefect's own flow-run cost (an empty
flow run on the same embedded API, the median of five), and the requests each simulator
answered during that run (API requests: token and login requests, and `/_sandbox` admin calls, are not counted).

Goal (issue 18): at most 1 s of its own and at most 2 requests per system for every sync.
The read-only reports (inventory-reconciliation, three-way-match) and the go-live checks
(preflight) read what they compare or check on every run by design; they are listed, not
held to the goal. Last line exactly: `worst_own_seconds=<sync with the most own time>
worst_requests=<most requests one sync made to one system>`. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# the embedded Prefect API takes 10-20 s to start here, more under load; Prefect's default wait is 20 s
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPORTS = {"inventory-reconciliation", "three-way-match", "preflight"}  # read everything by design
SYSTEMS = ("ion", "netsuite", "ramp", "arena", "quickbooks")


def empty_flow_seconds(samples: int = 5) -> float:
    """Prefect's own cost of one in-process flow run on the embedded API (create, states, logs)."""
    from prefect import flow

    @flow(name="noop-probe", persist_result=False)
    async def probe() -> None:
        return None

    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        asyncio.run(probe(return_state=True))  # type: ignore[arg-type]
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def admin(url: str, method: str, path: str) -> dict[str, Any]:
    response = httpx.request(method, f"{url}/_sandbox/{path}", timeout=60)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warm-passes", type=int, default=1, help="runs of every deployment before the measured one")
    parser.add_argument("--only", nargs="+", help="measure only these deployments (all are still warmed)")
    args = parser.parse_args()

    from cryptography.fernet import Fernet

    from ion_sync.child_processes import start_prefect_api
    from ion_sync.demo import DEMO_PARAMETERS, ORDER
    from ion_sync.deployments import load_deployments
    from ion_sync.ramp_demo import seed_ramp_demo
    from ion_sync.runner import run_deployment
    from ion_sync.sandbox import start_sandbox

    started = time.perf_counter()
    start_prefect_api()
    print(f"no-op benchmark: embedded Prefect API started in {time.perf_counter() - started:.1f} s (not counted)", flush=True)
    with tempfile.TemporaryDirectory(prefix="ion-sync-noop-") as tmp:
        workdir = Path(tmp)
        sandbox = start_sandbox(workdir / "sandbox")
        try:
            os.environ.update(sandbox.env)
            os.environ["ION_SYNC_DATABASE_URL"] = f"sqlite:///{workdir / 'ledger.db'}"
            os.environ["ION_SYNC_REPORTS_DIR"] = str(workdir / "reports")
            os.environ.setdefault("ION_SYNC_CREDENTIALS_KEY", Fernet.generate_key().decode())
            seed_ramp_demo(sandbox.env)
            urls = {
                "ion": sandbox.ion.url,
                "netsuite": sandbox.netsuite.url,
                **({"ramp": sandbox.ramp.url} if sandbox.ramp else {}),
                **({"arena": sandbox.arena.url} if sandbox.arena else {}),
                **({"quickbooks": sandbox.quickbooks.url} if sandbox.quickbooks else {}),
            }
            names = sorted(load_deployments(), key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))
            for n in range(args.warm_passes):
                started = time.perf_counter()
                for name in names:
                    run_deployment(name, DEMO_PARAMETERS.get(name))
                print(f"warm pass {n + 1}: every deployment once in {time.perf_counter() - started:.1f} s", flush=True)
            prefect_cost = empty_flow_seconds()
            print(f"Prefect's own cost of a flow run (empty flow, median of 5): {prefect_cost:.2f} s", flush=True)
            header = f"{'deployment':34} {'state':28} {'own s':>6} " + " ".join(f"{s:>10}" for s in SYSTEMS)
            print(header)
            worst_own, worst_requests = 0.0, 0
            for name in args.only or names:
                for url in urls.values():
                    admin(url, "POST", "stats/reset")
                started = time.perf_counter()
                result = run_deployment(name)
                own = time.perf_counter() - started - prefect_cost
                requests = {system: int(admin(url, "GET", "stats")["requests"]) for system, url in urls.items()}
                report = " (report)" if name in REPORTS else ""
                print(
                    f"{name + report:34} {result.state[:28]:28} {own:6.2f} "
                    + " ".join(f"{requests.get(s, 0):>10}" for s in SYSTEMS),
                    flush=True,
                )
                if name not in REPORTS:
                    worst_own = max(worst_own, own)
                    worst_requests = max(worst_requests, *requests.values())
        finally:
            sandbox.stop()
    print(f"worst_own_seconds={worst_own:.2f} worst_requests={worst_requests}")


if __name__ == "__main__":
    main()
