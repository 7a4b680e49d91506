"""plm-change-sync: engineering changes that became effective reach the floor.

The story (seed 002: "ECN / ECR notifications … gate runs against stale revisions"; rule 3):
when a PLM change (ECO/ECN) becomes effective, ION must build the new revision. For each change
this flow makes the affected ION parts' new revisions (as plm-part-sync would), moves their
mBOMs to the new eBOM (as plm-bom-sync would), revises their ION procedures where the PLM has a
routing for them (as plm-routing-sync would: a change triggers a procedure revision, not only a
part revision), and raises an issue on every unfinished ION run still building a superseded
revision, so production stops to check before going on.

Changes come from the PLM's event queue or notifications (Arena: the outbound event queue,
ARENA_INTEGRATION_GUID), oldest first, and one is acknowledged only after everything it asked
for is done: a crash before that leaves it queued and the next run handles it again, finding
its writes in the ledger instead of repeating them. Without a queue the flow polls changes made
effective since the last run (a watermark; `full_resync` polls them all again).
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.states import State

from connectors.errors import DataError, TransientError
from flows.plm_run import PlmRun, PlmSummary, run_name, run_plm_flow
from plm.port import PlmName
from plm.port.changes import EngineeringChange
from tasks.arguments import unexamined
from tasks.plm_steps import PlmContext, PlmReport, apply_change, sync_procedures

BASE = "plm-change-sync"


@flow(name=BASE, flow_run_name=run_name(BASE), persist_result=False, log_prints=True)
async def plm_change_sync(
    plm: PlmName | None = None, dry_run: bool = False, poll: bool = False, full_resync: bool = False
) -> PlmSummary | State:
    """Apply effective PLM changes to ION, revise procedures, and flag runs on superseded revisions.

    Args:
        plm: The PLM to read (default: ION_SYNC_PLM).
        dry_run: Show what would change and write nothing (queued changes stay unacknowledged).
        poll: Poll changes instead of reading the PLM's event queue, even when one is configured.
        full_resync: Poll every effective change again, ignoring the watermark (implies poll).
    """

    async def work(r: PlmRun) -> PlmReport:
        logger = get_run_logger()
        ctx = PlmContext.for_run(r.plm, r.ion, r.ledger, r.run)
        changes = r.plm.require(r.plm.changes, "engineering changes")
        since = None if full_resync else r.ledger.watermark(r.integration)
        report = PlmReport()
        polled_up_to = None
        all_settled = True
        for change in await changes.effective(since, poll=poll or full_resync):
            done = await apply_change(unexamined(ctx), unexamined(change))
            done.merge(await _revise_procedures(ctx, change))
            report.merge(done)
            if change.event is None:  # polled: the watermark moves over what is settled, in order
                all_settled = all_settled and done.settled
                if all_settled and change.effective_at:
                    polled_up_to = change.effective_at
                continue
            if ctx.dry_run:
                continue
            if not done.settled:
                reasons = "; ".join(d["reason"] for d in done.dead_letters) or "writes still pending"
                logger.warning("%s: not acknowledged, will be handled again: %s", change.number, reasons)
                continue
            try:
                await changes.acknowledge(change)
            except (TransientError, DataError) as exc:
                report.failed += 1  # applied, not acknowledged: the queue hands it over again
                logger.warning(
                    "%s: applied but not acknowledged (%s); the next run finds it done and acknowledges it", change.number, exc
                )
                continue
            logger.info("%s: applied and acknowledged (event %s)", change.number, change.event)
        if polled_up_to and not ctx.dry_run:
            r.ledger.advance_watermark(r.integration, polled_up_to)
            logger.info("Polled changes up to %s", polled_up_to.isoformat())
        return report

    return await run_plm_flow(BASE, plm, dry_run, work)


async def _revise_procedures(ctx: PlmContext, change: EngineeringChange) -> PlmReport:
    """The ECN gate's procedure side: a new ION procedure version for each released affected
    item the PLM has a routing for (nothing where the PLM keeps no routings)."""
    if ctx.plm.routings is None:
        return PlmReport()
    found = await ctx.plm.routings.routings([a.effective for a in change.affected if a.released])
    return await sync_procedures(unexamined(ctx), unexamined(found.routings))
