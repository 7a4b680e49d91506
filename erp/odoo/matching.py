"""Odoo behind the ERP port's MatchSource: each confirmed PO line with the quantities Odoo
itself keeps on it, `qty_received` (done receipts) and `qty_invoiced` (posted vendor bills)
[ODOO-PURCHASE]; Odoo rolls them up per line, so each is one document line here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from connectors.odoo import OdooClient
from erp.odoo.references import purchase_orders
from erp.port.matching import DocumentLine, OrderedLine, PurchasingLines

# `purchase` = confirmed, `done` = locked [ODOO-PURCHASE]; draft, sent, to approve and cancel expect nothing
APPROVED, LOCKED = "purchase", "done"


class OdooMatching:
    def __init__(self, odoo: OdooClient) -> None:
        self.odoo = odoo

    async def purchasing(
        self, po_numbers: Sequence[str] | None, since: date | None, until: date | None, include_closed: bool
    ) -> PurchasingLines:
        states = [APPROVED, LOCKED] if include_closed else [APPROVED]
        domain: list[object] = [["state", "in", states]]
        if po_numbers:
            domain.append(["name", "in", list(po_numbers)])
        if since:
            domain.append(["date_order", ">=", f"{since.isoformat()} 00:00:00"])
        if until:
            domain.append(["date_order", "<", f"{until.isoformat()} 00:00:00"])
        found = PurchasingLines()
        for po in await purchase_orders(self.odoo, domain):
            for number, line in sorted(po.lines.items()):
                found.lines.append(
                    OrderedLine(str(po.id), po.name, str(number), line.product, line.ordered, line.price, po.state == LOCKED)
                )
                if line.received:
                    found.receipts.append(DocumentLine(str(po.id), str(number), line.received, line.received * line.price))
                if line.invoiced:
                    found.bills.append(DocumentLine(str(po.id), str(number), line.invoiced, line.invoiced * line.price))
        return found
