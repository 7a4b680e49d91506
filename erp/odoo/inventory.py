"""Odoo behind the ERP port's InventorySource: `stock.quant` on hand per product and internal location.

`stock.quant` holds `product_id`, `location_id`, `lot_id` and `quantity`; quants of internal
locations (`location_id.usage = internal`) are the company's stock [ODOO-QUANT]. The item is the
product's Internal Reference (`default_code`), what the mappings' `items` name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from connectors.odoo import OdooClient
from erp.odoo.references import product_codes
from erp.port.inventory import InventoryBalance

INTERNAL = [["location_id.usage", "=", "internal"]]


class OdooInventory:
    def __init__(self, odoo: OdooClient) -> None:
        self.odoo = odoo

    async def balances(self) -> AsyncIterator[list[InventoryBalance]]:
        async for rows in self.odoo.pages("stock.quant", INTERNAL, ["product_id", "location_id", "quantity"]):
            codes = await product_codes(self.odoo, {row["product_id"][0] for row in rows if row.get("product_id")})
            yield [
                InventoryBalance(
                    codes.get(row["product_id"][0], str(row["product_id"][1])),
                    str(row["location_id"][0]),
                    float(row["quantity"] or 0),
                )
                for row in rows
                if row.get("product_id") and row.get("location_id")
            ]

    async def location_names(self) -> dict[str, str]:
        rows = await self.odoo.search_all("stock.location", [["usage", "=", "internal"]], ["complete_name"])
        return {str(row["id"]): str(row.get("complete_name") or row["id"]) for row in rows}
