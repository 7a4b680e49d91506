"""What the performance work relies on, in process and in seconds: SuiteQL reads past the
100,000-row ceiling, the simulators' bulk seeds the benchmarks use, and that every benchmark
script starts (the benchmarks themselves are figures, run by hand: README "Performance")."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import httpx
import pytest

from connectors.netsuite import NetSuiteClient
from erp.netsuite import suiteql
from erp.netsuite.inventory import NetSuiteInventory
from erp.netsuite.matching import NetSuiteMatching
from sandbox.ion import IonSimConfig
from sandbox.ion import create_app as ion_app
from sandbox.ion.store import PART_INVENTORIES, IonStore
from sandbox.netsuite import NetSuiteSimConfig, create_app
from tests.world import netsuite_tba_settings

ROOT = Path(__file__).resolve().parents[1]
CEILING = 7  # rows one query may page, in this test (NetSuite: 100,000)


@pytest.fixture(params=[CEILING, 3], ids=["a page per query", "rows held across pages"])
async def netsuite(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    monkeypatch.setattr(suiteql, "SUITEQL_MAX_RESULTS", CEILING)
    app = create_app(NetSuiteSimConfig(seed_purchasing=True, suiteql_max_results=CEILING, suiteql_max_limit=CEILING))
    settings = netsuite_tba_settings("https://netsuite.test").model_copy(update={"suiteql_page_size": request.param})
    transport = httpx.ASGITransport(app=app)
    async with (
        NetSuiteClient(settings, transport=transport) as client,
        httpx.AsyncClient(transport=transport, base_url="https://netsuite.test/_sandbox") as admin,
    ):
        yield client, admin


async def test_balances_are_read_whole_past_the_suiteql_ceiling(netsuite):
    client, admin = netsuite
    rows = [[f"BINV-{i:03d}", location, float(i)] for i in range(1, 9) for location in (1, 2, 3)]
    seeded = (await admin.post("/seed/bulk-balances", json={"rows": rows})).json()
    assert seeded["balances"] == 24 and seeded["items_created"] == 8
    books = {(r["itemId"], r["location"], r["quantityOnHand"]) for r in (await admin.get("/inventory")).json()["items"]}
    read = [b async for page in NetSuiteInventory(client).balances() for b in page]
    assert len(read) == len(books) > 3 * CEILING  # several segments, every item's rows once
    assert {(b.item, b.location, b.quantity) for b in read} == books


async def test_every_po_line_is_matched_past_the_suiteql_ceiling(netsuite):
    client, admin = netsuite
    body = {"count": 4, "lines_per_po": 3, "quantity": 10, "received": 10, "billed": 4}
    assert (await admin.post("/seed/bulk-purchase-orders", json=body)).json()["created"] == 4
    found = await NetSuiteMatching(client).purchasing(None, None, None, include_closed=True)
    bulk = {line.po_id for line in found.lines if line.po.startswith("PO-B")}
    assert len([line for line in found.lines if line.po_id in bulk]) == 12
    assert len({(line.po_id, line.line) for line in found.lines}) == len(found.lines)  # none twice
    assert sorted({r.quantity for r in found.receipts if r.po_id in bulk}) == [10.0]
    assert sorted({b.quantity for b in found.bills if b.po_id in bulk}) == [4.0]


async def test_the_bulk_stock_seed_creates_on_hand_inventories():
    transport = httpx.ASGITransport(app=ion_app(IonSimConfig(seed_demo=False)))
    async with httpx.AsyncClient(transport=transport, base_url="https://ion.test/_sandbox") as ion:
        rows = [["BINV-1", 5, 2, "AVAILABLE"], ["BINV-2", 3.5, 13, "KITTED"]]
        assert (await ion.post("/seed/bulk-stock", json={"rows": rows})).json()["part_inventories"] == 2
        assert (await ion.post("/seed/bulk-stock", json={"rows": [["x"]]})).status_code == 422


async def test_the_bulk_seeds_take_a_million_rows_as_ndjson_in_one_request():
    """One request, one transaction: a request per chunk reloaded the simulator's catalog each time."""
    ndjson = {"Content-Type": "application/x-ndjson"}
    stock = [["BINV-1", 5, 2, "AVAILABLE"], ["BINV-2", 3.5, 13, "KITTED"], ["BINV-1", 1, 11, "AVAILABLE"]]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=ion_app(IonSimConfig(seed_demo=False))), base_url="https://ion.test/_sandbox"
    ) as ion:
        seeded = await ion.post("/seed/bulk-stock", content="\n".join(map(json.dumps, stock)), headers=ndjson)
        assert seeded.json()["part_inventories"] == 3
        assert (await ion.post("/seed/bulk-stock", content='["x"]', headers=ndjson)).status_code == 422
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(NetSuiteSimConfig())), base_url="https://netsuite.test/_sandbox"
    ) as admin:
        rows = [["BINV-1", 1, 5], ["BINV-2", 2, 3.5], ["BINV-1", 2, 1]]
        seeded = (await admin.post("/seed/bulk-balances", content="\n".join(map(json.dumps, rows)), headers=ndjson)).json()
        assert seeded["balances"] == 3 and seeded["items_created"] == 2
        items = (await admin.get("/inventory")).json()["items"]
        books = {(r["itemId"], str(r["location"]), float(r["quantityOnHand"])) for r in items}
        assert {("BINV-1", "1", 5.0), ("BINV-2", "2", 3.5), ("BINV-1", "2", 1.0)} <= books


def test_ion_pages_read_in_id_order_are_whole_when_stock_is_added_between_them():
    """A page starts after the id the previous one ended on, unless something was written since."""
    store = IonStore(None)
    store.insert_stock([(f"P-{n}", 1.0, 2, None, None, "AVAILABLE") for n in range(10)], "2026-11-21T00:00:00Z")
    where, params = "status = ?", ["AVAILABLE"]

    def ids(offset: int, limit: int) -> list[int]:
        return [row["id"] for row in store.page(PART_INVENTORIES, where, params, "id ASC", offset, limit)]

    first = ids(0, 4)  # a page of 3 and the row that says another follows
    store.insert_stock([("P-0", 1.0, 2, None, None, "UNAVAILABLE")], "2026-11-21T00:00:00Z")
    store.db.execute("UPDATE part_inventories SET status = 'AVAILABLE' WHERE id = ?", (first[0] - 1,))
    every = [row[0] for row in store.db.execute("SELECT id FROM part_inventories WHERE status = ? ORDER BY id", params)]
    assert ids(3, 4) == every[3:7]
    assert ids(6, 4) == every[6:10]  # resumed after the previous window's last id


@pytest.mark.parametrize("script", sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py")))
def test_every_benchmark_loads(script: str):
    """Loaded, not run: a benchmark takes minutes and measures the machine, so no test runs one.
    Every script of benchmarks/, so a new one is covered and a broken import fails here; the
    harness they share has no main (run as a script it is one simulator)."""
    module = runpy.run_path(str(ROOT / "benchmarks" / f"{script}.py"), run_name=f"benchmark_{script}")
    assert module["__doc__"]
    assert script == "harness" or callable(module["main"])
