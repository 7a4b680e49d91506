"""Business Central behind the ERP port: every capability of `erp.port`, through one client
(one request budget) per flow run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from connectors.business_central import BusinessCentralClient
from core.config import ErpName, erp_integration
from core.environment import Environment
from erp.business_central.completions import BusinessCentralCompletions
from erp.business_central.inventory import BusinessCentralInventory
from erp.business_central.matching import BusinessCentralMatching
from erp.business_central.purchase_order_source import BusinessCentralPurchaseOrders
from erp.business_central.receipts import BusinessCentralReceipts
from erp.business_central.references import BcReferences
from erp.business_central.time_entries import BusinessCentralTimeEntries
from erp.port import ErpAdapter
from erp.port.completions import INTEGRATION as CONSUMPTION
from erp.port.receipts import INTEGRATION as RECEIPTS
from erp.port.time_entries import INTEGRATION as LABOR

NAME: ErpName = "business-central"


def business_central_adapter(client: BusinessCentralClient, env: Environment) -> ErpAdapter:
    """Business Central for one flow run, through `client` (open while the flow uses the adapter)."""
    mappings = env.mappings.erp(NAME)
    references = BcReferences(client, mappings)
    return ErpAdapter(
        name="Business Central",
        concurrency=client.settings.concurrency,
        check_mappings=references.check_locations,
        purchase_orders=BusinessCentralPurchaseOrders(client, mappings, references),
        receipts=BusinessCentralReceipts(client, mappings, references, erp_integration(RECEIPTS, NAME), env.app.database_url),
        completions=BusinessCentralCompletions(client, mappings, erp_integration(CONSUMPTION, NAME)),
        time_entries=BusinessCentralTimeEntries(client, mappings.labor, erp_integration(LABOR, NAME), env.app.database_url),
        inventory=BusinessCentralInventory(client),
        matching=BusinessCentralMatching(client),
    )


@asynccontextmanager
async def open_business_central(env: Environment) -> AsyncIterator[ErpAdapter]:
    """The Business Central adapter with its client open (tasks.erp's registry entry)."""
    async with BusinessCentralClient(env.business_central) as client:
        yield business_central_adapter(client, env)
