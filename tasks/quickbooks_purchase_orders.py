"""Prefect tasks of quickbooks-purchase-order-sync: a page of ION purchase orders → QuickBooks.

Planning checks everything that must be kept in sync by hand (supplier → vendor, class
attribute → class, expense attribute → account) before anything is written: a PO with any
of them missing is one dead letter naming all of them, and each missing name is a row of the
"out of sync" table. Posting follows the ledger protocol: claim `ion:purchaseOrder:<id>@<version>`,
create the PO's missing items, then create the PO (requestid from the key) or sparse-update the
one already there under the same document number (SyncToken; stale → re-read, retry once; its
lines keep their QuickBooks Ids, so bills linked to them stay linked). The
version is written into the PO's PrivateNote, so after a crash QuickBooks itself says whether
this version landed. A PO posts whole or not at all: it is built only when every name resolved
and every item exists, and sent as one request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from connectors.errors import DataError, SyncError, TransientError
from connectors.ion import IonClient, Page
from connectors.ion.queries import QUICKBOOKS_PURCHASE_ORDERS
from connectors.quickbooks import QuickBooksClient, request_id
from connectors.quickbooks.errors import DUPLICATE_DOC_NUMBER
from core.config import QuickBooksMappings
from core.times import parse_time
from core.writer import check_body, one_record, posted_or_dead
from erp.quickbooks.rules import (
    PO_INTEGRATION,
    PurchaseOrderPlan,
    SetupIds,
    digest,
    plan_purchase_order,
    purchase_order_body,
    purchase_order_update,
)
from erp.quickbooks.setup import NameCache
from ledger import Claim, EntryStatus, Ledger, Outcome, RunHandle
from ledger.store import ClaimRequest, DeadLetter
from tasks.quickbooks_items import dead_letter_row, ensure_items

POSTS_AT_ONCE = 8  # under the realm's 10 concurrent requests (A5), leaving room for lookups


@dataclass
class PoSyncContext:
    ion: IonClient
    qbo: QuickBooksClient
    ledger: Ledger
    run: RunHandle | None  # None in a dry run
    setup: QuickBooksMappings
    ids: SetupIds
    names: NameCache = field(default_factory=NameCache)
    retry_dead: bool = False
    max_attempts: int = 5


@dataclass
class PoPagePlan:
    ready: list[PurchaseOrderPlan] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    out_of_sync: list[dict[str, Any]] = field(default_factory=list)
    already_posted: int = 0


@dataclass
class PoPageReport:
    posted: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    would_post: list[dict[str, Any]] = field(default_factory=list)
    out_of_sync: list[dict[str, Any]] = field(default_factory=list)
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0
    unsettled_time: datetime | None = None


@task(name="fetch-purchase-orders", cache_policy=NO_CACHE)
async def fetch_po_page(ion: IonClient, filters: dict[str, Any], after: str | None) -> Page:
    return await ion.page(
        QUICKBOOKS_PURCHASE_ORDERS, "purchaseOrders", {"filters": filters}, first=ion.settings.page_size, after=after
    )


def out_of_sync_problems(plan: PurchaseOrderPlan, names: NameCache) -> list[dict[str, Any]]:
    """Every name of the plan that QuickBooks does not have: one row each, saying how to fix it."""
    rows = []

    def row(line: int | None, what: str, value: str, fix: str) -> None:
        if value in names.refused:
            fix = f"the name {names.refused[value]}: rename it"
        rows.append({"purchase order": plan.po_id, "line": line or "", "what": what, "ION value": value, "fix": fix})

    if names.vendors.get(plan.supplier) is None:
        row(None, "supplier", plan.supplier, f"create a QuickBooks vendor with display name {plan.supplier!r}")
    for line in plan.lines:
        if line.class_name and names.classes.get(line.class_name) is None:
            row(line.line_id, "class", line.class_name, f"create the QuickBooks class {line.class_name!r} (or fix the option)")
        if line.expense_account and names.accounts.get(line.expense_account) is None:
            row(line.line_id, "expense account", line.expense_account,
                f"create (or reactivate) the QuickBooks account {line.expense_account!r}, or fix the ION option")
    return rows


@task(name="plan-purchase-orders", cache_policy=NO_CACHE)
async def plan_po_page(ctx: PoSyncContext, nodes: list[dict[str, Any]]) -> PoPagePlan:
    """ION POs → plans; bad input and out-of-sync names are dead letters, the rest ready."""
    page = PoPagePlan()
    plans: list[PurchaseOrderPlan] = []
    for node in nodes:
        version = digest({k: v for k, v in node.items() if k != "_updated"})
        key, source = f"ion:purchaseOrder:{node.get('id')}@{version}", f"ion:purchaseOrder:{node.get('id')}"
        with one_record(page.dead_letters, key, source, f"ION purchase order {node.get('id')}", parse_time(node.get("_updated"))) as one:
            plan, problems = plan_purchase_order(
                node, class_attribute=ctx.setup.class_attribute, expense_attribute=ctx.setup.expense_attribute
            )
        if one.failed:
            continue
        if plan is None:
            reason = f"ION purchase order {node.get('id')}: " + "; ".join(problems)
            page.dead_letters.append(DeadLetter(key, f"ion:purchaseOrder:{node.get('id')}", reason, None, parse_time(node.get("_updated"))))
        else:
            plans.append(plan)
    known = ctx.ledger.statuses(PO_INTEGRATION, [p.key for p in plans])
    settled = {EntryStatus.posted} | (set() if ctx.retry_dead else {EntryStatus.dead})
    fresh = [p for p in plans if known.get(p.key) not in settled]
    held = [p for p in plans if known.get(p.key) is EntryStatus.dead and p not in fresh]
    page.already_posted = sum(1 for status in known.values() if status is EntryStatus.posted)
    await ctx.names.fill(
        ctx.qbo,
        vendors=[p.supplier for p in fresh + held],
        classes=[line.class_name for p in fresh + held for line in p.lines if line.class_name],
        accounts=[line.expense_account for p in fresh + held for line in p.lines if line.expense_account],
    )
    for plan in held:  # dead letters of earlier runs still out of sync: listed again, not re-kept
        page.out_of_sync += out_of_sync_problems(plan, ctx.names)
    for plan in fresh:
        rows = out_of_sync_problems(plan, ctx.names)
        if rows:
            missing = "; ".join(
                f"{r['what']} {r['ION value']!r}" + (f" (line {r['line']})" if r["line"] else "")
                + (f": {r['fix']}" if r["ION value"] in ctx.names.refused else "")
                for r in rows
            )
            reason = f"{plan.label} is out of sync with QuickBooks, nothing was written: no QuickBooks match for {missing}"
            page.dead_letters.append(DeadLetter(plan.key, plan.source_ref, reason, None, plan.updated))
            page.out_of_sync += rows
        else:
            page.ready.append(plan)
    return page


@task(name="post-purchase-orders", cache_policy=NO_CACHE)
async def post_po_page(ctx: PoSyncContext, page: PoPagePlan) -> PoPageReport:
    """Keep the dead letters, claim the ready POs, create their items, post each PO whole."""
    assert ctx.run is not None, "a dry run posts nothing"
    report = PoPageReport(out_of_sync=page.out_of_sync)
    kept = set(ctx.ledger.dead_letter(PO_INTEGRATION, page.dead_letters, replace_dead=ctx.retry_dead))
    report.dead_letters = [dead_letter_row(d) for d in page.dead_letters if d.key in kept]
    by_key = {p.key: p for p in page.ready}
    batch = ctx.ledger.claim(
        PO_INTEGRATION, ctx.run, [ClaimRequest(k, p.source_ref, p.updated) for k, p in by_key.items()],
        retry_dead=ctx.retry_dead,
    )
    report.already_posted = page.already_posted + len(batch.already_posted)
    report.in_flight_elsewhere = len(batch.in_flight_elsewhere)
    outcomes: list[Outcome] = []
    try:
        outcomes = await _post_claimed(ctx, [(c, by_key[c.key]) for c in batch.mine])
    finally:
        ctx.ledger.record(PO_INTEGRATION, ctx.run, outcomes)
    for outcome in outcomes:
        plan = by_key[outcome.key]
        if outcome.status is EntryStatus.posted:
            report.posted.append(posted_row(plan, outcome.target_id or ""))
        elif outcome.status is EntryStatus.dead:
            report.dead_letters.append(dead_letter_row(DeadLetter(outcome.key, plan.source_ref, outcome.reason or "")))
        else:
            report.failed += 1
    unsettled = [by_key[o.key].updated for o in outcomes if o.status is EntryStatus.failed]
    unsettled += [by_key[k].updated for k in batch.in_flight_elsewhere if k in by_key]
    report.unsettled_time = min(filter(None, unsettled), default=None)
    return report


async def _post_claimed(ctx: PoSyncContext, claimed: list[tuple[Claim, PurchaseOrderPlan]]) -> list[Outcome]:
    if not claimed:
        return []
    plans = [plan for _, plan in claimed]
    wanted = {
        line.item: (line.part_number or "", line.item_description)
        for plan in plans for line in plan.lines if line.item is not None
    }
    try:
        item_errors = await ensure_items(ctx.qbo, ctx.names, ctx.ids, wanted, ctx.run.token if ctx.run else "")
        existing = await ctx.qbo.find_by("PurchaseOrder", "DocNumber", [p.doc_number for p in plans])
    except TransientError as exc:
        return [_transient(claim, plan, exc, ctx.max_attempts) for claim, plan in claimed]
    window = asyncio.Semaphore(POSTS_AT_ONCE)

    async def post(claim: Claim, plan: PurchaseOrderPlan) -> Outcome:
        async with window:
            return await posted_or_dead(
                plan.key, plan.label, lambda: post_purchase_order(ctx, claim, plan, item_errors, existing.get(plan.doc_number))
            )

    results = await asyncio.gather(*(post(c, p) for c, p in claimed), return_exceptions=True)
    outcomes = [r for r in results if isinstance(r, Outcome)]
    fatal = next((r for r in results if isinstance(r, BaseException)), None)
    if fatal:
        ctx.ledger.record(PO_INTEGRATION, ctx.run, outcomes)  # type: ignore[arg-type]
        raise fatal
    return outcomes


async def post_purchase_order(
    ctx: PoSyncContext, claim: Claim, plan: PurchaseOrderPlan, item_errors: dict[str, Exception],
    existing: dict[str, Any] | None,
) -> Outcome:
    """One PO, whole: data errors are dead letters with QuickBooks' words; transient errors leave
    it `failed` for the next run; auth, config and contract errors stop the run."""
    failed_items = {line.item: item_errors[line.item] for line in plan.lines if line.item in item_errors}
    if failed_items:
        if any(isinstance(e, TransientError) for e in failed_items.values()):
            return _transient(claim, plan, next(iter(failed_items.values())), ctx.max_attempts)
        detail = "; ".join(f"{name!r}: {error}" for name, error in failed_items.items())
        reason = f"{plan.label}: nothing was written: QuickBooks refused the item(s) its lines need: {detail}"
        return Outcome(plan.key, EntryStatus.dead, reason=reason)
    body = purchase_order_body(
        plan, ctx.ids,
        vendor_id=ctx.names.vendors[plan.supplier] or "",
        items={name: str(item["Id"]) for name, item in ctx.names.items.items() if item},
        accounts={name: i for name, i in ctx.names.accounts.items() if i},
        classes={name: i for name, i in ctx.names.classes.items() if i},
    )
    check_body(body, "QuickBooks")
    try:
        target = await upsert_purchase_order(ctx.qbo, plan, body, existing)
        return Outcome(plan.key, EntryStatus.posted, target_id=target)
    except DataError as exc:
        reason = f"{plan.label}: QuickBooks refused the purchase order: {exc}"
        return Outcome(plan.key, EntryStatus.dead, reason=reason, payload=body)
    except TransientError as exc:
        return _transient(claim, plan, exc, ctx.max_attempts)


async def upsert_purchase_order(
    qbo: QuickBooksClient, plan: PurchaseOrderPlan, body: dict[str, Any], existing: dict[str, Any] | None, *, again: bool = True
) -> str:
    """Create the PO, or bring the one with this document number to this version. A version
    QuickBooks already holds (its marker in PrivateNote) is adopted without writing."""
    if existing is not None:
        if plan.marker in str(existing.get("PrivateNote") or ""):
            return str(existing["Id"])
        updated = await qbo.update("PurchaseOrder", existing, lambda current: purchase_order_update(current, body), key=plan.key)
        return str(updated["Id"])
    try:
        created = await qbo.save("PurchaseOrder", body, requestid=request_id(plan.key, "create"))
        return str(created["Id"])
    except DataError as exc:
        if exc.code != DUPLICATE_DOC_NUMBER or not again:
            raise
        found = (await qbo.find_by("PurchaseOrder", "DocNumber", [plan.doc_number])).get(plan.doc_number)
        if found is None:
            raise
        return await upsert_purchase_order(qbo, plan, body, found, again=False)


def _transient(claim: Claim, plan: PurchaseOrderPlan, exc: Exception, max_attempts: int) -> Outcome:
    if claim.attempts + 1 >= max_attempts:
        return Outcome(plan.key, EntryStatus.dead, reason=f"{plan.label}: gave up after {claim.attempts + 1} runs: {exc}")
    return Outcome(plan.key, EntryStatus.failed, reason=str(exc))


@task(name="resolve-interrupted-purchase-orders", cache_policy=NO_CACHE)
async def resolve_interrupted_pos(ctx: PoSyncContext) -> int:
    """Keys a dead run left pending: QuickBooks holds that version of the PO (its marker in the
    PrivateNote of the PO with that document number) or it does not."""
    assert ctx.run is not None
    orphans = ctx.ledger.take_orphans(PO_INTEGRATION, ctx.run)
    if not orphans:
        return 0
    docs = {c.key: c.key.split(":")[2].split("@")[0] for c in orphans}
    try:
        found = await ctx.qbo.find_by("PurchaseOrder", "DocNumber", sorted(set(docs.values())))
    except SyncError as exc:
        outcomes = [Outcome(c.key, EntryStatus.failed, reason=f"could not check QuickBooks after an interruption: {exc}") for c in orphans]
    else:
        outcomes = []
        for claim in orphans:
            po = found.get(docs[claim.key])
            version = claim.key.rsplit("@", 1)[-1]
            if po is not None and version in str(po.get("PrivateNote") or ""):
                outcomes.append(Outcome(claim.key, EntryStatus.posted, target_id=str(po["Id"])))
            else:
                outcomes.append(Outcome(claim.key, EntryStatus.failed, reason="interrupted before QuickBooks confirmed; not there, will be posted"))
    ctx.ledger.record(PO_INTEGRATION, ctx.run, outcomes)
    return len(outcomes)


def posted_row(plan: PurchaseOrderPlan, target_id: str) -> dict[str, Any]:
    return {
        "purchase order": plan.po_id,
        "doc number": plan.doc_number,
        "vendor": plan.supplier,
        "currency": plan.currency or "",
        "lines": len(plan.lines),
        "fees": len(plan.fees),
        "total": round(sum(line.amount for line in plan.lines) + sum(f.amount for f in plan.fees), 2),
        "quickbooks id": target_id,
    }


def would_post_row(plan: PurchaseOrderPlan) -> dict[str, Any]:
    return {**posted_row(plan, ""), "quickbooks id": "(dry run)"}


@task(name="publish-out-of-sync", cache_policy=NO_CACHE)
def publish_out_of_sync(rows: list[dict[str, Any]]) -> None:
    """The seed's promise: everything to keep in sync by hand, in one table a person can act on."""
    create_table_artifact(
        key=f"{PO_INTEGRATION}-out-of-sync",
        table=rows[:500] or [{"result": "nothing out of sync in this run"}],
        description="Out of sync: suppliers, classes and expense accounts in ION with no match in QuickBooks. "
        "Fix them in QuickBooks (or ION), then re-run with purchase_order_ids to send those POs.",
    )
