"""Benchmark: three-way-match end to end vs a plain httpx + pandas floor.

    .venv/bin/python benchmarks/three_way_match.py [--lines 100000]

Starts the ION and NetSuite simulators (each in its own process, zero latency, no faults) and
seeds `--lines` PO lines: NetSuite purchase orders PO-B<n> of 20 lines, 10 ordered per line;
80% of them item-receipted 10 and billed 10, 10% receipted 10 and not billed, 10% receipted
6 and billed 10; ION holds the same purchase orders (join keys in their attributes) with one
receipt of 10 per line. Then it times, each in a fresh process:

- sync: the `three-way-match` flow (Prefect tasks, pydantic, the match, the CSV and the
  artifacts), the Prefect API started beforehand and not counted;
- floor: the same requests with plain httpx (ION pages of ION_PAGE_SIZE purchase orders;
  SuiteQL pages of 1,000 PO lines, past the 100,000-row ceiling the same way, then the item
  receipt and vendor bill lines of 500 POs per query; both systems read at once as the flow
  does), compared with pandas merges.

It prints wall time, CPU, peak RSS, lines per second and requests per system for both; last,
exactly `ratio=<sync/floor wall time> rss_ratio=<sync peak RSS / floor peak RSS>`. Figures,
not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
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
from reconciliation import ION_PAGE_SIZE, requests_made

LINES_PER_PO = 20
ORDERED = 10.0
IN_CHUNK = 500  # POs per item receipt / vendor bill query, as the flow (erp.netsuite.references.SUITEQL_IN_CHUNK)
PO_LINES = (
    "SELECT t.id AS po_id, t.tranid AS po, t.status AS status, t.trandate AS trandate, tl.id AS line, "
    "i.itemid AS item, tl.quantity AS ordered, tl.rate AS ordered_rate, tl.isclosed AS closed "
    "FROM transaction t JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'F' "
    "LEFT JOIN item i ON i.id = tl.item WHERE t.type = 'PurchOrd'"
)


def child_sync() -> dict[str, Any]:
    from flows.three_way_match import three_way_match

    figures, summary = timed_flow(lambda: three_way_match(return_state=True))
    return {**figures, "lines": getattr(summary, "lines", 0), "flagged": getattr(summary, "flagged", 0)}


def child_floor() -> dict[str, Any]:
    import pandas as pd

    env = os.environ
    ion_query = (ROOT / "connectors/ion/queries/match_purchase_orders.graphql").read_text()

    async def read_ion() -> pd.DataFrame:
        rows: list[tuple[str, str | None, float]] = []
        async with httpx.AsyncClient(timeout=300) as ion:
            token = await ion_access_token(ion)
            after = None
            while True:
                page = (
                    await ion.post(
                        f"{env['ION_API_URL']}/graphql",
                        headers={"Authorization": f"Bearer {token}"},
                        json={"query": ion_query, "variables": {"filters": {}, "first": ION_PAGE_SIZE, "after": after}},
                    )
                ).json()["data"]["purchaseOrders"]
                for edge in page["edges"]:
                    order = edge["node"]
                    number = next((a["value"] for a in order["attributes"] if a["key"] == "Netsuite PO Number"), None)
                    if not number:
                        continue
                    for line in order["purchaseOrderLines"]:
                        key = next((a["value"] for a in line["attributes"] if a["key"] == "Netsuite Line Number"), None)
                        rows.append((number, key, sum(item["quantity"] for item in line["receiptItems"])))
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
        return pd.DataFrame(rows, columns=["po", "line", "received_ion"])

    async def read_netsuite() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        async with httpx.AsyncClient(base_url=env["NETSUITE_BASE_URL"], timeout=300) as ns:
            token = await netsuite_access_token(ns)

            async def suiteql(query: str, params: list[str]) -> list[dict[str, Any]]:
                rows: list[dict[str, Any]] = []
                offset = 0
                while True:
                    page = (
                        await ns.post(
                            "/services/rest/query/v1/suiteql",
                            params={"limit": 1000, "offset": offset},
                            json={"q": query, "params": params},
                            headers={"Prefer": "transient", "Authorization": f"Bearer {token}"},
                        )
                    ).json()
                    rows += page["items"]
                    if not page["hasMore"]:
                        return rows
                    offset += 1000

            lines: list[dict[str, Any]] = []
            start: str | None = None
            while True:  # past the 100,000-row ceiling: start again at the last PO reached
                segment = await suiteql(
                    PO_LINES + (" AND t.id >= ?" if start else "") + " ORDER BY t.id, tl.id", [start] if start else []
                )
                full = len(segment) >= 100_000
                if full:
                    start = str(segment[-1]["po_id"])
                    segment = [row for row in segment if str(row["po_id"]) != start]
                lines += segment
                if not full:
                    break
            lines = [row for row in lines if str(row.get("status", "")).rsplit(":", 1)[-1] not in {"P", "A", "C", "H"}]
            po_ids = sorted({str(row["po_id"]) for row in lines})
            documents = []
            for kind in ("ItemRcpt", "VendBill"):
                found: list[dict[str, Any]] = []
                for at in range(0, len(po_ids), IN_CHUNK):
                    chunk = po_ids[at : at + IN_CHUNK]
                    found += await suiteql(
                        "SELECT l.previousdoc AS po_id, l.previousline AS line, tl.quantity AS quantity, tl.foreignamount AS amount "
                        "FROM previoustransactionlinelink l JOIN transactionline tl ON tl.transaction = l.nextdoc AND tl.id = l.nextline "
                        f"WHERE l.nexttype = '{kind}' AND l.previousdoc IN ({', '.join('?' * len(chunk))})",
                        chunk,
                    )
                documents.append(pd.DataFrame(found, columns=["po_id", "line", "quantity", "amount"]))
        return pd.DataFrame(lines), documents[0], documents[1]

    async def main() -> dict[str, Any]:
        started, cpu = time.perf_counter(), cpu_seconds()
        ion, (lines, receipts, bills) = await asyncio.gather(read_ion(), read_netsuite())
        lines = lines.astype({"po_id": str, "line": str})
        lines["ordered"] = pd.to_numeric(lines["ordered"])
        totals = [
            frame.astype({"po_id": str, "line": str})
            .assign(quantity=lambda f: pd.to_numeric(f["quantity"]).abs())
            .groupby(["po_id", "line"], as_index=False)["quantity"]
            .sum()
            .rename(columns={"quantity": name})
            for frame, name in ((receipts, "item_receipted"), (bills, "billed"))
        ]
        ion_received = ion.groupby(["po", "line"], as_index=False)["received_ion"].sum()
        rows = (
            lines.merge(totals[0], on=["po_id", "line"], how="left")
            .merge(totals[1], on=["po_id", "line"], how="left")
            .merge(ion_received, on=["po", "line"], how="left")
            .fillna({"item_receipted": 0.0, "billed": 0.0, "received_ion": 0.0})
        )
        flagged = int(((rows["billed"] > rows["item_receipted"]) | (rows["received_ion"] != rows["item_receipted"])).sum())
        return {"seconds": time.perf_counter() - started, "cpu": cpu_seconds() - cpu, "lines": len(rows), "flagged": flagged}

    return asyncio.run(main())


def seed(env: dict[str, str], lines: int) -> None:
    orders = -(-lines // LINES_PER_PO)
    matched, unbilled = orders * 8 // 10, orders // 10
    batches = [
        (1, matched, ORDERED, ORDERED),
        (1 + matched, unbilled, ORDERED, 0.0),
        (1 + matched + unbilled, orders - matched - unbilled, 6.0, ORDERED),
    ]
    for first, count, received, billed in batches:
        body = {"count": count, "lines_per_po": LINES_PER_PO, "quantity": ORDERED, "first_number": first}
        admin(env["NETSUITE_BASE_URL"], "POST", "seed/bulk-purchase-orders", {**body, "received": received, "billed": billed})
    admin(
        env["ION_API_URL"],
        "POST",
        "seed/bulk-receipts",
        {"purchase_orders": orders, "lines_per_po": LINES_PER_PO, "receipts_per_line": 1, "quantity": ORDERED},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--profile", type=Path, help="a directory: profile the sync (cProfile) and print its top entries")
    parser.add_argument("--child", choices=["sync", "floor"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child_sync() if args.child == "sync" else child_floor()
        print(json.dumps({**result, "rss_mb": peak_rss_mb()}))
        return
    print(f"three-way-match benchmark: {args.lines:,} PO lines, ION pages of {ION_PAGE_SIZE}, SuiteQL pages of 1,000")
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="ion-sync-bench-") as tmp:
        workdir = Path(tmp)
        simulators, env = start_simulators(workdir / "sandbox")
        try:
            started = time.perf_counter()
            seed(env, args.lines)
            print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)
            requests_made(env)
            env = {**env, "ION_PAGE_SIZE": str(ION_PAGE_SIZE)}
            for kind in ("sync", "floor"):
                where = args.profile / f"three-way-match-{args.lines}.prof" if args.profile and kind == "sync" else None
                result = run_child(kind, env, workdir, script=__file__, profile=where)
                result["requests"] = requests_made(env)
                results[kind] = result
                print(
                    f"  {kind + ':':6} {result['seconds']:7.1f} s  {result['lines'] / result['seconds']:9,.0f} lines/s  "
                    f"CPU {result['cpu']:6.1f} s  peak RSS {result['rss_mb']:5.0f} MB  {result['lines']:,} lines, "
                    f"{result['flagged']:,} flagged  requests ION {result['requests']['ion']:,}, "
                    f"NetSuite {result['requests']['netsuite']:,}",
                    flush=True,
                )
        finally:
            stop_simulators(simulators)
    sync, floor = results["sync"], results["floor"]
    print(f"ratio={sync['seconds'] / floor['seconds']:.2f} rss_ratio={sync['rss_mb'] / floor['rss_mb']:.2f}")


if __name__ == "__main__":
    main()
