"""Prefect tasks of purchase-order-sync: list the ERP's changed POs, plan a page of them against
ION, apply them through the engine (`core.writer`, one key per ERP version of a PO)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from core.config import ErpMappings
from core.times import parse_time
from core.writer import Postable, PostReport, dead_letter_row, one_record, write_page
from erp.port.purchase_orders import INTEGRATION, Definitions, PoChange, PurchaseOrderSource, Supplier
from ledger import EntryStatus, Ledger, RunHandle
from ledger.store import DeadLetter
from mes.ion.purchase_order_edits import posted_row
from mes.ion.purchase_order_writer import PlannedPo, PurchaseOrderWriter
from mes.ion.purchasing import IonPurchasing


@dataclass
class PoContext:
    source: PurchaseOrderSource
    ion: IonPurchasing
    ledger: Ledger
    run: RunHandle | None  # None in a dry run
    mappings: ErpMappings  # the ERP's section of the mappings file
    retry_dead: bool = False
    integration: str = INTEGRATION  # the ledger's name for this ERP's PO sync (core.config.erp_integration)
    definitions: Definitions | None = None  # ION's attribute definitions, read by `prepare`
    prepared: bool = False

    async def prepare(self) -> None:
        """Once a run, before the first PO is read: check the ERP's setup (a ConfigError stops the
        run before any write) and read ION's attribute definitions. A run whose changes are all
        settled in the ledger (a no-op) makes neither request."""
        if not self.prepared:
            await self.source.check()
            self.definitions = await self.ion.definitions()
            self.prepared = True


@dataclass
class PoPagePlan:
    ready: list[Postable] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    already_posted: int = 0
    skipped: int = 0  # not in ION yet and not (or no longer) expecting receipts
    times: list[datetime] = field(default_factory=list)


@task(name="list-changed-purchase-orders", cache_policy=NO_CACHE)
async def list_changed(
    source: PurchaseOrderSource,
    since: datetime | None,
    until: datetime | None,
    numbers: list[str] | None,
    ids: list[str] | None = None,
) -> list[PoChange]:
    """The ERP's POs to look at, oldest change first."""
    return await source.changed(since, until, numbers, ids)


@task(name="plan-purchase-orders", cache_policy=NO_CACHE)
async def plan_po_page(ctx: PoContext, changes: Sequence[PoChange]) -> PoPagePlan:
    """Read each PO (with its lines) and its vendor from the ERP, map items to ION parts and
    fields to attributes; a PO that cannot map is a dead letter listing every problem."""
    page = PoPagePlan(times=[c.changed_at for c in changes if c.changed_at])
    known = ctx.ledger.statuses(ctx.integration, [c.key for c in changes])
    settled = {EntryStatus.posted} | (set() if ctx.retry_dead else {EntryStatus.dead})
    page.already_posted = sum(1 for status in known.values() if status is EntryStatus.posted)
    unsettled = [c for c in changes if known.get(c.key) not in settled]
    if not unsettled:
        return page
    await ctx.prepare()
    pos = await ctx.source.read(unsettled)
    await ctx.ion.resolve_parts(frozenset().union(*(po.part_numbers for po in pos if po)))
    for po in pos:
        if po is None:
            continue  # deleted since it was listed
        ion_id = await ctx.ion.find_po(po.number, po.marker)
        if ion_id is None and not po.receivable:
            page.skipped += 1
            continue
        key, when = po.change.key, po.change.changed_at
        with one_record(page.dead_letters, key, po.source_ref, po.label, when) as one:
            desired, problems = ctx.source.desired(po, ctx.ion.part_ids, ctx.definitions)
        if one.failed:
            continue
        supplier = None
        if desired is not None:
            supplier = await ctx.source.supplier(desired.vendor_id)
            problems += supplier_problems(ctx, supplier)
        if problems or desired is None or supplier is None:
            page.dead_letters.append(DeadLetter(key, po.source_ref, f"{po.label}: " + "; ".join(problems), po.document, when))
            continue
        row = posted_row(desired, ion_id is None, None)
        planned = PlannedPo(desired, supplier, ion_id)
        modified = parse_time(desired.version)
        page.ready.append(Postable(key, po.source_ref, desired.label, po.document, row, modified, record=planned))
    return page


def supplier_problems(ctx: PoContext, supplier: Supplier | None) -> list[str]:
    if supplier is None:
        return [f"its vendor does not exist in {ctx.source.name}"]
    attribute = ctx.mappings.purchasing.payment_terms_attribute
    options = (ctx.definitions.supplier.get(attribute) if ctx.definitions and attribute else None) or []
    if supplier.terms and options and supplier.terms not in options:
        return [f"vendor {supplier.name}'s terms {supplier.terms!r} are not an option of ION supplier attribute {attribute!r}"]
    return []


@task(name="apply-purchase-orders", cache_policy=NO_CACHE)
async def apply_po_page(ctx: PoContext, page: PoPagePlan) -> PostReport:
    assert ctx.run is not None, "a dry run writes nothing"
    report = await write_page(
        ctx.ledger,
        ctx.run,
        PurchaseOrderWriter(ctx.ion, ctx.integration),
        page.ready,
        page.dead_letters,
        window=asyncio.Semaphore(1),  # one PO at a time: supplier creation and the PO index are shared
        retry_dead=ctx.retry_dead,
    )
    report.already_posted += page.already_posted
    return report


def dry_run_report(page: PoPagePlan) -> PostReport:
    report = PostReport(already_posted=page.already_posted)
    report.posted = [{**item.row, "body": item.body} for item in page.ready]
    report.dead_letters = [dead_letter_row(d) for d in page.dead_letters]
    return report
