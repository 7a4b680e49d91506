"""ramp-approval-sync's rules and writer: what Ramp decides flows back to ION (seed 000).

Ramp's Developer API exposes no purchase-order approval (no field, endpoint or webhook event:
ramp-openapi.json `ApiPurchaseOrderResource`, ramp.md B3), so approvals cannot flow back; the
"approve in Ramp" mode refuses to start (`RampMappings.unsupported`). What Ramp does expose is
payment: for each ION PO that lives in Ramp (the ledger of ramp-purchase-order-sync) and is not
yet paid in ION, read the Ramp PO; once it is billed in full and every bill on it is PAID
(`billing_status`, `bill_ids`, `Bill.status`: B3, B6), the ION PO is marked `paid` (key
`ramp:po:<ramp id>:paid`). Each ION write goes through the writer engine (`PaidWriter`, target
ION): `find` is "ION already shows it paid", so a claim a dead run left pending, or an attempt
that failed, is settled by what ION shows before anything is written again. Which POs to look at comes from the Ramp webhook
events in the ledger inbox (source "ramp"), or, on a poll, from every tracked PO.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.ion.ramp_queries import PURCHASE_ORDERS, UPDATE_PURCHASE_ORDER
from connectors.ramp.models import PurchaseOrder as RampPurchaseOrder
from core.writer import Landed, Postable, PostReport, Writer, resolve_orphans, write_page
from ledger import Claim, EntryStatus
from ledger.inbox import InboxItem
from payments.ramp.common import RampContext, RampPurchaseOrderRef, ion_nodes

INTEGRATION = "ramp-approval-sync"
PO_EVENTS = {"purchase_orders.created", "purchase_orders.updated"}
BILL_EVENTS = {"bills.created", "bills.approved", "bills.paid", "bills.rejected"}


@dataclass(frozen=True)
class IonState:
    po_id: int
    etag: str
    status: str
    paid: bool


@dataclass(frozen=True)
class Decision:
    """What Ramp says about one PO, against what ION says."""

    ref: RampPurchaseOrderRef
    mark_paid: bool = False


def candidates(events: list[InboxItem], tracked: dict[int, RampPurchaseOrderRef], poll: bool) -> set[int]:
    """ION PO ids to look at: every tracked one on a poll or after a bill event (a bill names
    no PO), else those the PO events name."""
    if poll or any(e.event_type in BILL_EVENTS for e in events):
        return set(tracked)
    by_ramp_id = {ref.ramp_id: po_id for po_id, ref in tracked.items()}
    return {by_ramp_id[e.subject] for e in events if e.event_type in PO_EVENTS and e.subject in by_ramp_id}


def decide(ref: RampPurchaseOrderRef, ion: IonState, paid_in_ramp: bool) -> Decision:
    return Decision(ref, mark_paid=paid_in_ramp and not ion.paid)


async def ion_states(ctx: RampContext, po_ids: set[int]) -> dict[int, IonState]:
    states: dict[int, IonState] = {}
    ordered = sorted(po_ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        async for nodes in ion_nodes(ctx.ion, PURCHASE_ORDERS, "purchaseOrders", {"id": {"in": chunk}}):
            for node in nodes:
                states[int(node["id"])] = IonState(
                    int(node["id"]), str(node["_etag"]), str(node["status"]), bool(node.get("paid"))
                )
    return states


async def paid_in_ramp(ctx: RampContext, po: RampPurchaseOrder) -> bool:
    """Paid when the PO is billed in full and every bill on it is PAID (ramp.md B3, B6)."""
    if not po.bill_ids or po.billing_status not in ("FULLY_BILLED", "CLOSED"):
        return False
    for bill_id in po.bill_ids:
        bill = await ctx.ramp.bill(bill_id)
        if bill is None or bill.status != "PAID":
            return False
    return True


@dataclass
class ApprovalReport:
    page: PostReport  # what the engine settled: found in ION already, or written
    applied: list[dict[str, Any]] = field(default_factory=list)  # the writes made
    checked: int = 0  # POs read in Ramp


def paid_key(ref: RampPurchaseOrderRef) -> str:
    return f"ramp:po:{ref.ramp_id}:paid"


class PaidWriter(Writer):
    """Marks ION POs paid (compare-and-set on `_etag`); `find` reads whether ION already shows it."""

    integration = INTEGRATION
    target = "ION"
    batch_size = 1
    idempotent = False

    def __init__(self, ctx: RampContext, tracked: dict[int, RampPurchaseOrderRef]) -> None:
        self.ctx = ctx
        self.po_ids = {paid_key(ref): po_id for po_id, ref in tracked.items()}
        self.applied: list[dict[str, Any]] = []  # rows of the writes made (not those ION already showed)

    async def find(self, claim: Claim) -> Landed | None:
        po_id = self.po_ids.get(claim.key)
        state = (await ion_states(self.ctx, {po_id})).get(po_id) if po_id is not None else None
        return Landed(str(po_id), {"applied": False, "paid": True}) if state and state.paid else None

    async def write(self, items: Sequence[Postable]) -> list[Landed | Exception]:
        item = items[0]
        po_id, etag = item.record
        await self.ctx.ion.execute(UPDATE_PURCHASE_ORDER, {"input": {"id": po_id, "etag": etag, **item.body}})
        self.applied.append(item.row)
        return [Landed(str(po_id), {"applied": True, **item.body})]


async def apply_decisions(ctx: RampContext, po_ids: set[int], tracked: dict[int, RampPurchaseOrderRef]) -> ApprovalReport:
    """Settle what a dead run left pending, then mark paid in ION each PO of `po_ids` (and each
    whose earlier attempt is unsettled) that Ramp has paid."""
    assert ctx.run is not None
    checked = 0
    writer = PaidWriter(ctx, tracked)
    await resolve_orphans(ctx.ledger, ctx.run, writer)
    statuses = ctx.ledger.statuses(INTEGRATION, [paid_key(ref) for ref in tracked.values()])
    unsettled = {key for key, status in statuses.items() if status in (EntryStatus.pending, EntryStatus.failed)}
    po_ids = po_ids | {writer.po_ids[key] for key in unsettled}
    states = await ion_states(ctx, po_ids)
    items: list[Postable] = []
    for po_id in sorted(po_ids):
        ref, ion = tracked[po_id], states.get(po_id)
        key = paid_key(ref)
        if ion is None or (ion.paid and key not in unsettled):
            continue  # gone from ION, or nothing Ramp could still change
        ramp_po = await ctx.ramp.purchase_order(ref.ramp_id)
        checked += 1
        if ramp_po is None:
            continue
        decision = decide(ref, ion, not ion.paid and await paid_in_ramp(ctx, ramp_po))
        if decision.mark_paid or (ion.paid and key in unsettled):  # ION showing it paid settles the key (`find`)
            row = {"ion po": po_id, "ramp number": ref.number, "change": "paid=True", "ramp id": ref.ramp_id}
            items.append(
                Postable(
                    key,
                    f"ramp:po:{ref.ramp_id}",
                    f"ION PO {po_id} ({ref.number}) paid",
                    {"paid": True},
                    row,
                    None,
                    (po_id, ion.etag),
                )
            )
    page = await write_page(
        ctx.ledger, ctx.run, writer, items, window=asyncio.Semaphore(1), retry_dead=True, max_attempts=ctx.max_attempts
    )
    return ApprovalReport(page, writer.applied, checked)
