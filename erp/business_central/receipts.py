"""Business Central's receipts behind the ERP port (`erp.port.receipts.ReceiptTarget`): read the
orders an ION receipt names (with their lines), check each line against what BC says is still
outstanding, and post each receipt through `ReceiptWriter` (receiveQuantity, then
receiveAndInvoice, read back from the posted receipts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connectors.business_central import BusinessCentralClient, literal
from core.config import ErpMappings
from core.writer import Postable, Writer, one_record
from erp.business_central.receipt_writer import ReceiptWriter, receipt_body
from erp.business_central.references import BcReferences
from erp.port.receipts import INTEGRATION, JoinKeys, ParsedReceipts, ReceiptLines, parse_receipts
from erp.port.terms import ErpTerms
from erp.port.writes import PlannedWrites
from ledger.store import DeadLetter

ERP = "Business Central"
UNRECEIVABLE = {"In Review": "pending approval"}  # INFERENCE (README fact 13)


class BusinessCentralReceipts:
    def __init__(
        self,
        bc: BusinessCentralClient,
        mappings: ErpMappings,
        references: BcReferences,
        integration: str = INTEGRATION,
        database_url: str | None = None,
    ) -> None:
        self.database_url = database_url
        self.bc = bc
        self.mappings = mappings
        self.references = references
        self.integration = integration
        self.planned: dict[str, Postable] = {}  # what `plan` made, by key: the writer's `find` reads it

    @property
    def join_keys(self) -> JoinKeys:
        purchasing = self.mappings.purchasing
        return JoinKeys(po_number=purchasing.po_number_attribute, line_number=purchasing.line_number_attribute)

    def lines(self, receipts: Sequence[dict[str, Any]]) -> ParsedReceipts:
        return parse_receipts(receipts, ErpTerms.of(ERP, "business_central", self.mappings))

    async def plan(self, receipts: Sequence[ReceiptLines]) -> PlannedWrites:
        """`Postable.record` is the order's id; receipts in order of receipt (two cannot together over-receive)."""
        await self.references.load()
        orders = await self._orders({r.po_number for r in receipts})
        planned = PlannedWrites()
        taken: dict[tuple[str, int], float] = {}
        for receipt in sorted(receipts, key=lambda r: (r.received_at or datetime.min, r.receipt_id)):
            order = orders.get(receipt.po_number)
            problems = self.problems(receipt, order, taken)
            if problems or order is None:
                reason = f"{receipt.label}: " + "; ".join(problems)
                planned.dead_letters.append(DeadLetter(receipt.key, receipt.source_ref, reason, None, receipt.created))
                continue
            for number, line in receipt.lines.items():
                taken[(order["id"], number)] = taken.get((order["id"], number), 0.0) + line.quantity
            with one_record(planned.dead_letters, receipt.key, receipt.source_ref, receipt.label, receipt.created):
                day = (receipt.received_at or receipt.created or datetime.now()).date().isoformat()
                body = receipt_body(
                    order["number"], day, {n: (line_item(order, n), line.quantity) for n, line in receipt.lines.items()}
                )
                row = {
                    "receipt": receipt.receipt_id,
                    "BC PO": receipt.po_number,
                    "lines": ", ".join(
                        f"{n}: {line.part_number} × {line.quantity:g}" for n, line in sorted(receipt.lines.items())
                    ),
                }
                planned.ready.append(
                    Postable(receipt.key, receipt.source_ref, receipt.label, body, row, receipt.created, order["id"])
                )
        return planned

    def problems(self, receipt: ReceiptLines, order: dict[str, Any] | None, taken: dict[tuple[str, int], float]) -> list[str]:
        if order is None:
            return [f"Business Central has no purchase order {receipt.po_number}"]
        if order.get("status") in UNRECEIVABLE:
            return [
                f"BC PO {receipt.po_number} is {UNRECEIVABLE[order['status']]} (status {order['status']}); it cannot be received"
            ]
        lines = {int(line["sequence"]): line for line in order.get("purchaseOrderLines") or []}
        problems = []
        for number, line in sorted(receipt.lines.items()):
            bc_line = lines.get(number)
            if bc_line is None:
                problems.append(f"BC PO {receipt.po_number} has no line {number}")
                continue
            expected = self.mappings.item_name(line.part_number)
            if bc_line.get("lineType") != "Item" or bc_line.get("lineObjectNumber") != expected:
                problems.append(
                    f"line {number} of BC PO {receipt.po_number} is {bc_line.get('lineType')} {bc_line.get('lineObjectNumber')}, but ION received {line.part_number}"
                )
                continue
            bc_location = self.references.location_codes.get(str(bc_line.get("locationId") or "").lower())
            if bc_location != line.location:
                problems.append(
                    f"line {number} of BC PO {receipt.po_number} receives at location {bc_location or '(none)'}, but ION received "
                    f"into {line.location}: change the line's location in BC, or the ION location mapping"
                )
                continue
            if line.lots or line.serials:
                numbers = ", ".join([*line.lots, *line.serials])
                problems.append(
                    f"line {number} ({line.part_number}) was received with lot/serial {numbers}: Business Central's API v2.0 "
                    "has no item tracking on purchase lines, so post this receipt in BC (README, Business Central)"
                )
                continue
            ordered, received = float(bc_line.get("quantity") or 0), float(bc_line.get("receivedQuantity") or 0)
            remaining = ordered - received - taken.get((order["id"], number), 0.0)
            if line.quantity > remaining + 1e-9:
                problems.append(
                    f"over-receipt on line {number} ({line.part_number}): receives {line.quantity:g}, "
                    f"{max(remaining, 0):g} remaining ({ordered:g} ordered, {received:g} received in Business Central)"
                )
        return problems

    async def _orders(self, numbers: set[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        ordered = sorted(numbers)
        for start in range(0, len(ordered), 20):
            query = " or ".join(f"number eq {literal(n)}" for n in ordered[start : start + 20])
            for order in await self.bc.all("purchaseOrders", **{"$filter": query, "$expand": "purchaseOrderLines"}):
                found[str(order["number"])] = order
        return found

    def writer(self) -> Writer:
        return ReceiptWriter(self.bc, self.integration, self.planned, self.database_url)


def line_item(order: dict[str, Any], sequence: int) -> str:
    return next(str(line["lineObjectNumber"]) for line in order["purchaseOrderLines"] if int(line["sequence"]) == sequence)
