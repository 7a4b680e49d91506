"""ramp-purchase-order-sync's rules and writer: ION purchase orders → Ramp purchase orders.

`plan_purchase_orders` is pure: one Ramp `ApiPurchaseOrderCreateParamsRequestBody` per ION PO
(number `<prefix>-<ION id>`, the supplier's Ramp vendor, currency, entity, three-way match,
uncanceled lines with unit price as a decimal in major units and whole-unit quantities). A PO
that cannot be sent is a dead letter saying what to fix.

Each line's `description` (the only free-text field of a line that Ramp both takes and returns:
`ApiPurchaseOrderLineItemCreateParamsRequestBody`, `ApiPurchaseOrderLineItem`) starts with
`[ION line <id>]`; the ION line -> Ramp line map is read from those tags, since no source says
Ramp keeps the order of the lines it was sent.

`PurchaseOrderWriter` runs on the writer engine (`core.writer`). Ramp has no idempotency key,
so once the page is claimed its numbers are looked up in Ramp and an existing PO is adopted;
a create whose outcome is unknown is looked up again before any retry, and a key a dead run
left `pending` is settled by looking its number up (`find`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import ValidationError

from connectors.errors import DataError
from connectors.ion.models.purchase_orders import PurchaseOrder
from connectors.ramp import WriteResult
from connectors.validation import explain_record_error
from core.ramp_config import RampMappings
from core.writer import Postable, PostReport, check_body, one_record, resolve_orphans, write_page
from ledger.store import DeadLetter
from payments.ramp.common import PURCHASE_ORDER_INTEGRATION as INTEGRATION
from payments.ramp.common import AdoptingWriter, RampContext, purchase_order_key

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


def purchase_order_number(mappings: RampMappings, po_id: int) -> str:
    return f"{mappings.purchase_order_prefix}-{po_id}"


def unit_price(cost: float) -> str:
    """Ramp takes a decimal in major units and keeps cents (B2, B3): round half up to cents."""
    return str(Decimal(str(cost)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def plan_purchase_orders(nodes: list[dict[str, Any]], mappings: RampMappings, entity_id: str) -> PurchaseOrderPlan:
    plan = PurchaseOrderPlan()
    for node in nodes:
        key = purchase_order_key(str(node.get("id")))
        try:
            po = PurchaseOrder.model_validate(node)
        except ValidationError as exc:
            plan.dead_letters.append(
                DeadLetter(key, f"ion:po:{node.get('id')}", explain_record_error(f"ION PO {node.get('id')}", exc))
            )
            continue
        with one_record(plan.dead_letters, key, f"ion:po:{po.id}", f"ION PO {po.id}", po.created) as one:
            problems, body, line_ids = _body(po, mappings, entity_id)
            check_body(body, "Ramp")
        if one.failed:
            continue
        if problems:
            plan.dead_letters.append(
                DeadLetter(key, f"ion:po:{po.id}", f"ION PO {po.id}: " + "; ".join(problems), None, po.created)
            )
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
            "run ramp-supplier-import (or set the attribute to the supplier's Ramp vendor id), then re-run with full_resync=true (or dead-letter-replay)"
        )
    if po.currency is None:
        problems.append("has no currency")
    lines = sorted(
        (line for line in po.purchaseOrderLines if line.status != "CANCELED"), key=lambda ln: (ln.position or 0, ln.id)
    )
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
        items.append(
            {
                "description": f"[ION line {line.id}] {text}".rstrip(),
                "unit_price": unit_price(line.cost),
                "unit_quantity": round(quantity),
            }
        )
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


class PurchaseOrderWriter(AdoptingWriter):
    """ION POs into Ramp, one create per PO; `prepare` looks the vendors and the claimed numbers
    up in Ramp, so a PO Ramp already has is adopted and one for a missing or inactive vendor is
    a dead letter before any create. The ledger keeps each PO's line ids for ramp-receipt-sync."""

    integration = INTEGRATION

    def __init__(self, ctx: RampContext) -> None:
        super().__init__(ctx.ramp.purchase_orders_by_number)
        self.ctx = ctx

    def number(self, key: str) -> str:
        return purchase_order_number(self.ctx.mappings, int(key.split(":")[2]))

    def details(self, resource: dict[str, Any] | None) -> dict[str, Any]:
        return {"lines": line_map(resource)}

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        ramp = self.ctx.ramp
        for vendor_id in sorted({item.body["vendor_id"] for item in items} - self.ctx.vendors.keys()):
            self.ctx.vendors[vendor_id] = await ramp.vendor(vendor_id)
        since = min(item.record.created for item in items) - CREATED_AFTER_MARGIN
        self.remember(items, await ramp.purchase_orders_by_number([item.record.number for item in items], since))
        problems: dict[str, Exception] = {}
        for item in items:
            vendor = self.ctx.vendors.get(item.body["vendor_id"])
            if item.record.number not in self.existing and (vendor is None or not vendor.is_active):
                state = "is inactive" if vendor else "does not exist"
                problems[item.key] = DataError(
                    f"Ramp vendor {item.body['vendor_id']} {state}: fix the supplier's Ramp vendor id (or reactivate the vendor "
                    "in Ramp), then re-run with full_resync=true (or dead-letter-replay)",
                    field="vendor_id",
                )
        return problems

    async def create(self, item: Postable) -> WriteResult:
        created_after = item.record.created - CREATED_AFTER_MARGIN
        return await self.ctx.ramp.create_purchase_order_once(item.body, check_first=False, created_after=created_after)


def postable(ready: ReadyPurchaseOrder) -> Postable:
    row = {
        "ion po": ready.po_id,
        "ramp number": ready.number,
        "lines": len(ready.line_ids),
        "currency": ready.body["currency"],
        "ramp id": None,
        "adopted": False,
    }
    return Postable(
        ready.key, f"ion:po:{ready.po_id}", f"ION PO {ready.po_id} ({ready.number})", ready.body, row, ready.created, ready
    )


async def post_purchase_orders(ctx: RampContext, plan: PurchaseOrderPlan) -> PostReport:
    """Keep the page's dead letters, claim its POs, adopt those Ramp already has, create the rest."""
    assert ctx.run is not None, "a dry run posts nothing"
    report = await write_page(
        ctx.ledger,
        ctx.run,
        PurchaseOrderWriter(ctx),
        [postable(r) for r in plan.ready],
        plan.dead_letters,
        window=ctx.window,
        retry_dead=ctx.retry_dead,
        max_attempts=ctx.max_attempts,
    )
    report.already_posted += plan.already_settled
    return report


async def resolve_interrupted(ctx: RampContext) -> int:
    """A run died between creating and recording: ask Ramp whether each PO number exists and
    record what it says (with the line map, from the Ramp PO's line tags)."""
    assert ctx.run is not None
    return await resolve_orphans(ctx.ledger, ctx.run, PurchaseOrderWriter(ctx))
