"""Benchmark: consumption-sync end to end vs a plain-httpx baseline, at 10,000 and 100,000 runs.

    .venv/bin/python benchmarks/consumption.py [--sizes 10000 100000] [--installations 20] [--rounds 3]

For each size N it starts the two simulators, each in its own process (zero latency, no
faults, no NetSuite concurrency limit), seeds N completed runs with `--installations` aBOM installations each
(and their N NetSuite work orders), then times, each in a fresh process:

- sync: the `consumption-sync` flow (a Prefect task run per page, pydantic, the ledger
  on a fresh SQLite file), with the Prefect API already started (its start-up is printed apart);
- baseline: the same HTTP reads and writes with plain httpx and asyncio, at the same page
  size and the same NetSuite concurrency, with no orchestration, no validation, no ledger.

Before each child the NetSuite simulator is reset and re-seeded, so each posts N completions.
At the first size the children run in `--rounds` rounds of two, back to back, sync first in
odd rounds and baseline first in even ones: this 2-core machine's speed drifts by 10-20 %
within minutes (the same simulator work took 18.8-24.9 s of CPU in consecutive runs), so one
pair can say 1.0 or 1.3 of the same code. Each round's ratios are printed; a size's ratio is
their median. Larger sizes run one round each (they are there for memory).
It prints records per second, peak RSS (the process's own high-water mark), the CPU each child
made the other processes spend (each simulator; the sync's Prefect API, a process of its own)
and the requests it made of each simulator (their stats): on two cores and at zero latency the
wall time follows the CPU of every process, not the child's alone. Last,
`ratio=<sync time / baseline time at the first size, the rounds' median> rss_ratio=<sync peak
RSS at the last size / at the first size> cpu_ratio=<sync CPU / baseline CPU at the first size,
the rounds' median>`. Figures, not assertions: tests never time anything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    BULK_SINCE,
    CONCURRENCY,
    PAGE_SIZE,
    ROOT,
    admin,
    cpu_seconds,
    ion_access_token,
    netsuite_access_token,
    peak_rss_mb,
    process_cpu_seconds,
    run_child,
    start_simulators,
    stop_simulators,
    timed_flow,
)

# -- the two children -----------------------------------------------------------------------


def child_sync() -> dict[str, Any]:
    from core.reporting import SyncSummary
    from flows.consumption_sync import consumption_sync

    figures, summary = timed_flow(lambda: consumption_sync(since=BULK_SINCE, return_state=True))
    posted = summary.posted if isinstance(summary, SyncSummary) else 0  # a failed run posts nothing to measure
    return {**figures, "posted": posted}


def child_baseline() -> dict[str, Any]:
    """The same requests, hand-rolled: tokens, Relay pages, SuiteQL lookups, transforms."""
    from connectors.ion.settings import IonSettings
    from erp.netsuite.references import SUITEQL_IN_CHUNK

    env = os.environ
    query = (ROOT / "connectors/ion/queries/completed_runs.graphql").read_text()
    attribute = "NetSuite Work Order"
    settings = IonSettings()  # the sync's page and step, from the same environment
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

            async def fetch_page(after: str | None) -> dict[str, Any]:
                variables = {
                    "filters": {"status": {"eq": "COMPLETE"}, "endTime": {"gte": BULK_SINCE}},
                    "first": settings.page_size,
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
                page: dict[str, Any] = response.json()["data"]["runs"]
                return page

            async def fetch_and_plan(after: str | None) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
                """One step (`pages_per_step` Relay pages, as the sync's `IonClient.read_step`), its
                SuiteQL lookups and its bodies: what the sync's fetch and plan tasks do."""
                pages = [await fetch_page(after)]
                while len(pages) < settings.pages_per_step and pages[-1]["pageInfo"]["hasNextPage"]:
                    pages.append(await fetch_page(pages[-1]["pageInfo"]["endCursor"]))
                page = {"edges": [edge for p in pages for edge in p["edges"]], "pageInfo": pages[-1]["pageInfo"]}
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
                work_orders = {}
                for start in range(0, len(numbers), SUITEQL_IN_CHUNK):  # as the sync: IN lists of at most this many
                    chunk = numbers[start : start + SUITEQL_IN_CHUNK]
                    rows = await suiteql(
                        "SELECT t.id, t.tranid, t.status, tl.item FROM transaction t JOIN transactionline tl ON tl.transaction = t.id "
                        f"AND tl.mainline = 'T' WHERE t.type = 'WorkOrd' AND t.tranid IN ({', '.join('?' * len(chunk))})",
                        chunk,
                    )
                    work_orders.update({row["tranid"]: row["id"] for row in rows})
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

            # As the sync (core.pipeline): one page of look-ahead, the next page read and planned
            # while this one posts, and two pages posting at once through the one `slots`.
            posted = 0
            ahead: asyncio.Future[Any] | None = asyncio.ensure_future(fetch_and_plan(None))
            posting: asyncio.Future[Any] | None = None
            while ahead is not None:
                page, bodies = await ahead
                more = page["pageInfo"]["hasNextPage"]
                ahead = asyncio.ensure_future(fetch_and_plan(page["pageInfo"]["endCursor"])) if more else None
                previous, posting = posting, asyncio.ensure_future(asyncio.gather(*(post(wo, body) for wo, body in bodies)))
                if previous is not None:
                    await previous
                posted += len(bodies)
            if posting is not None:
                await posting
        return {"seconds": time.perf_counter() - started, "cpu": cpu_seconds() - cpu, "posted": posted}

    return asyncio.run(main())


# -- the driver -----------------------------------------------------------------------------


def run_measured(kind: str, simulators: list[Any], env: dict[str, str], workdir: Path, profile: Path | None) -> dict[str, Any]:
    """A child, with the CPU seconds each simulator spent serving it and the requests it made
    of each (the simulators' stats): what the child costs the machine beyond its own CPU."""
    urls = {"ion": env["ION_API_URL"], "netsuite": env["NETSUITE_BASE_URL"]}
    for url in urls.values():
        admin(url, "POST", "stats/reset")
    before = [process_cpu_seconds([p.pid]) for p in simulators]
    result = run_child(kind, env, workdir, script=__file__, profile=profile)
    result["simulator_cpu"] = {
        name: process_cpu_seconds([p.pid]) - cpu for name, p, cpu in zip(urls, simulators, before, strict=True)
    }
    ion, ns = (admin(url, "GET", "stats") for url in urls.values())
    result["requests"] = {
        "ion": {"graphql": ion["graphql_operations"], "tokens": ion["tokens_issued"]},
        "netsuite": {kind: t["count"] for kind, t in ns["timings_ms"].items()} | {"tokens": ns["tokens_issued"]},
    }
    return result


def describe(kind: str, size: int, r: dict[str, Any]) -> str:
    sim = r["simulator_cpu"]
    api = f", Prefect API {r['api_cpu']:.1f} s" if "api_cpu" in r else ""
    return (
        f"  {kind + ':':9} {r['seconds']:8.1f} s  {size / r['seconds']:8.0f} runs/s  peak RSS {r['rss_mb']:.0f} MB"
        f"  CPU {r['cpu']:.1f} s = {r['cpu'] / size * 1000:.2f} s per 1,000 runs  (posted {r['posted']:,})\n"
        f"            other processes' CPU: ION simulator {sim['ion']:.1f} s, NetSuite simulator {sim['netsuite']:.1f} s{api};"
        f" requests {json.dumps(r['requests'], sort_keys=True)}"
    )


def measure(size: int, installations: int, rounds: int, workdir: Path, profile: Path | None) -> dict[str, Any]:
    """Both children at `size`, in `rounds` alternating rounds (sync first, then baseline first):
    each round's ratios, and each kind's highest peak RSS."""
    simulators, env = start_simulators(workdir / f"sandbox-{size}")
    try:
        ion_url, ns_url = env["ION_API_URL"], env["NETSUITE_BASE_URL"]
        started = time.perf_counter()
        admin(ion_url, "POST", "seed/bulk-runs", {"count": size, "installations_per_run": installations, "first_run_id": 100000})
        print(f"  seeded {size:,} runs × {installations} installations in {time.perf_counter() - started:.1f} s", flush=True)
        measured: dict[str, list[dict[str, Any]]] = {"sync": [], "baseline": []}
        for round_ in range(rounds):
            for kind in ("sync", "baseline") if round_ % 2 == 0 else ("baseline", "sync"):
                admin(ns_url, "POST", "reset")
                admin(ns_url, "PUT", "faults", {"concurrency_limit": None})
                admin(ns_url, "POST", "seed/bulk-work-orders", {"count": size})
                profiled = profile / f"consumption-sync-{size}.prof" if profile and kind == "sync" and round_ == 0 else None
                result = run_measured(kind, simulators, env, workdir, profiled)
                if result["posted"] != size:
                    raise RuntimeError(f"expected {size} completions from the {kind}; it posted {result['posted']}")
                start = f"; Prefect API start {result['api_start_seconds']:.1f} s, not counted" if kind == "sync" else ""
                print(f"{describe(kind, size, result)}{start}", flush=True)
                measured[kind].append(result)
        ratios = [round_ratios(s, b) for s, b in zip(measured["sync"], measured["baseline"], strict=True)]
        for number, r in enumerate(ratios, 1):
            print(
                f"  round {number}: sync/baseline time {r['time']:.2f}, CPU {r['cpu']:.2f}, CPU of all processes {r['all']:.2f}"
            )
        return {
            "size": size,
            "rounds": len(ratios),
            "median": {key: statistics.median(r[key] for r in ratios) for key in ("time", "cpu", "all")},
            "rss_mb": {kind: max(r["rss_mb"] for r in results) for kind, results in measured.items()},
        }
    finally:
        stop_simulators(simulators)


def round_ratios(sync: dict[str, Any], baseline: dict[str, Any]) -> dict[str, float]:
    """One round, sync against baseline: wall time, the child's CPU, and every process's CPU
    (the child's, its Prefect API's, the simulators')."""

    def everything(r: dict[str, Any]) -> float:
        return float(r["cpu"] + r.get("api_cpu", 0) + sum(r["simulator_cpu"].values()))

    return {
        "time": sync["seconds"] / baseline["seconds"],
        "cpu": sync["cpu"] / baseline["cpu"],
        "all": everything(sync) / everything(baseline),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--installations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="rounds at the first size (the ratios'); larger sizes run one")
    parser.add_argument("--profile", type=Path, help="a directory: profile the sync (cProfile) and print its top entries")
    parser.add_argument("--child", choices=["sync", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child_sync() if args.child == "sync" else child_baseline()
        print(json.dumps({**result, "rss_mb": peak_rss_mb()}))
        return
    print(
        f"consumption benchmark: page size {PAGE_SIZE}, NetSuite concurrency {CONCURRENCY}, zero latency, no faults,"
        f" {args.rounds} alternating rounds at {args.sizes[0]:,} runs"
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="ion-sync-bench-") as tmp:
        for number, size in enumerate(args.sizes):
            print(f"N={size:,}", flush=True)
            results.append(measure(size, args.installations, args.rounds if number == 0 else 1, Path(tmp), args.profile))
    first, last = results[0], results[-1]
    for r in results:
        median = r["median"]
        print(
            f"N={r['size']:,}, the median of {r['rounds']} round(s): sync/baseline time {median['time']:.2f},"
            f" CPU {median['cpu']:.2f}, CPU of all processes {median['all']:.2f};"
            f" sync peak RSS {r['rss_mb']['sync']:.0f} MB vs baseline {r['rss_mb']['baseline']:.0f} MB"
        )
    print(
        f"ratio={first['median']['time']:.2f} "
        f"rss_ratio={last['rss_mb']['sync'] / first['rss_mb']['sync']:.2f} "
        f"cpu_ratio={first['median']['cpu']:.2f}"
    )


if __name__ == "__main__":
    main()
