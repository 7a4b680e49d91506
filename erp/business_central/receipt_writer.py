"""The engine's writer of Business Central receipts: set `receiveQuantity` on the order's lines
(every other open line 0, nothing invoiced), then post with `Microsoft.NAV.receiveAndInvoice`
(README facts 15-18).

BC has no idempotency key and no field ion-sync can set that reaches the posted receipt (fact
21), so whether a receipt landed is read back from BC: `find` looks for a posted receipt of the
order (`purchaseReceipts`, `orderNumber`) on the receipt's posting date whose lines
(`purchaseReceiptLines`) are exactly this receipt's items and quantities. The action's
documented false alarm (`Internal_DataNotFoundFilter` after the receipt was posted, fact 16) and
every uncertain answer go through that `find`; a posting is never sent twice on a guess.
Receipts of one order are posted one at a time (they share the order's lines).

Two ION receipts of the same order, day, items and quantities look alike in BC: a posted receipt
the ledger (or this run) already gives to another key is never taken for this one (`Attribution`).
What stays ambiguous: a receipt posted in BC by a person with the very same content."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.business_central import BusinessCentralClient, EtagMismatch, key, literal
from connectors.errors import ContractError, DataError, TransientError
from core.writer import Landed, Postable, Writer
from erp.business_central.attribution import Attribution
from ledger import Claim

TARGET = "Business Central"
POSTED_BUT_ERRORED = "Internal_DataNotFoundFilter"  # fact 16: the receipt is posted, the invoice lookup fails
Signature = Counter[tuple[str, float]]


def receipt_body(order_number: str, posting_date: str, lines: Mapping[int, tuple[str, float]]) -> dict[str, Any]:
    """What a receipt posts: per order line `sequence`, the item and the quantity received."""
    return {
        "purchaseOrder": order_number,
        "postingDate": posting_date,
        "lines": [{"sequence": s, "item": item, "quantity": q} for s, (item, q) in sorted(lines.items())],
    }


def signature(lines: Sequence[Mapping[str, Any]], item: str = "item") -> Signature:
    return Counter((str(line[item]), round(float(line["quantity"]), 5)) for line in lines)


class ReceiptWriter(Writer):
    """`Postable.record` is the order's id (GUID); `Postable.body` is `receipt_body(...)`. The
    target id is the posted receipt's number."""

    target = TARGET

    def __init__(
        self,
        bc: BusinessCentralClient,
        integration: str,
        planned: dict[str, Postable] | None = None,
        database_url: str | None = None,
    ) -> None:
        self.bc = bc
        self.integration = integration
        self.planned = planned if planned is not None else {}  # by key: shared with the target that planned them
        self._orders: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.attribution = Attribution(database_url, integration)

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        self.planned.update({item.key: item for item in items})
        self.attribution.refresh()
        return {}

    async def find(self, claim: Claim) -> str | Landed | None:
        item = self.planned.get(claim.key)
        return await self._posted(item) if item else None

    async def write(self, items: Sequence[Postable]) -> Sequence[str | Landed | Exception]:
        return [await self._write_one(item) for item in items]

    async def _write_one(self, item: Postable) -> str | Landed | Exception:
        order_id = str(item.record)
        async with self._orders[order_id]:
            try:
                await self._set_quantities(order_id, item.body)
                await self.bc.action(f"purchaseOrders{key(order_id)}", "receiveAndInvoice")
            except DataError as exc:
                if exc.code != POSTED_BUT_ERRORED:
                    return exc
                # posted, then the invoice lookup failed (fact 16): the receipt is there to read back
                found = await self._posted(item)
                return found or TransientError(f"{item.label}: {exc}; no posted receipt matches it yet", uncertain=True)
            except TransientError as exc:
                return exc  # an uncertain posting is `find`'s to settle before anything is sent again
            found = await self._posted(item)
            if not found:
                raise ContractError(f"{item.label}: Business Central answered 204 to receiveAndInvoice but shows no such receipt")
            return found

    async def _set_quantities(self, order_id: str, body: dict[str, Any]) -> None:
        """Every line of the order: `receiveQuantity` = this receipt's quantity, else 0 (a line's
        default is its outstanding quantity, fact 18); `invoiceQuantity` 0 (bills come from AP).
        The posting date first, so the posted receipt carries the day ION received. Setting values
        is safe to repeat: after a stale etag or a lost answer the order is read again and only
        what still differs is sent."""
        wanted = {int(line["sequence"]): float(line["quantity"]) for line in body["lines"]}
        for _ in range(len(wanted) + 8):
            order = await self.bc.get(f"purchaseOrders{key(order_id)}", **{"$expand": "purchaseOrderLines"})
            if order is None:
                raise DataError(f"Business Central has no purchase order {body['purchaseOrder']} any more", status=404)
            changes: list[tuple[str, str, dict[str, Any]]] = []
            if order.get("postingDate") != body["postingDate"]:
                changes.append((f"purchaseOrders{key(order_id)}", order["@odata.etag"], {"postingDate": body["postingDate"]}))
            for line in order.get("purchaseOrderLines") or []:
                fields = {"receiveQuantity": wanted.get(int(line["sequence"]), 0.0), "invoiceQuantity": 0.0}
                if any(float(line.get(name) or 0) != value for name, value in fields.items()):
                    changes.append((f"purchaseOrderLines{key(line['id'])}", line["@odata.etag"], fields))
            if not changes:
                return
            try:
                for path, etag, fields in changes:
                    await self.bc.update(path, etag, fields)
            except EtagMismatch:
                continue
            except TransientError as exc:
                if not exc.uncertain:
                    raise
        raise TransientError(f"purchase order {body['purchaseOrder']} keeps changing in Business Central")

    async def _posted(self, item: Postable) -> str | None:
        """The number of a posted receipt of this order, on this date, with exactly these lines,
        that no other key owns."""
        body = item.body
        receipts = await self.bc.all(
            "purchaseReceipts",
            **{
                "$filter": f"orderNumber eq {literal(body['purchaseOrder'])} and postingDate eq {body['postingDate']}",
                "$expand": "purchaseReceiptLines",
            },
        )
        wanted = signature(body["lines"])
        for receipt in sorted(receipts, key=lambda r: str(r.get("number")), reverse=True):
            lines = [line for line in receipt.get("purchaseReceiptLines") or [] if float(line.get("quantity") or 0)]
            number = str(receipt["number"])
            if self.attribution.free_for(number, item.key) and signature(lines, "lineObjectNumber") == wanted:
                self.attribution.give(number, item.key)
                return number
        return None
