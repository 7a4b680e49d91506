"""Benchmark: what each deployment costs when there is nothing to do.

    .venv/bin/python benchmarks/noop.py [--warm-passes 2] [--only NAME ...]

Starts every simulator in this process with the demo's data (as `make demo` does), runs every
deployment of `prefect.yaml` once per `--warm-passes` so that every watermark is current and
everything is posted, then runs each deployment once more with nothing new anywhere and prints,
per deployment: its final state, its wall and CPU seconds beyond Prefect's own flow-run cost
(an empty flow run on the same embedded API, the median of five; the simulators run in this
process, so their CPU counts; on a loaded machine the wall figure swings by seconds, the CPU
figure much less), and the requests each simulator
answered during that run (API requests: token and login requests, and `/_sandbox` admin calls, are not counted).

Goal (issue 18): at most 1 s of its own and at most 2 requests per system for every sync.
The read-only reports (inventory-reconciliation, three-way-match) and the go-live checks
(preflight) read what they compare or check on every run by design; they are listed, not
held to the goal. Last line exactly: `worst_own_seconds=<sync with the most own time>
worst_own_cpu=<the most own CPU> worst_requests=<most requests one sync made to one system>`.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import cpu_seconds

# the embedded Prefect API takes 10-20 s to start here, more under load; Prefect's default wait is 20 s
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPORTS = {"inventory-reconciliation", "three-way-match", "preflight"}  # read everything by design
SYSTEMS = ("ion", "netsuite", "ramp", "arena", "quickbooks")


def empty_flow_cost(samples: int = 5) -> tuple[float, float]:
    """Prefect's own cost of one in-process flow run on the embedded API (create, states, logs):
    the median wall and CPU seconds."""
    from prefect import flow

    @flow(name="noop-probe", persist_result=False)
    async def probe() -> None:
        return None

    walls, cpus = [], []
    for _ in range(samples):
        started, cpu = time.perf_counter(), cpu_seconds()
        asyncio.run(probe(return_state=True))  # type: ignore[arg-type]
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_seconds() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def admin(url: str, method: str, path: str) -> dict[str, Any]:
    response = httpx.request(method, f"{url}/_sandbox/{path}", timeout=60)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--warm-passes",
        type=int,
        default=2,
        help="runs of every deployment before the measured one (after one, deployments late in the order have "
        "changed what early ones read: work, not a no-op)",
    )
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
            prefect_wall, prefect_cpu = empty_flow_cost()
            print(f"Prefect's own cost of a flow run (empty flow, median of 5): {prefect_wall:.2f} s, CPU {prefect_cpu:.2f} s")
            header = f"{'deployment':34} {'state':28} {'own s':>6} {'own CPU':>7} " + " ".join(f"{s:>10}" for s in SYSTEMS)
            print(header)
            worst_own, worst_cpu, worst_requests = 0.0, 0.0, 0
            for name in args.only or names:
                for url in urls.values():
                    admin(url, "POST", "stats/reset")
                started, cpu = time.perf_counter(), cpu_seconds()
                result = run_deployment(name)
                own, own_cpu = time.perf_counter() - started - prefect_wall, cpu_seconds() - cpu - prefect_cpu
                requests = {system: int(admin(url, "GET", "stats")["requests"]) for system, url in urls.items()}
                report = " (report)" if name in REPORTS else ""
                print(
                    f"{name + report:34} {result.state[:28]:28} {own:6.2f} {own_cpu:7.2f} "
                    + " ".join(f"{requests.get(s, 0):>10}" for s in SYSTEMS),
                    flush=True,
                )
                if name not in REPORTS:
                    worst_own, worst_cpu = max(worst_own, own), max(worst_cpu, own_cpu)
                    worst_requests = max(worst_requests, *requests.values())
        finally:
            sandbox.stop()
    print(f"worst_own_seconds={worst_own:.2f} worst_own_cpu={worst_cpu:.2f} worst_requests={worst_requests}")


if __name__ == "__main__":
    main()
