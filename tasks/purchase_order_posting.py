"""Prefect tasks of purchase-order-sync: list changed NetSuite POs, plan a page of them against
ION, apply each through the ledger (`core.writer`, one key per NetSuite version)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.netsuite import NetSuiteClient
from core.config import Mappings
from core.times import iso, parse_time
from core.writer import (
    Postable,
    PostReport,
    Writer,
    dead_letter_row,
    one_record,
    write_page,
)
from erp.netsuite.purchase_orders import (
    INTEGRATION,
    Definitions,
    DesiredPo,
    Vendor,
    desired_po,
    posted_row,
    version_key,
)
from ledger import Claim, EntryStatus, Ledger, RunHandle
from ledger.store import DeadLetter
from mes.ion.purchasing import IonPurchasing


@dataclass
class PoContext:
    netsuite: NetSuiteClient
    ion: IonPurchasing
    ledger: Ledger
    run: RunHandle | None  # None in a dry run
    mappings: Mappings
    definitions: Definitions | None
    retry_dead: bool = False
    vendors: dict[str, Vendor] = field(default_factory=dict)


@dataclass
class PoPagePlan:
    ready: list[Postable] = field(default_factory=list)
    desired: dict[str, DesiredPo] = field(default_factory=dict)  # key -> desired state
    ion_ids: dict[str, str | None] = field(default_factory=dict)  # key -> ION PO id, when known
    dead_letters: list[DeadLetter] = field(default_factory=list)
    already_posted: int = 0
    skipped: int = 0  # not in ION yet and not (or no longer) expecting receipts
    times: list[datetime] = field(default_factory=list)


@task(name="list-changed-purchase-orders", cache_policy=NO_CACHE)
async def list_changed(
    netsuite: NetSuiteClient,
    since: datetime | None,
    until: datetime | None,
    numbers: list[str] | None,
    ids: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Headers (id, number, status, last modified) of the NetSuite POs to look at, oldest change first."""
    where, params = ["t.type = 'PurchOrd'"], []
    if numbers:
        where.append(f"t.tranid IN ({', '.join('?' * len(numbers))})")
        params += numbers
    if ids:
        where.append(f"t.id IN ({', '.join('?' * len(ids))})")
        params += [str(i) for i in ids]
    if since:
        where.append("t.lastmodifieddate >= ?")
        params.append(iso(since))
    if until:
        where.append("t.lastmodifieddate < ?")
        params.append(iso(until))
    query = f"SELECT t.id, t.tranid, t.status, t.lastmodifieddate FROM transaction t WHERE {' AND '.join(where)} ORDER BY t.lastmodifieddate, t.id"
    return await netsuite.suiteql_all(query, params)


@task(name="plan-purchase-orders", cache_policy=NO_CACHE)
async def plan_po_page(ctx: PoContext, headers: list[dict[str, Any]]) -> PoPagePlan:
    """Read each PO (with its lines) and its vendor from NetSuite, map items to ION parts and
    fields to attributes; a PO that cannot map is a dead letter listing every problem."""
    page = PoPagePlan(times=[t for t in (parse_time(h.get("lastmodifieddate")) for h in headers) if t])
    keys = {version_key(str(h["id"]), str(h.get("lastmodifieddate") or "")): h for h in headers}
    known = ctx.ledger.statuses(INTEGRATION, list(keys))
    settled = {EntryStatus.posted} | (set() if ctx.retry_dead else {EntryStatus.dead})
    page.already_posted = sum(1 for status in known.values() if status is EntryStatus.posted)
    todo = {k: h for k, h in keys.items() if known.get(k) not in settled}
    records = await asyncio.gather(*(ctx.netsuite.get("purchaseOrder", str(h["id"]), expand=True) for h in todo.values()))
    items = {line.get("item", {}).get("refName", "") for r in records if r for line in (r.get("item") or {}).get("items", [])}
    await ctx.ion.resolve_parts({ctx.mappings.netsuite.part_number(i) for i in items if i})
    for (key, header), record in zip(todo.items(), records, strict=True):
        if record is None:
            continue  # deleted since it was listed
        number = str(record["tranId"])
        ion_id = await ctx.ion.find_po(number)
        status = str((record.get("status") or {}).get("id") or header.get("status") or "")
        if ion_id is None and status not in ctx.mappings.netsuite.purchasing.receivable_statuses:
            page.skipped += 1
            continue
        source = f"netsuite:purchaseOrder:{record['id']}"
        with one_record(page.dead_letters, key, source, f"NetSuite {number}", parse_time(header.get("lastmodifieddate"))) as one:
            desired, problems = desired_po(record, ctx.mappings.netsuite, ctx.ion.part_ids, ctx.definitions)
        if one.failed:
            continue
        if desired is not None:
            vendor = await vendor_of(ctx, desired.vendor_id)
            problems += vendor_problems(ctx, vendor)
        if problems or desired is None:
            reason = f"NetSuite {number}: " + "; ".join(problems)
            page.dead_letters.append(DeadLetter(key, source, reason, {"purchaseOrder": record}, parse_time(header.get("lastmodifieddate"))))
            continue
        page.desired[key] = desired
        page.ion_ids[key] = ion_id
        row = posted_row(desired, ion_id is None, None)
        page.ready.append(Postable(key, source, desired.label, {"purchaseOrder": record}, row, parse_time(desired.version)))
    return page


