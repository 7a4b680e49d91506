"""NetSuite behind the ERP port: the capabilities of `erp.port` that NetSuite supports."""

from __future__ import annotations

from connectors.netsuite import NetSuiteClient
from core.environment import Environment
from erp.netsuite.inventory import NetSuiteInventory
from erp.netsuite.matching import NetSuiteMatching
from erp.netsuite.purchase_order_source import NetSuitePurchaseOrders
from erp.netsuite.time_entries import NetSuiteTimeEntries
from erp.port import ErpAdapter


def netsuite_adapter(client: NetSuiteClient, env: Environment) -> ErpAdapter:
    return ErpAdapter(
        name="NetSuite",
        inventory=NetSuiteInventory(client),
        matching=NetSuiteMatching(client),
        purchase_orders=NetSuitePurchaseOrders(client, env),
        time_entries=NetSuiteTimeEntries(client, env),
    )
