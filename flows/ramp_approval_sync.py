"""ramp-approval-sync: Ramp's payments flow back to ION (seed 000).

Once Ramp has paid the PO's bills, the ION PO is marked paid. Approvals cannot flow back:
Ramp's Developer API does not expose a PO's approval (ramp.md B3), so the "approve in Ramp"
mode (`ramp.approval: in_ramp`) stops this flow at start with a ConfigError saying so.

Driven by Ramp webhooks: the webhook receiver (`ion-sync webhooks`) verifies
`X-Ramp-Webhook-Signature` and stores each event in the ledger inbox (source "ramp"); this
flow takes the pending events, checks the POs they name and marks the events handled. A
scheduled run with `poll=true` checks every PO that lives in Ramp: the safety net for events
that never arrived.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.ion import IonClient
from connectors.ramp import SOURCE, RampClient
from core.environment import load_environment
from ledger import Ledger
from ledger.inbox import Inbox
from ledger.models import InboxStatus
from payments.ramp.approvals import BILL_EVENTS, INTEGRATION, PO_EVENTS, candidates
from payments.ramp.common import RampContext, RampSummary, purchase_orders_in_ramp
from tasks.arguments import unexamined
from tasks.ramp import apply_decisions
from tasks.reporting import final_state, publish_sync_report


@flow(
    name=INTEGRATION,
    flow_run_name=lambda: f"Ramp payments → ION{' (poll)' if flow_run.parameters.get('poll') else ''}",
    persist_result=False,
    log_prints=True,
)
async def ramp_approval_sync(poll: bool = False) -> RampSummary | State:
    """Mark ION purchase orders paid once Ramp has paid them.

    Args:
        poll: Check every PO that lives in Ramp, not only those named by pending webhook events.
    """
    env = load_environment("ramp")
    logger = get_run_logger()
    ledger = Ledger(env.app.database_url)
    inbox = Inbox(ledger)
    summary = RampSummary(integration=INTEGRATION)
    try:
        events = inbox.pending(SOURCE)
        tracked = purchase_orders_in_ramp(ledger)
        wanted = candidates(events, tracked, poll)
        summary.fetched = len(events)
        async with IonClient(env.ion) as ion, RampClient(env.ramp) as ramp:
            run = ledger.start_run(INTEGRATION, str(flow_run.id) if flow_run.id else None)
            ctx = RampContext(ion, ramp, ledger, run, env.mappings.ramp, env.ramp.entity_id)
            try:
                report = await apply_decisions(unexamined(ctx), wanted, unexamined(tracked))
            finally:
                ledger.finish_run(run)
        relevant = PO_EVENTS | BILL_EVENTS
        handled_by = str(flow_run.id) if flow_run.id else INTEGRATION
        if not report.page.failed:  # else the events stay pending: the next run checks their POs again
            summary.events_handled = inbox.mark(
                [e.id for e in events if e.event_type in relevant], InboxStatus.handled, handled_by
            )
        inbox.mark(
            [e.id for e in events if e.event_type not in relevant],
            InboxStatus.handled,
            handled_by,
            reason="not an event ion-sync acts on",
        )
        summary.posted = len(report.applied)
        summary.dead_letters = len(report.page.dead_letters)
        summary.already_posted = report.page.already_posted
        summary.in_flight_elsewhere = report.page.in_flight_elsewhere
        summary.failed = report.page.failed
        summary.skipped = len(tracked) - report.checked
        backlog = inbox.backlog(SOURCE)
        publish_sync_report(
            summary,
            report.applied,
            report.page.dead_letters,
            details=f"POs checked in Ramp: {report.checked} ({'poll' if poll else 'webhook events'}); events handled: "
            f"{summary.events_handled}; Ramp events still waiting: {backlog.pending}.",
        )
    finally:
        ledger.close()
    logger.info("%s: %s", INTEGRATION, summary.model_dump_json())
    if summary.failed:
        return Failed(
            message=f"{summary.failed} change(s) could not be applied to ION (transient errors or concurrent edits); the next run retries",
            data=summary,
        )
    return final_state(summary)
