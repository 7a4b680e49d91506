"""Benchmark and exactly-once data, matching ION's and NetSuite's bulk seeds (sandbox/README.md):
items BULK-C01..C20, released production orders WO-B000001.. (ASSY-100, quantity (i - 1) % 5 + 1,
HAWTHORNE) for ION's bulk runs, and purchase orders PO-B000001.. (vendor 10000, line k buys
BULK-C<(k - 1) % 20 + 1>, `quantity` @ 1 at HAWTHORNE) for ION's bulk receipts."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .company import Company
from .entities import SETS

COMPONENTS = [f"BULK-C{n:02d}" for n in range(1, 21)]


class BulkProductionOrders(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(ge=0, le=100_000)


class BulkPurchaseOrders(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(ge=0, le=100_000)
    lines_per_po: int = Field(1, ge=1, le=999)
    quantity: float = Field(1.0, gt=0, allow_inf_nan=False)
    first_number: int = Field(1, ge=1)


def _items(company: Company) -> None:
    known = {item["number"] for item in company.store.all("items")}
    for n, number in enumerate(COMPONENTS, start=1):
        if number not in known:
            company.save(
                "items",
                {
                    "id": str(uuid.uuid4()),
                    "number": number,
                    "displayName": f"Bulk component {n:02d}",
                    "type": "Inventory",
                    "blocked": False,
                    "unitCost": 1.0,
                    "baseUnitOfMeasureCode": "PCS",
                },
            )


def production_orders(company: Company, spec: BulkProductionOrders) -> dict[str, Any]:
    _items(company)
    known = {order["number"] for order in company.store.all("releasedProductionOrders")}
    created = 0
    for i in range(1, spec.count + 1):
        number = f"WO-B{i:06d}"
        if number in known:
            continue
        quantity = float((i - 1) % 5 + 1)
        company.save(
            "releasedProductionOrders",
            {
                "id": str(uuid.uuid4()),
                "number": number,
                "description": f"Bulk {number}",
                "itemNumber": "ASSY-100",
                "quantity": quantity,
                "finishedQuantity": 0.0,
                "locationCode": "HAWTHORNE",
                "dueDate": "2026-11-20",
                "status": "Released",
            },
        )
        created += 1
    return {"production_orders_created": created}


def purchase_orders(company: Company, spec: BulkPurchaseOrders) -> dict[str, Any]:
    _items(company)
    location = company.by("locations", "code", "HAWTHORNE")
    assert location is not None
    numbers = [f"PO-B{n:06d}" for n in range(spec.first_number, spec.first_number + spec.count)]
    existing = {order["number"] for order in company.store.all("purchaseOrders")}
    clash = sorted(set(numbers) & existing)
    if clash:
        raise ValueError(f"{len(clash)} of the purchase orders {numbers[0]}..{numbers[-1]} exist")
    for number in numbers:
        order = company.create(SETS["purchaseOrders"], {"vendorNumber": "10000"})
        for k in range(1, spec.lines_per_po + 1):
            line = {
                "sequence": k,
                "lineObjectNumber": COMPONENTS[(k - 1) % len(COMPONENTS)],
                "quantity": spec.quantity,
                "directUnitCost": 1.0,
                "locationId": location["id"],
            }
            company.create(SETS["purchaseOrderLines"], line, company.get(SETS["purchaseOrders"], order["id"]))
        seeded = company.get(SETS["purchaseOrders"], order["id"])
        seeded.update(number=number, status="Open")
        company.store.put("purchaseOrders", seeded)
    return {"purchase_orders_created": len(numbers)}
