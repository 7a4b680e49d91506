"""Prefect tasks of receipt-sync: fetch a page of ION receipts, plan it against the ERP's POs,
post the receipts through the writer engine (`core.writer`). The ERP is reached only through
the port (`erp.port.receipts.ReceiptTarget`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient, Page
from connectors.ion.queries import RECEIPTS
from core.times import parse_time
from core.writer import PostReport, Writer, dead_letter_row, resolve_orphans, write_page
from erp.port.receipts import ReceiptTarget
from erp.port.writes import PlannedWrites
from ledger import EntryStatus, Ledger, RunHandle


@dataclass
class ReceiptContext:
    ion: IonClient
    erp: ReceiptTarget
    ledger: Ledger
    run: RunHandle | None  # None in a dry run
    concurrency: int  # receipts in flight at once (the ERP's limit)
    retry_dead: bool = False
    writer: Writer = field(init=False)
    window: asyncio.Semaphore = field(init=False)  # receipts in flight, across pages

    def __post_init__(self) -> None:
        self.writer = self.erp.writer()
        self.window = asyncio.Semaphore(self.concurrency)


@dataclass
class ReceiptPagePlan(PlannedWrites):
    already_posted: int = 0
    skipped: int = 0
    nothing_to_post: list[str] = field(default_factory=list)  # receipt ids with nothing for the ERP
    times: list[datetime] = field(default_factory=list)  # _created of every receipt on the page


@task(name="fetch-receipts", cache_policy=NO_CACHE)
async def fetch_receipts_page(ctx: ReceiptContext, filters: dict[str, Any], after: str | None) -> Page:
    keys = ctx.erp.join_keys
    variables = {"filters": filters, "poKey": keys.po_number, "lineKey": keys.line_number}
    return await ctx.ion.read_step(RECEIPTS, "receipts", variables, after=after)


@task(name="plan-item-receipts", cache_policy=NO_CACHE)
async def plan_receipts_page(ctx: ReceiptContext, nodes: list[dict[str, Any]]) -> ReceiptPagePlan:
    """Group the receipts into lines against the ERP's POs, skip what the ledger has settled,
    and let the ERP check the rest against its POs and build the receipts."""
    parsed = ctx.erp.lines(nodes)
    page = ReceiptPagePlan(skipped=parsed.skipped, nothing_to_post=parsed.nothing_to_post)
    page.times = [t for t in (parse_time(n.get("_created")) for n in nodes) if t]
    keys = [p.key for p in parsed.plans] + [d.key for d in parsed.dead_letters]
    known = ctx.ledger.statuses(ctx.writer.integration, keys)
    settled: set[EntryStatus | None] = {EntryStatus.posted} if ctx.retry_dead else {EntryStatus.posted, EntryStatus.dead}
    page.already_posted = sum(1 for k in keys if known.get(k) is EntryStatus.posted)
    planned = await ctx.erp.plan([p for p in parsed.plans if known.get(p.key) not in settled])
    page.ready = planned.ready
    page.dead_letters = [d for d in parsed.dead_letters if known.get(d.key) not in settled] + planned.dead_letters
    return page


@task(name="post-item-receipts", cache_policy=NO_CACHE)
async def post_receipts_page(ctx: ReceiptContext, page: ReceiptPagePlan) -> PostReport:
    assert ctx.run is not None, "a dry run posts nothing"
    report = await write_page(
        ctx.ledger, ctx.run, ctx.writer, page.ready, page.dead_letters, window=ctx.window, retry_dead=ctx.retry_dead
    )
    report.already_posted += page.already_posted
    return report


@task(name="resolve-interrupted-receipts", cache_policy=NO_CACHE)
async def resolve_interrupted_receipts(ctx: ReceiptContext) -> int:
    """Receipts a dead run left `pending`: ask the ERP whether each landed."""
    assert ctx.run is not None
    return await resolve_orphans(ctx.ledger, ctx.run, ctx.writer)


def dry_run_report(page: ReceiptPagePlan) -> PostReport:
    report = PostReport(already_posted=page.already_posted)
    report.posted = [{**item.row, "body": item.body} for item in page.ready]
    report.dead_letters = [dead_letter_row(d) for d in page.dead_letters]
    return report
