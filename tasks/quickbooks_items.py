"""QuickBooks Inventory items for ION parts: the lookup-or-create both QuickBooks flows share,
and the Prefect tasks of quickbooks-item-sync (a page of parts → batches of 30 through the
ledger protocol).

Item names are unique in QuickBooks (6240 on a duplicate), so creating an item is naturally
keyed by its name: look the names up, create the missing ones in batches, and adopt any that
a duplicate error says exist already.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.errors import DataError, SyncError, TransientError
from connectors.ion import IonClient, Page
from connectors.ion.queries import QUICKBOOKS_PARTS
from connectors.quickbooks import QuickBooksClient
from connectors.quickbooks.errors import DUPLICATE_NAME, STALE
from core.times import parse_time
from core.writer import check_body, dead_letter_row, one_record
from erp.quickbooks.rules import (
    ITEM_INTEGRATION,
    SetupIds,
    digest,
    inventory_item_body,
    item_name,
    item_name_problem,
)
from erp.quickbooks.setup import NameCache
from ledger import Claim, EntryStatus, Ledger, Outcome, RunHandle
from ledger.store import ClaimRequest, DeadLetter


@dataclass(frozen=True)
class PartItem:
    """What an ION part becomes: a QuickBooks Inventory item by name."""

    part_id: int
    name: str
    part_number: str
    description: str | None
    updated: datetime | None

    @property
    def key(self) -> str:
        return f"ion:part:{self.part_id}@{digest([self.name, self.description])}"

    @property
    def source_ref(self) -> str:
        return f"ion:part:{self.part_id}"


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def _chunks(values: list[Any], size: int) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


async def ensure_items(
    qbo: QuickBooksClient, names: NameCache, setup: SetupIds, wanted: dict[str, tuple[str, str | None]], run_key: str
) -> dict[str, Exception]:
    """Make sure every item in `wanted` (name -> (part number, description)) exists; returns the
    names that could not be created, with why. Creates go 30 to a batch request."""
    await names.fill_items(qbo, list(wanted))
    missing = sorted(name for name in wanted if names.items.get(name) is None)
    errors: dict[str, Exception] = {}
    duplicates: list[str] = []
    for chunk in _chunks(missing, qbo.settings.batch_size):
        bodies = [("create", inventory_item_body(n, wanted[n][0], wanted[n][1], setup, today())) for n in chunk]
        results = await qbo.batch("Item", bodies, key=f"{run_key}:items:{'|'.join(chunk)}")
        for name, result in zip(chunk, results, strict=True):
            if result.entity is not None:
                names.items[name] = result.entity
            elif isinstance(result.error, DataError) and result.error.code == DUPLICATE_NAME:
                duplicates.append(name)  # an earlier attempt (or someone) created it: adopt it
            else:
                errors[name] = result.error or DataError("no answer")
    if duplicates:
        await names.fill_items(qbo, duplicates, again=True)
        for name in duplicates:
            if names.items.get(name) is None:
                errors[name] = DataError(f"QuickBooks says an item named {name!r} exists, but no active item has that name")
    return errors


# -- quickbooks-item-sync ----------------------------------------------------------------


@dataclass
class ItemSyncContext:
    ion: IonClient
    qbo: QuickBooksClient
    ledger: Ledger
    run: RunHandle | None
    setup: SetupIds
    names: NameCache = field(default_factory=NameCache)
    retry_dead: bool = False
    max_attempts: int = 5


@dataclass
class ItemPagePlan:
    ready: list[PartItem] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    already_posted: int = 0


@dataclass
class ItemPageReport:
    posted: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0
    unsettled_time: datetime | None = None


@task(name="fetch-parts", cache_policy=NO_CACHE)
async def fetch_parts_page(ion: IonClient, filters: dict[str, Any], after: str | None) -> Page:
    return await ion.page(QUICKBOOKS_PARTS, "parts", {"filters": filters}, first=ion.settings.page_size, after=after)


@task(name="plan-items", cache_policy=NO_CACHE)
def plan_items(ctx: ItemSyncContext, nodes: list[dict[str, Any]]) -> ItemPagePlan:
    """Parts → items by name; a part whose name QuickBooks would refuse is a dead letter."""
    page = ItemPagePlan()
    parts = []
    for node in nodes:
        if node.get("partType") == "TOOL":
            continue
        problem = item_name_problem(node.get("partNumber"), node.get("revision"))
        updated = parse_time(node.get("_updated"))
        source, label = f"ion:part:{node.get('id')}", f"ION part {node.get('id')}"
        key = f"{source}@{digest([node.get('partNumber'), node.get('revision')])}"
        if problem:
            page.dead_letters.append(DeadLetter(key, source, f"{label}: {problem}", None, updated))
            continue
        with one_record(page.dead_letters, key, source, label, updated) as one:  # its body is built here once, to find out
            name = item_name(node["partNumber"], node["revision"])
            part = PartItem(int(node["id"]), name, node["partNumber"], node.get("description"), updated)
            check_body(inventory_item_body(name, part.part_number, part.description, ctx.setup, today()), "QuickBooks")
        if not one.failed:
            parts.append(part)
    known = ctx.ledger.statuses(ITEM_INTEGRATION, [p.key for p in parts])
    settled = {EntryStatus.posted} | (set() if ctx.retry_dead else {EntryStatus.dead})
    page.ready = [p for p in parts if known.get(p.key) not in settled]
    page.already_posted = sum(1 for status in known.values() if status is EntryStatus.posted)
    return page


@task(name="post-items", cache_policy=NO_CACHE)
async def post_items(ctx: ItemSyncContext, page: ItemPagePlan) -> ItemPageReport:
    """Claim the page's parts, then per batch of 30: look the names up, create the missing items,
    update descriptions that changed, and record every outcome."""
    assert ctx.run is not None
    report = ItemPageReport()
    kept = set(ctx.ledger.dead_letter(ITEM_INTEGRATION, page.dead_letters, replace_dead=ctx.retry_dead))
    report.dead_letters = [dead_letter_row(d) for d in page.dead_letters if d.key in kept]
    by_key = {p.key: p for p in page.ready}
    batch = ctx.ledger.claim(
        ITEM_INTEGRATION, ctx.run, [ClaimRequest(k, p.source_ref, p.updated) for k, p in by_key.items()],
        retry_dead=ctx.retry_dead,
    )
    report.already_posted = page.already_posted + len(batch.already_posted)
    report.in_flight_elsewhere = len(batch.in_flight_elsewhere)
    outcomes: list[Outcome] = []
    try:
        for chunk in _chunks(batch.mine, ctx.qbo.settings.batch_size):
            outcomes += await _post_item_chunk(ctx, [by_key[c.key] for c in chunk], {c.key: c for c in chunk})
    finally:
        ctx.ledger.record(ITEM_INTEGRATION, ctx.run, outcomes)
    for outcome in outcomes:
        part = by_key[outcome.key]
        if outcome.status is EntryStatus.posted:
            report.posted.append({"part": part.part_id, "item": part.name, "quickbooks id": outcome.target_id})
        elif outcome.status is EntryStatus.dead:
            report.dead_letters.append(dead_letter_row(DeadLetter(outcome.key, part.source_ref, outcome.reason or "")))
        else:
            report.failed += 1
    unsettled = [by_key[o.key].updated for o in outcomes if o.status is EntryStatus.failed]
    unsettled += [by_key[k].updated for k in batch.in_flight_elsewhere if k in by_key]
    report.unsettled_time = min(filter(None, unsettled), default=None)
    return report


async def _post_item_chunk(ctx: ItemSyncContext, parts: list[PartItem], claims: dict[str, Claim]) -> list[Outcome]:
    qbo = ctx.qbo
    try:
        wanted = {p.name: (p.part_number, p.description) for p in parts}
        errors = await ensure_items(qbo, ctx.names, ctx.setup, wanted, ctx.run.token if ctx.run else "dry")
        # Existing items whose description changed: one sparse update batch (SyncToken each).
        stale_names = [
            p.name for p in parts
            if p.name not in errors and (ctx.names.items[p.name] or {}).get("Description") != (p.description or None)
            and p.description
        ]
        if stale_names:
            updates = []
            for name in stale_names:
                item = ctx.names.items[name] or {}
                description = wanted[name][1]
                updates.append(("update", {"Id": item["Id"], "SyncToken": item["SyncToken"], "sparse": True,
                                           "Description": description, "PurchaseDesc": description}))
            results = await qbo.batch("Item", updates, key=f"{ctx.run.token if ctx.run else ''}:update:{'|'.join(stale_names)}")
            for name, result in zip(stale_names, results, strict=True):
                if result.entity is not None:
                    ctx.names.items[name] = result.entity
                elif isinstance(result.error, DataError) and result.error.code == STALE:
                    ctx.names.items.pop(name, None)  # re-read next run
                    errors[name] = TransientError(f"item {name!r} changed in QuickBooks meanwhile (stale SyncToken)")
                else:
                    errors[name] = result.error or DataError("no answer")
    except TransientError as exc:
        return [_transient(p, claims[p.key], exc, ctx.max_attempts) for p in parts]
    outcomes = []
    for part in parts:
        error = errors.get(part.name)
        item = ctx.names.items.get(part.name)
        if error is None and item:
            outcomes.append(Outcome(part.key, EntryStatus.posted, target_id=str(item["Id"])))
        elif isinstance(error, TransientError):
            outcomes.append(_transient(part, claims[part.key], error, ctx.max_attempts))
        elif isinstance(error, SyncError) and not isinstance(error, DataError):
            raise error
        else:
            reason = f"ION part {part.part_id}: QuickBooks refused item {part.name!r}: {error}"
            outcomes.append(Outcome(part.key, EntryStatus.dead, reason=reason))
    return outcomes


def _transient(part: PartItem, claim: Claim, exc: Exception, max_attempts: int) -> Outcome:
    if claim.attempts + 1 >= max_attempts:
        return Outcome(part.key, EntryStatus.dead, reason=f"ION part {part.part_id}: gave up after {claim.attempts + 1} runs: {exc}")
    return Outcome(part.key, EntryStatus.failed, reason=str(exc))


@task(name="resolve-interrupted-items", cache_policy=NO_CACHE)
async def resolve_interrupted_items(ctx: ItemSyncContext) -> int:
    """Keys a dead run left pending: the item exists by name (with this description) or not."""
    assert ctx.run is not None
    orphans = ctx.ledger.take_orphans(ITEM_INTEGRATION, ctx.run)
    if not orphans:
        return 0
    # The key does not hold the name: mark them failed so this run's pages re-claim and
    # re-check them (lookup first, so nothing is created twice).
    ctx.ledger.record(
        ITEM_INTEGRATION, ctx.run,
        [Outcome(c.key, EntryStatus.failed, reason="interrupted before QuickBooks confirmed; re-checked by name") for c in orphans],
    )
    return len(orphans)
