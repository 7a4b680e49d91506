"""Benchmark: consumption-sync end to end vs a plain-httpx baseline, at 10,000 and 100,000 runs.

    .venv/bin/python benchmarks/consumption.py [--sizes 10000 100000] [--installations 20]

For each size N it starts the two simulators, each in its own process (zero latency, no
faults, no NetSuite concurrency limit), seeds N completed runs with `--installations` aBOM installations each
(and their N NetSuite work orders), then times, each in a fresh process:

- sync: the `consumption-sync` flow (Prefect tasks per page, pydantic, the ledger
  on a fresh SQLite file), with the Prefect API already started (its start-up is printed apart);
- baseline: the same HTTP reads and writes with plain httpx and asyncio, at the same page
  size and the same NetSuite concurrency, with no orchestration, no validation, no ledger.

Between the two, the NetSuite simulator is reset and re-seeded, so both post N completions.
It prints records per second, peak RSS (the process's own high-water mark) and, last,
`ratio=<sync time / baseline time at the first size> rss_ratio=<sync peak RSS at the last
size / at the first size>`. Figures, not assertions: tests never time anything.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).resolve().parents[1]
BULK_SINCE = "2026-11-21T00:00:00Z"  # bulk runs end after this; the demo factory's before it
PAGE_SIZE = 200
CONCURRENCY = 5
PROFILE_VARIABLE = "ION_SYNC_BENCH_PROFILE"  # a file: the sync child runs under cProfile and writes its stats there
T = TypeVar("T")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def profiled(work: Awaitable[T]) -> T:
    """`work`, under cProfile when PROFILE_VARIABLE names a file (its stats are written there):
    where the child's CPU goes."""
    path = os.environ.get(PROFILE_VARIABLE)
    if not path:
        return await work
    profile = cProfile.Profile()
    profile.enable()
    try:
        return await work
    finally:
        profile.disable()
        profile.dump_stats(path)


