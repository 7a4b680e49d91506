"""What every PLM flow shares: its settings (ION_SYNC_*, ION_*, ARENA_*), checked all at once
before anything is written, and one way to run, stop on the Arena quota, and report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prefect import get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.arena import ArenaClient, QuotaExhausted
from connectors.ion import IonClient
from core.environment import Environment, load_environment
from ledger import Ledger, RunHandle
from plm.arena.session import arena_client
from tasks.plm_steps import PlmReport
from tasks.reporting import MAX_TABLE_ROWS, SyncSummary, final_state, publish_sync_report


class PlmSummary(SyncSummary):
    stopped: str | None = None  # why the run stopped early (the Arena quota)
    quota_remaining: int | None = None
    arena_requests: int = 0


Work = Callable[[Environment, ArenaClient, IonClient, Ledger, RunHandle | None], Awaitable[PlmReport]]


async def run_plm_flow(integration: str, dry_run: bool, work: Work) -> PlmSummary | State:
    """Open Arena and ION, run `work`, record the run in the ledger, publish the report.
    A spent Arena quota stops the run cleanly: what was done is recorded, the rest is
    left for the next run, and the run fails with a message saying so."""
    env = load_environment("arena")
    logger = get_run_logger()
    ledger = Ledger(env.app.database_url)
    summary = PlmSummary(integration=integration, dry_run=dry_run)
    report = PlmReport()
    try:
        async with arena_client(env.arena, ledger) as arena, IonClient(env.ion) as ion:
            run = None if dry_run else ledger.start_run(integration, str(flow_run.id) if flow_run.id else None)
            try:
                report = await work(env, arena, ion, ledger, run)
            except QuotaExhausted as exc:
                summary.stopped = str(exc)
                logger.error("%s", exc)
            finally:
                if run:
                    ledger.finish_run(run)
                summary.quota_remaining = arena.quota.remaining
                summary.arena_requests = arena.requests
        summary.fetched = report.fetched
        summary.posted = 0 if dry_run else len(report.posted)
        summary.would_post = len(report.posted) if dry_run else 0
        summary.dead_letters = len(report.dead_letters)
        summary.already_posted = report.already_posted
        summary.in_flight_elsewhere = report.in_flight_elsewhere
        summary.failed = report.failed
        summary.interrupted_resolved = report.interrupted_resolved
        notes = [f"Arena requests: {summary.arena_requests}; quota left: {summary.quota_remaining}"]
        if summary.stopped:
            notes.insert(0, f"**Stopped early:** {summary.stopped}")
        publish_sync_report(
            summary, report.posted[:MAX_TABLE_ROWS], report.dead_letters[:MAX_TABLE_ROWS], "\n\n".join(n for n in notes if n)
        )
    finally:
        ledger.close()
    logger.info("%s: %s", integration, summary.model_dump_json())
    if summary.stopped:
        return Failed(message=summary.stopped, data=summary)
    if summary.failed:
        return Failed(
            message=f"{summary.failed} record(s) could not be written (transient errors); the next run retries them", data=summary
        )
    return final_state(summary)
