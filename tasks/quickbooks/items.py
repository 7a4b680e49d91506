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
from connectors.quickbooks import QuickBooksClient
from core.times import parse_time
from core.writer import Postable, PostReport, one_record, resolve_orphans, write_page
from erp.quickbooks.items import ItemWriter, PartItem, part_postable, plan_part, unnamed_key
from erp.quickbooks.rules import ITEM_INTEGRATION, SetupIds
from erp.quickbooks.setup import NameCache
from ledger import EntryStatus, Ledger, RunHandle
from ledger.store import DeadLetter


@dataclass
class ItemSyncContext:
    ion: IonClient
    qbo: QuickBooksClient
    ledger: Ledger
    run: RunHandle | None  # None in a dry run
    setup: SetupIds
    names: NameCache = field(default_factory=NameCache)
    retry_dead: bool = False
    window: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))  # one batch request at a time

    def writer(self) -> ItemWriter:
        return ItemWriter(self.qbo, self.names, self.setup, self.run.token if self.run else "dry", self.part)

    async def part(self, part_id: int) -> PartItem | None:
        """The ION part as it stands now (how `find` learns the item name of a key a dead run left)."""
        page = await self.ion.page(QUICKBOOKS_PARTS, "parts", {"filters": {"id": {"in": [part_id]}}}, first=1, after=None)
        planned = plan_part(page.nodes[0]) if page.nodes else None
        return planned if isinstance(planned, PartItem) else None


@dataclass
class ItemPagePlan:
    ready: list[Postable] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    already_posted: int = 0


@task(name="fetch-parts", cache_policy=NO_CACHE)
async def fetch_parts_page(ion: IonClient, filters: dict[str, Any], after: str | None) -> Page:
    return await ion.page(QUICKBOOKS_PARTS, "parts", {"filters": filters}, first=ion.settings.page_size, after=after)


@task(name="plan-items", cache_policy=NO_CACHE)
def plan_items(ctx: ItemSyncContext, nodes: list[dict[str, Any]]) -> ItemPagePlan:
    """Parts → items by name; a part whose name QuickBooks would refuse is a dead letter."""
    page = ItemPagePlan()
    ready: list[Postable] = []
    for node in nodes:
        source, updated = f"ion:part:{node.get('id')}", parse_time(node.get("_updated"))
        with one_record(page.dead_letters, unnamed_key(node), source, f"ION part {node.get('id')}", updated):
            planned = plan_part(node)
            if isinstance(planned, DeadLetter):
                page.dead_letters.append(planned)
            elif planned is not None:
                ready.append(part_postable(planned, ctx.setup))
    known = ctx.ledger.statuses(ITEM_INTEGRATION, [p.key for p in ready])
    settled = {EntryStatus.posted} | (set() if ctx.retry_dead else {EntryStatus.dead})
    page.ready = [p for p in ready if known.get(p.key) not in settled]
    page.already_posted = sum(1 for status in known.values() if status is EntryStatus.posted)
    return page


@task(name="post-items", cache_policy=NO_CACHE)
async def post_items(ctx: ItemSyncContext, page: ItemPagePlan) -> PostReport:
    """The page through the engine: claim, look the names up, create or update 30 per batch."""
    assert ctx.run is not None, "a dry run posts nothing"
    report = await write_page(
        ctx.ledger, ctx.run, ctx.writer(), page.ready, page.dead_letters, window=ctx.window, retry_dead=ctx.retry_dead
    )
    report.already_posted += page.already_posted
    return report


@task(name="resolve-interrupted-items", cache_policy=NO_CACHE)
async def resolve_interrupted_items(ctx: ItemSyncContext) -> int:
    """Keys a dead run left `pending`: the item exists by name with that version's description, or not."""
    assert ctx.run is not None
    return await resolve_orphans(ctx.ledger, ctx.run, ctx.writer())
