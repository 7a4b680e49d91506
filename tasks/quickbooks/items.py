"""Prefect tasks of quickbooks-item-sync: a page of ION parts → Inventory items, batches of 30
through the writer engine (`erp.quickbooks.items.ItemWriter`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient, Page
from connectors.ion.queries import QUICKBOOKS_PARTS
from core.writer import PostReport
from erp.quickbooks.items import ItemWriter, PartItem, plan_part, plan_parts_page
from erp.quickbooks.pages import PagePlan
from erp.quickbooks.rules import SetupIds
from tasks.quickbooks import QuickBooksContext


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
def plan_items(ctx: ItemSyncContext, nodes: list[dict[str, Any]]) -> PagePlan:
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
