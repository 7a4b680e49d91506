"""Benchmark: inventory-reconciliation end to end vs a plain httpx + pandas floor.

    .venv/bin/python benchmarks/reconciliation.py [--sizes 10000 100000 [1000000]]

For each size N it starts the ION and NetSuite simulators (each in its own process, zero
latency, no faults) and seeds N item-location balances: item BINV-<i> at ION location 2 or 11
(NetSuite locations 1 and 2) with quantity i % 50 + 1; 5% differ by 0.5 in NetSuite, 2% are
only in ION, 2% only in NetSuite, 1% lie at ION location 13, which maps to no NetSuite
location; the rest agree. Then it times, each in a fresh process:

- sync: the `inventory-reconciliation` flow (Prefect tasks, pydantic, the comparison, the CSV,
  the chart and the artifacts), the Prefect API started beforehand and not counted;
- floor: the same pages (ION GraphQL pages of ION_PAGE_SIZE, SuiteQL pages of 1,000, both
  systems read at once as the flow does) with plain httpx, compared with one pandas merge.

It prints per size wall time, CPU, peak RSS and rows per second for both, and the requests
each made to each system; last, exactly `ratio=<sync/floor wall time at the largest size>
rss_ratio=<sync peak RSS at the largest size / at the smallest>`. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    ROOT,
    admin,
    cpu_seconds,
    ion_access_token,
    netsuite_access_token,
    peak_rss_mb,
    run_child,
    start_simulators,
    stop_simulators,
    timed_flow,
)

ION_PAGE_SIZE = 1000  # the ION simulator's cap (ION publishes none: INFERENCE); SuiteQL's is 1,000 (documented)
STATUSES = ["AVAILABLE", "UNAVAILABLE", "KITTED"]


def balances(size: int) -> tuple[list[list[Any]], list[list[Any]]]:
    """ION stock rows [part, quantity, location, status] and NetSuite rows [item, location, quantity]."""
    ion_rows: list[list[Any]] = []
    netsuite_rows: list[list[Any]] = []
    for i in range(1, size + 1):
        item, quantity = f"BINV-{i:07d}", float(i % 50 + 1)
        ion_location, netsuite_location = (2, 1) if i % 2 else (11, 2)
        kind = i % 100
        if kind == 9:  # at ION's unmapped quarantine: NetSuite's line has no ION side
            ion_rows.append([item, quantity, 13, "AVAILABLE"])
            netsuite_rows.append([item, 2, quantity])
        elif kind in (7, 8):
            netsuite_rows.append([item, netsuite_location, quantity])
        elif kind in (5, 6):
            ion_rows.append([item, quantity, ion_location, "AVAILABLE"])
        else:
            ion_rows.append([item, quantity, ion_location, "AVAILABLE"])
            netsuite_rows.append([item, netsuite_location, quantity + (0.5 if kind < 5 else 0.0)])
    return ion_rows, netsuite_rows


# -- the two children -----------------------------------------------------------------------


def child_sync() -> dict[str, Any]:
    from flows.inventory_reconciliation import inventory_reconciliation

    figures, summary = timed_flow(lambda: inventory_reconciliation(return_state=True))
    return {**figures, "lines": getattr(summary, "lines", 0), "differing": getattr(summary, "differing", 0)}


def child_floor() -> dict[str, Any]:
    """The same pages with plain httpx, both systems at once, then one pandas merge."""
    import pandas as pd

    env = os.environ
    ion_query = (ROOT / "connectors/ion/queries/on_hand_inventory.graphql").read_text()
    locations = {1: "1", 2: "1", 3: "1", 4: "1", 10: "2", 11: "2", 12: "2"}  # config/sandbox.yaml
    items = {"BRKT-7": "BRACKET-0007"}  # config/sandbox.yaml: the ION part named otherwise in NetSuite
    suiteql = (
        "SELECT i.itemid AS item, b.item AS item_id, b.location AS location, b.quantityonhand AS quantity "
        "FROM inventorybalance b JOIN item i ON i.id = b.item"
    )
    requests = {"ion": 0, "netsuite": 0}

    async def read_ion() -> pd.DataFrame:
        async with httpx.AsyncClient(timeout=120) as ion:
            token = await ion_access_token(ion)
            parts: list[str] = []
            places: list[int | None] = []
            on_hand: list[float] = []
            after = None
            while True:
                requests["ion"] += 1
                page = (
                    await ion.post(
                        f"{env['ION_API_URL']}/graphql",
                        headers={"Authorization": f"Bearer {token}"},
                        json={
                            "query": ion_query,
                            "variables": {"filters": {"status": {"in": STATUSES}}, "first": ION_PAGE_SIZE, "after": after},
                        },
                    )
                ).json()["data"]["partInventories"]
                for edge in page["edges"]:
                    node = edge["node"]
                    parts.append(node["part"]["partNumber"])
                    places.append(node["location"]["id"] if node["location"] else None)
                    on_hand.append(node["quantity"] - (node["quantityInstalled"] or 0) - (node["quantityScrapped"] or 0))
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
        return pd.DataFrame({"item": parts, "ion_location": places, "ion_quantity": on_hand})

    async def read_netsuite() -> pd.DataFrame:
        async with httpx.AsyncClient(base_url=env["NETSUITE_BASE_URL"], timeout=120) as ns:
            token = await netsuite_access_token(ns)
            items: list[str] = []
            places: list[str] = []
            quantities: list[float] = []
            # SuiteQL pages at most 100,000 rows of one query: past that, start again after the last item read.
            anchor: str | None = None
            while True:
                query = suiteql + (" WHERE b.item >= ?" if anchor else "") + " ORDER BY b.item, b.location"
                rows: list[dict[str, Any]] = []
                offset = 0
                while True:
                    requests["netsuite"] += 1
                    page = (
                        await ns.post(
                            "/services/rest/query/v1/suiteql",
                            params={"limit": 1000, "offset": offset},
                            json={"q": query, "params": [anchor] if anchor else []},
                            headers={"Prefer": "transient", "Authorization": f"Bearer {token}"},
                        )
                    ).json()
                    rows += page["items"]
                    if not page["hasMore"]:
                        break
                    offset += 1000
                full = len(rows) >= 100_000
                if full:  # the last item may go on past the ceiling: read it again from its first row
                    last = str(rows[-1]["item_id"])
                    rows = [row for row in rows if str(row["item_id"]) != last]
                items += [row["item"] for row in rows]
                places += [str(row["location"]) for row in rows]
                quantities += [float(row["quantity"]) for row in rows]
                if not full:
                    break
                anchor = last
        return pd.DataFrame({"item": items, "location": places, "netsuite_quantity": quantities})

    async def main() -> dict[str, Any]:
        started, cpu = time.perf_counter(), cpu_seconds()
        ion, books = await asyncio.gather(read_ion(), read_netsuite())
        ion["location"] = ion["ion_location"].map(locations)
        ion["item"] = ion["item"].replace(items)
        ion = ion.dropna(subset=["location"]).groupby(["item", "location"], as_index=False)["ion_quantity"].sum()
        rows = ion.merge(books, on=["item", "location"], how="outer").fillna({"ion_quantity": 0.0, "netsuite_quantity": 0.0})
        differing = int(((rows["ion_quantity"] - rows["netsuite_quantity"]).abs() > 0.001).sum())
        return {
            "seconds": time.perf_counter() - started,
            "cpu": cpu_seconds() - cpu,
            "lines": len(rows),
            "differing": differing,
            "requests": requests,
        }

    return asyncio.run(main())


# -- the driver -----------------------------------------------------------------------------


def seed(env: dict[str, str], size: int) -> None:
    """Both simulators at once, each in one NDJSON request (one transaction: `sandbox/seed_rows.py`)."""
    ion_rows, netsuite_rows = balances(size)
    seeds = [(env["ION_API_URL"], "seed/bulk-stock", ion_rows), (env["NETSUITE_BASE_URL"], "seed/bulk-balances", netsuite_rows)]
    with ThreadPoolExecutor(len(seeds)) as pool:
        for response in pool.map(lambda seed: seed_rows(*seed), seeds):
            response.raise_for_status()


def seed_rows(url: str, route: str, rows: list[list[Any]]) -> httpx.Response:
    lines = "\n".join(map(json.dumps, rows)).encode()
    return httpx.post(f"{url}/_sandbox/{route}", content=lines, headers={"Content-Type": "application/x-ndjson"}, timeout=1800)


def requests_made(env: dict[str, str]) -> dict[str, int]:
    """API requests each simulator answered since its stats were last reset, then reset them."""
    made = {}
    for system, url in (("ion", env["ION_API_URL"]), ("netsuite", env["NETSUITE_BASE_URL"])):
        made[system] = int(admin(url, "GET", "stats")["requests"])
        admin(url, "POST", "stats/reset")
    return made


def measure(size: int, workdir: Path, profile: Path | None) -> dict[str, Any]:
    simulators, env = start_simulators(workdir / f"sandbox-{size}")
    try:
        started = time.perf_counter()
        seed(env, size)
        print(f"  seeded {size:,} item-location balances in {time.perf_counter() - started:.1f} s", flush=True)
        requests_made(env)
        env = {**env, "ION_PAGE_SIZE": str(ION_PAGE_SIZE)}
        results = {}
        for kind in ("sync", "floor"):
            where = profile / f"inventory-reconciliation-{size}.prof" if profile and kind == "sync" else None
            result = run_child(kind, env, workdir, script=__file__, profile=where)
            result["requests"] = requests_made(env)
            results[kind] = result
            print(
                f"  {kind + ':':6} {result['seconds']:7.1f} s  {result['lines'] / result['seconds']:9,.0f} lines/s  "
                f"CPU {result['cpu']:6.1f} s  peak RSS {result['rss_mb']:5.0f} MB  {result['lines']:,} lines, "
                f"{result['differing']:,} differ  requests ION {result['requests']['ion']:,}, "
                f"NetSuite {result['requests']['netsuite']:,}",
                flush=True,
            )
        return {"size": size, **results}
    finally:
        stop_simulators(simulators)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--profile", type=Path, help="a directory: profile the sync (cProfile) and print its top entries")
    parser.add_argument("--child", choices=["sync", "floor"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child_sync() if args.child == "sync" else child_floor()
        print(json.dumps({**result, "rss_mb": peak_rss_mb()}))
        return
    print(f"reconciliation benchmark: ION pages of {ION_PAGE_SIZE}, SuiteQL pages of 1,000, zero latency, no faults")
    results = []
    with tempfile.TemporaryDirectory(prefix="ion-sync-bench-") as tmp:
        for size in args.sizes:
            print(f"N={size:,}", flush=True)
            results.append(measure(size, Path(tmp), args.profile))
    first, last = results[0], results[-1]
    print(
        f"ratio={last['sync']['seconds'] / last['floor']['seconds']:.2f} "
        f"rss_ratio={last['sync']['rss_mb'] / first['sync']['rss_mb']:.2f}"
    )


if __name__ == "__main__":
    main()
