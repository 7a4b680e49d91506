"""What every PLM-port flow shares: its settings (ION_SYNC_*, ION_*, the PLM's), checked all at
once before anything is written, the PLM's adapter, and one way to run, stop early cleanly (a
spent API quota), and report. The run is recorded under the flow's per-PLM name
(`plm-part-sync-arena`), which is also its deployment's name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from prefect import get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.errors import ConfigError
from connectors.ion import IonClient
from connectors.ion.client import Page
from connectors.ion.plm import IonPlm
from connectors.settings import load_settings
from core.config import AppSettings
from core.environment import Environment, load_environment
from ledger import Ledger, RunHandle
from plm.port import PlmAdapter, PlmName, plm_integration
from plm.port.writes import RecordTarget
from tasks.arguments import unexamined
from tasks.plm import open_plm, plm_of
from tasks.plm_steps import FeedbackRun, PlmReport, post_records
from tasks.reporting import MAX_TABLE_ROWS, SyncSummary, final_state, publish_sync_report


class PlmSummary(SyncSummary):
    plm: str = ""
    stopped: str | None = None  # why the run stopped early (a spent API quota)
    requests: int = 0  # requests made to the PLM
    quota_remaining: int | None = None


@dataclass(frozen=True)
class PlmRun:
    """What a flow's work gets: the loaded settings, the PLM's adapter, ION, the ledger, the
    ledger run (None in a dry run) and the flow's per-PLM integration name."""

    env: Environment
    plm: PlmAdapter
    ion: IonClient
    ledger: Ledger
    run: RunHandle | None
    integration: str


Work = Callable[[PlmRun], Awaitable[PlmReport]]


async def post_units(
    r: PlmRun,
    target: RecordTarget[Any],
    pages: AsyncIterator[Page],
    read: Callable[[dict[str, Any]], Any],
    run_ids: list[int] | None,
    full_resync: bool,
) -> PlmReport:
    """ION → PLM: every page of completed runs (only `run_ids`, if given) that produced a unit,
    each run read into the port's record and sent through the PLM's target."""
    feedback = FeedbackRun(r.ledger, r.run, r.integration, full_resync)
    wanted = {str(i) for i in run_ids or []}
    report = PlmReport()
    async for page in pages:
        nodes = [n for n in page.nodes if n.get("partInventory") and (not wanted or str(n["id"]) in wanted)]
        report.merge(await post_records(unexamined(feedback), unexamined(target), unexamined(nodes), read))
        if r.run:
            r.ledger.heartbeat(r.run)
    return report


def unit_records(
    capability: Callable[[PlmAdapter], RecordTarget[Any] | None],
    what: str,
    pages: Callable[[IonPlm], AsyncIterator[Page]],
    read: Callable[[dict[str, Any]], Any],
    run_ids: list[int] | None,
    full_resync: bool,
) -> Work:
    """The work of a flow that sends one record per completed unit (inspections, traceability):
    the PLM's target for it (one ConfigError naming the PLM when it has none), then `post_units`."""

    async def work(r: PlmRun) -> PlmReport:
        target = r.plm.require(capability(r.plm), what)
        return await post_units(r, target, pages(IonPlm(r.ion)), read, run_ids, full_resync)

    return work


def integration_name(base: str, plm: PlmName | None) -> str:
    """The run's ledger and deployment name (for run names, which integration-health finds runs by)."""
    try:
        return plm_integration(base, plm or load_settings(AppSettings).plm)
    except ConfigError:  # the run itself reports it
        return base


def run_name(base: str, what: str = "") -> Callable[[], str]:
    """A flow's `flow_run_name`: its per-PLM name, what it sends, and whether it is a dry run."""

    def name() -> str:
        params = flow_run.parameters
        return f"{integration_name(base, params.get('plm'))}{what}{' (dry run)' if params.get('dry_run') else ''}"

    return name


async def run_plm_flow(base: str, plm: PlmName | None, dry_run: bool, work: Work) -> PlmSummary | State:
    """Open the PLM and ION, run `work`, record the run in the ledger, publish the report. An
    error the adapter names as a clean stop (Arena's spent quota) ends the run early: what was
    done is recorded, the rest is left for the next run, and the run fails saying so."""
    env = load_environment("plm", plm=plm)
    name = plm_of(env, plm)
    integration = plm_integration(base, name)
    logger = get_run_logger()
    ledger = Ledger(env.app.database_url)
    summary = PlmSummary(integration=integration, dry_run=dry_run, plm=name)
    report = PlmReport()
    try:
        async with open_plm(env, ledger, name) as adapter, IonClient(env.ion) as ion:
            run = None if dry_run else ledger.start_run(integration, str(flow_run.id) if flow_run.id else None)
            try:
                report = await work(PlmRun(env, adapter, ion, ledger, run, integration))
            except adapter.stops as exc:
                summary.stopped = str(exc)
                logger.error("%s", exc)
            finally:
                if run:
                    ledger.finish_run(run)
                if adapter.usage is not None:
                    usage = adapter.usage()
                    summary.requests, summary.quota_remaining = usage.requests, usage.quota_remaining
        summary.fetched = report.fetched
        summary.posted = 0 if dry_run else len(report.posted)
        summary.would_post = len(report.posted) if dry_run else 0
        summary.dead_letters = len(report.dead_letters)
        summary.already_posted = report.already_posted
        summary.in_flight_elsewhere = report.in_flight_elsewhere
        summary.failed = report.failed
        summary.interrupted_resolved = report.interrupted_resolved
        quota = f"; quota left: {summary.quota_remaining}" if summary.quota_remaining is not None else ""
        notes = [f"{adapter.name} requests: {summary.requests}{quota}"]
        if summary.stopped:
            notes.insert(0, f"**Stopped early:** {summary.stopped}")
        publish_sync_report(summary, report.posted[:MAX_TABLE_ROWS], report.dead_letters[:MAX_TABLE_ROWS], "\n\n".join(notes))
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
