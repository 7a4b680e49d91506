"""QuickBooks Online behind the ERP port's InventorySource: `QtyOnHand` of its inventory items.

`Item` with `Type = 'Inventory'` carries `QtyOnHand`, the quantity QuickBooks tracks for it
(`TrackQtyOnHand`; ../shared/reference/quickbooks.md A8, from Intuit's Item reference, and
the manage-inventory workflow, https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-inventory).
The basic Accounting API has no inventory locations (A8 lists none on Item): one balance per
item, location None. Inactive items are not read (A10: `SELECT *` hides them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from connectors.quickbooks import QuickBooksClient
from erp.port.inventory import InventoryBalance


class QuickBooksInventory:
    """On-hand per QuickBooks inventory item (read with the client's paged query)."""

    def __init__(self, client: QuickBooksClient) -> None:
        self._client = client

    async def balances(self) -> AsyncIterator[list[InventoryBalance]]:
        items = await self._client.query_all("Item", "Type = 'Inventory'")
        size = self._client.settings.page_size
        for start in range(0, len(items), size):
            yield [
                InventoryBalance(item=str(item["Name"]), location=None, quantity=item.get("QtyOnHand") or 0)
                for item in items[start : start + size]
            ]

    async def location_names(self) -> dict[str, str]:
        return {}  # no locations in QuickBooks Online's Accounting API
