"""Prefect tasks of the four Ramp flows, one per page (the rules and writers live in payments/ramp)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
from tasks.graph import after, step
from tasks.reporting import MAX_TABLE_ROWS, publish_sync_report


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


@dataclass
class PlannedPages:
    """One run's pages of planned Ramp writes (`ready`, `dead_letters`, `already_settled`): each
    posted, or in a dry run shown with `preview`; counted in `summary`, its rows kept for the
    report (posted, dead letters), and the report drawn after every page's last task run."""

    summary: RampSummary
    preview: Callable[[Any], dict[str, Any]]
    posted: list[dict[str, Any]] = field(default_factory=list)
    dead: list[dict[str, Any]] = field(default_factory=list)
    last: list[State | None] = field(default_factory=list)

    async def handle(self, post: Task[..., Any], ctx: RampContext, plan: Any, planned: State | None, *, name: str) -> None:
        """The page `plan` posted with the task `post` as the task run `name`, drawn after `planned`."""
        if ctx.run is None:  # a dry run
            self.summary.would_post += len(plan.ready)
            self.summary.already_posted += plan.already_settled
            self.summary.dead_letters += len(plan.dead_letters)
            self.posted += [self.preview(r) for r in plan.ready][: MAX_TABLE_ROWS - len(self.posted)]
            self.dead += [dead_letter_row(d) for d in plan.dead_letters][: MAX_TABLE_ROWS - len(self.dead)]
            self.last.append(planned)
            return
        report, state = await step(post, unexamined(ctx), unexamined(plan), name=name, upstream=[planned])
        ctx.ledger.heartbeat(ctx.run)
        self.summary.add_report(report)
        self.posted += report.posted[: MAX_TABLE_ROWS - len(self.posted)]
        self.dead += report.dead_letters[: MAX_TABLE_ROWS - len(self.dead)]
        self.last.append(state)

    def publish(self, details: str) -> None:
        publish_sync_report(self.summary, self.posted, self.dead, details=details, wait_for=after(self.last))


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
