"""Business Central as the ERP port's `PurchaseOrderSource`: orders with their lines in one
request per page (`$expand=purchaseOrderLines`), changes by `lastModifiedDateTime` (README fact
6), vendors with payment terms (rules in `erp.business_central.purchase_orders`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.business_central import BusinessCentralClient, key, literal
from core.config import ErpMappings
from core.times import iso, parse_time
from erp.business_central.purchase_orders import ERP, desired_po, item_numbers, version_key, version_of
from erp.business_central.references import BcReferences
from erp.port.purchase_orders import Definitions, DesiredPo, PoChange, SourcePo, Supplier

EXPAND = {"$expand": "purchaseOrderLines"}


@dataclass
class BusinessCentralPurchaseOrders:
    bc: BusinessCentralClient
    mappings: ErpMappings
    references: BcReferences
    name: str = ERP
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> order with lines, read by `changed`
    vendors: dict[str, Supplier | None] = field(default_factory=dict)  # cached for the run

    async def check(self) -> None:
        await self.references.check_locations()

    async def changed(
        self, since: datetime | None, until: datetime | None, numbers: Sequence[str] | None, ids: Sequence[Any] | None
    ) -> list[PoChange]:
        found: list[dict[str, Any]] = []
        chosen = [("number", str(n)) for n in numbers or ()] + [("id", str(i)) for i in ids or ()]
        if chosen:
            for start in range(0, len(chosen), 20):
                query = " or ".join(
                    f"{name} eq {literal(value) if name == 'number' else value}" for name, value in chosen[start : start + 20]
                )
                found += await self.bc.all("purchaseOrders", **EXPAND, **{"$filter": query})
        window = [
            f"lastModifiedDateTime ge {iso(since)}" if since else "",
            f"lastModifiedDateTime lt {iso(until)}" if until else "",
        ]
        if not chosen:
            query = " and ".join(w for w in window if w)
            found = await self.bc.all("purchaseOrders", **EXPAND, **({"$filter": query} if query else {}))
        else:
            found = [o for o in found if _within(o, since, until)]
        self.orders.update({str(o["id"]): o for o in found})
        changes = [
            PoChange(
                key=version_key(str(o["id"]), version_of(o)),
                erp_id=str(o["id"]),
                version=version_of(o),
                changed_at=parse_time(o.get("lastModifiedDateTime")),
                status=str(o.get("status") or ""),
            )
            for o in found
        ]
        return sorted(changes, key=lambda c: (c.changed_at or datetime.min, c.erp_id))

    async def read(self, changes: Sequence[PoChange]) -> list[SourcePo | None]:
        result: list[SourcePo | None] = []
        for change in changes:
            order = self.orders.get(change.erp_id) or await self.bc.get(f"purchaseOrders{key(change.erp_id)}", **EXPAND)
            if order is None:
                result.append(None)
                continue
            status = str(order.get("status") or "")
            result.append(
                SourcePo(
                    change=change,
                    erp=ERP,
                    number=str(order["number"]),
                    status=status,
                    receivable=status in self.mappings.purchasing.receivable_statuses and not order.get("fullyReceived"),
                    part_numbers=frozenset(self.mappings.part_number(n) for n in item_numbers(order)),
                    source_ref=f"business-central:purchaseOrder:{order['id']}",
                    document={"purchaseOrder": order},
                )
            )
        return result

    def desired(
        self, po: SourcePo, part_ids: Mapping[str, str | None], definitions: Definitions | None
    ) -> tuple[DesiredPo | None, list[str]]:
        return desired_po(po.document["purchaseOrder"], self.mappings, part_ids, definitions, self.references.location_codes)

    async def supplier(self, vendor_id: str) -> Supplier | None:
        """`vendor_id` is the BC vendor number (what the ION supplier attribute keeps)."""
        if vendor_id not in self.vendors:
            rows = await self.bc.all("vendors", **{"$filter": f"number eq {literal(vendor_id)}"})
            vendor = rows[0] if rows else None
            terms = None
            if vendor and vendor.get("paymentTermsId"):
                term = await self.bc.get(f"paymentTerms{key(str(vendor['paymentTermsId']))}")
                terms = str(term.get("displayName") or term.get("code")) if term else None
            self.vendors[vendor_id] = (
                None
                if vendor is None
                else Supplier(
                    id=vendor_id, name=str(vendor.get("displayName") or vendor_id), email=vendor.get("email") or None, terms=terms
                )
            )
        return self.vendors[vendor_id]


def _within(order: dict[str, Any], since: datetime | None, until: datetime | None) -> bool:
    changed = parse_time(order.get("lastModifiedDateTime"))
    if changed is None:
        return True
    return (since is None or changed >= since) and (until is None or changed < until)
