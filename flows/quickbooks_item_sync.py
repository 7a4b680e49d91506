"""quickbooks-item-sync: ION parts into QuickBooks Online Inventory items.

Seed 001: "ION parts are also created in QBO as inventoried items when the ION part is created
or updated in ION." Parts changed since the watermark become (or update) the Inventory item
named `<partNumber> Rev <revision>`, on the setup's income, inventory asset and expense
accounts; looked up by name and created or updated 30 to a batch request, each part keyed
`ion:part:<id>@<version>` through the ledger, so re-runs write nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.ion import IonClient
from core.environment import load_environment
from core.times import parse_time, updated_window
from erp.quickbooks.rules import ITEM_INTEGRATION
from erp.quickbooks.setup import quickbooks_client, resolve_setup
from ledger import Ledger
from tasks.arguments import unexamined
from tasks.graph import PageProgress, after, fetched_pages, step
from tasks.quickbooks import (
    ItemSyncContext,
    fetch_parts_page,
    plan_items,
    post_items,
    resolve_interrupted_items,
)
from tasks.reporting import MAX_TABLE_ROWS, SyncSummary, final_state, publish_sync_report
from tasks.run_names import windowed_run_name


@flow(name=ITEM_INTEGRATION, flow_run_name=windowed_run_name("quickbooks items"), persist_result=False, log_prints=True)
async def quickbooks_item_sync(
    since: datetime | None = None,
    until: datetime | None = None,
    dry_run: bool = False,
    full_resync: bool = False,
    lookback_minutes: int = 15,
) -> SyncSummary | State:
    """Create or update a QuickBooks Inventory item for every ION part changed since the watermark.

    Args:
        since: Only parts changed at or after this time (UTC). Default: the watermark minus
            `lookback_minutes`; every part on the first run.
        until: Only parts changed before this time (UTC).
        dry_run: List the items that would be written and write nothing.
        full_resync: Ignore the watermark and re-check every part (dead letters retried).
        lookback_minutes: How far before the watermark to look again.
    """
    env = load_environment("quickbooks")
    logger = get_run_logger()
    ledger = Ledger(env.app.database_url)
    summary = SyncSummary(integration=ITEM_INTEGRATION, dry_run=dry_run)
    posted: list[dict[str, Any]] = []
    dead: list[dict[str, Any]] = []
    progress = PageProgress(ITEM_INTEGRATION, "parts handled")
    last: list[State | None] = []  # the task run of each page the report comes after
    try:
        incremental = since is None and until is None
        if incremental and not full_resync:
            since = ledger.resume_point(ITEM_INTEGRATION, lookback_minutes)
        filters: dict[str, Any] = {"_updated": updated_window(env.ion.since_operator, since, until)} if since or until else {}
        run = None if dry_run else ledger.start_run(ITEM_INTEGRATION, str(flow_run.id) if flow_run.id else None)
        latest: datetime | None = None
        unsettled: datetime | None = None
        try:
            async with IonClient(env.ion) as ion, quickbooks_client(env.quickbooks, ledger) as qbo:
                ids = await resolve_setup(qbo, env.quickbooks_mappings, env.app.config)
                ctx = ItemSyncContext(ion=ion, qbo=qbo, ledger=ledger, run=run, setup=ids, retry_dead=full_resync)
                if run:
                    summary.interrupted_resolved = await resolve_interrupted_items(unexamined(ctx))
                async for n, page, fetched in fetched_pages(fetch_parts_page, unexamined(ion), filters):
                    parts = f"page {n} · {len(page.nodes)} parts"
                    planned, plan = await step(
                        plan_items, unexamined(ctx), unexamined(page.nodes), name=f"plan {parts}", upstream=[fetched]
                    )
                    summary.fetched += len(page.nodes)
                    if dry_run:
                        last.append(plan)
                        summary.would_post += len(planned.ready)
                        summary.dead_letters += len(planned.dead_letters)
                        posted += [{**p.row, "body": p.body} for p in planned.ready][: MAX_TABLE_ROWS - len(posted)]
                    else:
                        report, posted_page = await step(
                            post_items, unexamined(ctx), unexamined(planned), name=f"post {parts}", upstream=[plan]
                        )
                        last.append(posted_page)
                        ledger.heartbeat(run)  # type: ignore[arg-type]
                        summary.posted += len(report.posted)
                        summary.dead_letters += len(report.dead_letters)
                        summary.already_posted += report.already_posted
                        summary.in_flight_elsewhere += report.in_flight_elsewhere
                        summary.failed += report.failed
                        posted += report.posted[: MAX_TABLE_ROWS - len(posted)]
                        dead += report.dead_letters[: MAX_TABLE_ROWS - len(dead)]
                        if report.unsettled_time:
                            unsettled = min(filter(None, [unsettled, report.unsettled_time]))
                    times = [t for t in (parse_time(node.get("_updated")) for node in page.nodes) if t]
                    latest = max([*times, *([latest] if latest else [])], default=None)
                    await progress.advance(len(page.nodes), page.total, page.has_next)
                await progress.finish()
        finally:
            if run:
                ledger.finish_run(run)
        candidate = unsettled or latest
        if incremental and not dry_run and candidate is not None:
            summary.watermark = ledger.advance_watermark(ITEM_INTEGRATION, candidate).isoformat() + "Z"
        publish_sync_report(summary, posted, dead, wait_for=after(last))
    finally:
        ledger.close()
    logger.info("%s: %s", ITEM_INTEGRATION, summary.model_dump_json())
    if summary.failed:
        return Failed(message=f"{summary.failed} item(s) hit transient errors; the next run retries them", data=summary)
    return final_state(summary)
