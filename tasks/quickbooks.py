"""Prefect tasks of the QuickBooks syncs, over a page: quickbooks-item-sync (ION parts →
Inventory items, 30 to a batch) and quickbooks-purchase-order-sync (ION purchase orders → POs).
The planning and the writers are in `erp.quickbooks`; both go through the writer engine."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient, Page
from connectors.ion.queries import QUICKBOOKS_PARTS, QUICKBOOKS_PURCHASE_ORDERS
from connectors.quickbooks import QuickBooksClient
from core.config import QuickBooksMappings
from core.writer import PostReport, Writer, resolve_orphans, write_page
from erp.quickbooks import purchase_orders
from erp.quickbooks.items import ItemWriter, PartItem, plan_part, plan_parts_page
from erp.quickbooks.pages import PagePlan
from erp.quickbooks.purchase_orders import POSTS_AT_ONCE, PurchaseOrderWriter
from erp.quickbooks.rules import PO_INTEGRATION, SetupIds
from erp.quickbooks.setup import NameCache
from ledger import Ledger, RunHandle


@dataclass(kw_only=True)
class QuickBooksContext:
    """What both syncs' tasks share: the clients, the run, the names looked up so far."""

    ion: IonClient
    qbo: QuickBooksClient
    ledger: Ledger
    run: RunHandle | None  # None in a dry run
    names: NameCache = field(default_factory=NameCache)
    retry_dead: bool = False
    window: asyncio.Semaphore  # writes in flight, across the pages of a run

    @property
    def run_key(self) -> str:
        return self.run.token if self.run else ""

    def writer(self) -> Writer:
        raise NotImplementedError

    async def post(self, page: PagePlan) -> PostReport:
        """The page through the engine: keep its dead letters, claim, prepare, write, record."""
        assert self.run is not None, "a dry run posts nothing"
        report = await write_page(
            self.ledger, self.run, self.writer(), page.ready, page.dead_letters, window=self.window, retry_dead=self.retry_dead
        )
        report.already_posted += page.already_posted
        return report

    async def resolve(self) -> int:
        """Keys a dead run left `pending`: ask QuickBooks (the writer's `find`) whether each landed."""
        assert self.run is not None
        return await resolve_orphans(self.ledger, self.run, self.writer())


# -- quickbooks-item-sync ----------------------------------------------------------------


@dataclass(kw_only=True)
class ItemSyncContext(QuickBooksContext):
    setup: SetupIds
    window: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))  # one batch request at a time

    def writer(self) -> ItemWriter:
        return ItemWriter(self.qbo, self.names, self.setup, self.run_key, self.part)

    async def part(self, part_id: int) -> PartItem | None:
        """The ION part as it stands now (how `find` learns the item name of a key a dead run left)."""
        page = await self.ion.page(QUICKBOOKS_PARTS, "parts", {"filters": {"id": {"in": [part_id]}}}, first=1, after=None)
        planned = plan_part(page.nodes[0]) if page.nodes else None
        return planned if isinstance(planned, PartItem) else None


@task(name="fetch-parts", cache_policy=NO_CACHE)
async def fetch_parts_page(ion: IonClient, filters: dict[str, Any], after: str | None) -> Page:
    return await ion.page(QUICKBOOKS_PARTS, "parts", {"filters": filters}, first=ion.settings.page_size, after=after)


@task(name="plan-items", cache_policy=NO_CACHE)
async def plan_items(ctx: ItemSyncContext, nodes: list[dict[str, Any]]) -> PagePlan:
    """Parts → items by name; a part whose name QuickBooks would refuse is a dead letter."""
    return plan_parts_page(ctx.ledger, ctx.setup, nodes, retry_dead=ctx.retry_dead)


@task(name="post-items", cache_policy=NO_CACHE)
async def post_items(ctx: ItemSyncContext, page: PagePlan) -> PostReport:
    """Claim the page's parts; per batch of 30, create the missing items and update changed descriptions."""
    return await ctx.post(page)


@task(name="resolve-interrupted-items", cache_policy=NO_CACHE)
async def resolve_interrupted_items(ctx: ItemSyncContext) -> int:
    """Keys a dead run left `pending`: the item exists by name with that version's description, or not."""
    return await ctx.resolve()


# -- quickbooks-purchase-order-sync ------------------------------------------------------


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
    return await purchase_orders.plan_po_page(
        ctx.qbo, ctx.ledger, ctx.names, ctx.setup, ctx.ids, nodes, retry_dead=ctx.retry_dead
    )


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
        "Fix them in QuickBooks (or ION), then re-run with po_ids to send those POs.",
    )