async def vendor_of(ctx: PoContext, vendor_id: str) -> Vendor | None:
    if vendor_id not in ctx.vendors:
        record = await ctx.netsuite.get("vendor", vendor_id)
        if record is None:
            return None
        terms = record.get("terms")
        ctx.vendors[vendor_id] = Vendor(
            id=vendor_id,
            name=str(record.get("companyName") or record.get("entityId") or f"NetSuite vendor {vendor_id}"),
            email=record.get("email"),
            terms=terms.get("refName") if isinstance(terms, dict) else None,
        )
    return ctx.vendors[vendor_id]


def vendor_problems(ctx: PoContext, vendor: Vendor | None) -> list[str]:
    if vendor is None:
        return ["its vendor does not exist in NetSuite"]
    attribute = ctx.mappings.netsuite.purchasing.payment_terms_attribute
    options = (ctx.definitions.supplier.get(attribute) if ctx.definitions and attribute else None) or []
    if vendor.terms and options and vendor.terms not in options:
        return [f"vendor {vendor.name}'s terms {vendor.terms!r} are not an option of ION supplier attribute {attribute!r}"]
    return []


@task(name="apply-purchase-orders", cache_policy=NO_CACHE)
async def apply_po_page(ctx: PoContext, page: PoPagePlan) -> PostReport:
    assert ctx.run is not None, "a dry run writes nothing"

    report = await write_page(
        ctx.ledger, ctx.run, PurchaseOrderWriter(ctx, page), page.ready, page.dead_letters,
        window=asyncio.Semaphore(1),  # one PO at a time: supplier creation and the PO index are shared
        retry_dead=ctx.retry_dead,
    )
    report.already_posted += page.already_posted
    return report


def dry_run_report(page: PoPagePlan) -> PostReport:
    report = PostReport(already_posted=page.already_posted)
    report.posted = [item.row for item in page.ready]
    report.dead_letters = [dead_letter_row(d) for d in page.dead_letters]
    return report


class PurchaseOrderWriter(Writer):
    """NetSuite POs into ION: `apply` is convergent (it reads ION's copy and makes only the
    edits that are missing), so writing again is safe and `find` has nothing to add."""

    integration = INTEGRATION
    target = "ION"
    idempotent = True

    def __init__(self, ctx: PoContext, page: PoPagePlan) -> None:
        self.ctx = ctx
        self.page = page

    async def find(self, claim: Claim) -> str | None:
        return None

    async def write(self, items: Sequence[Postable]) -> list[str | Exception]:
        item = items[0]
        desired = self.page.desired[item.key]
        supplier_id = await self.ctx.ion.ensure_supplier(self.ctx.vendors[desired.vendor_id])
        applied = await self.ctx.ion.apply(desired, supplier_id, self.page.ion_ids[item.key], check_first=True)
        item.row.update(posted_row(desired, applied.created, applied.edits))
        return [applied.ion_id]
