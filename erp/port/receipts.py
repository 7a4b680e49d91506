"""ERP port: item receipts on the ERP's purchase orders (ION -> ERP).

The dock receives in ION; the ERP needs a receipt against the PO it ordered on, so PO, receipt
and vendor bill can be matched (seed 002, "The 3-way match"). ION's PO and line carry the ERP's
PO number and line number as attributes (`JoinKeys`, named by the adapter). The adapter groups
each ION receipt's items into the lines it received on one ERP PO (`ReceiptTarget.lines`, one
`ReceiptLines` per receipt and PO, keyed `receipt_key`), checks them against the PO as the ERP
holds it (closed, other item, over-receipt: dead letters) and plans the receipts
(`ReceiptTarget.plan`); its `writer` posts them through the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from core.writer import Writer
from erp.port.writes import PlannedWrites
from ledger.store import DeadLetter

INTEGRATION = "receipt-sync"


def receipt_key(receipt_id: Any, ion_po_id: Any) -> str:
    return f"{key_prefix(receipt_id)}po:{ion_po_id}"


def key_prefix(receipt_id: Any) -> str:
    """Every key of one receipt starts so (one key per PO it received against)."""
    return f"ion:receipt:{receipt_id}:"


@dataclass(frozen=True)
class JoinKeys:
    """The ION attributes that lead back to the ERP: the PO number on ION's purchase order,
    the line number on its line (ION's own ERP connector keeps them)."""

    po_number: str
    line_number: str


@dataclass
class ReceivedLine:
    """What one receipt received on one ERP PO line (several ION items may add up)."""

    line_number: int  # the ERP's PO line number
    part_number: str  # the ION part
    quantity: float
    location: str  # the ERP location it was received into
    lots: dict[str, float] = field(default_factory=dict)
    serials: list[str] = field(default_factory=list)


@dataclass
class ReceiptLines:
    """One ION receipt's lines against one ERP purchase order: one receipt in the ERP."""

    key: str
    receipt_id: str
    ion_po_id: str
    erp: str  # how a person names the ERP: "NetSuite"
    po_number: str  # the ERP's PO number
    received_at: datetime | None
    created: datetime | None
    lines: dict[int, ReceivedLine] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"ION receipt {self.receipt_id} → {self.erp} {self.po_number}"

    @property
    def source_ref(self) -> str:
        return f"ion:receipt:{self.receipt_id}"


@dataclass
class ParsedReceipts:
    """A page of ION receipts as lines against ERP POs, before the ERP is asked."""

    plans: list[ReceiptLines] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    skipped: int = 0  # items on POs that did not come from this ERP (no join key)
    nothing_to_post: list[str] = field(default_factory=list)  # receipts none of whose items are this ERP's

    def add(self, other: ParsedReceipts) -> None:
        self.plans += other.plans
        self.dead_letters += other.dead_letters
        self.skipped += other.skipped
        self.nothing_to_post += other.nothing_to_post


class ReceiptTarget(Protocol):
    """An ERP that records receipts against its purchase orders (NetSuite: an itemReceipt
    transformed from the purchaseOrder)."""

    @property
    def join_keys(self) -> JoinKeys: ...

    def lines(self, receipts: Sequence[dict[str, Any]]) -> ParsedReceipts:
        """ION receipt nodes (connectors/ion/queries/receipts.graphql, asked with `join_keys`) as
        lines against the ERP's POs; what cannot be mapped is a dead letter. No I/O."""
        ...

    async def plan(self, receipts: Sequence[ReceiptLines]) -> PlannedWrites:
        """Check each against its PO as the ERP holds it now (in order of receipt: two receipts
        cannot together over-receive a line) and build the ERP's receipt (`Postable.key` =
        `ReceiptLines.key`); a dead letter saying what is wrong for each that cannot post."""
        ...

    def writer(self) -> Writer:
        """The engine's writer of planned receipts (`find`: did this receipt land?)."""
        ...
