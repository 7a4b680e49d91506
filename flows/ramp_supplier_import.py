"""ramp-supplier-import: Ramp vendors → ION suppliers (seed 000).

Suppliers are maintained in Ramp and imported into ION so purchase orders can be raised
against them. Vendors are read page by page (`start` / `page.next`), matched to ION suppliers
by the attribute holding the Ramp vendor id (`ramp.vendor_attribute`), and created, linked or
updated; a re-run changes nothing that has not changed in Ramp.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.ion import IonClient
from connectors.ramp import RampClient
from core.environment import load_environment
from ledger import Ledger
from payments.ramp.common import RampContext, RampSummary
from payments.ramp.suppliers import INTEGRATION, supplier_directory
from tasks.arguments import unexamined
from tasks.graph import PageProgress, after, step
from tasks.ramp import import_vendors
from tasks.reporting import MAX_TABLE_ROWS, final_state, publish_sync_report


@flow(
    name=INTEGRATION,
    flow_run_name=lambda: f"ramp vendors → ION suppliers{' (dry run)' if flow_run.parameters.get('dry_run') else ''}",
    persist_result=False,
    log_prints=True,
)
async def ramp_supplier_import(dry_run: bool = False) -> RampSummary | State:
    """Import Ramp vendors as ION suppliers; idempotent by Ramp vendor id.

    Args:
        dry_run: Show what would be created, linked or updated; write nothing.
    """
    env = load_environment("ramp")
    logger = get_run_logger()
    ledger = Ledger(env.app.database_url)
    summary = RampSummary(integration=INTEGRATION, dry_run=dry_run)
    rows: list[dict[str, object]] = []
    dead: list[dict[str, object]] = []
    progress = PageProgress(INTEGRATION, "vendors handled")
    last: list[State | None] = []  # the task run of each page the report comes after
    try:
        async with IonClient(env.ion) as ion, RampClient(env.ramp) as ramp:
            run = None if dry_run else ledger.start_run(INTEGRATION, str(flow_run.id) if flow_run.id else None)
            ctx = RampContext(ion, ramp, ledger, run, env.mappings.ramp, env.ramp.entity_id)
            try:
                directory = await supplier_directory(ion, env.mappings.ramp.vendor_attribute)
                n = 0
                async for vendors in ramp.vendors():  # Ramp's pages: `page.next` until null, no count
                    n += 1
                    summary.fetched += len(vendors)
                    report, imported = await step(
                        import_vendors,
                        unexamined(ctx),
                        unexamined(vendors),
                        unexamined(directory),
                        dry_run,
                        name=f"import page {n} · {len(vendors)} vendors",
                    )
                    last.append(imported)
                    changed = len(report.created) + len(report.linked)
                    if dry_run:
                        summary.would_post += changed + len(report.updated)
                    else:
                        summary.posted += changed
                        summary.updated += len(report.updated)
                    summary.already_posted += report.unchanged
                    summary.skipped += report.skipped_inactive
                    summary.in_flight_elsewhere += report.in_flight_elsewhere
                    summary.failed += report.failed
                    summary.dead_letters += len([d for d in report.dead_letters if "deferred" not in d["reason"]])
                    rows += report.rows()[: MAX_TABLE_ROWS - len(rows)]
                    dead += report.dead_letters[: MAX_TABLE_ROWS - len(dead)]
                    if run:
                        ledger.heartbeat(run)
                    await progress.advance(len(vendors), None, None)
                await progress.finish()
            finally:
                if run:
                    ledger.finish_run(run)
        publish_sync_report(
            summary,
            rows,
            dead,
            details=f"Suppliers updated: {summary.updated}; unchanged: {summary.already_posted}; inactive vendors skipped: {summary.skipped}.",
            wait_for=after(last),
        )
    finally:
        ledger.close()
    logger.info("%s: %s", INTEGRATION, summary.model_dump_json())
    if summary.failed:
        return Failed(
            message=f"{summary.failed} supplier(s) could not be written (transient errors or concurrent edits); the next run retries",
            data=summary,
        )
    return final_state(summary)
