"""NetSuite behind the ERP port's InventorySource: SuiteQL `inventorybalance` (on hand per item and location)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from connectors.netsuite import NetSuiteClient
from erp.netsuite.suiteql import suiteql_number, suiteql_past_ceiling
from erp.port.inventory import InventoryBalance

BALANCES = (
    "SELECT i.itemid AS item, b.item AS item_id, b.location AS location, b.quantityonhand AS quantity "
    "FROM inventorybalance b JOIN item i ON i.id = b.item"
)


class NetSuiteInventory:
    """On-hand per item and NetSuite location, a SuiteQL page at a time."""

    def __init__(self, client: NetSuiteClient) -> None:
        self._client = client

    async def balances(self) -> AsyncIterator[list[InventoryBalance]]:
        """Every balance, ordered by item, past SuiteQL's 100,000-row ceiling (`suiteql_past_ceiling`),
        a page at a time as SuiteQL's pages come (at most a SuiteQL page's rows each)."""
        size = self._client.settings.suiteql_page_size
        async for rows in suiteql_past_ceiling(self._client, BALANCES, "b.item", "item_id", "b.item, b.location"):
            for start in range(0, len(rows), size):
                yield [
                    InventoryBalance(str(row.get("item")), str(row.get("location")), suiteql_number(row.get("quantity")))
                    for row in rows[start : start + size]
                ]

    async def location_names(self) -> dict[str, str]:
        return {str(row["id"]): str(row["name"]) for row in await self._client.suiteql_all("SELECT id, name FROM location")}
