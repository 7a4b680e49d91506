"""NetSuite behind the ERP port's MatchSource: PO lines and the item receipts and vendor bills made from them (SuiteQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from connectors.netsuite import NetSuiteClient
from erp.netsuite.references import SUITEQL_IN_CHUNK
from erp.netsuite.suiteql import placeholders, suiteql_number, suiteql_past_ceiling
from erp.port.matching import DocumentLine, OrderedLine, PurchasingLines

# Purchase orders not yet approved (P planned, A pending approval, C rejected) expect nothing.
UNAPPROVED_PO_STATUSES = {"P", "A", "C"}
CLOSED_PO_STATUSES = {"H"}
PO_LINES = (
    "SELECT t.id AS po_id, t.tranid AS po, t.status AS status, t.trandate AS trandate, tl.id AS line, "
    "i.itemid AS item, tl.quantity AS ordered, tl.rate AS ordered_rate, tl.isclosed AS closed "
    "FROM transaction t JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'F' "
    "LEFT JOIN item i ON i.id = tl.item WHERE t.type = 'PurchOrd'"
)


def _status_letter(value: Any) -> str:
    """SuiteQL may give `PurchOrd:B` or `B` (reference §1.3)."""
    return str(value or "").rsplit(":", 1)[-1]


class NetSuiteMatching:
    """Approved PO lines, then the ItemRcpt and VendBill lines linked to them."""

    def __init__(self, client: NetSuiteClient) -> None:
        self._client = client

    async def purchasing(
        self, po_numbers: Sequence[str] | None, since: date | None, until: date | None, include_closed: bool
    ) -> PurchasingLines:
        if po_numbers:
            rows = []
            for start in range(0, len(po_numbers), SUITEQL_IN_CHUNK):
                chunk = po_numbers[start : start + SUITEQL_IN_CHUNK]
                rows += await self._client.suiteql_all(f"{PO_LINES} AND t.tranid IN ({placeholders(chunk)})", chunk)
        else:  # every PO line: past SuiteQL's 100,000-row ceiling, a segment at a time
            rows = [
                row async for page in suiteql_past_ceiling(self._client, PO_LINES, "t.id", "po_id", "t.id, tl.id") for row in page
            ]
        skip = UNAPPROVED_PO_STATUSES | (set() if include_closed else CLOSED_PO_STATUSES)
        rows = [r for r in rows if _status_letter(r.get("status")) not in skip]
        if since:
            rows = [r for r in rows if str(r.get("trandate")) >= since.isoformat()]
        if until:
            rows = [r for r in rows if str(r.get("trandate")) < until.isoformat()]
        lines = [
            OrderedLine(
                po_id=str(r.get("po_id")),
                po=str(r.get("po")),
                line=str(r.get("line")),
                item=r.get("item"),
                ordered=suiteql_number(r.get("ordered")),
                ordered_rate=suiteql_number(r.get("ordered_rate")),
                closed=r.get("closed") in ("T", True),
            )
            for r in rows
        ]
        po_ids = sorted({line.po_id for line in lines})
        return PurchasingLines(lines, await self._created_from("ItemRcpt", po_ids), await self._created_from("VendBill", po_ids))

    async def _created_from(self, kind: str, po_ids: list[str]) -> list[DocumentLine]:
        """The `kind` lines (ItemRcpt, VendBill) linked to these POs' lines. SuiteQL does not expose
        `transactionline.orderline`; the link from a receipt or bill line to its PO line is
        `previoustransactionlinelink` (previousdoc/previousline = PO and PO line, nextdoc/nextline =
        the receipt or bill line; see connectors.netsuite.suiteql_schema)."""
        found: list[DocumentLine] = []
        for start in range(0, len(po_ids), SUITEQL_IN_CHUNK):
            chunk = po_ids[start : start + SUITEQL_IN_CHUNK]
            rows = await self._client.suiteql_all(
                "SELECT l.previousdoc AS po_id, l.previousline AS line, tl.quantity AS quantity, tl.foreignamount AS amount "
                "FROM previoustransactionlinelink l "
                "JOIN transactionline tl ON tl.transaction = l.nextdoc AND tl.id = l.nextline "
                f"WHERE l.nexttype = '{kind}' AND l.previousdoc IN ({placeholders(chunk)})",
                chunk,
            )
            found += [
                DocumentLine(
                    po_id=str(r.get("po_id")),
                    line=str(r.get("line")),
                    quantity=abs(suiteql_number(r.get("quantity"))),
                    amount=abs(suiteql_number(r.get("amount"))),
                )
                for r in rows
            ]
        return found
