"""What every PLM flow shares: its settings (ION_SYNC_*, ION_*, ARENA_*), checked all at once
before anything is written, and one way to run, stop on the Arena quota, and report."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from prefect import get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.arena import ArenaClient, ArenaSettings, QuotaExhausted
from connectors.errors import ConfigError
from connectors.ion import IonClient, IonSettings
from connectors.settings import load_settings
from ion_sync.config import AppSettings, Mappings, load_mappings
from ledger import Ledger, RunHandle
from tasks.plm_engineering import PartNumbers
from tasks.plm_ledger import WriteReport
from tasks.reporting import MAX_TABLE_ROWS, SyncSummary, publish_sync_report


@dataclass(frozen=True)
class PlmEnvironment:
    app: AppSettings
    ion: IonSettings
    arena: ArenaSettings
    mappings: Mappings

    @property
    def numbers(self) -> PartNumbers:
        return PartNumbers(dict(self.mappings.arena.parts))


def load_plm_environment() -> PlmEnvironment:
    """Load every setting the PLM flows need, reporting all problems at once. The mappings
    file is optional here (only its `arena:` section is read): without ION_SYNC_CONFIG and without
    ./ion-sync.yaml, Arena and ION part numbers are taken to be the same."""
    problems: list[str] = []
    loaded: dict[str, object] = {}
    for name, cls in (("app", AppSettings), ("ion", IonSettings), ("arena", ArenaSettings)):
        try:
            loaded[name] = load_settings(cls)  # type: ignore[type-var]
        except ConfigError as exc:
            problems.append(str(exc))
    app = loaded.get("app")
    if isinstance(app, AppSettings):
        try:
            loaded["mappings"] = load_plm_mappings(app)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("configuration is incomplete; nothing was written:\n" + "\n".join(problems))
    env = PlmEnvironment(**loaded)  # type: ignore[arg-type]
    env.app.prepare()
    return env


def load_plm_mappings(app: AppSettings) -> Mappings:
    """The mappings file if there is one (ION_SYNC_CONFIG, else ./ion-sync.yaml), else no mappings."""
    explicit = "ION_SYNC_CONFIG" in os.environ
    return load_mappings(app.config) if explicit or app.config.is_file() else Mappings()


class PlmSummary(SyncSummary):
    stopped: str | None = None  # why the run stopped early (the Arena quota)
    quota_remaining: int | None = None
    arena_requests: int = 0


Work = Callable[[PlmEnvironment, ArenaClient, IonClient, Ledger, RunHandle | None], Awaitable[WriteReport]]


async def run_plm_flow(integration: str, dry_run: bool, work: Work) -> PlmSummary | State:
    """Open Arena and ION, run `work`, record the run in the ledger, publish the report.
    A spent Arena quota stops the run cleanly: what was done is recorded, the rest is
    left for the next run, and the run fails with a message saying so."""
    env = load_plm_environment()
    logger = get_run_logger()
    ledger = Ledger(env.app.database_url)
    summary = PlmSummary(integration=integration, dry_run=dry_run)
    report = WriteReport()
    try:
        async with ArenaClient(env.arena) as arena, IonClient(env.ion) as ion:
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
        publish_sync_report(summary, report.posted[:MAX_TABLE_ROWS], report.dead_letters[:MAX_TABLE_ROWS],
                            "\n\n".join(n for n in notes if n))
    finally:
        ledger.close()
    logger.info("%s: %s", integration, summary.model_dump_json())
    if summary.stopped:
        return Failed(message=summary.stopped, data=summary)
    if summary.failed:
        return Failed(message=f"{summary.failed} record(s) could not be written (transient errors); the next run retries them",
                      data=summary)
    return summary
