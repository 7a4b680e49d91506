"""Prefect tasks of the four Ramp flows, one per page (the rules and writers live in payments/ramp)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.ramp.models import Vendor
from core.writer import PostReport
from payments.ramp import approvals, purchase_orders, receipts, suppliers
from payments.ramp.common import RampContext, RampPurchaseOrderRef


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
    return await receipts.post_item_receipts(ctx, plan)


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
