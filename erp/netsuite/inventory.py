"""NetSuite behind the ERP port's InventorySource: SuiteQL `inventorybalance` (on hand per item and location)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from connectors.netsuite import NetSuiteClient
from erp.port.inventory import InventoryBalance

BALANCES = (
    "SELECT i.itemid AS item, b.location AS location, b.quantityonhand AS quantity "
    "FROM inventorybalance b JOIN item i ON i.id = b.item"
)


def suiteql_number(value: Any) -> float:
    """SuiteQL gives numbers as strings: "40" is 40 (an int, so reports print 40, not 40.0), "1.2"
    is 1.2, an empty or unreadable one 0."""
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return 0.0
    return 0.0 if number != number else number  # NaN


class NetSuiteInventory:
    """On-hand per item and NetSuite location, a SuiteQL page at a time."""

    def __init__(self, client: NetSuiteClient) -> None:
        self._client = client

    async def balances(self) -> AsyncIterator[list[InventoryBalance]]:
        size = self._client.settings.suiteql_page_size
        page: list[InventoryBalance] = []
        async for row in self._client.suiteql(BALANCES):
            page.append(InventoryBalance(str(row.get("item")), str(row.get("location")), suiteql_number(row.get("quantity"))))
            if len(page) == size:
                yield page
                page = []
        if page:
            yield page

    async def location_names(self) -> dict[str, str]:
        return {str(row["id"]): str(row["name"]) for row in await self._client.suiteql_all("SELECT id, name FROM location")}
