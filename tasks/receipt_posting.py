"""Prefect tasks of receipt-sync: fetch a page of ION receipts, plan it against the NetSuite
POs, post the item receipts through the ledger (`core.writer`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient, Page
from connectors.ion.queries import RECEIPTS
from connectors.netsuite import NetSuiteClient
from core.config import Mappings
from core.times import parse_time
from core.writer import (
    Postable,
    PostReport,
    Writer,
    dead_letter_row,
    one_record,
    resolve_orphans,
    write_page,
)
from erp.netsuite.receipts import (
    INTEGRATION,
    NetSuitePo,
    PoLine,
    external_id,
    item_receipt_body,
    netsuite_problems,
    parse_receipts,
    posted_row,
)
from ledger import Claim, EntryStatus, Ledger, RunHandle
from ledger.store import DeadLetter

SUITEQL_IN_CHUNK = 500
ITEM_RECEIPT = "itemReceipt"


@dataclass
class ReceiptContext:
    ion: IonClient
    netsuite: NetSuiteClient
    ledger: Ledger
    run: RunHandle | None  # None in a dry run
    mappings: Mappings
    retry_dead: bool = False
    window: asyncio.Semaphore = field(init=False)  # item receipts in flight, across pages

    def __post_init__(self) -> None:
        self.window = asyncio.Semaphore(self.netsuite.settings.concurrency)


@dataclass
class ReceiptPagePlan:
    ready: list[Postable] = field(default_factory=list)
    po_ids: dict[str, str] = field(default_factory=dict)  # key -> NetSuite PO internal id
    dead_letters: list[DeadLetter] = field(default_factory=list)
    already_posted: int = 0
    skipped: int = 0
    nothing_to_post: list[str] = field(default_factory=list)  # receipt ids with no NetSuite item
    times: list[datetime] = field(default_factory=list)  # _created of every receipt on the page


@task(name="fetch-receipts", cache_policy=NO_CACHE)
async def fetch_receipts_page(ctx: ReceiptContext, filters: dict[str, Any], after: str | None) -> Page:
    purchasing = ctx.mappings.netsuite.purchasing
    variables = {"filters": filters, "poKey": purchasing.po_number_attribute, "lineKey": purchasing.line_number_attribute}
    return await ctx.ion.page(RECEIPTS, "receipts", variables, first=ctx.ion.settings.page_size, after=after)


@task(name="plan-item-receipts", cache_policy=NO_CACHE)
async def plan_receipts_page(ctx: ReceiptContext, nodes: list[dict[str, Any]]) -> ReceiptPagePlan:
    """Parse the receipts, read their NetSuite POs (one SuiteQL query per 500 POs), check
    every line against what NetSuite says is still open, and build the transform bodies."""
    mappings = ctx.mappings.netsuite
    parsed = parse_receipts(nodes, mappings)
    page = ReceiptPagePlan(skipped=parsed.skipped, nothing_to_post=parsed.nothing_to_post)
    page.times = [t for t in (parse_time(n.get("_created")) for n in nodes) if t]
    keys = [p.key for p in parsed.plans] + [d.key for d in parsed.dead_letters]
    known = ctx.ledger.statuses(INTEGRATION, keys)
    settled = {EntryStatus.posted} | (set() if ctx.retry_dead else {EntryStatus.dead})
    page.already_posted = sum(1 for k in keys if known.get(k) is EntryStatus.posted)
    page.dead_letters = [d for d in parsed.dead_letters if known.get(d.key) not in settled]
    plans = [p for p in parsed.plans if known.get(p.key) not in settled]
    pos = await find_purchase_orders(ctx.netsuite, {p.po_number for p in plans})
    taken: dict[tuple[str, int], float] = {}
    for plan in sorted(plans, key=lambda p: (p.received_at or datetime.min, p.receipt_id)):
        po = pos.get(plan.po_number)
        problems = netsuite_problems(plan, po, mappings, taken)
        if problems or po is None:
            page.dead_letters.append(
                DeadLetter(plan.key, plan.source_ref, f"{plan.label}: " + "; ".join(problems), None, plan.created)
            )
            continue
        for number, line in plan.lines.items():
            taken[(po.id, number)] = taken.get((po.id, number), 0.0) + line.quantity
        page.po_ids[plan.key] = po.id
        with one_record(page.dead_letters, plan.key, plan.source_ref, plan.label, plan.created):
            page.ready.append(
                Postable(plan.key, plan.source_ref, plan.label, item_receipt_body(plan, po), posted_row(plan), plan.created)
            )
    return page


async def find_purchase_orders(netsuite: NetSuiteClient, numbers: set[str]) -> dict[str, NetSuitePo]:
    """NetSuite POs by number (tranId) with their lines' ordered, received and closed state."""
    found: dict[str, NetSuitePo] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), SUITEQL_IN_CHUNK):
        chunk = ordered[start : start + SUITEQL_IN_CHUNK]
        rows = await netsuite.suiteql_all(
            "SELECT t.id, t.tranid, t.status, tl.id AS line, i.itemid, tl.quantity, tl.quantityshiprecv, tl.isclosed "
            "FROM transaction t JOIN transactionline tl ON tl.transaction = t.id JOIN item i ON i.id = tl.item "
            f"WHERE t.type = 'PurchOrd' AND tl.mainline = 'F' AND t.tranid IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            number = str(row["tranid"])
            po = found.get(number)
            if po is None:
                status = str(row["status"]).rsplit(":", 1)[-1] if row.get("status") else None
                po = found[number] = NetSuitePo(str(row["id"]), number, status, {})
            line = int(row["line"])
            po.lines[line] = PoLine(
                line=line,
                item=str(row["itemid"]),
                ordered=abs(float(row.get("quantity") or 0)),
                received=abs(float(row.get("quantityshiprecv") or 0)),
                closed=str(row.get("isclosed")) == "T",
            )
    return found


@task(name="post-item-receipts", cache_policy=NO_CACHE)
async def post_receipts_page(ctx: ReceiptContext, page: ReceiptPagePlan) -> PostReport:
    assert ctx.run is not None, "a dry run posts nothing"

    report = await write_page(
        ctx.ledger, ctx.run, ReceiptWriter(ctx.netsuite, page.po_ids), page.ready, page.dead_letters,
        window=ctx.window, retry_dead=ctx.retry_dead,
    )
    report.already_posted += page.already_posted
    return report


@task(name="resolve-interrupted-receipts", cache_policy=NO_CACHE)
async def resolve_interrupted_receipts(ctx: ReceiptContext) -> int:
    """Receipts a dead run left `pending`: look each up in NetSuite by external id."""
    assert ctx.run is not None

    return await resolve_orphans(ctx.ledger, ctx.run, ReceiptWriter(ctx.netsuite, {}))


def dry_run_report(page: ReceiptPagePlan) -> PostReport:
    report = PostReport(already_posted=page.already_posted)
    report.posted = [{**item.row, "body": item.body} for item in page.ready]
    report.dead_letters = [dead_letter_row(d) for d in page.dead_letters]
    return report


class ReceiptWriter(Writer):
    """Item receipts: transformed from their purchase order, keyed by external id."""

    integration = INTEGRATION
    target = "NetSuite"
    idempotent = True

    def __init__(self, netsuite: NetSuiteClient, po_ids: dict[str, str]) -> None:
        self.netsuite = netsuite
        self.po_ids = po_ids  # ledger key -> purchase order internal id

    async def find(self, claim: Claim) -> str | None:
        return await self.netsuite.find_by_external_id(ITEM_RECEIPT, external_id(claim.key))

    async def write(self, items: Sequence[Postable]) -> list[str | Exception]:
        item = items[0]
        result = await self.netsuite.transform_once(
            "purchaseOrder", self.po_ids[item.key], ITEM_RECEIPT, item.body,
            external_id=external_id(item.key), check_first=False,
        )
        return [result.target_id]
