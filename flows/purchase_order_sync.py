"""purchase-order-sync: the ERP's purchase orders (NetSuite) → ION purchase orders.

Seed 002 ("ERP → ION", "PO setup attributes", "Multi-location"): the ERP owns purchasing;
ION receives against the POs. This flow talks to the ERP port (`erp.port.purchase_orders`):

1. lists the ERP's POs created or changed since the watermark (or in a window, or by number);
2. reads each with its lines and vendor, maps items to ION parts and fields to ION
   attributes (configuration, `netsuite.purchasing`); a PO that cannot map is a dead letter
   naming every problem (an item with no ION part says which part to create);
3. creates the ION PO (supplier first, on first use, with its payment terms) or brings the
   existing one up to date: new lines, changed quantities and costs, cancelled or deleted
   lines, a closed PO, attributes; with `_etag`s, re-reading on a conflict;
4. records one ledger key per ERP version of each PO, so every change lands once.

New POs are created in ION only while the ERP still expects receipts against them
(`receivable_statuses`); a PO already in ION follows the ERP whatever its status.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.ion import IonClient
from core.config import ErpName, erp_integration
from core.environment import load_environment
from core.writer import PostedSummary, PostReport
from erp.port.purchase_orders import INTEGRATION, PoChange
from ledger import Ledger
from mes.ion.purchasing import IonPurchasing
from tasks.arguments import unexamined
from tasks.erp import open_erp
from tasks.purchase_order_posting import (
    PoContext,
    PoPagePlan,
    apply_po_page,
    dry_run_report,
    list_changed,
    plan_po_page,
)
from tasks.reporting import MAX_TABLE_ROWS, SyncSummary, final_state, publish_sync_report
from tasks.run_names import windowed_run_name

PAGE_SIZE = 50


class PoSummary(PostedSummary):
    skipped_not_receivable: int = 0

    def add(self, changes: list[PoChange], plan: PoPagePlan, report: PostReport) -> None:
        self.add_page(len(changes), plan.times, report)
        self.skipped_not_receivable += plan.skipped


@flow(
    name=INTEGRATION,
    flow_run_name=windowed_run_name("purchase orders", po_numbers="", erp_ids=""),
    persist_result=False,
    log_prints=True,
)
async def purchase_order_sync(
    since: datetime | None = None,
    until: datetime | None = None,
    po_numbers: list[str] | None = None,
    erp_ids: list[str] | None = None,
    dry_run: bool = False,
    full_resync: bool = False,
    lookback_minutes: int = 15,
    erp: ErpName | None = None,
) -> SyncSummary | State:
    """Create and update ION purchase orders from the ERP's, each change exactly once.

    Args:
        since: Only POs last modified in the ERP at or after this time (UTC). Default: the
            watermark minus `lookback_minutes`; everything on the first run.
        until: Only POs last modified before this time (UTC).
        po_numbers: Only these PO numbers, as the ERP shows them (NetSuite: tranId, e.g.
            ["PO5001"]); their dead letters are retried.
        erp_ids: Only the ERP's POs with these internal ids (what dead-letter-replay passes);
            their dead letters are retried.
        dry_run: Show what would be created or changed in ION; write nothing anywhere.
        full_resync: Ignore the watermark and compare every PO of the ERP with ION again; dead
            letters are retried.
        lookback_minutes: How far before the watermark to look again.
        erp: The ERP to read from ("netsuite", "business-central", "odoo"). Default: ION_SYNC_ERP.
    """
    env = load_environment("erp", erp=erp)
    integration = erp_integration(INTEGRATION, env.erp)
    logger = get_run_logger()
    ledger = Ledger(env.app.database_url)
    try:
        selected = bool(po_numbers or erp_ids)
        incremental = not (selected or since or until)
        if incremental and not full_resync:
            since = ledger.resume_point(integration, lookback_minutes)
        async with IonClient(env.ion) as ion, open_erp(env) as adapter:
            source = adapter.require(adapter.purchase_orders, "reading purchase orders")
            headers = await list_changed(unexamined(source), since, until, po_numbers, erp_ids)
            logger.info("%d %s purchase order(s) to compare with ION (since %s)", len(headers), adapter.name, since)
            purchasing = IonPurchasing(ion, env.erp_mappings.purchasing)
            run = None if dry_run else ledger.start_run(integration, str(flow_run.id) if flow_run.id else None)
            ctx = PoContext(
                source,
                purchasing,
                ledger,
                run,
                env.erp_mappings,
                retry_dead=selected or full_resync,
                integration=integration,
            )
            summary = PoSummary(integration=integration, dry_run=dry_run)
            posted: list[dict[str, Any]] = []
            dead: list[dict[str, Any]] = []
            try:
                for start in range(0, len(headers), PAGE_SIZE):
                    chunk = headers[start : start + PAGE_SIZE]
                    plan = await plan_po_page(unexamined(ctx), unexamined(chunk))
                    report = dry_run_report(plan) if run is None else await apply_po_page(unexamined(ctx), unexamined(plan))
                    if run is not None:
                        ledger.heartbeat(run)
                    summary.add(chunk, plan, report)
                    posted.extend(report.posted[: max(0, MAX_TABLE_ROWS - len(posted))])
                    dead.extend(report.dead_letters[: max(0, MAX_TABLE_ROWS - len(dead))])
            finally:
                if run is not None:
                    ledger.finish_run(run)
        if incremental and not dry_run and summary.watermark_candidate is not None:
            summary.watermark = ledger.advance_watermark(integration, summary.watermark_candidate).isoformat() + "Z"
        details = f"POs not in ION and not expecting receipts (not created): {summary.skipped_not_receivable}."
        publish_sync_report(summary, posted, dead, details)
    finally:
        ledger.close()
    logger.info("%s: %s", integration, json.dumps(summary.model_dump(mode="json")))
    if summary.failed:
        return Failed(message=f"{summary.failed} purchase order(s) failed transiently; the next run retries them", data=summary)
    return final_state(summary)
