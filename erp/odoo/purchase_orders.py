"""Odoo as the ERP port's `PurchaseOrderSource`: confirmed `purchase.order`s and their lines
(`product_id`, `product_qty`, `price_unit`, `date_planned`), the vendor (`res.partner`) with its
payment terms (`property_supplier_payment_term_id`) [ODOO-PURCHASE].

The join keys: the PO's `name` (PO00012) rides on the ION PO as the PO-number attribute, each
line's 1-based position in the order as the line-number attribute (references.PoLine). One
ledger key per version: the latest `write_date` of the order and its lines (Odoo stamps every
record it writes, in UTC [ODOO-ORM]) and a digest of what ION copies, so each change is applied once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.odoo import OdooClient
from erp.odoo.references import LINE_FIELDS, chunks, many2one_id, product_codes
from erp.port.purchase_orders import Definitions, DesiredLine, DesiredPo, PoChange, SourcePo, Supplier

ERP = "Odoo"
CONFIRMED, LOCKED = "purchase", "done"  # [ODOO-PURCHASE] state selection; draft/sent/to approve/cancel are not synced


def odoo_time(value: Any) -> datetime | None:
    """Odoo's 'YYYY-MM-DD HH:MM:SS' (UTC) [ODOO-ORM fields.Datetime]."""
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) if value else None
    except ValueError:
        return None


def odoo_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


# Odoo stamps `write_date` to the second [ODOO-ORM]: a digest of what ION copies tells two changes
# within one second apart (INFERENCE: two writes in one second are otherwise one version).
VERSION_FIELDS = ["order_id", "write_date", "product_id", "product_qty", "price_unit", "date_planned"]


def version_key(po_id: str, version: str) -> str:
    return f"odoo:po:{po_id}@{version}"


