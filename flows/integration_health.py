"""integration-health: is every integration alive, keeping up, and not silently broken?

Every 5 minutes, per integration of `flows/integrations.py`: time since the last successful
run against its SLA, webhook inbox backlog and its age, unresolved webhook conflicts, dead
letters (new and total), error rate over the window, failed runs, OAuth token and
refresh-token expiry from the credential store, and API budget use where a Prefect
concurrency limit meters it. A silent integration (no runs at all, or successful runs that
post nothing for longer than usual) is flagged, not only a failing one.

It publishes a health table artifact. It emits `ion-sync.integration.<ok|pending|warning|silent|failing>`
about `ion-sync.integration.<name>` when an integration's verdict changes (a recovery included),
and again every `reminder_minutes` while it stays bad, not on every check; the last verdict
announced is kept in the Prefect variable `ion-sync-health`. Every check also emits
`ion-sync.health.checked`, the heartbeat the "health checks stopped" automation watches. The
automations in `automations.yaml` (`ion-sync automations`) turn the events into notifications.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.events import emit_event
from prefect.variables import Variable
from pydantic import Field

from connectors.settings import load_settings
from core.config import AppSettings
from flows.integrations import configured, find_integration
from ledger import Ledger
from ledger.store import utcnow
from tasks.health import Announced, Health, Thresholds, announce, assess, gather
from tasks.reporting import SyncSummary

NAME = "integration-health"
ANNOUNCED = "ion-sync-health"  # the Prefect variable holding the last verdict announced per integration


class HealthSummary(SyncSummary):
    """`dead_letters`: dead letters waiting across integrations; `unhealthy`: not ok."""

    unhealthy: int = 0
    verdicts: dict[str, str] = Field(default_factory=dict)

    def line(self) -> str:
        states = ",".join(f"{name}:{health}" for name, health in self.verdicts.items())
        return f"{super().line()} unhealthy={self.unhealthy} [{states}]"


@flow(name=NAME, flow_run_name="integration health", persist_result=False)
async def integration_health(
    window_minutes: int = 60,
    sla_minutes: dict[str, int] | None = None,
    backlog_max_age_minutes: int = 30,
    error_rate_threshold: float = 0.2,
    integrations: list[str] | None = None,
    reminder_minutes: int = 60,
) -> HealthSummary:
    """Report each integration's health and emit events for the automations.

    Args:
        window_minutes: The window for error rate, new dead letters and failed runs.
        sla_minutes: Per integration, the longest expected gap between successful runs,
            overriding the registry's (e.g. {"consumption-sync": 30}).
        backlog_max_age_minutes: Webhook events waiting longer than this are a failure.
        error_rate_threshold: Share of failed or dead outcomes in the window that is a failure.
        integrations: Only these (default: all).
        reminder_minutes: While an integration stays unhealthy, its event is emitted again this often.
    """
    logger = get_run_logger()
    app = load_settings(AppSettings)
    app.prepare()
    thresholds = Thresholds(
        window=timedelta(minutes=window_minutes),
        backlog_max_age=timedelta(minutes=backlog_max_age_minutes),
        error_rate=error_rate_threshold,
    )
    selected = [find_integration(n) for n in integrations] if integrations else configured(app.erp)
    now = utcnow()
    ledger = Ledger(app.database_url)
    try:
        facts = await gather(ledger, selected, sla_minutes or {}, now - thresholds.window)
    finally:
        ledger.close()
    now = max(now, utcnow())  # the facts were read after `now`: a run that ended meanwhile is not in the future
    verdicts = [assess(f, thresholds, now) for f in facts]
    stored: dict[str, Any] = await Variable.aget(ANNOUNCED, default={})
    announced = {name: Announced.model_validate(value) for name, value in (stored or {}).items()}
    summary = HealthSummary(integration=NAME, dead_letters=sum(f.ledger.dead_total for f in facts))
    for verdict in verdicts:
        summary.verdicts[verdict.integration] = verdict.health.value
        if verdict.health is not Health.ok:
            summary.unhealthy += 1
            logger.warning("%s is %s: %s", verdict.integration, verdict.health.value, "; ".join(verdict.problems))
        news = announce(announced.get(verdict.integration), verdict.health, now, timedelta(minutes=reminder_minutes))
        if news is None:
            continue
        announced[verdict.integration] = news
        emit_event(
            event=f"ion-sync.integration.{verdict.health.value}",
            resource={
                "prefect.resource.id": f"ion-sync.integration.{verdict.integration}",
                "prefect.resource.name": verdict.integration,
            },
            payload={
                "health": verdict.health.value,
                "problems": verdict.problems,
                "since": news.since.isoformat(),
                "row": {k: str(v) for k, v in verdict.row.items()},
            },
        )
    await Variable.aset(ANNOUNCED, {k: v.model_dump(mode="json") for k, v in announced.items()}, overwrite=True)
    emit_event(
        event="ion-sync.health.checked",
        resource={"prefect.resource.id": "ion-sync.integration-health", "prefect.resource.name": NAME},
        payload={"unhealthy": summary.unhealthy, "verdicts": summary.verdicts},
    )
    await acreate_table_artifact(key=NAME, table=[v.row for v in verdicts], description="Health of every integration")
    bad = [v for v in verdicts if v.health is not Health.ok]
    await acreate_markdown_artifact(
        key=f"{NAME}-summary",
        markdown="\n".join(
            ["# Integration health", ""]
            + (
                [f"- **{v.integration}** is **{v.health.value}**: {'; '.join(v.problems)}" for v in bad]
                or ["All integrations are ok."]
            )
        ),
    )
    return summary
