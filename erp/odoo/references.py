"""Lookups shared by the Odoo capabilities: products by Internal Reference, POs and their lines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from connectors.odoo import OdooClient

CHUNK = 500  # ids or names per `in` domain


def chunks(values: Iterable[Any]) -> list[list[Any]]:
    ordered = sorted(set(values), key=str)
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def many2one_id(value: Any) -> int | None:
    """A many2one as read: `[id, display name]`, or False [ODOO-ORM read]."""
    return int(value[0]) if isinstance(value, list) and value else None


async def product_codes(odoo: OdooClient, ids: Iterable[int]) -> dict[int, str]:
    """product.product id -> Internal Reference (`default_code`), the item name the mappings use."""
    found: dict[int, str] = {}
    for chunk in chunks(ids):
        rows = await odoo.search_read("product.product", [["id", "in", chunk], ["active", "in", [True, False]]], ["default_code"])
        found |= {int(row["id"]): str(row["default_code"]) for row in rows if row.get("default_code")}
    return found


async def product_ids(odoo: OdooClient, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Internal Reference -> {id, tracking} of active products."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(codes):
        for row in await odoo.search_read("product.product", [["default_code", "in", chunk]], ["default_code", "tracking"]):
            found[str(row["default_code"])] = {"id": int(row["id"]), "tracking": row.get("tracking") or "none"}
    return found


@dataclass(frozen=True)
class PoLine:
    """An Odoo purchase order line as ion-sync joins it: its 1-based position in the order
    (`sequence`, then id: INFERENCE, what ION's line-number attribute holds)."""

    id: int
    number: int
    product: str | None  # default_code
    ordered: float
    received: float
    invoiced: float
    price: float
    date_planned: str | None

    closed: bool = False  # Odoo closes no single line: a locked PO is closed as a whole

    @property
    def item(self) -> str | None:
        return self.product


@dataclass(frozen=True)
class OdooPo:
    id: int
    name: str
    state: str
    partner_id: int | None
    date_order: str | None
    write_date: str | None
    lines: dict[int, PoLine]


PO_FIELDS = ["name", "state", "partner_id", "date_order", "write_date", "payment_term_id", "currency_id"]
LINE_FIELDS = ["order_id", "sequence", "product_id", "product_qty", "qty_received", "qty_invoiced", "price_unit", "date_planned"]


async def purchase_orders(odoo: OdooClient, domain: list[Any]) -> list[OdooPo]:
    """Purchase orders matching `domain`, each with its lines numbered by position."""
    headers = await odoo.search_all("purchase.order", domain, PO_FIELDS)
    by_id = {int(h["id"]): h for h in headers}
    rows: list[dict[str, Any]] = []
    for chunk in chunks(by_id):
        rows += await odoo.search_all(
            "purchase.order.line", [["order_id", "in", chunk]], LINE_FIELDS, order="order_id, sequence, id"
        )
    codes = await product_codes(odoo, {pid for row in rows if (pid := many2one_id(row.get("product_id")))})
    lines: dict[int, dict[int, PoLine]] = {po_id: {} for po_id in by_id}
    for row in rows:
        po_lines = lines[int(row["order_id"][0])]
        product = many2one_id(row.get("product_id"))
        number = len(po_lines) + 1
        po_lines[number] = PoLine(
            id=int(row["id"]),
            number=number,
            product=codes.get(product) if product else None,
            ordered=float(row.get("product_qty") or 0),
            received=float(row.get("qty_received") or 0),
            invoiced=float(row.get("qty_invoiced") or 0),
            price=float(row.get("price_unit") or 0),
            date_planned=row.get("date_planned") or None,
        )
    return [
        OdooPo(
            id=po_id,
            name=str(h["name"]),
            state=str(h.get("state")),
            partner_id=many2one_id(h.get("partner_id")),
            date_order=h.get("date_order") or None,
            write_date=h.get("write_date") or None,
            lines=lines[po_id],
        )
        for po_id, h in by_id.items()
    ]
