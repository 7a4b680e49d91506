"""ERP adapters served by their simulators in this process, for the ERP-port contract suites of
purchase orders and time entries: no Prefect, no subprocess, a fresh simulator per test.

A second ERP plugs in with one entry in ERPS: how to open its adapter against its simulator,
and the few things only that ERP can do for a test (`ErpOps`: its demo data, edit a PO, read back
an entry, count an entry's copies however that ERP tells them apart).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from connectors.business_central import BusinessCentralClient, literal
from connectors.ion import IonSettings
from connectors.netsuite import NetSuiteClient
from connectors.odoo import OdooClient, OdooSettings
from core.config import AppSettings, ErpName, load_mappings
from core.environment import Environment
from erp.business_central.adapter import business_central_adapter
from erp.netsuite.adapter import netsuite_adapter
from erp.netsuite.consumption import external_id
from erp.netsuite.labor import TIME_BILL
from erp.odoo.adapter import odoo_adapter
from erp.odoo.bindings import xmlid_name
from erp.port import ErpAdapter
from erp.port.time_entries import TimeEntry, hours_text
from sandbox.netsuite import NetSuiteSimConfig, create_app
from sandbox.odoo import OdooSimConfig
from sandbox.odoo import create_app as create_odoo_app
from tests.business_central_helpers import InProcessBc
from tests.world import netsuite_tba_settings

ROOT = Path(__file__).resolve().parents[3]


class ErpOps(Protocol):
    """What a test needs from the ERP beyond the port: its demo data and a back door."""

    open_po: str  # the number of a PO the ERP still expects receipts against
    closed_po: str  # the number of a closed PO
    unknown_vendor: str
    employee: str  # an active employee the mappings name
    customer: str  # what a time entry is booked to (NetSuite's customer, BC's job)
    work_order: str  # an open work order's number
    keys_entries: bool  # a time entry carries its ledger key (found again whatever its content)

    async def edit_po(self, erp_id: str) -> None:
        """Change the PO in the ERP as a buyer would (its version changes)."""
        ...

    async def hours(self, target_id: str) -> str:
        """The hours the ERP holds on the time entry `target_id`, as H:MM."""
        ...

    async def entries(self, planned: TimeEntry) -> int:
        """How many time entries the ERP holds for `planned` (its ledger key, where the ERP keeps one)."""
        ...


@dataclass(frozen=True)
class ErpUnderTest:
    name: str
    open: Callable[[], AbstractAsyncContextManager[tuple[ErpAdapter, ErpOps]]]


@dataclass
class NetSuiteOps:
    client: NetSuiteClient
    admin: httpx.AsyncClient
    open_po: str = "PO5001"
    closed_po: str = "PO5004"
    unknown_vendor: str = "999"
    employee: str = "401"
    customer: str = "77"
    work_order: str = "WO1001"
    keys_entries: bool = True

    async def edit_po(self, erp_id: str) -> None:
        await self.client._send("PATCH", f"/services/rest/record/v1/purchaseOrder/{erp_id}", write=True, json={"memo": "edited"})

    async def hours(self, target_id: str) -> str:
        record = await self.client.get(TIME_BILL, target_id)
        assert record is not None, f"no time bill {target_id}"
        return str(record["hours"])

    async def entries(self, planned: TimeEntry) -> int:
        records = (await self.admin.get(f"/_sandbox/records/{TIME_BILL}")).json()["items"]
        return sum(1 for r in records if r.get("externalId") == external_id(planned.key))


def environment(systems: dict[str, Any], erp: ErpName = "netsuite") -> Environment:
    """The sandbox mappings and the given ERP's settings, prepared as `load_environment` prepares
    them (the default ledger's directory exists: writers that attribute documents read it)."""
    app = AppSettings()
    app.prepare()
    ion = IonSettings(api_url="https://ion.test/graphql", auth_url="https://ion.test/token", client_id="c", client_secret="s")
    return Environment(app=app, mappings=load_mappings(ROOT / "config" / "sandbox.yaml"), ion=ion, systems=systems, erp=erp)


@asynccontextmanager
async def netsuite() -> AsyncIterator[tuple[ErpAdapter, ErpOps]]:
    app = create_app(NetSuiteSimConfig(seed_purchasing=True))
    settings = netsuite_tba_settings("https://netsuite.test")
    env = environment({"netsuite": settings})
    transport = httpx.ASGITransport(app=app)
    async with (
        NetSuiteClient(settings, transport=transport) as client,
        httpx.AsyncClient(transport=transport, base_url="https://netsuite.test") as admin,
    ):
        yield netsuite_adapter(client, env), NetSuiteOps(client, admin)


@dataclass
class OdooOps:
    admin: httpx.AsyncClient
    open_po: str = "PO5001"
    closed_po: str = "PO5004"
    unknown_vendor: str = "999"
    employee: str = "401"
    customer: str = "77"
    work_order: str = "WO1001"
    keys_entries: bool = True

    async def call(self, model: str, method: str, **body: Any) -> Any:
        response = await self.admin.post(f"/_sandbox/call/{model}/{method}", json=body)
        response.raise_for_status()
        return response.json()["result"]

    async def edit_po(self, erp_id: str) -> None:
        """A buyer changes the first line's price (what ION copies changes, so its version does)."""
        [line] = await self.call(
            "purchase.order.line", "search_read", domain=[["order_id", "=", int(erp_id)]], fields=["price_unit"], limit=1
        )
        await self.call(
            "purchase.order",
            "write",
            ids=[int(erp_id)],
            vals={"order_line": [[1, line["id"], {"price_unit": line["price_unit"] + 1}]]},
        )

    async def hours(self, target_id: str) -> str:
        [line] = await self.call(
            "account.analytic.line", "search_read", domain=[["id", "=", int(target_id)]], fields=["unit_amount"]
        )
        return hours_text(round(line["unit_amount"] * 60))

    async def entries(self, planned: TimeEntry) -> int:
        name = xmlid_name(planned.key)
        return len(
            await self.call(
                "ir.model.data",
                "search",
                domain=[["module", "=", "ion_sync"], ["name", "=", name], ["model", "=", "account.analytic.line"]],
            )
        )


@asynccontextmanager
async def odoo() -> AsyncIterator[tuple[ErpAdapter, ErpOps]]:
    config = OdooSimConfig()
    transport = httpx.ASGITransport(app=create_odoo_app(config))
    settings = OdooSettings(url="https://odoo.test", api_key=config.api_key, database=config.database)
    env = environment({"odoo": settings}, erp="odoo")
    async with (
        OdooClient(settings, transport=transport) as client,
        httpx.AsyncClient(transport=transport, base_url="https://odoo.test") as admin,
    ):
        yield odoo_adapter(client, env, manufacturing=True), OdooOps(admin)


@dataclass
class BusinessCentralOps:
    client: BusinessCentralClient
    open_po: str = "PO5001"
    closed_po: str = "PO5004"  # fully received
    unknown_vendor: str = "99999"
    employee: str = "E001"
    customer: str = "J00010"
    work_order: str = "WO1001"
    keys_entries: bool = False  # README fact 27: an entry has no field for a key of ours

    async def edit_po(self, erp_id: str) -> None:
        order = await self.client.get(f"purchaseOrders({erp_id})")
        assert order is not None, f"no purchase order {erp_id}"
        await self.client.update(f"purchaseOrders({erp_id})", str(order["@odata.etag"]), {"requestedReceiptDate": "2026-12-15"})

    async def hours(self, target_id: str) -> str:
        entry = await self.client.get(f"timeRegistrationEntries({target_id})")
        assert entry is not None, f"no time registration entry {target_id}"
        return hours_text(round(float(entry["quantity"]) * 60))

    async def entries(self, planned: TimeEntry) -> int:
        """BC's entries carry no key of ours (README fact 27): those of the entry's employee, date
        and job (each test writes one session per employee and date)."""
        query = f"employeeNumber eq {literal(planned.employee)} and date eq {planned.tran_date}"
        rows = await self.client.all("timeRegistrationEntries", **{"$filter": query})
        return sum(1 for r in rows if r["jobNumber"] == planned.customer)


@asynccontextmanager
async def business_central() -> AsyncIterator[tuple[ErpAdapter, ErpOps]]:
    bc = InProcessBc()
    async with bc.client() as client:
        env = environment({"business-central": client.settings}, erp="business-central")
        yield business_central_adapter(client, env), BusinessCentralOps(client)


ERPS = [ErpUnderTest("netsuite", netsuite), ErpUnderTest("odoo", odoo), ErpUnderTest("business-central", business_central)]
