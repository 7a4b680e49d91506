"""ramp-receipt-sync's rules and steps: ION receipts → Ramp item receipts (the seed's "future
state": PO + receipt + invoice give Ramp its three-way match).

An ION receipt may receive lines of several POs; Ramp's item receipt belongs to one PO, so
each (receipt, PO) pair whose PO lives in Ramp becomes one item receipt, numbered
`<prefix><receipt id>-<PO id>`, keyed `ion:receipt:<id>:po:<id>:ramp-item-receipt`, with
the received quantity per Ramp PO line (looked up in the ledger entry of the PO). Receipts
against POs that are not in Ramp are skipped (another integration owns them); a line Ramp does
not have, or a fractional quantity, is a dead letter.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import ValidationError

from connectors.errors import DataError, TransientError
from connectors.ion.models.receipts import Receipt
from connectors.ramp import WriteResult
from connectors.validation import explain_record_error
from core.ramp_config import RampMappings
from core.writer import dead_letter_row, posted_or_dead
from ledger import Claim, EntryStatus, Outcome
from ledger.store import ClaimRequest, DeadLetter
from payments.ramp.common import (
    RampContext,
    RampPurchaseOrderRef,
    failure_outcome,
)

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


def plan_item_receipts(nodes: list[dict[str, Any]], in_ramp: dict[int, RampPurchaseOrderRef], mappings: RampMappings) -> ReceiptPlan:
    plan = ReceiptPlan()
    for node in nodes:
        try:
            receipt = Receipt.model_validate(node)
        except ValidationError as exc:
            key = f"ion:receipt:{node.get('id')}:ramp-item-receipt"
            plan.dead_letters.append(DeadLetter(key, f"ion:receipt:{node.get('id')}", explain_record_error(f"ION receipt {node.get('id')}", exc)))
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
                    items.append({"purchase_order_line_item_id": ramp_line, "unit_quantity": int(round(quantity))})
            if problems:
                reason = f"ION receipt {receipt.id} on PO {po_id}: " + "; ".join(problems)
                plan.dead_letters.append(DeadLetter(key, f"ion:receipt:{receipt.id}", reason, None, received))
                continue
            number = f"{mappings.item_receipt_prefix}{receipt.id}-{po_id}"
            body = {
                "purchase_order_id": ref.ramp_id,
                "item_receipt_number": number,
                "received_at": received.date().isoformat(),
                "memo": f"ION receipt {receipt.id}",
                "item_receipt_line_items": items,
            }
            plan.ready.append(ReadyItemReceipt(key, receipt.id, po_id, number, received, body))
    return plan


@dataclass
class ReceiptReport:
    posted: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    adopted: int = 0
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0


@task(name="post-ramp-item-receipts", cache_policy=NO_CACHE)
async def post_item_receipts(ctx: RampContext, plan: ReceiptPlan) -> ReceiptReport:
    return await post_item_receipts_page(ctx, plan)


async def post_item_receipts_page(ctx: RampContext, plan: ReceiptPlan) -> ReceiptReport:
    assert ctx.run is not None, "a dry run posts nothing"
    report = ReceiptReport()
    kept = set(ctx.ledger.dead_letter(INTEGRATION, plan.dead_letters, replace_dead=ctx.retry_dead))
    report.dead_letters = [dead_letter_row(d) for d in plan.dead_letters if d.key in kept]
    by_key = {r.key: r for r in plan.ready}
    batch = ctx.ledger.claim(
        INTEGRATION, ctx.run, [ClaimRequest(r.key, f"ion:receipt:{r.receipt_id}", r.received) for r in plan.ready], retry_dead=ctx.retry_dead
    )
    report.already_posted = len(batch.already_posted)
    report.in_flight_elsewhere = len(batch.in_flight_elsewhere)
    existing = await ctx.ramp.item_receipts_by_number([by_key[c.key].number for c in batch.mine]) if batch.mine else {}
    window = asyncio.Semaphore(ctx.ramp.settings.concurrency)

    async def post(claim: Claim) -> Outcome:
        ready = by_key[claim.key]
        async with window:
            try:
                found = existing.get(ready.number)
                result = (
                    WriteResult(found.id, adopted=True)
                    if found is not None
                    else await ctx.ramp.create_item_receipt_once(ready.body, check_first=claim.resolve_first)
                )
            except (DataError, TransientError) as exc:
                return failure_outcome(ctx, claim, exc, f"ION receipt {ready.receipt_id} on PO {ready.po_id} ({ready.number})", ready.body)
        return Outcome(claim.key, EntryStatus.posted, target_id=result.target_id, payload={"number": ready.number, "adopted": result.adopted})

    results = await asyncio.gather(
        *(posted_or_dead(c.key, f"ION receipt {by_key[c.key].receipt_id}", partial(post, c)) for c in batch.mine),
        return_exceptions=True,
    )
    outcomes = [r for r in results if isinstance(r, Outcome)]
    ctx.ledger.record(INTEGRATION, ctx.run, outcomes)
    fatal = next((r for r in results if isinstance(r, BaseException)), None)
    if fatal:
        raise fatal
    for outcome in outcomes:
        ready = by_key[outcome.key]
        if outcome.status is EntryStatus.posted:
            adopted = bool(outcome.payload and outcome.payload.get("adopted"))
            report.adopted += adopted
            report.posted.append(
                {"ion receipt": ready.receipt_id, "ion po": ready.po_id, "ramp number": ready.number,
                 "lines": len(ready.body["item_receipt_line_items"]), "ramp id": outcome.target_id, "adopted": adopted}
            )
        elif outcome.status is EntryStatus.dead:
            report.dead_letters.append(dead_letter_row(DeadLetter(outcome.key, f"ion:receipt:{ready.receipt_id}", outcome.reason or "")))
        else:
            report.failed += 1
    return report


@task(name="resolve-interrupted-ramp-item-receipts", cache_policy=NO_CACHE)
async def resolve_interrupted(ctx: RampContext) -> int:
    """Keys a dead run left pending: ask Ramp whether each item receipt number exists."""
    assert ctx.run is not None
    orphans = ctx.ledger.take_orphans(INTEGRATION, ctx.run)
    if not orphans:
        return 0
    numbers = {c.key: _number(ctx.mappings, c.key) for c in orphans}
    found = await ctx.ramp.item_receipts_by_number(numbers.values())
    outcomes = [
        Outcome(c.key, EntryStatus.posted, target_id=found[numbers[c.key]].id, payload={"number": numbers[c.key], "adopted": True})
        if numbers[c.key] in found
        else Outcome(c.key, EntryStatus.failed, reason="interrupted before Ramp confirmed; not in Ramp, will be created")
        for c in orphans
    ]
    ctx.ledger.record(INTEGRATION, ctx.run, outcomes)
    return len(outcomes)


def _number(mappings: RampMappings, key: str) -> str:
    parts = key.split(":")  # ion:receipt:<id>:po:<id>:ramp-item-receipt
    return f"{mappings.item_receipt_prefix}{parts[2]}-{parts[4]}"
