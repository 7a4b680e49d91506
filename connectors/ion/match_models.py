"""Pydantic models of ION purchase orders, lines and receipt items (ion.md §3.5–§3.8, §3.14),
as the 3-way match reads them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from connectors.ion.models import Quantity, RunAttribute


class _Ion(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class LinePart(_Ion):
    partNumber: str


class ReceiptItemQuantity(_Ion):
    id: int
    quantity: Quantity | None = None
    receiptId: int | None = None


class MatchLine(_Ion):
    id: int
    status: str | None = None
    quantity: Quantity | None = None
    cost: Quantity | None = None
    receivedQuantity: Quantity | None = None
    part: LinePart | None = None
    attributes: list[RunAttribute] = Field(default_factory=list)
    receiptItems: list[ReceiptItemQuantity] = Field(default_factory=list)

    def attribute(self, key: str) -> str | None:
        return next((a.value for a in self.attributes if a.key == key), None)

    @property
    def received(self) -> float:
        """What the receipts say arrived (the receipt items), not the line's running total."""
        if self.receiptItems:
            return float(sum(item.quantity or 0 for item in self.receiptItems))
        return float(self.receivedQuantity or 0)


class MatchPurchaseOrder(_Ion):
    id: int
    status: str | None = None
    attributes: list[RunAttribute] = Field(default_factory=list)
    purchaseOrderLines: list[MatchLine] = Field(default_factory=list)

    def attribute(self, key: str) -> str | None:
        return next((a.value for a in self.attributes if a.key == key), None)
