"""Prefect tasks of consumption-sync: fetch a page of runs, plan it, post it through the ledger.

Each task handles one page. Posting follows the ledger protocol of `../shared/DESIGN.md`:
claim the page's keys, post each claimed completion with its external id, record every
outcome; keys another live run holds are left to it, and keys a dead run left `pending`
are looked up in NetSuite before anything is posted again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient, Page
from connectors.ion.installed_quantity import completed_runs_page
from connectors.netsuite import NetSuiteClient
from core.config import Mappings
from core.writer import (
    Postable,
    Writer,
    one_record,
    resolve_orphans,
    write_page,
)
from erp.netsuite.consumption import (
    COMPLETION_REPLACE,
    INTEGRATION,
    CompletionPlan,
    WorkOrderRef,
    completion_body,
    completion_key,
    consumed_numbers,
    external_id,
    parse_runs,
    plan_completions,
    reference_problems,
)
from erp.netsuite.references import SUITEQL_IN_CHUNK, find_item_ids
from ledger import Claim, EntryStatus, Ledger, RunHandle
from ledger.store import DeadLetter

COMPLETION = "workOrderCompletion"


@dataclass
class SyncContext:
    """What every task of one consumption-sync run shares."""

    ion: IonClient
    netsuite: NetSuiteClient
    ledger: Ledger
    run: RunHandle | None  # None in a dry run: nothing is claimed
    mappings: Mappings
    retry_dead: bool = False
    max_attempts: int = 5
    item_ids: dict[str, str | None] = field(default_factory=dict)  # NetSuite item name -> internal id
    number_ids: dict[tuple[str, str], str] = field(default_factory=dict)  # (item id, lot/serial) -> inventoryNumber id


@dataclass(frozen=True)
class ReadyCompletion:
    plan: CompletionPlan
    work_order: WorkOrderRef
    body: dict[str, Any]


@dataclass
class PagePlan:
    ready: list[ReadyCompletion] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    end_times: dict[str, datetime] = field(default_factory=dict)  # key -> run end time
    already_posted: int = 0


@dataclass
class PageReport:
    """What happened to one page; the flow sums these up and reports them."""

    fetched: int = 0
    posted: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    would_post: list[ReadyCompletion] = field(default_factory=list)
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0
    max_end_time: datetime | None = None
    unsettled_end_time: datetime | None = None  # earliest run not yet posted or dead


@task(name="fetch-completed-runs", cache_policy=NO_CACHE)
async def fetch_runs_page(ion: IonClient, filters: dict[str, Any], after: str | None) -> Page:
    """One Relay page of completed runs with their as-built installations."""
    return await completed_runs_page(ion, filters, after)


@task(name="plan-completions", cache_policy=NO_CACHE)
async def plan_page(ctx: SyncContext, nodes: list[dict[str, Any]]) -> PagePlan:
    """Validate and expand a page of runs, then resolve NetSuite ids for items and work orders."""
    known = ctx.ledger.statuses(INTEGRATION, [completion_key(node.get("id")) for node in nodes])
    settled = {EntryStatus.posted} | (set() if ctx.retry_dead else {EntryStatus.dead})
    fresh = [node for node in nodes if known.get(completion_key(node.get("id"))) not in settled]
    runs, dead = parse_runs(fresh)
    planned = plan_completions(runs, ctx.mappings.netsuite)
    page = PagePlan(
        dead_letters=[*dead, *planned.dead_letters],
        already_posted=sum(1 for status in known.values() if status is EntryStatus.posted),
    )
    page.end_times = {d.key: d.source_time for d in page.dead_letters if d.source_time}
    if not planned.plans:
        return page
    names = {plan.item for plan in planned.plans} | {line.item for plan in planned.plans for line in plan.components}
    await resolve_items(ctx, names)
    numbers: dict[tuple[str, str], str] | None = None
    if ctx.netsuite.settings.component_number_field == "issueInventoryNumber":
        await resolve_numbers(ctx, consumed_numbers(planned.plans))
        numbers = ctx.number_ids
    work_orders = await find_work_orders(ctx.netsuite, {plan.work_order for plan in planned.plans})
    for plan in planned.plans:
        page.end_times[plan.key] = plan.end_time
        work_order = work_orders.get(plan.work_order)
        problems = reference_problems(plan, ctx.item_ids, work_order, numbers)
        if problems:
            page.dead_letters.append(
                DeadLetter(plan.key, f"ion:run:{plan.run_id}", f"{plan.label}: " + "; ".join(problems), None, plan.end_time)
            )
            continue
        assert work_order is not None
        with one_record(page.dead_letters, plan.key, f"ion:run:{plan.run_id}", plan.label, plan.end_time):
            page.ready.append(ReadyCompletion(plan, work_order, completion_body(plan, ctx.item_ids, numbers)))
    return page


async def resolve_items(ctx: SyncContext, names: set[str]) -> None:
    """Fill the run's item-id cache for names it has not looked up yet."""
    ctx.item_ids.update(await find_item_ids(ctx.netsuite, names - ctx.item_ids.keys()))


