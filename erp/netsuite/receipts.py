"""receipt-sync's rules, free of I/O: ION receipts → NetSuite item receipt bodies.

Seed 002 ("ION → ERP", "The 3-way match"): what the dock received in ION becomes an item
receipt on the originating NetSuite PO, so PO, receipt and vendor bill can be matched. One ION
receipt may cover lines of several POs: it becomes one item receipt per PO, keyed
`ion:receipt:<receipt id>:po:<ION PO id>` (NetSuite `externalId` `ion-receipt-<id>-po-<po>`).
Lines are matched by the join keys ION's own NetSuite connector keeps: the PO attribute with
the NetSuite PO number and the line attribute with the NetSuite line number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.config import ErpMappings
from erp.port.receipts import ParsedReceipts, ReceiptLines, line_problems
from erp.port.receipts import parse_receipts as parse_for_erp
from erp.port.terms import ErpTerms

# NetSuite PO statuses (reference §1.3) an item receipt cannot be made from.
UNRECEIVABLE = {"A": "pending supervisor approval", "C": "rejected by supervisor", "P": "pending approval", "H": "closed"}


def external_id(key: str) -> str:
    """`ion:receipt:7:po:2` → `ion-receipt-7-po-2` (NetSuite external ids avoid ':')."""
    return key.replace(":", "-")


@dataclass(frozen=True)
class PoLine:
    """A NetSuite PO line as SuiteQL reports it."""

    line: int
    item: str  # item name (itemid)
    ordered: float
    received: float
    closed: bool

    @property
    def remaining(self) -> float:
        return self.ordered - self.received


@dataclass(frozen=True)
class NetSuitePo:
    id: str
    number: str
    status: str | None
    lines: dict[int, PoLine]


def parse_receipts(nodes: list[dict[str, Any]], mappings: ErpMappings) -> ParsedReceipts:
    """ION receipts as lines against NetSuite POs (erp.port.receipts.parse_receipts)."""
    return parse_for_erp(nodes, ErpTerms.of("NetSuite", "netsuite", mappings))


def netsuite_problems(
    plan: ReceiptLines, po: NetSuitePo | None, mappings: ErpMappings, taken: dict[tuple[str, int], float]
) -> list[str]:
    """What NetSuite's side of the match says is wrong. `taken`: quantities earlier receipts of
    this page will receive per (PO, line), so two receipts cannot together over-receive."""
    if po is None:
        return [f"NetSuite has no purchase order {plan.po_number}"]
    if po.status in UNRECEIVABLE:
        return [f"NetSuite PO {po.number} is {UNRECEIVABLE[po.status]} (status {po.status}); it cannot be received"]
    return line_problems(plan, ErpTerms.of("NetSuite", "netsuite", mappings), po.id, po.number, dict(po.lines), taken)


def item_receipt_body(plan: ReceiptLines, po: NetSuitePo) -> dict[str, Any]:
    """The transform body: every open PO line is sent, received or explicitly not (reference
    §1.5: lines left out may be received in full by NetSuite's defaults)."""
    lines: list[dict[str, Any]] = []
    for number in sorted(po.lines):
        received = plan.lines.get(number)
        if received is None:
            if not po.lines[number].closed and po.lines[number].remaining > 0:
                lines.append({"orderLine": number, "itemReceive": False})
            continue
        line: dict[str, Any] = {
            "orderLine": number,
            "itemReceive": True,
            "quantity": received.quantity,
            "location": {"id": received.location},
        }
        assignments = [{"receiptInventoryNumber": lot, "quantity": qty} for lot, qty in received.lots.items()]
        assignments += [{"receiptInventoryNumber": serial, "quantity": 1} for serial in received.serials]
        if assignments:
            line["inventoryDetail"] = {"inventoryAssignment": {"items": assignments}}
        lines.append(line)
    body: dict[str, Any] = {
        "externalId": external_id(plan.key),
        "memo": f"ION receipt {plan.receipt_id}",
        "item": {"items": lines},
    }
    if plan.received_at:
        body["tranDate"] = plan.received_at.date().isoformat()
    return body


def posted_row(plan: ReceiptLines) -> dict[str, Any]:
    return {
        "receipt": plan.receipt_id,
        "NetSuite PO": plan.po_number,
        "lines": ", ".join(f"{n}: {line.part_number} × {line.quantity:g}" for n, line in sorted(plan.lines.items())),
    }
