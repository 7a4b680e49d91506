"""NetSuite behind the ERP port's InventorySource: SuiteQL `inventorybalance` (on hand per item and location)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from connectors.netsuite import NetSuiteClient
from erp.netsuite.suiteql import SUITEQL_MAX_RESULTS, suiteql_number
from erp.port.inventory import InventoryBalance

BALANCES = (
    "SELECT i.itemid AS item, b.item AS item_id, b.location AS location, b.quantityonhand AS quantity "
    "FROM inventorybalance b JOIN item i ON i.id = b.item"
)
ORDER = " ORDER BY b.item, b.location"


class NetSuiteInventory:
    """On-hand per item and NetSuite location, a SuiteQL page at a time."""

    def __init__(self, client: NetSuiteClient) -> None:
        self._client = client

    async def balances(self) -> AsyncIterator[list[InventoryBalance]]:
        """Every balance, ordered by item. SuiteQL pages at most SUITEQL_MAX_RESULTS rows of one
        query; an account with more balances is read in segments, each starting at the last item
        the previous one reached (that item's rows are read again whole, not twice)."""
        size = self._client.settings.suiteql_page_size
        anchor: str | None = None
        while True:
            query = BALANCES + (" WHERE b.item >= ?" if anchor else "") + ORDER
            segment = [row async for row in self._client.suiteql(query, [anchor] if anchor else [])]
            full = len(segment) >= SUITEQL_MAX_RESULTS
            if full:  # the last item may go on past the ceiling
                anchor = str(segment[-1]["item_id"])
                segment = [row for row in segment if str(row["item_id"]) != anchor]
            for start in range(0, len(segment), size):
                yield [
                    InventoryBalance(str(row.get("item")), str(row.get("location")), suiteql_number(row.get("quantity")))
                    for row in segment[start : start + size]
                ]
            if not full:
                return

    async def location_names(self) -> dict[str, str]:
        return {str(row["id"]): str(row["name"]) for row in await self._client.suiteql_all("SELECT id, name FROM location")}
