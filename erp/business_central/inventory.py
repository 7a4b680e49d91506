"""Business Central behind the ERP port's InventorySource. API v2.0 has stock per item only
(`items.inventory`, README fact 26), so per-location stock comes from the ion-sync production
API page group's `locationInventories` (README "The ion-sync production API")."""

from __future__ import annotations

from collections.abc import AsyncIterator

from connectors.business_central import BusinessCentralClient
from connectors.validation import number_at
from erp.port.inventory import InventoryBalance


class BusinessCentralInventory:
    """On hand per item number and location code, a page at a time."""

    def __init__(self, bc: BusinessCentralClient) -> None:
        self.bc = bc

    async def balances(self) -> AsyncIterator[list[InventoryBalance]]:
        route = self.bc.settings.custom_api.route
        async for page in self.bc.pages("locationInventories", route=route):
            yield [
                InventoryBalance(
                    str(row["itemNumber"]),
                    str(row.get("locationCode") or "") or None,
                    number_at(row.get("inventory"), "inventory"),
                )
                for row in page
            ]

    async def location_names(self) -> dict[str, str]:
        return {str(row["code"]): str(row.get("displayName") or row["code"]) for row in await self.bc.all("locations")}
