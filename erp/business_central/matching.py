"""Business Central behind the ERP port's MatchSource: each order line's own received and
invoiced quantities (`purchaseOrderLines.receivedQuantity`, `invoicedQuantity`, README fact 14)
stand for the receipt and invoice lines made from it; orders `In Review` (pending approval)
expect nothing yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from connectors.business_central import BusinessCentralClient, literal
from connectors.validation import number_at
from erp.business_central.purchase_orders import item_lines
from erp.port.matching import DocumentLine, OrderedLine, PurchasingLines

UNAPPROVED = {"In Review"}


class BusinessCentralMatching:
    def __init__(self, bc: BusinessCentralClient) -> None:
        self.bc = bc

    async def purchasing(
        self, po_numbers: Sequence[str] | None, since: date | None, until: date | None, include_closed: bool
    ) -> PurchasingLines:
        expand = {"$expand": "purchaseOrderLines"}
        orders: list[dict[str, Any]] = []
        if po_numbers:
            for start in range(0, len(po_numbers), 20):
                query = " or ".join(f"number eq {literal(n)}" for n in po_numbers[start : start + 20])
                orders += await self.bc.all("purchaseOrders", **expand, **{"$filter": query})
        else:
            orders = await self.bc.all("purchaseOrders", **expand)
        found = PurchasingLines()
        for order in orders:
            day = str(order.get("orderDate") or "")
            if order.get("status") in UNAPPROVED or (since and day < since.isoformat()) or (until and day >= until.isoformat()):
                continue
            if order.get("fullyReceived") and not include_closed:
                continue
            for line in item_lines(order):
                sequence, cost = str(line["sequence"]), number_at(line.get("directUnitCost"), "directUnitCost")
                found.lines.append(
                    OrderedLine(
                        str(order["id"]),
                        str(order["number"]),
                        sequence,
                        line.get("lineObjectNumber"),
                        number_at(line.get("quantity"), "quantity"),
                        cost,
                        False,
                    )
                )
                for target, field in ((found.receipts, "receivedQuantity"), (found.bills, "invoicedQuantity")):
                    quantity = number_at(line.get(field), field)
                    if quantity > 0:
                        target.append(DocumentLine(str(order["id"]), sequence, quantity, round(quantity * cost, 2)))
        return found
