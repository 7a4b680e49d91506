"""Prefect tasks of the four Ramp flows, one per page (the rules and writers live in payments/ramp)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State

from connectors.ion import IonClient, Page
from connectors.ion.queries import Query
from connectors.ramp.models import Vendor
from core.writer import PostReport, dead_letter_row
from payments.ramp import approvals, purchase_orders, receipts, suppliers
from payments.ramp.common import RampContext, RampPurchaseOrderRef, RampSummary, drop_settled
from tasks.arguments import unexamined
from tasks.graph import step
from tasks.reporting import MAX_TABLE_ROWS


@task(name="fetch-ion-page", cache_policy=NO_CACHE)
async def fetch_ion_page(ion: IonClient, query: Query, connection: str, filters: dict[str, Any], after: str | None) -> Page:
    """One Relay page of the ION connection a Ramp flow reads (purchase orders, receipts)."""
    return await ion.page(query, connection, {"filters": filters}, first=ion.settings.page_size, after=after)


@task(name="plan-ramp-purchase-orders", cache_policy=NO_CACHE)
async def plan_purchase_orders(ctx: RampContext, nodes: list[dict[str, Any]]) -> purchase_orders.PurchaseOrderPlan:
    """A page of ION POs as Ramp POs, less what the ledger has settled."""
    plan = purchase_orders.plan_purchase_orders(nodes, ctx.mappings, ctx.entity_id)
    plan.already_settled = drop_settled(ctx.ledger, purchase_orders.INTEGRATION, plan, retry_dead=ctx.retry_dead)
    return plan


@task(name="plan-ramp-item-receipts", cache_policy=NO_CACHE)
async def plan_item_receipts(
    ctx: RampContext, nodes: list[dict[str, Any]], in_ramp: dict[int, RampPurchaseOrderRef]
) -> receipts.ReceiptPlan:
    """A page of ION receipts as Ramp item receipts on the POs that live in Ramp, less what the
    ledger has settled."""
    plan = receipts.plan_item_receipts(nodes, in_ramp, ctx.mappings)
    plan.already_settled = drop_settled(ctx.ledger, receipts.INTEGRATION, plan, retry_dead=ctx.retry_dead)
    return plan


async def handle_planned_page(
    post: Task[..., Any],
    ctx: RampContext,
    plan: Any,
    planned: State | None,
    *,
    name: str,
    summary: RampSummary,
    rows: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    preview: Callable[[Any], dict[str, Any]],
) -> State | None:
    """A planned page (`ready`, `dead_letters`, `already_settled`) posted with the task `post` as
    the task run `name`, drawn after `planned`, or in a dry run shown with `preview`; counted in
    `summary` and the first `rows` (posted, dead letters). Returns the page's last task run."""
    posted, dead = rows
    if ctx.run is None:  # a dry run
        summary.would_post += len(plan.ready)
        summary.already_posted += plan.already_settled
        summary.dead_letters += len(plan.dead_letters)
        posted += [preview(r) for r in plan.ready][: MAX_TABLE_ROWS - len(posted)]
        dead += [dead_letter_row(d) for d in plan.dead_letters][: MAX_TABLE_ROWS - len(dead)]
        return planned
    report, state = await step(post, unexamined(ctx), unexamined(plan), name=name, upstream=[planned])
    ctx.ledger.heartbeat(ctx.run)
    summary.add_report(report)
    posted += report.posted[: MAX_TABLE_ROWS - len(posted)]
    dead += report.dead_letters[: MAX_TABLE_ROWS - len(dead)]
    return state


@task(name="resolve-interrupted-ramp-purchase-orders", cache_policy=NO_CACHE)
async def resolve_interrupted_purchase_orders(ctx: RampContext) -> int:
    return await purchase_orders.resolve_interrupted(ctx)


@task(name="post-ramp-purchase-orders", cache_policy=NO_CACHE)
async def post_purchase_orders(ctx: RampContext, plan: purchase_orders.PurchaseOrderPlan) -> PostReport:
    return await purchase_orders.post_purchase_orders(ctx, plan)


@task(name="resolve-interrupted-ramp-item-receipts", cache_policy=NO_CACHE)
async def resolve_interrupted_item_receipts(ctx: RampContext) -> int:
    return await receipts.resolve_interrupted(ctx)


@task(name="post-ramp-item-receipts", cache_policy=NO_CACHE)
async def post_item_receipts(ctx: RampContext, plan: receipts.ReceiptPlan) -> PostReport:
    report = await receipts.post_item_receipts(ctx, plan)
    report.already_posted += plan.already_settled
    return report


@task(name="import-ramp-vendors", cache_policy=NO_CACHE)
async def import_vendors(
    ctx: RampContext, vendors: list[Vendor], directory: suppliers.SupplierDirectory, dry_run: bool
) -> suppliers.SupplierReport:
    return await suppliers.import_vendors(ctx, vendors, directory, dry_run)


@task(name="apply-ramp-decisions", cache_policy=NO_CACHE)
async def apply_decisions(
    ctx: RampContext, po_ids: set[int], tracked: dict[int, RampPurchaseOrderRef]
) -> approvals.ApprovalReport:
    return await approvals.apply_decisions(ctx, po_ids, tracked)
