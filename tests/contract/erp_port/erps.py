"""Every ERP adapter the ERP-port contract suites run against: one `Erp` entry per ERP in `ERPS`.

Each test of this folder gets the fixture `erp` (conftest.py), an `ErpSession`: the ERP's
adapter open on a fresh simulator of that ERP seeded with the demo (served from this process:
no Prefect, no subprocess), every request it sends recorded, and `books`, the ERP's back door
(its simulator's admin routes, never the adapter) for what a test arranges or reads back. A
suite asks the adapter for its capability (`erp.require("completions")`); an ERP without it
skips that suite, and `test_matching.py::test_an_erp_without_matching_says_so` shows how the
refusal reads.

Adding an ERP (e.g. Business Central) is one entry:
1. A subclass of `ErpBooks` answering, from the simulator's admin routes, what the suites of the
   capabilities its adapter has ask (`on_hand` for inventory, `documents` for matching,
   `landed` and `drop_answers` for completions and receipts, `edit_po` for purchase orders,
   `entries`/`hours` for time entries), and naming the demo records the suites use (`open_po`…).
2. An `open` function: an async context manager that serves the simulator on loopback
   (`sandbox.server.serving`: a lost answer must be a lost connection, as in production),
   opens the adapter on it through a `Recorder`, with the
   sandbox mappings (`environment(...)`) and small pages (`PAGE_SIZE`), and yields
   `ErpSession(adapter, books, recorder.sent)`.
3. `Erp("business-central", open_business_central)` appended to `ERPS` (the name is its
   ION_SYNC_ERP value and the test id). Every suite then runs against it; test_registry.py fails
   while an ERP of `tasks.erp.ADAPTERS` has no entry here.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.ion import IonSettings
from connectors.netsuite import NetSuiteClient
from connectors.quickbooks import QuickBooksClient, QuickBooksSettings
from core.config import AppSettings, ErpName, load_mappings
from core.environment import Environment
from erp.netsuite.adapter import netsuite_adapter
from erp.netsuite.consumption import external_id as completion_external_id
from erp.netsuite.labor import TIME_BILL
from erp.netsuite.receipts import external_id as receipt_external_id
from erp.port import ErpAdapter
from erp.quickbooks.adapter import quickbooks_adapter
from erp.quickbooks.setup import LedgerTokenStore
from ledger import Ledger
from sandbox.netsuite import NetSuiteSimConfig
from sandbox.netsuite import create_app as netsuite_app
from sandbox.quickbooks import QuickBooksSimConfig
from sandbox.quickbooks import create_app as quickbooks_app
from sandbox.server import serving
from tests.world import netsuite_tba_settings

ROOT = Path(__file__).resolve().parents[3]
PAGE_SIZE = 2  # small pages, so every suite crosses page boundaries
Books = dict[tuple[str, str | None], float]  # on-hand per (item name, location)
Documents = dict[str, dict[tuple[str, str], float]]  # "receipts"/"bills": quantity per (PO number, line)


@dataclass(frozen=True)
class Landed:
    """One record the ERP holds: quantity per item name (consumed by a completion, received by a receipt)."""

    quantities: dict[str, float]


class Recorder(httpx.AsyncBaseTransport):
    """The simulator's transport, keeping every request the adapter's client sends."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class ErpBooks:
    """What the suites know of an ERP beyond the port: its demo records and a back door to its
    simulator. An ERP overrides what the suites of its adapter's capabilities use; the rest
    says it is missing."""

    open_po = ""  # the number of a PO the ERP still expects receipts against
    closed_po = ""  # the number of a closed PO
    unknown_vendor = ""  # a vendor id the ERP does not have
    employee = ""  # an active employee the mappings name
    work_order = ""  # an open work order's number

    def is_read(self, request: httpx.Request) -> bool:
        """A request that cannot change the ERP's books."""
        return request.method == "GET"

    async def on_hand(self) -> Books:
        raise NotImplementedError("on_hand: the inventory suite needs it")

    async def documents(self) -> Documents:
        """Arrange receipts and bills on the ERP's POs besides the demo's; what the ERP then holds."""
        raise NotImplementedError("documents: the matching suite needs it")

    async def landed(self, kind: str, key: str) -> list[Landed]:
        """What landed for ledger key `key` of kind "completion" or "receipt"."""
        raise NotImplementedError("landed: the completion and receipt suites need it")

    async def drop_answers(self, on: bool) -> None:
        """On: every write commits in the ERP and its answer is lost."""
        raise NotImplementedError("drop_answers: the completion and receipt suites need it")

    async def edit_po(self, erp_id: str) -> None:
        """Change the PO as a buyer would (its version changes)."""
        raise NotImplementedError("edit_po: the purchase-order suite needs it")

    async def hours(self, target_id: str) -> str:
        """The hours the ERP holds on time entry `target_id`, as H:MM."""
        raise NotImplementedError("hours: the time-entry suite needs it")

    async def entries(self, key: str) -> int:
        """How many time entries the ERP holds for ledger key `key`."""
        raise NotImplementedError("entries: the time-entry suite needs it")


