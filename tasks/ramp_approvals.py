"""ramp-approval-sync's rules and steps: what Ramp decides flows back to ION (seed 000).

Ramp's Developer API exposes no purchase-order approval (no field, endpoint or webhook event:
ramp-openapi.json `ApiPurchaseOrderResource`, ramp.md B3), so approvals cannot flow back; the
"approve in Ramp" mode refuses to start (`RampMappings.unsupported`). What Ramp does expose is
payment: for each ION PO that lives in Ramp (the ledger of ramp-purchase-order-sync) and is not
yet paid in ION, read the Ramp PO; once it is billed in full and every bill on it is PAID
(`billing_status`, `bill_ids`, `Bill.status`: B3, B6), the ION PO is marked `paid` (key
`ramp:po:<ramp id>:paid`). Each ION write goes through the ledger. ION's state is read fresh on
every run, so a claim a dead run left pending is settled by what ION shows (already paid:
posted) before anything is written again. Which POs to look at comes from the Ramp webhook
events in the ledger inbox (source "ramp"), or, on a poll, from every tracked PO.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.errors import DataError, TransientError
from connectors.ion.ramp_queries import PURCHASE_ORDERS, UPDATE_PURCHASE_ORDER
from connectors.ramp.models import PurchaseOrder as RampPurchaseOrder
from core.writer import dead_letter_row, dead_outcome
from ledger import Claim, EntryStatus, Outcome
from ledger.inbox import InboxItem
from ledger.store import ClaimRequest, DeadLetter
from payments.ramp.common import (
    RampContext,
    RampPurchaseOrderRef,
    failure_outcome,
    ion_nodes,
)

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
                states[int(node["id"])] = IonState(int(node["id"]), str(node["_etag"]), str(node["status"]), bool(node.get("paid")))
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
    applied: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    checked: int = 0
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0


@task(name="apply-ramp-decisions", cache_policy=NO_CACHE)
async def apply_decisions(ctx: RampContext, po_ids: set[int], tracked: dict[int, RampPurchaseOrderRef]) -> ApprovalReport:
    return await apply_decisions_for(ctx, po_ids, tracked)


async def apply_decisions_for(ctx: RampContext, po_ids: set[int], tracked: dict[int, RampPurchaseOrderRef]) -> ApprovalReport:
    assert ctx.run is not None
    report = ApprovalReport()
    orphans = {c.key: c for c in ctx.ledger.take_orphans(INTEGRATION, ctx.run)}
    po_ids = po_ids | {int(po) for po, ref in tracked.items() if any(k.startswith(f"ramp:po:{ref.ramp_id}:") for k in orphans)}
    states = await ion_states(ctx, po_ids)
    keys = [f"ramp:po:{tracked[p].ramp_id}:paid" for p in po_ids]
    failed = {k for k, status in ctx.ledger.statuses(INTEGRATION, keys).items() if status is EntryStatus.failed}
    for po_id in sorted(po_ids):
        ref, ion = tracked[po_id], states.get(po_id)
        unsettled = f"ramp:po:{ref.ramp_id}:paid" in orphans or f"ramp:po:{ref.ramp_id}:paid" in failed
        if ion is None or (ion.paid and not unsettled):
            continue  # gone from ION, or nothing Ramp could still change
        ramp_po = await ctx.ramp.purchase_order(ref.ramp_id)
        report.checked += 1
        if ramp_po is None:
            continue
        paid = not ion.paid and await paid_in_ramp(ctx, ramp_po)
        decision = decide(ref, ion, paid)
        key = f"ramp:po:{ref.ramp_id}:paid"
        if not decision.mark_paid and key not in orphans and key not in failed:
            continue  # nothing to do; a failed try whose write landed after all is settled below
        claim = orphans.get(key) or _claim(ctx, report, key, ref)
        if claim is not None:
            await _apply(ctx, report, claim, po_id, ref, ion.etag, {"paid": True}, already=ion.paid or not decision.mark_paid)
    return report


def _claim(ctx: RampContext, report: ApprovalReport, key: str, ref: RampPurchaseOrderRef) -> Claim | None:
    assert ctx.run is not None
    batch = ctx.ledger.claim(INTEGRATION, ctx.run, [ClaimRequest(key, f"ramp:po:{ref.ramp_id}")], retry_dead=True)
    report.already_posted += len(batch.already_posted)
    report.in_flight_elsewhere += len(batch.in_flight_elsewhere)
    return batch.mine[0] if batch.mine else None


async def _apply(
    ctx: RampContext, report: ApprovalReport, claim: Claim, po_id: int, ref: RampPurchaseOrderRef, etag: str,
    changes: dict[str, Any], *, already: bool,
) -> str:
    """Write `changes` to the ION PO unless ION already shows them (a dead run's write that
    landed, or a person's), and record the claim's outcome."""
    assert ctx.run is not None
    key = claim.key
    what = f"ION PO {po_id} ({ref.number}) {key.rsplit(':', 1)[1]}"
    if already:
        outcome = Outcome(key, EntryStatus.posted, target_id=str(po_id), payload={"applied": False, **changes})
    else:
        try:
            answer = await ctx.ion.execute(UPDATE_PURCHASE_ORDER, {"input": {"id": po_id, "etag": etag, **changes}})
            etag = str(answer["updatePurchaseOrder"]["purchaseOrder"]["_etag"])
            outcome = Outcome(key, EntryStatus.posted, target_id=str(po_id), payload={"applied": True, **changes})
            change = ", ".join(f"{k}={v}" for k, v in changes.items())
            report.applied.append({"ion po": po_id, "ramp number": ref.number, "change": change, "ramp id": ref.ramp_id})
        except (DataError, TransientError) as exc:
            outcome = failure_outcome(ctx, claim, exc, what, changes)
        except Exception as exc:  # this PO alone: its dead letter, never a key left `pending`
            outcome = dead_outcome(key, what, exc)
    ctx.ledger.record(INTEGRATION, ctx.run, [outcome])
    if outcome.status is EntryStatus.dead:
        report.dead_letters.append(dead_letter_row(DeadLetter(key, f"ramp:po:{ref.ramp_id}", outcome.reason or "")))
    elif outcome.status is EntryStatus.failed:
        report.failed += 1
    return etag