async def resolve_numbers(ctx: SyncContext, wanted: set[tuple[str, str]]) -> None:
    """Fill the run's cache of inventoryNumber ids for consumed (item, lot/serial) pairs
    (SuiteQL `inventorynumber`, one query per 500 numbers)."""
    pairs = {(ctx.item_ids[item], number) for item, number in wanted if ctx.item_ids.get(item)}
    unknown = sorted({number for item_id, number in pairs if (item_id, number) not in ctx.number_ids})
    for start in range(0, len(unknown), SUITEQL_IN_CHUNK):
        chunk = unknown[start : start + SUITEQL_IN_CHUNK]
        rows = await ctx.netsuite.suiteql_all(
            f"SELECT id, inventorynumber, item FROM inventorynumber WHERE inventorynumber IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            key = (str(row["item"]), str(row["inventorynumber"]))
            if key in pairs:
                ctx.number_ids[key] = str(row["id"])


async def find_work_orders(netsuite: NetSuiteClient, numbers: set[str]) -> dict[str, WorkOrderRef]:
    """Work orders by number (tranId), with their status and assembly item (mainline)."""
    found: dict[str, WorkOrderRef] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), SUITEQL_IN_CHUNK):
        chunk = ordered[start : start + SUITEQL_IN_CHUNK]
        rows = await netsuite.suiteql_all(
            "SELECT t.id, t.tranid, t.status, tl.item FROM transaction t "
            "JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'T' "
            f"WHERE t.type = 'WorkOrd' AND t.tranid IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            number = str(row["tranid"])
            found[number] = WorkOrderRef(
                id=str(row["id"]),
                number=number,
                status=row.get("status"),
                item_id=str(row["item"]) if row.get("item") is not None else None,
            )
    return found


@task(name="post-completions", cache_policy=NO_CACHE)
async def post_page(ctx: SyncContext, page: PagePlan) -> PageReport:
    """Keep the page's dead letters, claim its completions, post them, record each outcome
    (the ledger protocol of `core.writer`)."""
    assert ctx.run is not None, "a dry run posts nothing"
    by_key = {ready.plan.key: ready for ready in page.ready}
    items = [
        Postable(key, f"ion:run:{r.plan.run_id}", r.plan.label, r.body, posted_row(r), r.plan.end_time)
        for key, r in by_key.items()
    ]

    posted = await write_page(
        ctx.ledger,
        ctx.run,
        CompletionWriter(ctx.netsuite, {key: r.work_order.id for key, r in by_key.items()}),
        items,
        page.dead_letters,
        window=asyncio.Semaphore(ctx.netsuite.settings.concurrency),
        retry_dead=ctx.retry_dead,
        max_attempts=ctx.max_attempts,
    )
    return PageReport(
        posted=posted.posted,
        dead_letters=posted.dead_letters,
        already_posted=page.already_posted + posted.already_posted,
        in_flight_elsewhere=posted.in_flight_elsewhere,
        failed=posted.failed,
        unsettled_end_time=posted.unsettled_time,
    )


@task(name="resolve-interrupted-posts", cache_policy=NO_CACHE)
async def resolve_interrupted(ctx: SyncContext) -> int:
    """A run that died between posting and recording left keys `pending`: ask NetSuite
    whether each completion exists (by external id) and record what it says."""
    assert ctx.run is not None

    return await resolve_orphans(ctx.ledger, ctx.run, CompletionWriter(ctx.netsuite, {}))


def posted_row(ready: ReadyCompletion) -> dict[str, Any]:
    plan = ready.plan
    return {
        "run": plan.run_id,
        "work order": plan.work_order,
        "part": plan.item,
        "quantity": plan.quantity,
        "components": len(plan.components),
    }


class CompletionWriter(Writer):
    """Work-order completions: transformed from their work order, keyed by external id (a
    duplicate external id proves an earlier attempt landed, so a rewrite is safe)."""

    integration = INTEGRATION
    target = "NetSuite"
    idempotent = True

    def __init__(self, netsuite: NetSuiteClient, work_orders: dict[str, str]) -> None:
        self.netsuite = netsuite
        self.work_orders = work_orders  # ledger key -> work order internal id

    async def find(self, claim: Claim) -> str | None:
        return await self.netsuite.find_by_external_id(COMPLETION, external_id(claim.key))

    async def write(self, items: Sequence[Postable]) -> list[str | Exception]:
        item = items[0]
        result = await self.netsuite.transform_once(
            "workOrder", self.work_orders[item.key], COMPLETION, item.body,
            external_id=external_id(item.key), check_first=False, replace=COMPLETION_REPLACE,
        )
        return [result.target_id]