def print_profile(path: Path, top: int = 25) -> None:
    """The `top` functions by own CPU time, then by cumulative time, from a child's cProfile stats."""
    for order in ("tottime", "cumulative"):
        print(f"  profile {path.name}, top {top} by {order}:")
        pstats.Stats(str(path), stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(top)


async def ion_access_token(ion: httpx.AsyncClient) -> str:
    """A floor's ION token: the client-credentials grant, by hand."""
    env = os.environ
    data = {"grant_type": "client_credentials", "client_id": env["ION_CLIENT_ID"], "client_secret": env["ION_CLIENT_SECRET"]}
    token: str = (await ion.post(env["ION_AUTH_URL"], data=data)).json()["access_token"]
    return token


async def netsuite_access_token(ns: httpx.AsyncClient) -> str:
    """A floor's NetSuite token: the OAuth 2.0 client-credentials (M2M) grant with a signed assertion, by hand."""
    import jwt

    env = os.environ
    token_url = f"{env['NETSUITE_BASE_URL']}/services/rest/auth/oauth2/v1/token"
    now = int(time.time())
    assertion = jwt.encode(
        {"iss": env["NETSUITE_CLIENT_ID"], "scope": ["rest_webservices"], "aud": token_url, "iat": now, "exp": now + 300},
        Path(env["NETSUITE_PRIVATE_KEY_PATH"]).read_text(),
        algorithm="ES256",
        headers={"kid": env["NETSUITE_CERTIFICATE_ID"]},
    )
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    token: str = (await ns.post(token_url, data=data)).json()["access_token"]
    return token


# -- the two children -----------------------------------------------------------------------


def child_sync() -> dict[str, Any]:
    from prefect.client.orchestration import get_client

    from core.reporting import SyncSummary
    from flows.consumption_sync import consumption_sync

    async def main() -> dict[str, Any]:
        started = time.perf_counter()
        async with get_client() as client:
            await client.hello()  # start the ephemeral Prefect API before timing the sync
        api_seconds = time.perf_counter() - started
        started, cpu = time.perf_counter(), cpu_seconds()
        state = await profiled(consumption_sync(since=BULK_SINCE, return_state=True))
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        summary = await state.aresult(raise_on_failure=False)
        posted = summary.posted if isinstance(summary, SyncSummary) else 0  # a failed run posts nothing to measure
        return {"seconds": seconds, "cpu": cpu, "api_start_seconds": api_seconds, "posted": posted, "state": state.name}

    return asyncio.run(main())


def child_baseline() -> dict[str, Any]:
    """The same requests, hand-rolled: tokens, Relay pages, SuiteQL lookups, transforms."""
    env = os.environ
    query = (ROOT / "connectors/ion/queries/completed_runs.graphql").read_text()
    attribute = "NetSuite Work Order"
    locations = {2: "1", 3: "1", 4: "1", 1: "1", 11: "2", 12: "2", 10: "2"}

    async def main() -> dict[str, Any]:
        started, cpu = time.perf_counter(), cpu_seconds()
        async with (
            httpx.AsyncClient(timeout=60) as ion,
            httpx.AsyncClient(
                base_url=env["NETSUITE_BASE_URL"], timeout=60, limits=httpx.Limits(max_connections=CONCURRENCY)
            ) as ns,
        ):
            tokens = {"ion": await ion_access_token(ion)}
            ns_token = await netsuite_access_token(ns)
            ns.headers["Authorization"] = f"Bearer {ns_token}"
            slots = asyncio.Semaphore(CONCURRENCY)

            async def suiteql(q: str, params: list[str]) -> list[dict[str, Any]]:
                async with slots:
                    response = await ns.post(
                        "/services/rest/query/v1/suiteql",
                        params={"limit": 1000, "offset": 0},
                        json={"q": q, "params": params},
                        headers={"Prefer": "transient"},
                    )
                return response.json()["items"]

            async def post(wo_id: str, body: dict[str, Any]) -> None:
                async with slots:
                    response = await ns.post(
                        f"/services/rest/record/v1/workOrder/{wo_id}/!transform/workOrderCompletion?replace=component", json=body
                    )
                response.raise_for_status()

            items: dict[str, str] = {}

            async def fetch_and_plan(after: str | None) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
                """One Relay page, its SuiteQL lookups and its bodies: what the sync's plan task does."""
                variables = {
                    "filters": {"status": {"eq": "COMPLETE"}, "endTime": {"gte": BULK_SINCE}},
                    "first": PAGE_SIZE,
                    "after": after,
                }
                # As the sync's client: retry a keep-alive connection the server closed while pages
                # posted, and fetch a new token when ION says the old one expired (a slow machine).
                for attempt in range(3):
                    try:
                        response = await ion.post(
                            f"{env['ION_API_URL']}/graphql",
                            headers={"Authorization": f"Bearer {tokens['ion']}"},
                            json={"query": query, "variables": variables},
                        )
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                        continue
                    if response.status_code != 401:
                        break
                    tokens["ion"] = await ion_access_token(ion)
                page = response.json()["data"]["runs"]
                runs = [edge["node"] for edge in page["edges"]]
                names = {r["partInventory"]["part"]["partNumber"] for r in runs} | {
                    i["partInventory"]["part"]["partNumber"]
                    for r in runs
                    for b in r["partInventory"]["buildRequirements"]
                    for i in b["abomInstallations"]
                }
                unknown = sorted(names - items.keys())
                if unknown:
                    rows = await suiteql(
                        f"SELECT id, itemid FROM item WHERE itemid IN ({', '.join('?' * len(unknown))})", unknown
                    )
                    items.update({row["itemid"]: row["id"] for row in rows})
                numbers = sorted({next(a["value"] for a in r["attributes"] if a["key"] == attribute) for r in runs})
                rows = await suiteql(
                    "SELECT t.id, t.tranid, t.status, tl.item FROM transaction t JOIN transactionline tl ON tl.transaction = t.id "
                    f"AND tl.mainline = 'T' WHERE t.type = 'WorkOrd' AND t.tranid IN ({', '.join('?' * len(numbers))})",
                    numbers,
                )
                work_orders = {row["tranid"]: row["id"] for row in rows}
                bodies = []
                for run in runs:
                    produced = run["partInventory"]
                    lines: dict[tuple[str, str], float] = {}
                    for requirement in produced["buildRequirements"]:
                        for inst in requirement["abomInstallations"]:
                            key = (
                                items[inst["partInventory"]["part"]["partNumber"]],
                                locations[inst["partInventory"]["location"]["id"]],
                            )
                            lines[key] = (
                                lines.get(key, 0) + produced["quantity"] * inst["quantityInstalledPerParentPartInventory"]
                            )
                    body = {
                        "externalId": f"ion-run-{run['id']}-completion",
                        "tranDate": run["endTime"][:10],
                        "quantity": produced["quantity"],
                        "completedQuantity": produced["quantity"],
                        "isBackflush": True,
                        "location": {"id": locations[produced["location"]["id"]]},
                        "component": {
                            "items": [
                                {
                                    "item": {"id": item},
                                    "quantity": round(q, 6),
                                    "componentInventoryDetail": {"location": {"id": loc}, "quantity": round(q, 6)},
                                }
                                for (item, loc), q in lines.items()
                            ]
                        },
                    }
                    wo = next(a["value"] for a in run["attributes"] if a["key"] == attribute)
                    bodies.append((work_orders[wo], body))
                return page, bodies

            # One page of look-ahead, as the sync: the next page is read and planned while this one posts.
            posted = 0
            ahead: asyncio.Future[Any] | None = asyncio.ensure_future(fetch_and_plan(None))
            while ahead is not None:
                page, bodies = await ahead
                more = page["pageInfo"]["hasNextPage"]
                ahead = asyncio.ensure_future(fetch_and_plan(page["pageInfo"]["endCursor"])) if more else None
                await asyncio.gather(*(post(wo, body) for wo, body in bodies))
                posted += len(bodies)
        return {"seconds": time.perf_counter() - started, "cpu": cpu_seconds() - cpu, "posted": posted}

    return asyncio.run(main())


# -- the driver -----------------------------------------------------------------------------


def child_simulator(system: str, workdir: Path) -> None:
    """One simulator in this process (ION and NetSuite are separate services: separate
    processes, so neither steals the other's interpreter lock)."""
    from sandbox import ion, netsuite
    from sandbox.server import start

    if system == "ion":
        app = ion.create_app(ion.IonSimConfig(database=str(workdir / "ion.db")))
    else:
        app = netsuite.create_app(
            netsuite.NetSuiteSimConfig(
                database=str(workdir / "netsuite.db"), oauth2_public_key_pem=(workdir / "public.pem").read_text()
            )
        )
    print(start(app).url, flush=True)
    signal.pause()


def start_simulators(workdir: Path) -> tuple[list[subprocess.Popen[str]], dict[str, str]]:
    """Both simulators, each in its own process, and the environment pointing ion-sync at them."""
    from ion_sync.sandbox import SANDBOX_MAPPINGS, netsuite_key_pair
    from sandbox import ion, netsuite

    workdir.mkdir(parents=True, exist_ok=True)
    key_path, public_pem = netsuite_key_pair(workdir)
    (workdir / "public.pem").write_text(public_pem)
    processes, urls = [], {}
    for system in ("ion", "netsuite"):
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", f"sim-{system}", "--workdir", str(workdir)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert process.stdout is not None
        urls[system] = process.stdout.readline().strip()
        processes.append(process)
    ion_defaults, ns_defaults = ion.IonSimConfig(), netsuite.NetSuiteSimConfig()
    env = {
        "ION_API_URL": urls["ion"],
        "ION_AUTH_URL": f"{urls['ion']}/realms/api-keys/protocol/openid-connect/token",
        "ION_CLIENT_ID": ion_defaults.client_id,
        "ION_CLIENT_SECRET": ion_defaults.client_secret,
        "NETSUITE_ACCOUNT_ID": ns_defaults.account_id,
        "NETSUITE_BASE_URL": urls["netsuite"],
        "NETSUITE_CLIENT_ID": ns_defaults.oauth2_client_id,
        "NETSUITE_CERTIFICATE_ID": ns_defaults.oauth2_certificate_id,
        "NETSUITE_PRIVATE_KEY_PATH": str(key_path),
        "NETSUITE_JWT_ALGORITHM": "ES256",
        "ION_SYNC_CONFIG": str(SANDBOX_MAPPINGS),
    }
    return processes, env


def admin(url: str, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{url}/_sandbox/{path}", json=body, timeout=600)
    response.raise_for_status()
    return response.json()


def run_child(
    kind: str, env: dict[str, str], workdir: Path, *, script: str = __file__, profile: Path | None = None
) -> dict[str, Any]:
    """`script --child kind` in a fresh process; `env` overrides the defaults set here;
    `profile`: run it under cProfile, print its top entries."""
    child_env = {
        **os.environ,
        "ION_PAGE_SIZE": str(PAGE_SIZE),
        "NETSUITE_CONCURRENCY": str(CONCURRENCY),
        **env,
        "ION_SYNC_DATABASE_URL": f"sqlite:///{workdir / f'ledger-{kind}-{time.time_ns()}.db'}",
        "ION_SYNC_REPORTS_DIR": str(workdir / "reports"),
        "PREFECT_HOME": str(workdir / f"prefect-{time.time_ns()}"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # the embedded API takes 10-20 s to start here, more under load; Prefect's default wait is 20 s
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
    }
    child_env.pop("PREFECT_API_URL", None)
    if profile:
        child_env[PROFILE_VARIABLE] = str(profile)
    output = subprocess.run(
        [sys.executable, script, "--child", kind], env=child_env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    lines = [line for line in output.stdout.splitlines() if line.startswith("{")]
    if output.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} child failed:\n{output.stdout[-3000:]}\n{output.stderr[-3000:]}")
    if profile:
        print_profile(profile)
    return json.loads(lines[-1])


def measure(size: int, installations: int, workdir: Path, profile: Path | None) -> dict[str, Any]:
    simulators, env = start_simulators(workdir / f"sandbox-{size}")
    try:
        ion_url, ns_url = env["ION_API_URL"], env["NETSUITE_BASE_URL"]
        admin(ns_url, "PUT", "faults", {"concurrency_limit": None})
        started = time.perf_counter()
        admin(ion_url, "POST", "seed/bulk-runs", {"count": size, "installations_per_run": installations, "first_run_id": 100000})
        admin(ns_url, "POST", "seed/bulk-work-orders", {"count": size})
        print(f"  seeded {size:,} runs × {installations} installations in {time.perf_counter() - started:.1f} s", flush=True)
        sync = run_child("sync", env, workdir, profile=profile and profile / f"consumption-sync-{size}.prof")
        print(
            f"  sync:     {sync['seconds']:8.1f} s  {size / sync['seconds']:8.0f} runs/s  peak RSS {sync['rss_mb']:.0f} MB"
            f"  CPU {sync['cpu']:.1f} s = {sync['cpu'] / size * 1000:.2f} s per 1,000 runs  (posted {sync['posted']:,}; Prefect API start {sync['api_start_seconds']:.1f} s, not counted)",
            flush=True,
        )
        admin(ns_url, "POST", "reset")
        admin(ns_url, "PUT", "faults", {"concurrency_limit": None})
        admin(ns_url, "POST", "seed/bulk-work-orders", {"count": size})
        baseline = run_child("baseline", env, workdir)
        print(
            f"  baseline: {baseline['seconds']:8.1f} s  {size / baseline['seconds']:8.0f} runs/s  peak RSS {baseline['rss_mb']:.0f} MB"
            f"  CPU {baseline['cpu']:.1f} s = {baseline['cpu'] / size * 1000:.2f} s per 1,000 runs  (posted {baseline['posted']:,})",
            flush=True,
        )
        if sync["posted"] != size or baseline["posted"] != size:
            raise RuntimeError(f"expected {size} completions each; sync {sync['posted']}, baseline {baseline['posted']}")
        return {"size": size, "sync": sync, "baseline": baseline}
    finally:
        for process in simulators:
            process.terminate()
            process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--installations", type=int, default=20)
    parser.add_argument("--profile", type=Path, help="a directory: profile the sync (cProfile) and print its top entries")
    parser.add_argument("--child", choices=["sync", "baseline", "sim-ion", "sim-netsuite"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child and args.child.startswith("sim-"):
        child_simulator(args.child.removeprefix("sim-"), args.workdir)
        return
    if args.child:
        result = child_sync() if args.child == "sync" else child_baseline()
        print(json.dumps({**result, "rss_mb": peak_rss_mb()}))
        return
    print(f"consumption benchmark: page size {PAGE_SIZE}, NetSuite concurrency {CONCURRENCY}, zero latency, no faults")
    results = []
    with tempfile.TemporaryDirectory(prefix="ion-sync-bench-") as tmp:
        for size in args.sizes:
            print(f"N={size:,}", flush=True)
            results.append(measure(size, args.installations, Path(tmp), args.profile))
    first, last = results[0], results[-1]
    for r in results:
        print(
            f"N={r['size']:,}: sync/baseline time {r['sync']['seconds'] / r['baseline']['seconds']:.2f}, "
            f"CPU {r['sync']['cpu'] / r['baseline']['cpu']:.2f}, sync RSS {r['sync']['rss_mb']:.0f} MB vs baseline {r['baseline']['rss_mb']:.0f} MB"
        )
    print(
        f"ratio={first['sync']['seconds'] / first['baseline']['seconds']:.2f} "
        f"rss_ratio={last['sync']['rss_mb'] / first['sync']['rss_mb']:.2f} "
        f"cpu_ratio={first['sync']['cpu'] / first['baseline']['cpu']:.2f}"
    )


if __name__ == "__main__":
    main()
