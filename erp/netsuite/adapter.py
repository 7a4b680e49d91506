"""NetSuite behind the ERP port: the capabilities of `erp.port` that NetSuite supports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from connectors.netsuite import NetSuiteClient
from core.environment import Environment
from erp.netsuite.completions import NetSuiteCompletions
from erp.netsuite.inventory import NetSuiteInventory
from erp.netsuite.item_receipts import NetSuiteReceipts
from erp.netsuite.matching import NetSuiteMatching
from erp.netsuite.purchase_order_source import NetSuitePurchaseOrders
from erp.netsuite.references import check_netsuite_locations
from erp.netsuite.time_entries import NetSuiteTimeEntries
from erp.port import ErpAdapter


def netsuite_adapter(client: NetSuiteClient, env: Environment) -> ErpAdapter:
    """NetSuite for one flow run, through `client` (open while the flow uses the adapter)."""
    mappings = env.mappings.netsuite
    return ErpAdapter(
        name="NetSuite",
        concurrency=client.settings.concurrency,
        check_mappings=lambda: check_netsuite_locations(client, env),
        completions=NetSuiteCompletions(client, mappings),
        receipts=NetSuiteReceipts(client, mappings),
        inventory=NetSuiteInventory(client),
        matching=NetSuiteMatching(client),
        purchase_orders=NetSuitePurchaseOrders(client, env),
        time_entries=NetSuiteTimeEntries(client, env),
    )


@asynccontextmanager
async def open_netsuite(env: Environment) -> AsyncIterator[ErpAdapter]:
    """The NetSuite adapter with its client open (tasks.erp's registry entry)."""
    async with NetSuiteClient(env.netsuite) as client:
        yield netsuite_adapter(client, env)
