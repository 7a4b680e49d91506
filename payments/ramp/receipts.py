"""ramp-receipt-sync's rules and writer: ION receipts → Ramp item receipts (the seed's "future
state": PO + receipt + invoice give Ramp its three-way match).

An ION receipt may receive lines of several POs; Ramp's item receipt belongs to one PO, so
each (receipt, PO) pair whose PO lives in Ramp becomes one item receipt, numbered
`<prefix><receipt id>-<PO id>`, keyed `ion:receipt:<id>:po:<id>:ramp-item-receipt`, with
the received quantity per Ramp PO line (looked up in the ledger entry of the PO). Receipts
against POs that are not in Ramp are skipped (another integration owns them); a line Ramp does
not have, or a fractional quantity, is a dead letter. `ItemReceiptWriter` runs on the writer
engine (`core.writer`): Ramp has no idempotency key, so a number Ramp already has is adopted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from connectors.ion.models.receipts import Receipt
from connectors.ramp import WriteResult
from connectors.validation import explain_record_error
from core.ramp_config import RampMappings
from core.writer import Postable, PostReport, resolve_orphans, write_page
from ledger.store import DeadLetter
from payments.ramp.common import AdoptingWriter, RampContext, RampPurchaseOrderRef

INTEGRATION = "ramp-receipt-sync"


def item_receipt_key(receipt_id: int, po_id: int) -> str:
    return f"ion:receipt:{receipt_id}:po:{po_id}:ramp-item-receipt"


@dataclass(frozen=True)
class ReadyItemReceipt:
    key: str
    receipt_id: int
    po_id: int
    number: str
    received: datetime
    body: dict[str, Any]


@dataclass
class ReceiptPlan:
    ready: list[ReadyItemReceipt] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    not_in_ramp: int = 0
    already_settled: int = 0  # left out: posted earlier (the ledger)


def plan_item_receipts(
    nodes: list[dict[str, Any]], in_ramp: dict[int, RampPurchaseOrderRef], mappings: RampMappings
) -> ReceiptPlan:
    plan = ReceiptPlan()
    for node in nodes:
        try:
            receipt = Receipt.model_validate(node)
        except ValidationError as exc:
            key = f"ion:receipt:{node.get('id')}:ramp-item-receipt"
            plan.dead_letters.append(
                DeadLetter(key, f"ion:receipt:{node.get('id')}", explain_record_error(f"ION receipt {node.get('id')}", exc))
            )
            continue
        received = receipt.receivedAt or receipt.created
        by_po: dict[int, dict[int, float]] = {}
        for item in receipt.receiptItems:
            if item.purchaseOrderLine is None:
                continue
            lines = by_po.setdefault(item.purchaseOrderLine.purchaseOrderId, {})
            lines[item.purchaseOrderLine.id] = lines.get(item.purchaseOrderLine.id, 0.0) + (item.quantity or 0.0)
        for po_id, quantities in sorted(by_po.items()):
            ref = in_ramp.get(po_id)
            if ref is None:
                plan.not_in_ramp += 1
                continue
            key = item_receipt_key(receipt.id, po_id)
            problems, items = [], []
            for line_id, quantity in sorted(quantities.items()):
                ramp_line = ref.lines.get(line_id)
                if ramp_line is None:
                    problems.append(f"line {line_id} is not on Ramp PO {ref.number} (added after the PO was created in Ramp?)")
                elif quantity <= 0 or abs(quantity - round(quantity)) > 1e-9:
                    problems.append(f"line {line_id} received {quantity}: Ramp takes whole units above zero")
                else:
                    items.append({"purchase_order_line_item_id": ramp_line, "unit_quantity": round(quantity)})
            if problems:
                reason = f"ION receipt {receipt.id} on PO {po_id}: " + "; ".join(problems)
                plan.dead_letters.append(DeadLetter(key, f"ion:receipt:{receipt.id}", reason, None, received))
                continue
            number = item_receipt_number(mappings, key)
            body = {
                "purchase_order_id": ref.ramp_id,
                "item_receipt_number": number,
                "received_at": received.date().isoformat(),
                "memo": f"ION receipt {receipt.id}",
                "item_receipt_line_items": items,
            }
            plan.ready.append(ReadyItemReceipt(key, receipt.id, po_id, number, received, body))
    return plan


class ItemReceiptWriter(AdoptingWriter):
    """(ION receipt, PO) pairs into Ramp item receipts, one create each; `prepare` looks the
    claimed numbers up in Ramp, so an item receipt Ramp already has is adopted."""

    integration = INTEGRATION

    def __init__(self, ctx: RampContext) -> None:
        super().__init__(ctx.ramp.item_receipts_by_number)
        self.ctx = ctx

    def number(self, key: str) -> str:
        return item_receipt_number(self.ctx.mappings, key)

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        self.remember(items, await self.ctx.ramp.item_receipts_by_number([item.record.number for item in items]))
        return {}

    async def create(self, item: Postable) -> WriteResult:
        return await self.ctx.ramp.create_item_receipt_once(item.body, check_first=False)


def postable(ready: ReadyItemReceipt) -> Postable:
    row = {
        "ion receipt": ready.receipt_id,
        "ion po": ready.po_id,
        "ramp number": ready.number,
        "lines": len(ready.body["item_receipt_line_items"]),
        "ramp id": None,
        "adopted": False,
    }
    label = f"ION receipt {ready.receipt_id} on PO {ready.po_id} ({ready.number})"
    return Postable(ready.key, f"ion:receipt:{ready.receipt_id}", label, ready.body, row, ready.received, ready)


async def post_item_receipts(ctx: RampContext, plan: ReceiptPlan) -> PostReport:
    """Keep the page's dead letters, claim its item receipts, adopt those Ramp already has, create the rest."""
    assert ctx.run is not None, "a dry run posts nothing"
    return await write_page(
        ctx.ledger,
        ctx.run,
        ItemReceiptWriter(ctx),
        [postable(r) for r in plan.ready],
        plan.dead_letters,
        window=ctx.window,
        retry_dead=ctx.retry_dead,
        max_attempts=ctx.max_attempts,
    )


async def resolve_interrupted(ctx: RampContext) -> int:
    """Keys a dead run left pending: ask Ramp whether each item receipt number exists."""
    assert ctx.run is not None
    return await resolve_orphans(ctx.ledger, ctx.run, ItemReceiptWriter(ctx))


def item_receipt_number(mappings: RampMappings, key: str) -> str:
    parts = key.split(":")  # ion:receipt:<id>:po:<id>:ramp-item-receipt
    return f"{mappings.item_receipt_prefix}{parts[2]}-{parts[4]}"