@dataclass
class ErpSession:
    """One ERP's adapter, open on a fresh simulator of it, as a test sees it."""

    adapter: ErpAdapter
    books: ErpBooks
    sent: list[httpx.Request] = field(default_factory=list)  # every request the adapter sent

    def require(self, capability: str) -> Any:
        """The adapter's capability (a port attribute: "completions", "matching"…); the test is
        skipped for an ERP without it."""
        found = getattr(self.adapter, capability)
        if found is None:
            pytest.skip(f"{self.adapter.name} has no {capability} capability")
        return found


@dataclass(frozen=True)
class Erp:
    name: str  # its ION_SYNC_ERP value; the test id
    open: Callable[[], AbstractAsyncContextManager[ErpSession]]


def environment(erp: ErpName = "netsuite", **systems: Any) -> Environment:
    """The adapter's environment: the ERP the flows name, the sandbox mappings (the demo's), `systems`' settings."""
    ion = IonSettings(api_url="https://ion.test/graphql", auth_url="https://ion.test/token", client_id="c", client_secret="s")
    mappings = load_mappings(ROOT / "config" / "sandbox.yaml")
    return Environment(app=AppSettings(), mappings=mappings, ion=ion, systems=systems, erp=erp)


def totals(rows: list[tuple[str, str | None, float]]) -> Books:
    books: Books = {}
    for item, location, quantity in rows:
        books[(item, location)] = books.get((item, location), 0) + quantity
    return books


# -- NetSuite ---------------------------------------------------------------------------------------


@dataclass
class NetSuiteBooks(ErpBooks):
    client: NetSuiteClient
    admin: httpx.AsyncClient  # the simulator's admin routes
    open_po = "PO5001"
    closed_po = "PO5004"
    unknown_vendor = "999"
    employee = "401"
    work_order = "WO1001"

    def is_read(self, request: httpx.Request) -> bool:
        return request.method == "GET" or request.url.path.endswith("/suiteql")

    async def records(self, record_type: str) -> list[dict[str, Any]]:
        return list((await self.admin.get(f"/_sandbox/records/{record_type}")).json()["items"])

    async def on_hand(self) -> Books:
        items = (await self.admin.get("/_sandbox/inventory")).json()["items"]
        return totals([(r["itemId"], r["location"], r["quantityOnHand"]) for r in items])

    async def documents(self) -> Documents:
        """A partial item receipt of PO5002 (seeded: 1502), as NetSuite users make them; PO5001's bill is seeded."""
        lot = {"inventoryAssignment": {"items": [{"receiptInventoryNumber": "L-1", "quantity": 30}]}}
        lines = [{"orderLine": 1, "quantity": 30, "inventoryDetail": lot}, {"orderLine": 2, "quantity": 15}]
        body = {"externalId": "erp-port-receipt", "item": {"items": lines}}
        await self.client.transform_once(
            "purchaseOrder", "1502", "itemReceipt", body, external_id="erp-port-receipt", check_first=False
        )
        return {"receipts": {("PO5002", "1"): 30, ("PO5002", "2"): 15}, "bills": {("PO5001", "1"): 100}}

    async def landed(self, kind: str, key: str) -> list[Landed]:
        record_type, lines, external_id, item = {
            "completion": ("workOrderCompletion", "component", completion_external_id, lambda line: line["item"]["refName"]),
            "receipt": ("itemReceipt", "item", receipt_external_id, lambda line: line["itemName"]),
        }[kind]
        found = []
        for record in await self.records(record_type):
            if record.get("externalId") == external_id(key):
                quantities: dict[str, float] = {}
                for line in record.get(lines, {}).get("items", []):
                    name = str(item(line))
                    quantities[name] = round(quantities.get(name, 0.0) + float(line["quantity"]), 6)
                found.append(Landed(quantities))
        return found

    async def drop_answers(self, on: bool) -> None:
        faults = {"concurrency_limit": 5, **({"drop_after_commit_rate": 1.0} if on else {})}
        (await self.admin.put("/_sandbox/faults", json=faults)).raise_for_status()

    async def edit_po(self, erp_id: str) -> None:
        await self.client._send("PATCH", f"/services/rest/record/v1/purchaseOrder/{erp_id}", write=True, json={"memo": "edited"})

    async def hours(self, target_id: str) -> str:
        record = await self.client.get(TIME_BILL, target_id)
        assert record is not None, f"no time bill {target_id}"
        return str(record["hours"])

    async def entries(self, key: str) -> int:
        return sum(1 for r in await self.records(TIME_BILL) if r.get("externalId") == completion_external_id(key))


