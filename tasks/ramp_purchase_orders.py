"""ramp-purchase-order-sync's rules and steps: ION purchase orders → Ramp purchase orders.

`plan_purchase_orders` is pure: one Ramp `ApiPurchaseOrderCreateParamsRequestBody` per ION PO
(number `<prefix>-<ION id>`, the supplier's Ramp vendor, currency, entity, three-way match,
uncanceled lines with unit price as a decimal in major units and whole-unit quantities). A PO
that cannot be sent is a dead letter saying what to fix.

Each line's `description` (the only free-text field of a line that Ramp both takes and returns:
`ApiPurchaseOrderLineItemCreateParamsRequestBody`, `ApiPurchaseOrderLineItem`) starts with
`[ION line <id>]`; the ION line -> Ramp line map is read from those tags, since no source says
Ramp keeps the order of the lines it was sent.

`post_purchase_orders` follows the ledger protocol. Ramp has no idempotency key, so before
creating, the page's numbers are looked up in Ramp and an existing PO is adopted; a create
whose outcome is unknown is looked up again before any retry.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import ValidationError

from connectors.errors import DataError, SyncError, TransientError
from connectors.ion.models.purchase_orders import PurchaseOrder
from connectors.ramp import WriteResult
from connectors.validation import explain_record_error
from core.ramp_config import RampMappings
from core.writer import check_body, dead_letter_row, one_record, posted_or_dead
from ledger import Claim, EntryStatus, Outcome
from ledger.store import ClaimRequest, DeadLetter
from payments.ramp.common import PURCHASE_ORDER_INTEGRATION as INTEGRATION
from payments.ramp.common import (
    RampContext,
    failure_outcome,
    purchase_order_key,
)

CREATED_AFTER_MARGIN = timedelta(days=1)  # clocks of ION and Ramp differ; a PO is created in Ramp after ION
LINE_TAG = re.compile(r"^\[ION line (\d+)\]")


@dataclass(frozen=True)
class ReadyPurchaseOrder:
    key: str
    po_id: int
    number: str
    created: datetime
    line_ids: list[int]  # ION line ids of the body's line_items
    body: dict[str, Any]


@dataclass
class PurchaseOrderPlan:
    ready: list[ReadyPurchaseOrder] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    already_settled: int = 0


@dataclass
class PageReport:
    posted: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    adopted: int = 0
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0


def purchase_order_number(mappings: RampMappings, po_id: int) -> str:
    return f"{mappings.purchase_order_prefix}-{po_id}"


def unit_price(cost: float) -> str:
    """Ramp takes a decimal in major units and keeps cents (B2, B3): round half up to cents."""
    return str(Decimal(str(cost)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def plan_purchase_orders(nodes: list[dict[str, Any]], mappings: RampMappings, entity_id: str) -> PurchaseOrderPlan:
    plan = PurchaseOrderPlan()
    for node in nodes:
        key = purchase_order_key(node.get("id"))
        try:
            po = PurchaseOrder.model_validate(node)
        except ValidationError as exc:
            plan.dead_letters.append(DeadLetter(key, f"ion:po:{node.get('id')}", explain_record_error(f"ION PO {node.get('id')}", exc)))
            continue
        with one_record(plan.dead_letters, key, f"ion:po:{po.id}", f"ION PO {po.id}", po.created) as one:
            problems, body, line_ids = _body(po, mappings, entity_id)
            check_body(body, "Ramp")
        if one.failed:
            continue
        if problems:
            plan.dead_letters.append(DeadLetter(key, f"ion:po:{po.id}", f"ION PO {po.id}: " + "; ".join(problems), None, po.created))
            continue
        plan.ready.append(ReadyPurchaseOrder(key, po.id, body["purchase_order_number"], po.created, line_ids, body))
    return plan


def _body(po: PurchaseOrder, mappings: RampMappings, entity_id: str) -> tuple[list[str], dict[str, Any], list[int]]:
    problems: list[str] = []
    vendor_id = po.supplier.attribute(mappings.vendor_attribute) if po.supplier else None
    if po.supplier is None:
        problems.append("has no supplier")
    elif vendor_id is None:
        problems.append(
            f"supplier {po.supplier.name} ({po.supplier.id}) has no '{mappings.vendor_attribute}': "
            "run ramp-supplier-import (or set the attribute to the supplier's Ramp vendor id), then replay with retry_dead=true"
        )
    if po.currency is None:
        problems.append("has no currency")
    lines = sorted((line for line in po.purchaseOrderLines if line.status != "CANCELED"), key=lambda l: (l.position or 0, l.id))
    if not lines:
        problems.append("has no lines to order (all canceled or none)")
    items: list[dict[str, Any]] = []
    for line in lines:
        quantity = line.quantity
        if quantity is None or quantity <= 0 or abs(quantity - round(quantity)) > 1e-9:
            problems.append(f"line {line.id} quantity {quantity}: Ramp takes whole units above zero")
            continue
        if line.cost is None or line.cost < 0:
            problems.append(f"line {line.id} has no unit cost")
            continue
        part = line.part.partNumber if line.part else None
        text = ": ".join(filter(None, [part, line.description]))
        items.append({"description": f"[ION line {line.id}] {text}".rstrip(), "unit_price": unit_price(line.cost), "unit_quantity": int(round(quantity))})
    body: dict[str, Any] = {
        "purchase_order_number": purchase_order_number(mappings, po.id),
        "currency": po.currency.type if po.currency else "",
        "entity_id": entity_id,
        "vendor_id": vendor_id,
        "three_way_match_enabled": mappings.three_way_match,
        "memo": po.description or f"ION purchase order {po.id}",
        "line_items": items,
    }
    if mappings.net_payment_terms is not None:
        body["net_payment_terms"] = mappings.net_payment_terms
    return problems, body, [line.id for line in lines]


def line_map(resource: dict[str, Any] | None) -> dict[str, str]:
    """ION line id -> Ramp line id, from the `[ION line <id>]` tag each line's description starts
    with (a line without one, e.g. added in Ramp, is not ION's)."""
    found: dict[str, str] = {}
    for line in (resource or {}).get("line_items") or []:
        tag = LINE_TAG.match(str(line.get("description") or ""))
        if tag:
            found.setdefault(tag.group(1), str(line["id"]))
    return found


@task(name="post-ramp-purchase-orders", cache_policy=NO_CACHE)
async def post_purchase_orders(ctx: RampContext, plan: PurchaseOrderPlan) -> PageReport:
    return await post_purchase_orders_page(ctx, plan)


async def post_purchase_orders_page(ctx: RampContext, plan: PurchaseOrderPlan) -> PageReport:
    """Keep the page's dead letters, claim its POs, adopt those Ramp already has, create the rest."""
    assert ctx.run is not None, "a dry run posts nothing"
    report = PageReport()
    kept = set(ctx.ledger.dead_letter(INTEGRATION, plan.dead_letters, replace_dead=ctx.retry_dead))
    report.dead_letters = [dead_letter_row(d) for d in plan.dead_letters if d.key in kept]
    by_key = {r.key: r for r in plan.ready}
    batch = ctx.ledger.claim(
        INTEGRATION, ctx.run, [ClaimRequest(r.key, f"ion:po:{r.po_id}", r.created) for r in plan.ready], retry_dead=ctx.retry_dead
    )
    report.already_posted = plan.already_settled + len(batch.already_posted)
    report.in_flight_elsewhere = len(batch.in_flight_elsewhere)
    mine = [by_key[c.key] for c in batch.mine]
    for vendor_id in sorted({r.body["vendor_id"] for r in mine} - ctx.vendors.keys()):
        ctx.vendors[vendor_id] = await ctx.ramp.vendor(vendor_id)
    existing: dict[str, Any] = {}
    if mine:  # look up before creating: Ramp has no idempotency key
        since = min(r.created for r in mine) - CREATED_AFTER_MARGIN
        existing = await ctx.ramp.purchase_orders_by_number([r.number for r in mine], since)
    window = asyncio.Semaphore(ctx.ramp.settings.concurrency)

    async def post(claim: Claim) -> Outcome:
        ready = by_key[claim.key]
        vendor = ctx.vendors.get(ready.body["vendor_id"])
        if ready.number not in existing and (vendor is None or not vendor.is_active):
            state = "is inactive" if vendor else "does not exist"
            reason = (f"ION PO {ready.po_id} ({ready.number}): Ramp vendor {ready.body['vendor_id']} {state}: "
                      "fix the supplier's Ramp vendor id (or reactivate the vendor in Ramp), then replay with retry_dead=true")
            return Outcome(claim.key, EntryStatus.dead, reason=reason, payload=ready.body)
        async with window:
            try:
                found = existing.get(ready.number)
                if found is not None:
                    result = WriteResult(found.id, adopted=True, resource=found.model_dump(mode="json"))
                else:
                    result = await ctx.ramp.create_purchase_order_once(
                        ready.body, check_first=claim.resolve_first, created_after=ready.created - CREATED_AFTER_MARGIN
                    )
            except (DataError, TransientError) as exc:
                return failure_outcome(ctx, claim, exc, f"ION PO {ready.po_id} ({ready.number})", ready.body)
        payload = {"number": ready.number, "lines": line_map(result.resource), "adopted": result.adopted}
        return Outcome(claim.key, EntryStatus.posted, target_id=result.target_id, payload=payload)

    results = await asyncio.gather(
        *(posted_or_dead(c.key, f"ION PO {by_key[c.key].po_id}", partial(post, c)) for c in batch.mine), return_exceptions=True
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
                {"ion po": ready.po_id, "ramp number": ready.number, "lines": len(ready.line_ids),
                 "currency": ready.body["currency"], "ramp id": outcome.target_id, "adopted": adopted}
            )
        elif outcome.status is EntryStatus.dead:
            report.dead_letters.append(dead_letter_row(DeadLetter(outcome.key, f"ion:po:{ready.po_id}", outcome.reason or "")))
        else:
            report.failed += 1
    return report


@task(name="resolve-interrupted-ramp-purchase-orders", cache_policy=NO_CACHE)
async def resolve_interrupted(ctx: RampContext) -> int:
    """A run died between creating and recording: ask Ramp whether each PO number exists and
    record what it says (with the line map, from the Ramp PO's line tags)."""
    assert ctx.run is not None
    orphans = ctx.ledger.take_orphans(INTEGRATION, ctx.run)
    if not orphans:
        return 0
    numbers = {c.key: purchase_order_number(ctx.mappings, int(c.key.split(":")[2])) for c in orphans}
    try:
        found = await ctx.ramp.purchase_orders_by_number(numbers.values())
    except SyncError as exc:
        ctx.ledger.record(INTEGRATION, ctx.run, [Outcome(c.key, EntryStatus.failed, reason=f"could not check Ramp: {exc}") for c in orphans])
        return len(orphans)
    outcomes = []
    for claim in orphans:
        number = numbers[claim.key]
        po = found.get(number)
        if po is None:
            outcomes.append(Outcome(claim.key, EntryStatus.failed, reason="interrupted before Ramp confirmed; not in Ramp, will be created"))
            continue
        payload = {"number": number, "lines": line_map(po.model_dump(mode="json")), "adopted": True}
        outcomes.append(Outcome(claim.key, EntryStatus.posted, target_id=po.id, payload=payload))
    ctx.ledger.record(INTEGRATION, ctx.run, outcomes)
    return len(outcomes)
