"""QuickBooks Online behind the ERP port: the capabilities of `erp.port` that QuickBooks supports."""

from __future__ import annotations

from connectors.quickbooks import QuickBooksClient
from core.environment import Environment
from erp.port import ErpAdapter
from erp.quickbooks.inventory import QuickBooksInventory


def quickbooks_adapter(client: QuickBooksClient, env: Environment) -> ErpAdapter:
    return ErpAdapter(name="QuickBooks", inventory=QuickBooksInventory(client))
