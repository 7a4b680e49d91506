"""ION purchasing records as the Ramp integration reads them (ion.md §3.5, §3.6, §3.8, §3.12)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from connectors.validation import Number


class _Node(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Attribute(_Node):
    key: str
    value: str | None = None


class SupplierRef(_Node):
    id: int
    name: str
    attributes: list[Attribute] = Field(default_factory=list)

    def attribute(self, key: str) -> str | None:
        return next((a.value for a in self.attributes if a.key == key and a.value not in (None, "")), None)


class Supplier(SupplierRef):
    etag: str = Field(alias="_etag")
    description: str | None = None
    address: str | None = None


class Currency(_Node):
    type: str


class PartRef(_Node):
    partNumber: str


class PurchaseOrderLine(_Node):
    id: int
    position: int | None = None
    description: str | None = None
    cost: Number | None = None
    quantity: Number | None = None
    status: str | None = None
    part: PartRef | None = None


class PurchaseOrder(_Node):
    id: int
    etag: str = Field(alias="_etag")
    created: datetime = Field(alias="_created")
    status: str
    paid: bool | None = None
    description: str | None = None
    currency: Currency | None = None
    supplier: SupplierRef | None = None
    purchaseOrderLines: list[PurchaseOrderLine] = Field(default_factory=list)


class ReceiptLineRef(_Node):
    id: int
    purchaseOrderId: int


class ReceiptItem(_Node):
    id: int
    quantity: Number | None = None
    purchaseOrderLine: ReceiptLineRef | None = None


class Receipt(_Node):
    id: int
    receivedAt: datetime | None = None
    created: datetime = Field(alias="_created")
    receiptItems: list[ReceiptItem] = Field(default_factory=list)
