"""receipt-sync: ION receipts → the ERP's (NetSuite's) item receipts on the originating purchase orders.

Seed 002 ("ION → ERP", "The 3-way match"): the dock receives in ION; the ERP needs an item
receipt against the PO so that PO, receipt and vendor bill can be matched. Through the ERP
port (`erp.port.receipts`), this flow

1. fetches ION receipts created since the watermark (or in a window, or by id), a page at a
   time, with each item's quantity, location, lot/serial and PO line join keys;
2. groups each receipt's items by PO and checks them against the ERP's PO (unknown PO or
   line, closed PO or line, other item, over-receipt: a dead letter saying which);
3. transforms the PO into an item receipt that receives only those lines, keyed
   `ion:receipt:<id>:po:<po>` through the ledger (NetSuite: `externalId`), exactly once;
4. reports the item receipts posted, the dead letters and a summary.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State
from pydantic import Field

from connectors.ion import IonClient, Page
from core.collector import collect_rarely
from core.config import ErpName, erp_integration
from core.environment import load_environment
from core.pipeline import pipelined
from core.times import iso
from core.writer import PostedSummary, PostReport
from erp.port.receipts import INTEGRATION, key_prefix
from ledger import Ledger
from ledger.inbox import Inbox, InboxItem
from ledger.models import InboxStatus
from tasks.arguments import unexamined
from tasks.erp import open_erp
from tasks.graph import PageProgress, PlannedPage, after, fetch_then_plan, step
from tasks.inbox import EventRoute, settle_inbox_events, subject_id
from tasks.receipts import (
    ReceiptContext,
    ReceiptPagePlan,
    dry_run_report,
    fetch_receipts_page,
    plan_receipts_page,
    post_receipts_page,
    resolve_interrupted_receipts,
)
from tasks.reporting import MAX_TABLE_ROWS, SyncSummary, final_state, publish_sync_report
from tasks.run_names import windowed_run_name


def _receipt_keys(item: InboxItem) -> str | None:
    receipt_id = subject_id(item)
    return key_prefix(receipt_id) if receipt_id else None


# ION webhooks saying a receipt was saved: handled once every item receipt it makes is posted or dead.
RECEIPT_SAVED = EventRoute(
    integration=INTEGRATION, source="ion", event_types=("receipt.create", "receipt.update"), key=_receipt_keys
)


class ReceiptSummary(PostedSummary):
    skipped_other_erp: int = 0
    inbox_events_handled: int = 0
    nothing_to_post: list[str] = Field(default_factory=list)

    def add(self, page: Page, plan: ReceiptPagePlan, report: PostReport) -> None:
        self.add_page(len(page.nodes), plan.times, report)
        self.skipped_other_erp += plan.skipped
        self.nothing_to_post += plan.nothing_to_post

    def line(self) -> str:
        return super().line() + (f" skipped={self.skipped_other_erp}" if self.skipped_other_erp else "")


@flow(name=INTEGRATION, flow_run_name=windowed_run_name("receipts", receipt_ids=""), persist_result=False, log_prints=True)
async def receipt_sync(
    since: datetime | None = None,
    until: datetime | None = None,
    receipt_ids: list[int] | None = None,
    dry_run: bool = False,
    full_resync: bool = False,
    lookback_minutes: int = 15,
    erp: ErpName | None = None,
) -> SyncSummary | State:
    """Post ION receipts to the ERP as item receipts on their purchase orders, exactly once.

    Args:
        since: Only receipts created in ION at or after this time (UTC). Default: the
            watermark minus `lookback_minutes`; everything on the first run.
        until: Only receipts created before this time (UTC).
        receipt_ids: Only these ION receipt ids (a manual re-run; their dead letters are retried).
        dry_run: Show the item receipts that would be posted; write nothing anywhere.
        full_resync: Ignore the watermark, re-check every receipt; dead letters are retried,
            nothing already posted is posted again.
        lookback_minutes: How far before the watermark to look again.
        erp: The ERP to post to ("netsuite", "business-central", "odoo"). Default: ION_SYNC_ERP.
    """
    env = load_environment("erp", erp=erp)
    integration = erp_integration(INTEGRATION, env.erp)
    logger = get_run_logger()
    collect_rarely()  # pages of ~100,000 objects: see core.collector
    ledger = Ledger(env.app.database_url)
    try:
        incremental = not (receipt_ids or since or until)
        if incremental and not full_resync:
            since = ledger.resume_point(integration, lookback_minutes)
        filters = receipt_filters(since, until, receipt_ids)
        logger.info("Fetching ION receipts with filters %s", json.dumps(filters))
        async with IonClient(env.ion) as ion, open_erp(env) as adapter:
            await adapter.check()
            receipts = adapter.require(adapter.receipts, "item receipts")
            run = None if dry_run else ledger.start_run(integration, str(flow_run.id) if flow_run.id else None)
            ctx = ReceiptContext(ion, receipts, ledger, run, adapter.concurrency, retry_dead=bool(receipt_ids) or full_resync)
            summary = ReceiptSummary(integration=integration, dry_run=dry_run)
            posted: list[dict[str, Any]] = []
            dead: list[dict[str, Any]] = []

            progress = PageProgress(integration, "receipts handled")
            last: list[State | None] = []  # the task run of each page the report comes after

            fetch_and_plan = fetch_then_plan(
                fetch_receipts_page, [unexamined(ctx), filters], plan_receipts_page, [unexamined(ctx)], "receipts"
            )

            async def handle(page: Page, planned: PlannedPage[ReceiptPagePlan]) -> None:
                receipts, plan, plan_state = planned
                if run is None:
                    report, final = dry_run_report(plan), plan_state
                else:
                    report, final = await step(
                        post_receipts_page, unexamined(ctx), unexamined(plan), name=f"post {receipts}", upstream=[plan_state]
                    )
                    ledger.heartbeat(run)
                last.append(final)
                summary.add(page, plan, report)
                posted.extend(report.posted[: max(0, MAX_TABLE_ROWS - len(posted))])
                dead.extend(report.dead_letters[: max(0, MAX_TABLE_ROWS - len(dead))])
                await progress.advance(len(page.nodes), page.total, page.has_next)

            try:
                if run is not None:
                    summary.interrupted_resolved = await resolve_interrupted_receipts(unexamined(ctx))
                await pipelined(fetch_and_plan, handle)
                await progress.finish()
            finally:
                if run is not None:
                    ledger.finish_run(run)
        if incremental and not dry_run and summary.watermark_candidate is not None:
            summary.watermark = ledger.advance_watermark(integration, summary.watermark_candidate).isoformat() + "Z"
        details = f"Items on POs that did not come from {adapter.name} (no join key), skipped: {summary.skipped_other_erp}."
        publish_sync_report(summary, posted, dead, details, wait_for=after(last))
        if not dry_run:
            summary.inbox_events_handled = settle_receipt_events(
                ledger, integration, summary.nothing_to_post, flow_run.name or integration
            )
    finally:
        ledger.close()
    logger.info("%s: %s", integration, summary.model_dump_json(exclude={"nothing_to_post"}))
    if summary.failed:
        return Failed(message=f"{summary.failed} item receipt(s) failed transiently; the next run retries them", data=summary)
    return final_state(summary)


def receipt_filters(since: datetime | None, until: datetime | None, receipt_ids: list[int] | None) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if receipt_ids:
        filters["id"] = {"in": receipt_ids}
    window = {**({"gte": iso(since)} if since else {}), **({"lt": iso(until)} if until else {})}
    if window:
        filters["_created"] = window
    return filters


def settle_receipt_events(ledger: Ledger, integration: str, nothing_to_post: list[str], handled_by: str) -> int:
    """Mark the receipt webhooks this sync answered: receipts whose item receipts are all posted
    or dead (in `integration`'s ledger), and receipts with nothing for the ERP (another purchasing
    system's POs)."""
    handled = settle_inbox_events(ledger, replace(RECEIPT_SAVED, integration=integration), handled_by)
    if nothing_to_post:
        inbox = Inbox(ledger)
        wanted = set(nothing_to_post)
        waiting = inbox.pending(RECEIPT_SAVED.source, RECEIPT_SAVED.event_types, limit=10_000)
        handled += inbox.mark([e.id for e in waiting if subject_id(e) in wanted], InboxStatus.handled, handled_by[:64])
    return handled
