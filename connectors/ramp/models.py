"""The parts of Ramp's resources ion-sync reads (ramp-openapi.json schemas), validated at the edge.

Money is `CurrencyAmount`: an integer in minor units (cents for USD, B2)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Resource(BaseModel):
    model_config = ConfigDict(extra="allow")


class CurrencyAmount(BaseModel):
    amount: int
    currency_code: str = "USD"


class PurchaseOrderLine(_Resource):
    id: str
    description: str | None = None
    unit_quantity: int | None = None
    unit_price: CurrencyAmount | None = None


class PurchaseOrder(_Resource):
    id: str
    purchase_order_number: str | None = None
    vendor_id: str | None = None
    amount: CurrencyAmount | None = None
    line_items: list[PurchaseOrderLine] = Field(default_factory=list)
    receipt_status: str | None = None
    billing_status: str | None = None
    bill_ids: list[str] = Field(default_factory=list)
    three_way_match_enabled: bool = False
    archived_at: datetime | None = None
    created_at: datetime | None = None


class ItemReceipt(_Resource):
    id: str
    item_receipt_number: str
    purchase_order_id: str


class Address(_Resource):
    address_line_1: str | None = None
    address_line_2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def one_line(self) -> str:
        parts = [
            self.address_line_1,
            self.address_line_2,
            self.city,
            " ".join(filter(None, [self.state, self.postal_code])),
            self.country,
        ]
        return ", ".join(p for p in parts if p)


class Vendor(_Resource):
    id: str
    name: str
    is_active: bool = True
    description: str | None = None
    address: Address | None = None
    created_at: datetime | None = None


class Bill(_Resource):
    id: str
    status: str | None = None
    approval_status: str | None = None


class Entity(_Resource):
    """`ApiEntityResource`: the business entity purchase orders are created under."""

    id: str
    entity_name: str | None = None
    currency: str | None = None
