"""Prefect tasks of quickbooks-purchase-order-sync: a page of ION purchase orders → QuickBooks,
planned by `erp.quickbooks.purchase_orders` and posted through the writer engine."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient, Page
from connectors.ion.queries import QUICKBOOKS_PURCHASE_ORDERS
from core.config import QuickBooksMappings
from core.writer import PostReport
from erp.quickbooks import purchase_orders
from erp.quickbooks.pages import PagePlan
from erp.quickbooks.purchase_orders import POSTS_AT_ONCE, PurchaseOrderWriter
from erp.quickbooks.rules import PO_INTEGRATION, SetupIds
from tasks.quickbooks import QuickBooksContext


@dataclass(kw_only=True)
class PoSyncContext(QuickBooksContext):
    setup: QuickBooksMappings
    ids: SetupIds
    window: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(POSTS_AT_ONCE))

    def writer(self) -> PurchaseOrderWriter:
        return PurchaseOrderWriter(self.qbo, self.names, self.ids, self.run_key)


@task(name="fetch-purchase-orders", cache_policy=NO_CACHE)
async def fetch_po_page(ion: IonClient, filters: dict[str, Any], after: str | None) -> Page:
    return await ion.page(
        QUICKBOOKS_PURCHASE_ORDERS, "purchaseOrders", {"filters": filters}, first=ion.settings.page_size, after=after
    )


@task(name="plan-purchase-orders", cache_policy=NO_CACHE)
async def plan_po_page(ctx: PoSyncContext, nodes: list[dict[str, Any]]) -> PagePlan:
    """ION POs → plans; bad input and out-of-sync names are dead letters, the rest ready."""
    return await purchase_orders.plan_po_page(ctx.qbo, ctx.ledger, ctx.names, ctx.setup, ctx.ids, nodes, retry_dead=ctx.retry_dead)


@task(name="post-purchase-orders", cache_policy=NO_CACHE)
async def post_po_page(ctx: PoSyncContext, page: PagePlan) -> PostReport:
    """Keep the dead letters, claim the ready POs, create their items, post each PO whole."""
    return await ctx.post(page)


@task(name="resolve-interrupted-purchase-orders", cache_policy=NO_CACHE)
async def resolve_interrupted_pos(ctx: PoSyncContext) -> int:
    """Keys a dead run left `pending`: QuickBooks holds that version of the PO (its marker in the
    PrivateNote of the PO with that document number) or it does not."""
    return await ctx.resolve()


@task(name="publish-out-of-sync", cache_policy=NO_CACHE)
def publish_out_of_sync(rows: list[dict[str, Any]]) -> None:
    """The seed's promise: everything to keep in sync by hand, in one table a person can act on."""
    create_table_artifact(
        key=f"{PO_INTEGRATION}-out-of-sync",
        table=rows[:500] or [{"result": "nothing out of sync in this run"}],
        description="Out of sync: suppliers, classes and expense accounts in ION with no match in QuickBooks. "
        "Fix them in QuickBooks (or ION), then re-run with purchase_order_ids to send those POs.",
    )
