"""receipt-sync's rules, free of I/O: ION receipts → NetSuite item receipt bodies.

Seed 002 ("ION → ERP", "The 3-way match"): what the dock received in ION becomes an item
receipt on the originating NetSuite PO, so PO, receipt and vendor bill can be matched. One ION
receipt may cover lines of several POs: it becomes one item receipt per PO, keyed
`ion:receipt:<receipt id>:po:<ION PO id>` (NetSuite `externalId` `ion-receipt-<id>-po-<po>`).
Lines are matched by the join keys ION's own NetSuite connector keeps: the PO attribute with
the NetSuite PO number and the line attribute with the NetSuite line number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from connectors.validation import LARGEST_NUMBER, shown
from core.config import ErpMappings
from core.times import parse_time
from core.writer import one_record
from erp.port.receipts import ParsedReceipts, ReceiptLines, ReceivedLine, key_prefix, receipt_key
from ledger.store import DeadLetter

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
    """Group each receipt's items by PO and check what can be checked without NetSuite.
    A problem anywhere in a receipt's items for one PO makes that (receipt, PO) a dead letter:
    half a receipt posted is worse than none."""
    parsed = ParsedReceipts()
    for node in nodes:
        receipt_id = str(node.get("id"))
        label, created = f"ION receipt {receipt_id}", parse_time(node.get("_created"))
        with one_record(parsed.dead_letters, f"{key_prefix(receipt_id)}shape", f"ion:receipt:{receipt_id}", label, created):
            parsed.add(_parse_receipt(node, mappings))
    return parsed


def _parse_receipt(node: dict[str, Any], mappings: ErpMappings) -> ParsedReceipts:
    parsed = ParsedReceipts()
    locations = mappings.location_map
    receipt_id = str(node.get("id"))
    created = parse_time(node.get("_created"))
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, item in enumerate(node.get("receiptItems") or []):
        po_line = item.get("purchaseOrderLine") or {}
        po = po_line.get("purchaseOrder") or {}
        if not po.get("id"):
            parsed.dead_letters.append(
                DeadLetter(
                    f"ion:receipt:{receipt_id}:item:{item.get('id')}",
                    f"ion:receipt:{receipt_id}",
                    f"ION receipt {receipt_id}: receiptItems[{index}] (item {item.get('id')}) names no purchase order line",
                    {"receipt": node},
                    created,
                )
            )
            continue
        groups[str(po["id"])].append((index, item))
    for ion_po_id, items in groups.items():
        po = items[0][1]["purchaseOrderLine"]["purchaseOrder"]
        number = _attribute(po)
        if not number:
            parsed.skipped += len(items)  # an ION-only PO, or another integration's
            continue
        plan = ReceiptLines(
            receipt_key(receipt_id, ion_po_id),
            receipt_id,
            ion_po_id,
            "NetSuite",
            number,
            parse_time(node.get("receivedAt")),
            created,
        )
        problems = [p for index, item in items if (p := _add_item(plan, index, item, mappings, locations))]
        if problems:
            parsed.dead_letters.append(
                DeadLetter(plan.key, plan.source_ref, f"{plan.label}: " + "; ".join(problems), {"receipt": node}, created)
            )
        else:
            parsed.plans.append(plan)
    if not parsed.plans and not parsed.dead_letters:
        parsed.nothing_to_post.append(receipt_id)
    return parsed


def _add_item(
    plan: ReceiptLines, index: int, item: dict[str, Any], mappings: ErpMappings, locations: dict[int, str]
) -> str | None:
    where = f"receiptItems[{index}] (item {item.get('id')})"
    po_line = item["purchaseOrderLine"]
    part = (po_line.get("part") or {}).get("partNumber")
    quantity = item.get("quantity")
    if not isinstance(quantity, int | float) or not 0 < quantity <= LARGEST_NUMBER:  # NaN and Infinity fail too
        return f"{where}: quantity must be a positive number up to {LARGEST_NUMBER:,}, got {shown(quantity)}"
    if po_line.get("status") == "CANCELED":
        return f"{where}: received against PO line {po_line.get('id')}, which is canceled in ION"
    if not part:
        return f"{where}: PO line {po_line.get('id')} has no part (a non-inventory line has nothing to receive in NetSuite)"
    raw_line = _attribute(po_line)
    try:
        line_number = int(str(raw_line))
    except ValueError:
        attribute = mappings.purchasing.line_number_attribute
        return (
            f"{where}: PO line {po_line.get('id')} ({part}) has no valid '{attribute}' ({raw_line!r}): "
            "a line added in ION is unknown to NetSuite; add it to the NetSuite PO and sync the PO again"
        )
    inventory = item.get("partInventory") or {}
    location_id = inventory.get("locationId")
    location = locations.get(int(location_id)) if location_id is not None else None
    if location is None:
        return f"{where}: ION location {location_id} is not mapped to a NetSuite location (netsuite.locations)"
    line = plan.lines.get(line_number)
    if line is None:
        line = plan.lines[line_number] = ReceivedLine(line_number, part, 0.0, location)
    elif line.location != location:
        return f"{where}: line {line_number} is received into two NetSuite locations in one receipt ({line.location}, {location})"
    line.quantity += float(quantity)
    if inventory.get("serialNumber"):
        line.serials.append(str(inventory["serialNumber"]))
    elif inventory.get("lotNumber"):
        lot = str(inventory["lotNumber"])
        line.lots[lot] = line.lots.get(lot, 0.0) + float(quantity)
    return None


def netsuite_problems(
    plan: ReceiptLines, po: NetSuitePo | None, mappings: ErpMappings, taken: dict[tuple[str, int], float]
) -> list[str]:
    """What NetSuite's side of the match says is wrong. `taken`: quantities earlier receipts of
    this page will receive per (PO, line), so two receipts cannot together over-receive."""
    if po is None:
        return [f"NetSuite has no purchase order {plan.po_number}"]
    if po.status in UNRECEIVABLE:
        return [f"NetSuite PO {po.number} is {UNRECEIVABLE[po.status]} (status {po.status}); it cannot be received"]
    problems = []
    for number, line in sorted(plan.lines.items()):
        ns_line = po.lines.get(number)
        if ns_line is None:
            problems.append(f"NetSuite PO {po.number} has no line {number}")
            continue
        if ns_line.closed:
            problems.append(f"line {number} of NetSuite PO {po.number} is closed")
            continue
        expected = mappings.item_name(line.part_number)
        if ns_line.item != expected:
            problems.append(
                f"line {number} of NetSuite PO {po.number} is item {ns_line.item}, but ION received {line.part_number}"
            )
            continue
        remaining = ns_line.remaining - taken.get((po.id, number), 0.0)
        if line.quantity > remaining + 1e-9:
            problems.append(
                f"over-receipt on line {number} ({line.part_number}): receives {line.quantity:g}, "
                f"{max(remaining, 0):g} remaining ({ns_line.ordered:g} ordered, {ns_line.received:g} received in NetSuite)"
            )
    return problems


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


def _attribute(record: dict[str, Any]) -> str | None:
    """The value of the single attribute the query asked for (`Attributes(filters: key eq …)`)."""
    values = [a.get("value") for a in record.get("Attributes") or [] if a and a.get("value") not in (None, "")]
    return str(values[0]).strip() if values else None
