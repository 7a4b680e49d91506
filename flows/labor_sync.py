"""labor-sync: direct labor from ION time tracking into the ERP's time entries (NetSuite), for cost-plus customers.

The story (seed 002, "Canonical data flows: ION → ERP", and the "Accurate COGS: material +
labor" goal): operators check in and out of run steps in ION; finance needs that labor as
time entries against the job, so cost-plus contracts bill actual hours. This flow

1. fetches time-tracking sessions changed since the watermark (or in a window, or by id), a
   Relay page at a time, with their run step, run attributes and user;
2. plans one NetSuite `timeBill` per checked-out session on a cost-plus customer's run: the
   ION user mapped to a NetSuite employee, the duration as H:MM, the run's work order in the
   memo, the service item and customer from the mappings file (`mes.ion.labor`,
   `erp.netsuite.labor`);
3. posts it exactly once through the ERP port (`erp.port.time_entries`) and the writer
   engine, keyed `ion:session:<id>:time` with the same `externalId` in NetSuite; a session
   edited after posting updates that time bill (the ledger keeps the fingerprint of what was
   posted), never adds a second one;
4. reports: a table of entries created and corrected, a table of dead letters, a summary.

Sessions still checked in wait: the watermark stays at the oldest of them. A session whose
user, work order or duration does not work out is a dead letter saying what to fix; the rest
of the page posts. Settings, mappings, the employees and the service item are checked
before anything is written.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.ion import IonClient, Page
from core.config import ErpName, erp_integration
from core.environment import Environment, load_environment
from core.pipeline import pipelined
from core.times import iso
from core.writer import dead_letter_row
from erp.port.time_entries import INTEGRATION
from ledger import Ledger
from tasks.arguments import unexamined
from tasks.erp import open_erp
from tasks.graph import PageProgress, PlannedPage, after, fetch_then_plan, step
from tasks.labor_posting import (
    LaborContext,
    LaborPagePlan,
    LaborPageReport,
    fetch_sessions_page,
    plan_page,
    post_page,
    resolve_interrupted,
    would_post_row,
)
from tasks.reporting import MAX_TABLE_ROWS, SyncSummary, final_state, publish_sync_report
from tasks.run_names import windowed_run_name


class LaborSummary(SyncSummary):
    corrected: int = 0
    open_sessions: int = 0
    not_cost_plus: int = 0
    watermark_candidate: datetime | None = None

    def add(self, nodes: list[dict[str, Any]], page: LaborPagePlan, report: LaborPageReport) -> None:
        self.fetched += len(nodes)
        self.posted += len(report.posted) - report.corrected
        self.corrected += report.corrected
        self.dead_letters += len(report.dead_letters)
        self.already_posted += report.already_posted
        self.in_flight_elsewhere += report.in_flight_elsewhere
        self.failed += report.failed
        self.open_sessions += len(page.open_times)
        self.not_cost_plus += page.not_cost_plus


@flow(
    name=INTEGRATION,
    flow_run_name=windowed_run_name("labor", session_ids="sessions "),
    persist_result=False,
    log_prints=True,
)
async def labor_sync(
    since: datetime | None = None,
    until: datetime | None = None,
    session_ids: list[int] | None = None,
    dry_run: bool = False,
    full_resync: bool = False,
    lookback_minutes: int = 15,
    erp: ErpName | None = None,
) -> LaborSummary | State:
    """Post ION time-tracking sessions to the ERP as time entries, exactly once, corrected when edited.

    Args:
        since: Only sessions changed at or after this time (UTC). Default: the watermark minus
            `lookback_minutes`; everything on the first run.
        until: Only sessions changed before this time (UTC).
        session_ids: Only these ION session ids (a manual re-run; dead letters among them are retried).
        dry_run: Show exactly what would be created or corrected and write nothing.
        full_resync: Ignore the watermark and re-check every session; dead letters are retried,
            nothing posted is posted again (edits are still corrected).
        lookback_minutes: How far before the watermark to look again, for edits ION stamped late.
        erp: The ERP to post to ("netsuite", "business-central", "odoo"). Default: ION_SYNC_ERP.
    """
    env = load_environment("erp", erp=erp)
    integration = erp_integration(INTEGRATION, env.erp)
    logger = get_run_logger()
    ledger = Ledger(env.app.database_url)
    try:
        incremental = not (session_ids or since or until)
        if incremental and not full_resync:
            since = ledger.resume_point(integration, lookback_minutes)
        filters = session_filters(env, since, until, session_ids)
        logger.info("Fetching sessions with filters %s", json.dumps(filters, default=str))
        async with IonClient(env.ion) as ion, open_erp(env) as adapter:
            target = adapter.require(adapter.time_entries, "labor time entries")
            await target.check()
            ctx = LaborContext(
                ion=ion,
                target=target,
                ledger=ledger,
                run=None,
                mappings=env.erp_mappings,
                integration=integration,
                retry_dead=bool(session_ids) or full_resync,
            )
            summary, posted, dead, last = await _sync(ctx, filters, dry_run)
        if incremental and not dry_run and summary.watermark_candidate is not None:
            summary.watermark = ledger.advance_watermark(integration, summary.watermark_candidate).isoformat() + "Z"
        details = (
            f"Corrected (sessions edited after posting): {summary.corrected}. "
            f"Still checked in (waiting): {summary.open_sessions}. Not cost-plus (skipped): {summary.not_cost_plus}."
        )
        publish_sync_report(summary, posted, dead, details, wait_for=after(last))
    finally:
        ledger.close()
    logger.info("%s: %s", integration, summary.model_dump_json(include=set(LaborSummary.model_fields)))
    if summary.failed:
        return Failed(
            message=f"{summary.failed} time entr(ies) could not be posted (transient errors); the next run retries them",
            data=summary,
        )
    return final_state(summary)


async def _sync(
    ctx: LaborContext, filters: dict[str, Any], dry_run: bool
) -> tuple[LaborSummary, list[dict[str, Any]], list[dict[str, Any]], list[State | None]]:
    """The run's summary, its posted and dead-letter rows, and the last task run of each page
    (what the report is drawn after)."""
    ctx.run = None if dry_run else ctx.ledger.start_run(ctx.integration, str(flow_run.id) if flow_run.id else None)
    summary = LaborSummary(integration=ctx.integration, dry_run=dry_run)
    posted: list[dict[str, Any]] = []
    dead: list[dict[str, Any]] = []
    updated: list[datetime] = []
    waiting: list[datetime] = []
    progress = PageProgress(ctx.integration, "sessions handled")
    last: list[State | None] = []

    fetch_and_plan = fetch_then_plan(
        fetch_sessions_page, [unexamined(ctx.ion), filters], plan_page, [unexamined(ctx)], "sessions"
    )

    async def handle(page: Page, planned: PlannedPage[LaborPagePlan]) -> None:
        sessions, plan, plan_state = planned
        if dry_run:
            report = LaborPageReport(already_posted=plan.unchanged)
            report.dead_letters = [dead_letter_row(d) for d in [*plan.dead_letters, *plan.unsettled_again]]
            summary.would_post += len(plan.ready)
            rows = [would_post_row(ctx, r) for r in plan.ready]
            last.append(plan_state)
        else:
            report, posted_page = await step(
                post_page, unexamined(ctx), unexamined(plan), name=f"post {sessions}", upstream=[plan_state]
            )
            ctx.ledger.heartbeat(ctx.run)  # type: ignore[arg-type]
            rows = report.posted
            last.append(posted_page)
        summary.add(page.nodes, plan, report)
        updated.extend(plan.updated)
        waiting.extend(plan.open_times + report.unsettled)
        if len(posted) < MAX_TABLE_ROWS:
            posted.extend(rows)
        if len(dead) < MAX_TABLE_ROWS:
            dead.extend(report.dead_letters)
        await progress.advance(len(page.nodes), page.total, page.has_next)

    try:
        if ctx.run:
            summary.interrupted_resolved = await resolve_interrupted(unexamined(ctx))
        # Read and plan the next page while this one posts, and let it start posting while this
        # one's last entries are in flight (`ctx.window` is the run's): the ERP's slots stay busy.
        await pipelined(fetch_and_plan, handle)
        await progress.finish()
    finally:
        if ctx.run:
            ctx.ledger.finish_run(ctx.run)
    # The watermark passes only sessions that are posted, dead, or not to be posted; a session
    # still checked in, failed or held by another run keeps it where it is (DESIGN: the ledger).
    summary.watermark_candidate = min(waiting) if waiting else max(updated, default=None)
    return summary, posted, dead, last


def session_filters(
    env: Environment, since: datetime | None, until: datetime | None, session_ids: list[int] | None
) -> dict[str, Any]:
    """ION `SessionsInputFilters`: ids, or a window on `_updated` (an edit bumps it; configurable)."""
    filters: dict[str, Any] = {}
    if session_ids:
        filters["id"] = {"in": session_ids}
    window: dict[str, str] = {}
    if since:
        window[env.ion.since_operator] = iso(since)
    if until:
        window[env.ion.until_operator] = iso(until)
    if window:
        filters[env.ion.session_time_field] = window
    return filters
