"""ramp-purchase-order-sync: ION purchase orders → Ramp purchase orders (seed 000).

The story: purchasing raises and approves POs in ION; finance pays them in Ramp. When an ION
PO reaches APPROVED, this flow creates it in Ramp with its lines (each tagged with its ION line
id), currency, the supplier's Ramp vendor, the entity and three-way match, keyed
`ion:po:<id>:ramp-po` through the ledger. The seed's optional "approve in Ramp" mode
(`ramp.approval: in_ramp`) stops the flow at start: Ramp's API exposes no PO approval. Ramp has no idempotency key: a PO number Ramp
already has is adopted, never created twice. The ledger keeps the Ramp id and line ids, which
ramp-receipt-sync and ramp-approval-sync use.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.ion import IonClient
from connectors.ion.ramp_queries import PURCHASE_ORDERS
from connectors.ramp import RampClient
from core.environment import load_environment
from ledger import Ledger
from payments.ramp.common import RampContext, RampSummary
from payments.ramp.purchase_orders import INTEGRATION
from tasks.arguments import unexamined
from tasks.graph import PageProgress, fetched_pages, step
from tasks.ramp import (
    PlannedPages,
    fetch_ion_page,
    plan_purchase_orders,
    post_purchase_orders,
    resolve_interrupted_purchase_orders,
)
from tasks.reporting import final_state


@flow(
    name=INTEGRATION,
    flow_run_name=lambda: f"ramp purchase orders{' (dry run)' if flow_run.parameters.get('dry_run') else ''}",
    persist_result=False,
    log_prints=True,
)
async def ramp_purchase_order_sync(
    po_ids: list[int] | None = None, dry_run: bool = False, full_resync: bool = False
) -> RampSummary | State:
    """Create ION purchase orders in Ramp, exactly once.

    Args:
        po_ids: Only these ION purchase orders (they must still be in the triggering status).
        dry_run: Show what would be created; write nothing to Ramp or the ledger.
        full_resync: Look at every PO in the triggering status again and retry dead letters (after
            fixing the cause, e.g. a supplier's Ramp vendor).
    """
    env = load_environment("ramp")
    logger = get_run_logger()
    mappings = env.mappings.ramp
    filters: dict[str, object] = {"status": {"in": mappings.trigger_statuses}}
    if po_ids:
        filters["id"] = {"in": po_ids}
    ledger = Ledger(env.app.database_url)
    summary = RampSummary(integration=INTEGRATION, dry_run=dry_run)
    pages = PlannedPages(summary, preview=lambda r: {"ion po": r.po_id, "ramp number": r.number, "body": r.body})
    progress = PageProgress(INTEGRATION, "purchase orders handled")
    try:
        async with IonClient(env.ion) as ion, RampClient(env.ramp) as ramp:
            run = None if dry_run else ledger.start_run(INTEGRATION, str(flow_run.id) if flow_run.id else None)
            ctx = RampContext(ion, ramp, ledger, run, mappings, env.ramp.entity_id, retry_dead=full_resync or bool(po_ids))
            try:
                if run:
                    summary.interrupted_resolved = await resolve_interrupted_purchase_orders(unexamined(ctx))
                async for n, page, fetched in fetched_pages(
                    fetch_ion_page, unexamined(ion), PURCHASE_ORDERS, "purchaseOrders", filters
                ):
                    orders = f"page {n} · {len(page.nodes)} purchase orders"
                    summary.fetched += len(page.nodes)
                    plan, planned = await step(
                        plan_purchase_orders, unexamined(ctx), unexamined(page.nodes), name=f"plan {orders}", upstream=[fetched]
                    )
                    await pages.handle(post_purchase_orders, ctx, plan, planned, name=f"post {orders}")
                    await progress.advance(len(page.nodes), page.total, page.has_next)
                await progress.finish()
            finally:
                if run:
                    ledger.finish_run(run)
        pages.publish(
            f"Mode: approval {mappings.approval}; POs in status {', '.join(mappings.trigger_statuses)} are created in Ramp. Adopted (already in Ramp): {summary.adopted}."
        )
    finally:
        ledger.close()
    logger.info("%s: %s", INTEGRATION, summary.model_dump_json())
    if summary.failed:
        return Failed(
            message=f"{summary.failed} purchase order(s) could not be created (transient errors); the next run retries them",
            data=summary,
        )
    return final_state(summary)
