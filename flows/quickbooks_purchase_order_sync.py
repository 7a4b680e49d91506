"""quickbooks-purchase-order-sync: ION purchase orders, once ordered, into QuickBooks Online.

The story, as seed 001 tells it: when a purchase in ION is set to Ordered, QuickBooks gets a
purchase order whose document number is the ION PO id, so the two always match, carrying the
part numbers, unit and total costs, quantities, descriptions, the expense account and class of
each line, the fees, the currency, the shipping address and the supplier. This flow

1. resolves the setup's five account names to ids (a missing name or a wrong type stops the
   run before any write);
2. fetches ordered (and received) POs changed since the watermark, a Relay page at a time;
3. plans each PO (`erp.quickbooks.rules`) and checks every name that must be kept in sync by
   hand: supplier → vendor, class → class, expense code → account. A PO with one missing is a
   dead letter naming it, listed in the "out of sync" table; nothing of it is written;
4. creates the Inventory items the lines need (`<partNumber> Rev <revision>`, 30 per batch),
   then posts each PO whole through the ledger (create, or update the PO already there);
5. reports: POs posted, dead letters, the out-of-sync table, a summary.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.ion import IonClient
from core.environment import load_environment
from core.times import parse_time, updated_window
from core.writer import PostReport, dead_letter_row
from erp.quickbooks.purchase_orders import would_post_row
from erp.quickbooks.rules import PO_INTEGRATION, SYNCED_STATUSES
from erp.quickbooks.setup import quickbooks_client, resolve_setup
from ledger import Ledger
from tasks.arguments import unexamined
from tasks.graph import PageProgress, after, fetched_pages, step
from tasks.quickbooks import (
    PoSyncContext,
    fetch_po_page,
    plan_po_page,
    post_po_page,
    publish_out_of_sync,
    resolve_interrupted_pos,
)
from tasks.reporting import MAX_TABLE_ROWS, SyncSummary, final_state, publish_sync_report
from tasks.run_names import windowed_run_name


class PurchaseOrderSummary(SyncSummary):
    out_of_sync: int = 0  # POs held back because a name is missing in QuickBooks (this run's and earlier dead letters)


@flow(
    name=PO_INTEGRATION,
    flow_run_name=windowed_run_name("quickbooks POs", po_ids=""),
    persist_result=False,
    log_prints=True,
)
async def quickbooks_purchase_order_sync(
    since: datetime | None = None,
    until: datetime | None = None,
    po_ids: list[int] | None = None,
    dry_run: bool = False,
    full_resync: bool = False,
    lookback_minutes: int = 15,
) -> PurchaseOrderSummary | State:
    """Send ION purchase orders that reached Ordered (and their later changes) to QuickBooks.

    Args:
        since: Only POs changed at or after this time (UTC). Default: the watermark minus
            `lookback_minutes`; everything on the first run.
        until: Only POs changed before this time (UTC).
        po_ids: Only these ION PO ids (a manual re-run; their dead letters are retried).
        dry_run: Show what would be sent and write nothing, to QuickBooks or the ledger.
        full_resync: Ignore the watermark and re-check every ordered PO; dead letters are
            retried, nothing already in QuickBooks is written again.
        lookback_minutes: How far before the watermark to look again.
    """
    env = load_environment("quickbooks")
    logger = get_run_logger()
    ledger = Ledger(env.app.database_url)
    summary = PurchaseOrderSummary(integration=PO_INTEGRATION, dry_run=dry_run)
    posted: list[dict[str, Any]] = []
    dead: list[dict[str, Any]] = []
    out_of_sync: list[dict[str, Any]] = []
    progress = PageProgress(PO_INTEGRATION, "purchase orders handled")
    last: list[State | None] = []  # the task run of each page the reports come after
    try:
        incremental = not (po_ids or since or until)
        if incremental and not full_resync:
            since = ledger.resume_point(PO_INTEGRATION, lookback_minutes)
        filters: dict[str, Any] = {"status": {"in": SYNCED_STATUSES}}
        if po_ids:
            filters["id"] = {"in": po_ids}
        if since or until:
            filters["_updated"] = updated_window(env.ion.since_operator, since, until)
        logger.info("Fetching purchase orders with filters %s", json.dumps(filters))
        run = None if dry_run else ledger.start_run(PO_INTEGRATION, str(flow_run.id) if flow_run.id else None)
        latest: datetime | None = None
        unsettled: datetime | None = None
        try:
            async with IonClient(env.ion) as ion, quickbooks_client(env.quickbooks, ledger) as qbo:
                ids = await resolve_setup(qbo, env.quickbooks_mappings, env.app.config)
                ctx = PoSyncContext(
                    ion=ion,
                    qbo=qbo,
                    ledger=ledger,
                    run=run,
                    setup=env.quickbooks_mappings,
                    ids=ids,
                    retry_dead=bool(po_ids) or full_resync,
                )
                if run:
                    summary.interrupted_resolved = await resolve_interrupted_pos(unexamined(ctx))
                # unexamined(): Prefect would walk every argument looking for futures; these hold clients and pages.
                async for n, page, fetched in fetched_pages(fetch_po_page, unexamined(ion), filters):
                    orders = f"page {n} · {len(page.nodes)} purchase orders"
                    planned, plan = await step(
                        plan_po_page, unexamined(ctx), unexamined(page.nodes), name=f"plan {orders}", upstream=[fetched]
                    )
                    if dry_run:
                        report = PostReport(
                            dead_letters=[dead_letter_row(d) for d in planned.dead_letters], already_posted=planned.already_posted
                        )
                        would_post = [would_post_row(p) for p in planned.ready]
                        last.append(plan)
                    else:
                        report, posted_page = await step(
                            post_po_page, unexamined(ctx), unexamined(planned), name=f"post {orders}", upstream=[plan]
                        )
                        ledger.heartbeat(run)  # type: ignore[arg-type]
                        would_post = []
                        last.append(posted_page)
                    summary.fetched += len(page.nodes)
                    summary.posted += len(report.posted)
                    summary.would_post += len(would_post)
                    summary.dead_letters += len(report.dead_letters)
                    summary.out_of_sync += len({r["purchase order"] for r in planned.out_of_sync})  # still waiting on a fix
                    summary.already_posted += report.already_posted
                    summary.in_flight_elsewhere += report.in_flight_elsewhere
                    summary.failed += report.failed
                    if len(posted) < MAX_TABLE_ROWS:
                        posted += report.posted or would_post
                    dead += report.dead_letters
                    out_of_sync += planned.out_of_sync
                    times = [t for t in (parse_time(node.get("_updated")) for node in page.nodes) if t]
                    latest = max([*times, *([latest] if latest else [])], default=None)
                    if report.unsettled_time:
                        unsettled = min(filter(None, [unsettled, report.unsettled_time]))
                    await progress.advance(len(page.nodes), page.total, page.has_next)
                await progress.finish()
        finally:
            if run:
                ledger.finish_run(run)
        candidate = unsettled or latest
        if incremental and not dry_run and candidate is not None:
            summary.watermark = ledger.advance_watermark(PO_INTEGRATION, candidate).isoformat() + "Z"
        publish_sync_report(summary, posted, dead[:MAX_TABLE_ROWS], wait_for=after(last))
        publish_out_of_sync(out_of_sync, wait_for=after(last))
    finally:
        ledger.close()
    logger.info("%s: %s", PO_INTEGRATION, summary.model_dump_json())
    if summary.failed:
        return Failed(message=f"{summary.failed} purchase order(s) hit transient errors; the next run retries them", data=summary)
    return final_state(summary)