@dataclass
class OdooPurchaseOrders:
    odoo: OdooClient
    mappings: Any  # the ERP mappings of `odoo:` (locations, items, purchasing)
    check_locations: Any  # async () -> None: the mapped locations exist
    name: str = ERP
    vendors: dict[str, Supplier | None] = field(default_factory=dict)

    async def check(self) -> None:
        await self.check_locations()

    async def changed(
        self, since: datetime | None, until: datetime | None, numbers: Sequence[str] | None, ids: Sequence[str] | None
    ) -> list[PoChange]:
        domain: list[Any] = [["state", "in", [CONFIRMED, LOCKED]]]
        if numbers:
            domain.append(["name", "in", list(numbers)])
        if ids:
            domain.append(["id", "in", [int(i) for i in ids]])
        window: list[Any] = []
        if since:
            window.append(["write_date", ">=", odoo_stamp(since)])
        if until:
            window.append(["write_date", "<", odoo_stamp(until)])
        headers = await self.odoo.search_all("purchase.order", domain, ["name", "state", "write_date", "partner_id"])
        stamps = {int(h["id"]): str(h.get("write_date") or "") for h in headers}
        statuses = {int(h["id"]): str(h.get("state")) for h in headers}
        content: dict[int, list[Any]] = {int(h["id"]): [h.get("state"), h.get("partner_id")] for h in headers}
        for chunk in chunks(stamps):
            order = "order_id, sequence, id"
            for line in await self.odoo.search_all("purchase.order.line", [["order_id", "in", chunk]], VERSION_FIELDS, order):
                po_id = int(line["order_id"][0])
                stamps[po_id] = max(stamps[po_id], str(line.get("write_date") or ""))
                content[po_id].append([line.get(f) for f in VERSION_FIELDS if f != "write_date"])
        low, high = (odoo_stamp(since) if since else ""), (odoo_stamp(until) if until else "~")
        changes = []
        for po_id, stamp in stamps.items():
            if low <= stamp < high:
                digest = hashlib.sha256(json.dumps(content[po_id], default=str).encode()).hexdigest()[:8]
                version = f"{stamp}#{digest}"
                changes.append(PoChange(version_key(str(po_id), version), str(po_id), version, odoo_time(stamp), statuses[po_id]))
        return sorted(changes, key=lambda c: (c.version, int(c.erp_id)))

    async def read(self, changes: Sequence[PoChange]) -> list[SourcePo | None]:
        purchasing = self.mappings.purchasing
        header_fields = sorted({"name", "state", "partner_id", "currency_id", "picking_ids", *purchasing.header_attributes})
        line_fields = sorted({*LINE_FIELDS, *purchasing.line_attributes})
        ids = [int(c.erp_id) for c in changes]
        headers = {int(h["id"]): h for h in await self.odoo.search_all("purchase.order", [["id", "in", ids]], header_fields)}
        lines = await self.odoo.search_all(
            "purchase.order.line", [["order_id", "in", ids]], line_fields, order="order_id, sequence, id"
        )
        codes = await product_codes(self.odoo, {p for line in lines if (p := many2one_id(line.get("product_id")))})
        destinations = await self._destinations([p for h in headers.values() for p in h.get("picking_ids") or []])
        found: list[SourcePo | None] = []
        for change in changes:
            header = headers.get(int(change.erp_id))
            if header is None:
                found.append(None)
                continue
            own = [
                line | {"code": codes.get(many2one_id(line.get("product_id")) or 0)}
                for line in lines
                if line["order_id"][0] == header["id"]
            ]
            remaining = any(float(line.get("product_qty") or 0) > float(line.get("qty_received") or 0) for line in own)
            document = {
                "purchase.order": header,
                "lines": own,
                "destination": next((destinations[p] for p in header.get("picking_ids") or [] if p in destinations), None),
            }
            found.append(
                SourcePo(
                    change=change,
                    erp=ERP,
                    number=str(header["name"]),
                    status=str(header.get("state")),
                    receivable=header.get("state") == CONFIRMED and remaining,
                    part_numbers=frozenset(self.mappings.part_number(line["code"]) for line in own if line["code"]),
                    source_ref=f"odoo:purchase.order:{header['id']}",
                    document=document,
                )
            )
        return found

    def desired(
        self, po: SourcePo, part_ids: Mapping[str, str | None], definitions: Definitions | None
    ) -> tuple[DesiredPo | None, list[str]]:
        purchasing, problems = self.mappings.purchasing, []
        header, destination = po.document["purchase.order"], po.document["destination"]
        ship_to = next((m.ion for m in self.mappings.locations if str(m.erp) == str(destination)), None)
        if ship_to is None:
            problems.append(
                f"the Odoo receipt location {destination!r} of {po.number} is not mapped to any ION location (odoo.locations)"
            )
        attributes: dict[str, str | None] = {purchasing.po_number_attribute: po.number}
        for odoo_field, target in purchasing.header_attributes.items():
            attributes[target.attribute] = _mapped(header.get(odoo_field), target.values)
        lines: dict[int, DesiredLine] = {}
        for number, raw in enumerate(po.document["lines"], 1):
            code = raw.get("code") or ""
            part_number = self.mappings.part_number(code)
            part_id = part_ids.get(part_number)
            if not part_id:
                problems.append(
                    f"line {number}: Odoo product {code or raw.get('product_id')} has no ION part {part_number}; create part "
                    f"{part_number} in ION (ion-sync never creates parts), or map it under odoo.items"
                )
                continue
            line_attributes: dict[str, str | None] = {purchasing.line_number_attribute: str(number)}
            for odoo_field, target in purchasing.line_attributes.items():
                line_attributes[target.attribute] = _mapped(raw.get(odoo_field), target.values)
            lines[number] = DesiredLine(
                number,
                part_id,
                part_number,
                float(raw.get("product_qty") or 0),
                float(raw.get("price_unit") or 0),
                False,
                line_attributes,
            )
        if problems:
            return None, problems
        assert ship_to is not None
        currency = many2one_id(header.get("currency_id"))
        return (
            DesiredPo(
                key=po.change.key,
                label=f"{ERP} {po.number} (id {po.change.erp_id})",
                erp=ERP,
                erp_id=po.change.erp_id,
                number=po.number,
                version=po.change.version,
                status=po.status,
                closed=po.status == LOCKED,
                vendor_id=str(many2one_id(header.get("partner_id")) or ""),
                ship_to=ship_to,
                currency=purchasing.currencies.get(str(currency)) if currency else None,
                attributes=attributes,
                lines=lines,
            ),
            [],
        )

    async def supplier(self, vendor_id: str) -> Supplier | None:
        if vendor_id not in self.vendors:
            rows = await self.odoo.search_read(
                "res.partner",
                [["id", "=", int(vendor_id)], ["active", "in", [True, False]]],
                ["name", "email", "property_supplier_payment_term_id"],
            )
            terms = rows[0].get("property_supplier_payment_term_id") if rows else None
            self.vendors[vendor_id] = (
                Supplier(
                    vendor_id,
                    str(rows[0]["name"]),
                    rows[0].get("email") or None,
                    str(terms[1]) if isinstance(terms, list) else None,
                )
                if rows
                else None
            )
        return self.vendors[vendor_id]

    async def _destinations(self, picking_ids: list[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for chunk in chunks(picking_ids):
            for row in await self.odoo.search_read("stock.picking", [["id", "in", chunk]], ["location_dest_id"]):
                if (location := many2one_id(row.get("location_dest_id"))) is not None:
                    found[int(row["id"])] = location
        return found


def _mapped(raw: Any, values: Mapping[str, str]) -> str | None:
    """A field as ION's attribute holds it: a many2one by its display name, False as unset."""
    value = raw[1] if isinstance(raw, list) and len(raw) == 2 else None if raw in (None, False, "") else str(raw)
    return values.get(value, value) if value is not None else None
