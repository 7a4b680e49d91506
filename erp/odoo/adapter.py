"""Odoo behind the ERP port: every capability of `erp.port`, completions only with the
Manufacturing app (README "Odoo: the third ERP behind the ERP port")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from connectors.odoo import OdooClient
from core.environment import Environment
from erp.odoo.completions import OdooCompletions
from erp.odoo.inventory import OdooInventory
from erp.odoo.matching import OdooMatching
from erp.odoo.preflight import check_locations, installed_apps
from erp.odoo.purchase_orders import OdooPurchaseOrders
from erp.odoo.receipts import OdooReceipts
from erp.odoo.time_entries import OdooTimeEntries
from erp.port import ErpAdapter

NAME = "Odoo"


def odoo_adapter(odoo: OdooClient, env: Environment, *, manufacturing: bool) -> ErpAdapter:
    """Odoo for one flow run, through `odoo` (open while the flow uses the adapter).
    `manufacturing`: the Manufacturing app is installed (else no completions: README)."""
    mappings = env.mappings.erp("odoo")

    async def check() -> None:
        await check_locations(odoo, mappings)

    return ErpAdapter(
        name=NAME,
        concurrency=odoo.settings.concurrency,
        check_mappings=check,
        purchase_orders=OdooPurchaseOrders(odoo, mappings, check),
        receipts=OdooReceipts(odoo, mappings),
        completions=OdooCompletions(odoo, mappings) if manufacturing else None,
        time_entries=OdooTimeEntries(odoo, mappings.labor, has_mrp=manufacturing),
        inventory=OdooInventory(odoo),
        matching=OdooMatching(odoo),
    )


@asynccontextmanager
async def open_odoo(env: Environment) -> AsyncIterator[ErpAdapter]:
    """The Odoo adapter with its client open (tasks.erp's registry entry); asks once which apps are installed."""
    async with OdooClient(env.odoo) as odoo:
        apps = await installed_apps(odoo)
        yield odoo_adapter(odoo, env, manufacturing=apps.get("mrp") == "installed")
