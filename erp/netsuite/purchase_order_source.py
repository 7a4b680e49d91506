"""NetSuite as the ERP port's `PurchaseOrderSource`: SuiteQL for what changed, REST for each PO
with its lines and for its vendor with payment terms (rules in `erp.netsuite.purchase_orders`)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from connectors.netsuite import NetSuiteClient
from core.environment import Environment
from core.times import iso, parse_time
from erp.netsuite.purchase_orders import ERP, desired_po, item_names, version_key
from erp.netsuite.references import check_netsuite_locations
from erp.port.purchase_orders import Definitions, DesiredPo, PoChange, SourcePo, Supplier


@dataclass
class NetSuitePurchaseOrders:
    netsuite: NetSuiteClient
    env: Environment
    name: str = ERP
    vendors: dict[str, Supplier | None] = field(default_factory=dict)  # cached for the run

    async def check(self) -> None:
        await check_netsuite_locations(self.netsuite, self.env)

    async def changed(
        self, since: datetime | None, until: datetime | None, numbers: Sequence[str] | None, ids: Sequence[str] | None
    ) -> list[PoChange]:
        where, params = ["t.type = 'PurchOrd'"], []
        if numbers:
            where.append(f"t.tranid IN ({', '.join('?' * len(numbers))})")
            params += list(numbers)
        if ids:
            where.append(f"t.id IN ({', '.join('?' * len(ids))})")
            params += list(ids)
        if since:
            where.append("t.lastmodifieddate >= ?")
            params.append(iso(since))
        if until:
            where.append("t.lastmodifieddate < ?")
            params.append(iso(until))
        query = (
            "SELECT t.id, t.tranid, t.status, t.lastmodifieddate FROM transaction t "
            f"WHERE {' AND '.join(where)} ORDER BY t.lastmodifieddate, t.id"
        )
        return [
            PoChange(
                key=version_key(str(row["id"]), str(row.get("lastmodifieddate") or ""), str(row.get("status") or "")),
                erp_id=str(row["id"]),
                version=str(row.get("lastmodifieddate") or ""),
                changed_at=parse_time(row.get("lastmodifieddate")),
                status=str(row.get("status") or ""),
            )
            for row in await self.netsuite.suiteql_all(query, params)
        ]

    async def read(self, changes: Sequence[PoChange]) -> list[SourcePo | None]:
        mappings = self.env.mappings.netsuite
        records = await asyncio.gather(*(self.netsuite.get("purchaseOrder", c.erp_id, expand=True) for c in changes))
        found: list[SourcePo | None] = []
        for change, record in zip(changes, records, strict=True):
            if record is None:
                found.append(None)
                continue
            status = str((record.get("status") or {}).get("id") or change.status or "")
            found.append(
                SourcePo(
                    change=change,
                    erp=ERP,
                    number=str(record["tranId"]),
                    status=status,
                    receivable=status in mappings.purchasing.receivable_statuses,
                    part_numbers=frozenset(mappings.part_number(name) for name in item_names(record)),
                    source_ref=f"netsuite:purchaseOrder:{record['id']}",
                    document={"purchaseOrder": record},
                )
            )
        return found

    def desired(
        self, po: SourcePo, part_ids: Mapping[str, str | None], definitions: Definitions | None
    ) -> tuple[DesiredPo | None, list[str]]:
        return desired_po(po.document["purchaseOrder"], self.env.mappings.netsuite, part_ids, definitions)

    async def supplier(self, vendor_id: str) -> Supplier | None:
        if vendor_id not in self.vendors:
            record = await self.netsuite.get("vendor", vendor_id)
            terms = record.get("terms") if record else None
            self.vendors[vendor_id] = (
                None
                if record is None
                else Supplier(
                    id=vendor_id,
                    name=str(record.get("companyName") or record.get("entityId") or f"NetSuite vendor {vendor_id}"),
                    email=record.get("email"),
                    terms=terms.get("refName") if isinstance(terms, dict) else None,
                )
            )
        return self.vendors[vendor_id]
