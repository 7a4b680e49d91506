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

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from connectors.validation import LARGEST_NUMBER, shown
from core.times import parse_time
from core.writer import Writer, one_record
from erp.port.terms import ErpTerms
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


def parse_receipts(nodes: Sequence[dict[str, Any]], erp: ErpTerms) -> ParsedReceipts:
    """Group each receipt's items by PO and check what can be checked without the ERP.
    A problem anywhere in a receipt's items for one PO makes that (receipt, PO) a dead letter:
    half a receipt posted is worse than none."""
    parsed = ParsedReceipts()
    for node in nodes:
        receipt_id = str(node.get("id"))
        label, created = f"ION receipt {receipt_id}", parse_time(node.get("_created"))
        with one_record(parsed.dead_letters, f"{key_prefix(receipt_id)}shape", f"ion:receipt:{receipt_id}", label, created):
            parsed.add(_parse_receipt(node, erp))
    return parsed


def _parse_receipt(node: dict[str, Any], erp: ErpTerms) -> ParsedReceipts:
    parsed = ParsedReceipts()
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
            erp.name,
            number,
            parse_time(node.get("receivedAt")),
            created,
        )
        problems = [p for index, item in items if (p := _add_item(plan, index, item, erp))]
        if problems:
            parsed.dead_letters.append(
                DeadLetter(plan.key, plan.source_ref, f"{plan.label}: " + "; ".join(problems), {"receipt": node}, created)
            )
        else:
            parsed.plans.append(plan)
    if not parsed.plans and not parsed.dead_letters:
        parsed.nothing_to_post.append(receipt_id)
    return parsed


def _add_item(plan: ReceiptLines, index: int, item: dict[str, Any], erp: ErpTerms) -> str | None:
    where = f"receiptItems[{index}] (item {item.get('id')})"
    po_line = item["purchaseOrderLine"]
    part = (po_line.get("part") or {}).get("partNumber")
    quantity = item.get("quantity")
    if not isinstance(quantity, int | float) or not 0 < quantity <= LARGEST_NUMBER:  # NaN and Infinity fail too
        return f"{where}: quantity must be a positive number up to {LARGEST_NUMBER:,}, got {shown(quantity)}"
    if po_line.get("status") == "CANCELED":
        return f"{where}: received against PO line {po_line.get('id')}, which is canceled in ION"
    if not part:
        return f"{where}: PO line {po_line.get('id')} has no part (a non-inventory line has nothing to receive in {erp.name})"
    raw_line = _attribute(po_line)
    try:
        line_number = int(str(raw_line))
    except ValueError:
        return (
            f"{where}: PO line {po_line.get('id')} ({part}) has no valid '{erp.line_number_attribute}' ({raw_line!r}): "
            f"a line added in ION is unknown to {erp.name}; add it to the {erp.name} PO and sync the PO again"
        )
    inventory = item.get("partInventory") or {}
    location_id = inventory.get("locationId")
    location = erp.locations.get(int(location_id)) if location_id is not None else None
    if location is None:
        return f"{where}: ION location {location_id} is not mapped to a {erp.name} location ({erp.section}.locations)"
    line = plan.lines.get(line_number)
    if line is None:
        line = plan.lines[line_number] = ReceivedLine(line_number, part, 0.0, location)
    elif line.location != location:
        return (
            f"{where}: line {line_number} is received into two {erp.name} locations in one receipt ({line.location}, {location})"
        )
    line.quantity += float(quantity)
    if inventory.get("serialNumber"):
        line.serials.append(str(inventory["serialNumber"]))
    elif inventory.get("lotNumber"):
        lot = str(inventory["lotNumber"])
        line.lots[lot] = line.lots.get(lot, 0.0) + float(quantity)
    return None


def _attribute(record: dict[str, Any]) -> str | None:
    """The value of the single attribute the query asked for (`Attributes(filters: key eq …)`)."""
    values = [a.get("value") for a in record.get("Attributes") or [] if a and a.get("value") not in (None, "")]
    return str(values[0]).strip() if values else None


class OrderLine(Protocol):
    """An ERP PO line as the receipt checks see it."""

    @property
    def item(self) -> str | None: ...

    @property
    def ordered(self) -> float: ...

    @property
    def received(self) -> float: ...

    @property
    def closed(self) -> bool: ...


def line_problems(
    receipt: ReceiptLines,
    erp: ErpTerms,
    po_key: Any,
    po_number: str,
    lines: dict[int, OrderLine],
    taken: dict[tuple[Any, int], float],
) -> list[str]:
    """What the ERP's PO says is wrong with the lines a receipt receives: a line it lacks or closed,
    another item, an over-receipt. `taken`: what earlier receipts of the page receive per (PO, line),
    so two receipts cannot together over-receive."""
    problems = []
    for number, line in sorted(receipt.lines.items()):
        erp_line = lines.get(number)
        if erp_line is None:
            problems.append(f"{erp.name} PO {po_number} has no line {number}")
            continue
        if erp_line.closed:
            problems.append(f"line {number} of {erp.name} PO {po_number} is closed")
            continue
        if erp_line.item != erp.item_name(line.part_number):
            problems.append(
                f"line {number} of {erp.name} PO {po_number} is item {erp_line.item}, but ION received {line.part_number}"
            )
            continue
        remaining = erp_line.ordered - erp_line.received - taken.get((po_key, number), 0.0)
        if line.quantity > remaining + 1e-9:
            problems.append(
                f"over-receipt on line {number} ({line.part_number}): receives {line.quantity:g}, {max(remaining, 0):g} "
                f"remaining ({erp_line.ordered:g} ordered, {erp_line.received:g} received in {erp.name})"
            )
    return problems


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
