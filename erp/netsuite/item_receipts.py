"""NetSuite's receipts behind the ERP port (`erp.port.receipts.ReceiptTarget`): read the POs an
ION receipt names (SuiteQL), check every line against what NetSuite says is still open, and
transform each PO into an item receipt that receives only those lines, keyed by external id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connectors.netsuite import NetSuiteClient
from core.config import ErpMappings
from core.writer import Postable, Writer, one_record
from erp.netsuite.receipts import (
    NetSuitePo,
    PoLine,
    external_id,
    item_receipt_body,
    netsuite_problems,
    parse_receipts,
    posted_row,
)
from erp.netsuite.references import suiteql_in
from erp.netsuite.transform_writer import TransformWriter
from erp.port.receipts import INTEGRATION, JoinKeys, ParsedReceipts, ReceiptLines
from erp.port.writes import PlannedWrites
from ledger.store import DeadLetter

ITEM_RECEIPT = "itemReceipt"


class NetSuiteReceipts:
    """Item receipts on NetSuite purchase orders, for one flow run."""

    def __init__(self, netsuite: NetSuiteClient, mappings: ErpMappings) -> None:
        self.netsuite = netsuite
        self.mappings = mappings

    @property
    def join_keys(self) -> JoinKeys:
        purchasing = self.mappings.purchasing
        return JoinKeys(po_number=purchasing.po_number_attribute, line_number=purchasing.line_number_attribute)

    def lines(self, receipts: Sequence[dict[str, Any]]) -> ParsedReceipts:
        return parse_receipts(list(receipts), self.mappings)

    async def plan(self, receipts: Sequence[ReceiptLines]) -> PlannedWrites:
        """One SuiteQL query per 500 POs; `Postable.record` is the PO's internal id."""
        pos = await find_purchase_orders(self.netsuite, {r.po_number for r in receipts})
        planned = PlannedWrites()
        taken: dict[tuple[str, int], float] = {}
        for receipt in sorted(receipts, key=lambda r: (r.received_at or datetime.min, r.receipt_id)):
            po = pos.get(receipt.po_number)
            problems = netsuite_problems(receipt, po, self.mappings, taken)
            if problems or po is None:
                reason = f"{receipt.label}: " + "; ".join(problems)
                planned.dead_letters.append(DeadLetter(receipt.key, receipt.source_ref, reason, None, receipt.created))
                continue
            for number, line in receipt.lines.items():
                taken[(po.id, number)] = taken.get((po.id, number), 0.0) + line.quantity
            with one_record(planned.dead_letters, receipt.key, receipt.source_ref, receipt.label, receipt.created):
                body = item_receipt_body(receipt, po)
                planned.ready.append(
                    Postable(receipt.key, receipt.source_ref, receipt.label, body, posted_row(receipt), receipt.created, po.id)
                )
        return planned

    def writer(self) -> Writer:
        """Item receipts transformed from their purchase order."""
        return TransformWriter(self.netsuite, INTEGRATION, "purchaseOrder", ITEM_RECEIPT, external_id)


async def find_purchase_orders(netsuite: NetSuiteClient, numbers: set[str]) -> dict[str, NetSuitePo]:
    """NetSuite POs by number (tranId) with their lines' ordered, received and closed state."""
    found: dict[str, NetSuitePo] = {}
    sql = (
        "SELECT t.id, t.tranid, t.status, tl.id AS line, i.itemid, tl.quantity, tl.quantityshiprecv, tl.isclosed "
        "FROM transaction t JOIN transactionline tl ON tl.transaction = t.id JOIN item i ON i.id = tl.item "
        "WHERE t.type = 'PurchOrd' AND tl.mainline = 'F' AND t.tranid"
    )
    for row in await suiteql_in(netsuite, sql, numbers):
        number = str(row["tranid"])
        po = found.get(number)
        if po is None:
            status = str(row["status"]).rsplit(":", 1)[-1] if row.get("status") else None
            po = found[number] = NetSuitePo(str(row["id"]), number, status, {})
        line = int(row["line"])
        po.lines[line] = PoLine(
            line=line,
            item=str(row["itemid"]),
            ordered=abs(float(row.get("quantity") or 0)),
            received=abs(float(row.get("quantityshiprecv") or 0)),
            closed=str(row.get("isclosed")) == "T",
        )
    return found
