"""ION purchase orders and their lines (ion.md §3.5, §3.6)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from connectors.ion.models.attributes import Attribute, AttributeLookup
from connectors.ion.models.base import IonModel, Quantity
from connectors.ion.models.parts import PartRef
from connectors.ion.models.receipts import ReceiptItem
from connectors.ion.models.suppliers import SupplierRef


class Currency(IonModel):
    type: str


class PurchaseOrderLine(IonModel, AttributeLookup):
    id: int
    position: int | None = None
    description: str | None = None
    cost: Quantity | None = None
    quantity: Quantity | None = None
    status: str | None = None
    receivedQuantity: Quantity | None = None
    part: PartRef | None = None
    attributes: list[Attribute] = Field(default_factory=list)
    receiptItems: list[ReceiptItem] = Field(default_factory=list)

    @property
    def received(self) -> float:
        """What the receipts say arrived (the receipt items), not the line's running total."""
        if self.receiptItems:
            return float(sum(item.quantity or 0 for item in self.receiptItems))
        return float(self.receivedQuantity or 0)


class PurchaseOrder(IonModel, AttributeLookup):
    id: int
    etag: str = Field(alias="_etag")
    created: datetime = Field(alias="_created")
    status: str
    paid: bool | None = None
    description: str | None = None
    currency: Currency | None = None
    supplier: SupplierRef | None = None
    attributes: list[Attribute] = Field(default_factory=list)
    purchaseOrderLines: list[PurchaseOrderLine] = Field(default_factory=list)
