"""ion-event-drain: the safety net (and the batch mode) behind webhook-triggered runs.

Webhook events wait in the ledger inbox until the ledger shows their work done. A triggered
run usually settles them within seconds; this flow, on a schedule, takes every event still
pending after `grace_minutes` (Prefect was down, a trigger was missed, a run failed), runs the
owning integration's flow once for all of their source ids, and settles what that run did. For
routes marked `batched` (ERPs that should not be called per event) there is no trigger and no
grace: the drain is how the queued events reach the ERP, on the drain's schedule.

Events no integration handles are marked handled with a note, so they do not pile up; events
whose work is still not done after `give_up_hours` become dead inbox events, which
integration-health reports.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact
from prefect.runtime import flow_run

from connectors.settings import load_settings
from core.config import AppSettings
from flows.integrations import INTEGRATIONS, configured, find_integration
from ledger import Ledger
from ledger.inbox import Inbox
from ledger.models import InboxStatus
from ledger.store import utcnow
from tasks.inbox import settle, subject_id
from tasks.reporting import SyncSummary

NAME = "ion-event-drain"
IDS_PER_RUN = 500  # source ids per run of an integration's flow: keeps its id filter a sane size


class DrainSummary(SyncSummary):
    events_handled: int = 0
    events_waiting: int = 0
    events_ignored: int = 0
    events_given_up: int = 0

    def line(self) -> str:
        events = f"events_handled={self.events_handled} events_ignored={self.events_ignored} events_waiting={self.events_waiting}"
        return f"{super().line()} {events}"


@flow(name=NAME, flow_run_name="event drain · grace {grace_minutes} min", persist_result=False)
async def ion_event_drain(
    grace_minutes: int = 10,
    give_up_hours: int = 24,
    integrations: list[str] | None = None,
    dry_run: bool = False,
) -> DrainSummary:
    """Handle inbox events no triggered run handled.

    Args:
        grace_minutes: Leave events younger than this to their triggered runs (batched routes
            are drained whatever their age).
        give_up_hours: An event whose work is still not done after this long becomes a dead
            inbox event (reported by integration-health).
        integrations: Only these integrations (default: every one with webhook routes).
        dry_run: List what would be run; run and mark nothing.
    """
    logger = get_run_logger()
    app = load_settings(AppSettings)
    app.prepare()
    ledger = Ledger(app.database_url)
    inbox = Inbox(ledger)
    me = flow_run.name or NAME
    summary = DrainSummary(integration=NAME, dry_run=dry_run)
    rows: list[dict[str, Any]] = []
    now = utcnow()
    cutoff = now - timedelta(minutes=grace_minutes)
    try:
        selected = [find_integration(n) for n in integrations] if integrations else configured(app.erp)
        for integ in selected:
            for route in integ.routes:
                before = None if route.batched else cutoff
                if dry_run:
                    waiting = inbox.pending(route.source, route.event_types, received_before=before, limit=10_000)
                    rows += [_row(integ.name, len(waiting), 0, "would run")] if waiting else []
                    summary.events_waiting += len(waiting)
                    continue
                done = settle(ledger, route, me, received_before=before)
                handled, waiting = done.handled, done.waiting
                ids = sorted({i for i in map(subject_id, waiting) if i})
                if ids and integ.run_for:
                    logger.info("%s: %d pending event(s); running it for %s", integ.name, len(waiting), ", ".join(ids[:20]))
                    for start in range(0, len(ids), IDS_PER_RUN):
                        state = await integ.run_for(ids[start : start + IDS_PER_RUN], False)
                        result = await state.aresult(raise_on_failure=False)
                        if isinstance(result, SyncSummary):
                            summary.posted += result.posted
                            summary.dead_letters += result.dead_letters
                    # the run settles the events it answered itself; count them all the same
                    again = settle(ledger, route, me, received_before=before)
                    handled, waiting = handled + len(waiting) - len(again.waiting), again.waiting
                stale = [i.id for i in waiting if i.received_at < now - timedelta(hours=give_up_hours)]
                given_up = inbox.mark(
                    stale, InboxStatus.dead, me, f"{integ.name} has not settled this event's work after {give_up_hours} h"
                )
                summary.events_handled += handled
                summary.events_given_up += given_up
                summary.events_waiting += len(waiting) - given_up
                rows.append(_row(integ.name, handled, len(waiting) - given_up, f"{given_up} given up" if given_up else ""))
        routed = {(r.source, t) for i in INTEGRATIONS.values() for r in i.routes for t in r.event_types}
        unrouted = [e for e in inbox.pending(received_before=cutoff, limit=10_000) if (e.source, e.event_type) not in routed]
        if unrouted and not dry_run:
            for (source, event_type), event_ids in _group(unrouted).items():
                summary.events_ignored += inbox.mark(
                    event_ids, InboxStatus.handled, me, f"no integration handles {source} {event_type}"
                )
            rows.append(_row("(none)", summary.events_ignored, 0, "no integration handles these event types"))
        summary.fetched = summary.events_handled + summary.events_waiting + summary.events_ignored + summary.events_given_up
    finally:
        ledger.close()
    await acreate_table_artifact(
        key="ion-event-drain",
        table=rows or [{"result": "no pending inbox events"}],
        description="Inbox events the drain settled, per integration",
    )
    logger.info("%s: %s", NAME, summary.model_dump_json())
    return summary


def _row(name: str, handled: int, waiting: int, note: str) -> dict[str, Any]:
    return {"integration": name, "events handled": handled, "still waiting": waiting, "note": note}


def _group(items: list[Any]) -> dict[tuple[str, str], list[int]]:
    groups: dict[tuple[str, str], list[int]] = {}
    for item in items:
        groups.setdefault((item.source, item.event_type), []).append(item.id)
    return groups
