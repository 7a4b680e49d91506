"""ION receipts and receipt items (ion.md §3.8)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from connectors.ion.models.base import IonModel, Quantity


class PurchaseOrderLineRef(IonModel):
    """The purchase-order line a receipt item received."""

    id: int
    purchaseOrderId: int


class ReceiptItem(IonModel):
    id: int
    quantity: Quantity | None = None
    receiptId: int | None = None
    purchaseOrderLine: PurchaseOrderLineRef | None = None


class Receipt(IonModel):
    id: int
    receivedAt: datetime | None = None
    created: datetime = Field(alias="_created")
    receiptItems: list[ReceiptItem] = Field(default_factory=list)
