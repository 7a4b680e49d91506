"""ramp-receipt-sync: ION receipts → Ramp item receipts, for Ramp's three-way match (seed 000,
"future state").

When goods are received in ION against a PO that lives in Ramp, Ramp gets an item receipt on
the matching PO lines; with the PO and the vendor's invoice (a bill), Ramp can match all
three. Receipts are read a page at a time; each (receipt, PO) is posted once through the
ledger, and an item receipt number Ramp already has is adopted.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.ion import IonClient
from connectors.ion.ramp_queries import RECEIPTS
from connectors.ramp import RampClient
from core.environment import load_environment
from ledger import Ledger
from payments.ramp.common import RampContext, RampSummary, purchase_orders_in_ramp
from payments.ramp.receipts import INTEGRATION
from tasks.arguments import unexamined
from tasks.graph import PageProgress, fetched_pages, step
from tasks.ramp import (
    PlannedPages,
    fetch_ion_page,
    plan_item_receipts,
    post_item_receipts,
    resolve_interrupted_item_receipts,
)
from tasks.reporting import final_state


@flow(
    name=INTEGRATION,
    flow_run_name=lambda: f"ION receipts → Ramp item receipts{' (dry run)' if flow_run.parameters.get('dry_run') else ''}",
    persist_result=False,
    log_prints=True,
)
async def ramp_receipt_sync(
    receipt_ids: list[int] | None = None, dry_run: bool = False, full_resync: bool = False
) -> RampSummary | State:
    """Create Ramp item receipts for ION receipts against POs that live in Ramp, exactly once.

    Args:
        receipt_ids: Only these ION receipts.
        dry_run: Show what would be created; write nothing.
        full_resync: Look at every receipt again and retry dead letters (after fixing the cause).
    """
    env = load_environment("ramp")
    logger = get_run_logger()
    ledger = Ledger(env.app.database_url)
    summary = RampSummary(integration=INTEGRATION, dry_run=dry_run)
    pages = PlannedPages(summary, preview=lambda r: {"ion receipt": r.receipt_id, "ion po": r.po_id, "body": r.body})
    filters = {"id": {"in": receipt_ids}} if receipt_ids else {}
    progress = PageProgress(INTEGRATION, "receipts handled")
    try:
        in_ramp = purchase_orders_in_ramp(ledger)
        async with IonClient(env.ion) as ion, RampClient(env.ramp) as ramp:
            run = None if dry_run else ledger.start_run(INTEGRATION, str(flow_run.id) if flow_run.id else None)
            ctx = RampContext(
                ion, ramp, ledger, run, env.mappings.ramp, env.ramp.entity_id, retry_dead=full_resync or bool(receipt_ids)
            )
            try:
                if run:
                    summary.interrupted_resolved = await resolve_interrupted_item_receipts(unexamined(ctx))
                async for n, page, fetched in fetched_pages(fetch_ion_page, unexamined(ion), RECEIPTS, "receipts", filters):
                    receipts = f"page {n} · {len(page.nodes)} receipts"
                    summary.fetched += len(page.nodes)
                    plan, planned = await step(
                        plan_item_receipts,
                        unexamined(ctx),
                        unexamined(page.nodes),
                        unexamined(in_ramp),
                        name=f"plan {receipts}",
                        upstream=[fetched],
                    )
                    summary.skipped += plan.not_in_ramp
                    await pages.handle(post_item_receipts, ctx, plan, planned, name=f"post {receipts}")
                    await progress.advance(len(page.nodes), page.total, page.has_next)
                await progress.finish()
            finally:
                if run:
                    ledger.finish_run(run)
        pages.publish(
            f"Receipts against POs not in Ramp (skipped): {summary.skipped}. Adopted (already in Ramp): {summary.adopted}."
        )
    finally:
        ledger.close()
    logger.info("%s: %s", INTEGRATION, summary.model_dump_json())
    if summary.failed:
        return Failed(
            message=f"{summary.failed} item receipt(s) could not be created (transient errors); the next run retries them",
            data=summary,
        )
    return final_state(summary)
