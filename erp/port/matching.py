"""ERP port: matching, the ERP's side of the 3-way match per purchase-order line (see erp/port/__init__.py).

Ordered comes from the PO line, item-receipted and billed from the ERP documents created from
it; ION supplies what was received. Lines are identified by the ERP's PO id and line id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class OrderedLine:
    """One line of an approved purchase order: what was ordered, at what price."""

    po_id: str  # the ERP's internal id of the PO (receipt and bill lines point to it)
    po: str  # the PO number people and ION's PO attribute use (NetSuite tranId)
    line: str  # the ERP's line id within the PO (ION's line-number attribute holds it)
    item: str | None  # the ERP's item name
    ordered: float
    ordered_rate: float
    closed: bool


@dataclass(frozen=True)
class DocumentLine:
    """One item-receipt or vendor-bill line, and the PO line it was created from."""

    po_id: str
    line: str
    quantity: float  # positive
    amount: float  # positive, in the document's currency


@dataclass(frozen=True)
class PurchasingLines:
    """The ERP's three documents for a set of PO lines."""

    lines: list[OrderedLine] = field(default_factory=list)
    receipts: list[DocumentLine] = field(default_factory=list)
    bills: list[DocumentLine] = field(default_factory=list)


class MatchSource(Protocol):
    """Read-only: approved PO lines with the item receipts and vendor bills made from them."""

    async def purchasing(
        self, po_numbers: Sequence[str] | None, since: date | None, until: date | None, include_closed: bool
    ) -> PurchasingLines:
        """Approved PO lines (only `po_numbers` if given; dated on or after `since`, before
        `until`; closed POs only with `include_closed`) and their receipt and bill lines."""
        ...
