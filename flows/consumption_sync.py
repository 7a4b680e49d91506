"""consumption-sync: as-built consumption and work-order completions, ION → the ERP (NetSuite).

The story, as the reference architecture tells it (seed 002, "Syncing to ERP"): when a run
completes in ION, the finance side needs the production output and what it consumed, so the
ERP can recognise completed inventory and roll up material cost. This flow

1. fetches completed runs since the watermark (or in a window, or by id), a Relay page at a
   time, with the runs → partInventory → buildRequirements → abomInstallations query;
2. expands consumption: quantity produced × `quantityInstalledPerParentPartInventory`, per
   component and ERP location (`erp.port.completions`, mapped by the adapter);
3. posts one work-order completion per run through the ERP port (NetSuite: the `workOrder →
   workOrderCompletion` transform), keyed `ion:run:<id>:completion` through the ledger, so it
   lands exactly once whatever crashes, retries or overlapping runs happen;
4. reports: a table of completions posted, a table of dead letters with reasons, a summary.

A run whose parts, locations or work order do not map is a dead letter saying what to fix;
the rest of the page posts. Settings and mappings are checked before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.ion import IonClient, Page
from core.collector import collect_rarely
from core.config import ErpName, erp_integration
from core.environment import Environment, load_environment
from core.pipeline import pipelined
from core.times import iso, parse_time
from core.writer import Postable, dead_letter_row
from erp.port import ErpAdapter
from erp.port.completions import INTEGRATION, completion_key
from ledger import Ledger
from ledger.inbox import InboxItem
from tasks.arguments import unexamined
from tasks.consumption import (
    PagePlan,
    PageReport,
    SyncContext,
    fetch_runs_page,
    plan_page,
    post_page,
    resolve_interrupted,
)
from tasks.erp import open_erp
from tasks.graph import PageProgress, PlannedPage, after, fetch_then_plan, step
from tasks.inbox import EventRoute, settle_inbox_events, subject_id
from tasks.reporting import MAX_TABLE_ROWS, SyncSummary, final_state, publish_sync_report
from tasks.run_names import windowed_run_name


def _completion_of(item: InboxItem) -> str | None:
    run_id = subject_id(item)
    return completion_key(run_id) if run_id else None


# ION webhooks saying a run completed: handled once the run's completion is posted or dead.
RUN_COMPLETED = EventRoute(
    integration=INTEGRATION, source="ion", event_types=("run.update.complete", "run.create.complete"), key=_completion_of
)


@flow(
    name=INTEGRATION,
    flow_run_name=windowed_run_name("consumption", run_ids="runs "),
    persist_result=False,
    log_prints=True,
)
async def consumption_sync(
    since: datetime | None = None,
    until: datetime | None = None,
    run_ids: list[int] | None = None,
    dry_run: bool = False,
    full_resync: bool = False,
    lookback_minutes: int = 15,
    erp: ErpName | None = None,
) -> SyncSummary | State:
    """Post ION run completions and their as-built consumption to the ERP, exactly once.

    Args:
        since: Only runs that completed at or after this time (UTC). Default: the watermark
            minus `lookback_minutes`; everything on the first run.
        until: Only runs that completed before this time (UTC).
        run_ids: Only these ION run ids (a manual re-run; dead letters among them are retried).
        dry_run: Show exactly what would be posted and write nothing, to the ERP or the ledger.
        full_resync: Ignore the watermark and re-check every completed run; dead letters are
            retried, nothing already posted is posted again.
        lookback_minutes: How far before the watermark to look again, for runs whose end
            time ION recorded late.
        erp: The ERP to post to ("netsuite", "business-central", "odoo"). Default: ION_SYNC_ERP.
    """
    env = load_environment("erp", erp=erp)
    integration = erp_integration(INTEGRATION, env.erp)
    logger = get_run_logger()
    collect_rarely()  # pages of ~100,000 objects: see core.collector (measured: the largest share of the CPU)
    ledger = Ledger(env.app.database_url)
    try:
        incremental = not (run_ids or since or until)
        if incremental and not full_resync:
            since = ledger.resume_point(integration, lookback_minutes)
        filters = run_filters(env, since, until, run_ids)
        logger.info("Fetching completed runs with filters %s", json.dumps(filters, default=str))
        async with IonClient(env.ion) as ion, open_erp(env) as adapter:
            await adapter.check()
            summary, posted, dead, last = await _sync(ion, adapter, ledger, filters, dry_run, bool(run_ids) or full_resync)
        if incremental and not dry_run and summary.watermark_candidate is not None:
            summary.watermark = ledger.advance_watermark(integration, summary.watermark_candidate).isoformat() + "Z"
        publish_sync_report(summary, posted, dead, wait_for=after(last))
        if not dry_run:
            summary.inbox_events_handled = settle_inbox_events(
                ledger, replace(RUN_COMPLETED, integration=integration), flow_run.name or integration
            )
    finally:
        ledger.close()
    logger.info("%s: %s", integration, summary.model_dump_json(include=set(SyncSummary.model_fields)))
    if summary.failed:
        return Failed(
            message=f"{summary.failed} completion(s) could not be posted (transient errors); the next run retries them",
            data=summary,
        )
    return final_state(summary)


class ConsumptionSummary(SyncSummary):
    watermark_candidate: datetime | None = None
    latest_end_time: datetime | None = None
    unsettled_end_time: datetime | None = None
    inbox_events_handled: int = 0

    def add(self, nodes: list[dict[str, Any]], report: PageReport) -> None:
        self.fetched += len(nodes)
        self.posted += len(report.posted)
        self.would_post += len(report.would_post)
        self.dead_letters += len(report.dead_letters)
        self.already_posted += report.already_posted
        self.in_flight_elsewhere += report.in_flight_elsewhere
        self.failed += report.failed
        end_times = [t for t in (parse_time(n.get("endTime")) for n in nodes) if t] + [t for t in [self.latest_end_time] if t]
        self.latest_end_time = max(end_times, default=None)
        if report.unsettled_end_time:
            self.unsettled_end_time = min(filter(None, [self.unsettled_end_time, report.unsettled_end_time]))


async def _sync(
    ion: IonClient,
    erp: ErpAdapter,
    ledger: Ledger,
    filters: dict[str, Any],
    dry_run: bool,
    retry_dead: bool,
) -> tuple[ConsumptionSummary, list[dict[str, Any]], list[dict[str, Any]], list[State | None]]:
    """The run's summary, its posted and dead-letter rows, and the last task run of each page
    (what the report is drawn after)."""
    completions = erp.require(erp.completions, "production completions")
    integration = completions.writer().integration  # the ERP's ledger name (core.config.erp_integration)
    run = None if dry_run else ledger.start_run(integration, str(flow_run.id) if flow_run.id else None)
    ctx = SyncContext(ion=ion, erp=completions, ledger=ledger, run=run, concurrency=erp.concurrency, retry_dead=retry_dead)
    summary = ConsumptionSummary(integration=integration, dry_run=dry_run)
    posted: list[dict[str, Any]] = []
    dead: list[dict[str, Any]] = []

    # unexamined(): Prefect walks task arguments looking for futures; a page of runs is tens of
    # thousands of nested values, so hand it over unexamined (`step` still draws the edges).
    progress = PageProgress(integration, "completed runs handled")
    last: list[State | None] = []  # the task runs the report comes after

    fetch_and_plan = fetch_then_plan(fetch_runs_page, [unexamined(ion), filters], plan_page, [unexamined(ctx)], "runs")

    async def handle(page: Page, planned: PlannedPage[PagePlan]) -> None:
        runs, plan, plan_state = planned
        if dry_run:
            report = PageReport(would_post=plan.ready, already_posted=plan.already_posted)
            report.dead_letters = [dead_letter_row(d) for d in plan.dead_letters]
            last.append(plan_state)
        else:
            report, posted_page = await step(
                post_page, unexamined(ctx), unexamined(plan), name=f"post {runs}", upstream=[plan_state]
            )
            last.append(posted_page)
            ledger.heartbeat(run)  # type: ignore[arg-type]
        summary.add(page.nodes, report)
        await progress.advance(len(page.nodes), page.total, page.has_next)
        if len(posted) < MAX_TABLE_ROWS:
            posted.extend(report.posted or [_would_post_row(r) for r in report.would_post])
        if len(dead) < MAX_TABLE_ROWS:
            dead.extend(report.dead_letters)

    try:
        if run:
            summary.interrupted_resolved = await resolve_interrupted(unexamined(ctx))
        # Read and plan the next page while this one posts, and let it start posting while this
        # one's last completions are in flight (`ctx.window` is the run's, across pages): the
        # ERP's slots stay busy instead of idling while ION answers, a page is planned or a page ends.
        await pipelined(fetch_and_plan, handle)
        await progress.finish()
    finally:
        if run:
            ledger.finish_run(run)
    # The watermark passes only records that are posted or dead (DESIGN: the ledger).
    summary.watermark_candidate = summary.unsettled_end_time or summary.latest_end_time
    return summary, posted, dead, last


def _would_post_row(ready: Postable) -> dict[str, Any]:
    return {"run": ready.row["run"], "work order": ready.row["work order"], "body": ready.body}


def run_filters(env: Environment, since: datetime | None, until: datetime | None, run_ids: list[int] | None) -> dict[str, Any]:
    """ION `RunsInputFilters`: status COMPLETE, plus ids or a time window on the end time."""
    field = env.ion.run_time_field
    filters: dict[str, Any] = {"status": {"eq": "COMPLETE"}}
    if run_ids:
        filters["id"] = {"in": run_ids}
    window: dict[str, str] = {}
    if since:
        window[env.ion.since_operator] = iso(since)
    if until:
        window[env.ion.until_operator] = iso(until)
    if window:
        filters[field] = window
    return filters
