"""arena-change-sync: engineering changes that became effective reach the floor.

The story (seed 002: "ECN / ECR notifications … gate runs against stale revisions"; rule 3):
when an Arena change (ECO) becomes effective, ION must build the new revision. For each change
this flow makes the affected ION parts' new revisions (as arena-part-sync would), moves their
mBOMs to the new eBOM (as arena-bom-sync would), and raises an issue on every unfinished ION
run still building a superseded revision, so production stops to check before going on.

Changes come from Arena's outbound event queue (`ARENA_INTEGRATION_GUID`; Arena's
recommended way), oldest first, and an event is acknowledged (`itemsReconciled: true`) only
after everything it asked for is done: a crash before that leaves it in the queue and the
next run handles it again, finding its writes in the ledger instead of repeating them.
Without a queue, the flow polls changes made effective since the last run (a watermark).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import State

from connectors.arena import ArenaClient
from connectors.errors import ConfigError, DataError, TransientError
from connectors.ion import IonClient
from core.environment import Environment
from flows.plm_run import PlmSummary, run_plm_flow
from ledger import Ledger, RunHandle
from plm.arena.engineering import from_change_items, from_event_items
from tasks.arguments import unexamined
from tasks.plm_steps import PlmContext, PlmReport, apply_change

INTEGRATION = "arena-change-sync"
EFFECTIVE = ("EFFECTIVE", "COMPLETED")


def _run_name() -> str:
    return f"arena changes{' (dry run)' if flow_run.parameters.get('dry_run') else ''}"


@flow(name=INTEGRATION, flow_run_name=_run_name, persist_result=False, log_prints=True)
async def arena_change_sync(dry_run: bool = False, poll: bool = False) -> PlmSummary | State:
    """Apply effective Arena changes to ION and flag runs on superseded revisions.

    Args:
        dry_run: Show what would change and write nothing (events stay unacknowledged).
        poll: Poll changes instead of reading the event queue, even when one is configured.
    """

    async def work(env: Environment, arena: ArenaClient, ion: IonClient, ledger: Ledger, run: RunHandle | None) -> PlmReport:
        ctx = PlmContext.for_run(env, arena, ion, ledger, run)
        if env.arena.integration_guid and not poll:
            return await _from_queue(ctx)
        return await _by_polling(ctx)

    return await run_plm_flow(INTEGRATION, dry_run, work)


async def _from_queue(ctx: PlmContext) -> PlmReport:
    logger = get_run_logger()
    report = PlmReport()
    try:
        events = await ctx.arena.pending_events()
    except DataError as exc:
        raise ConfigError(
            f"ARENA_INTEGRATION_GUID={ctx.arena.settings.integration_guid} is not an outbound integration of this "
            f"workspace ({exc}): ask Arena support for the integration's GUID, or unset it to poll changes"
        ) from None
    for event in events:
        change = event["change"]["number"]
        affected = from_event_items(await ctx.arena.event_items(event["guid"]))
        done = await apply_change(unexamined(ctx), change, unexamined(affected))
        report.merge(done)
        if ctx.dry_run:
            continue
        if done.settled:
            try:
                await ctx.arena.reconcile_event(event["guid"])
            except (TransientError, DataError) as exc:
                report.failed += 1  # applied, not acknowledged: the queue hands it over again
                logger.warning(
                    "%s: applied but not acknowledged (%s); the next run finds it done and acknowledges it", change, exc
                )
                continue
            logger.info("%s: applied and acknowledged (event %s)", change, event["guid"])
        else:
            logger.warning(
                "%s: not acknowledged, will be handled again: %s",
                change,
                "; ".join(d["reason"] for d in done.dead_letters) or "writes still pending",
            )
    return report


async def _by_polling(ctx: PlmContext) -> PlmReport:
    logger = get_run_logger()
    report = PlmReport()
    since = ctx.ledger.watermark(INTEGRATION)
    params: dict[str, Any] = {}
    if since:
        params["effectiveDateTimeFrom"] = since.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    changes = [c for c in await ctx.arena.all("/changes", params) if (c.get("lifecycleStatus") or {}).get("type") in EFFECTIVE]
    latest: datetime | None = None
    all_settled = True
    for change in sorted(changes, key=lambda c: str(c.get("effectiveDateTime"))):
        affected = from_change_items(await ctx.arena.change_items(change["guid"]))
        done = await apply_change(unexamined(ctx), change["number"], unexamined(affected))
        report.merge(done)
        all_settled = all_settled and done.settled
        if all_settled and change.get("effectiveDateTime"):
            latest = datetime.fromisoformat(change["effectiveDateTime"].replace("Z", "+00:00"))
    if latest and not ctx.dry_run:
        ctx.ledger.advance_watermark(INTEGRATION, latest)
        logger.info("Polled changes up to %s", latest.isoformat())
    return report