@asynccontextmanager
async def open_netsuite() -> AsyncIterator[ErpSession]:
    with serving(netsuite_app(NetSuiteSimConfig(seed_purchasing=True))) as running:
        recorder = Recorder(httpx.AsyncHTTPTransport())
        # one try per request (netsuite_tba_settings), so a lost answer is the writer's to handle, not the client's retry
        settings = netsuite_tba_settings(running.url).model_copy(update={"suiteql_page_size": PAGE_SIZE})
        async with NetSuiteClient(settings, transport=recorder) as client, httpx.AsyncClient(base_url=running.url) as admin:
            books = NetSuiteBooks(client, admin)
            yield ErpSession(netsuite_adapter(client, environment("netsuite", netsuite=settings)), books, recorder.sent)


# -- QuickBooks (inventory only) --------------------------------------------------------------------


@dataclass
class QuickBooksBooks(ErpBooks):
    url: str

    def is_read(self, request: httpx.Request) -> bool:
        return request.method == "GET" or request.url.path.endswith("/query")

    async def on_hand(self) -> Books:
        async with httpx.AsyncClient(base_url=self.url) as admin:
            items = (await admin.get("/_sandbox/entities/Item")).json()["items"]
        return totals([(r["Name"], None, r["QtyOnHand"]) for r in items if r["Type"] == "Inventory"])


@asynccontextmanager
async def open_quickbooks() -> AsyncIterator[ErpSession]:
    # served on loopback: the client refreshes its token with a synchronous request. Throttling has
    # its own tests (test_sandbox_quickbooks, test_connectors): here stocking, then reading, in one
    # second would wait out a 429 minute.
    config = QuickBooksSimConfig(requests_per_second=100)
    with serving(quickbooks_app(config)) as running, tempfile.TemporaryDirectory() as home:
        settings = QuickBooksSettings(
            realm_id=config.realm_id,
            client_id=config.client_id,
            client_secret=config.client_secret,
            refresh_token=config.initial_refresh_token,
            base_url=running.url,
            token_url=f"{running.url}/oauth2/v1/tokens/bearer",
            page_size=PAGE_SIZE,
        )
        recorder = Recorder(httpx.AsyncHTTPTransport())
        tokens = LedgerTokenStore(Ledger(f"sqlite:///{home}/ledger.db"), settings.credential_name)
        async with QuickBooksClient(settings, tokens, transport=recorder) as client:
            # inventory items with stock besides the demo's (A8's create body, accounts as the demo item's)
            demo = (await client.query_all("Item"))[0]
            accounts = {key: demo[key] for key in ("IncomeAccountRef", "AssetAccountRef", "ExpenseAccountRef")}
            for name, quantity in (("COMP-300 Rev A", 12), ("RES-10 Rev B", 7.5), ("MOD-20 Rev A", 0)):
                body = {"Name": name, "Type": "Inventory", "TrackQtyOnHand": True, "QtyOnHand": quantity, **accounts}
                await client.save("Item", {**body, "InvStartDate": "2026-01-01"}, requestid=f"erp-port-{name}")
            recorder.sent.clear()
            adapter = quickbooks_adapter(client, environment(quickbooks=settings))
            yield ErpSession(adapter, QuickBooksBooks(running.url), recorder.sent)


ERPS = [Erp("netsuite", open_netsuite), Erp("quickbooks", open_quickbooks)]
