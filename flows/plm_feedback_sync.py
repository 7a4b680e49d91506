"""plm-feedback-sync: what production learned goes back to engineering in Arena.

The story (seed 002, "Canonical data flows: ION → PLM"): engineering needs the as-built
record of every unit ("this serial was built from these parts against this revision") and
the nonconformances production found, as the source of its next change requests. This flow
reads ION's completed runs (their aBOM: what was installed, per unit and in total, with lots,
serials and substitutions) and attaches one as-built file per serial, lot or untracked run to
the Arena item at the revision ION built; then it sends every ION issue that has a
disposition as an Arena change request (in the mappings file's `arena.request_category_guid`
and `arena.request_number_prefix`) naming the item. Both are keyed in the ledger
(`ion:asbuilt:<part inventory>`, `ion:issue:<id>:ncr`) and looked up in Arena before they are
created, so each lands exactly once. Items themselves are never changed (rule 3).

Each ION stream has its watermark in the ledger (runs by end time: `plm-feedback-sync`;
issues by `_updated`: `plm-feedback-sync:ncrs`), so a run reads only what changed since the
last one (less `lookback_minutes`). A watermark moves only when every record its stream read
is settled (posted or dead), never past one that failed or another run still holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, timedelta
from typing import Any

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import State

from connectors.arena import ArenaClient
from connectors.ion import IonClient, Page
from connectors.ion.plm import IonPlm
from core.environment import Environment
from core.times import iso, parse_time
from flows.plm_run import PlmSummary, run_plm_flow
from ledger import Ledger, RunHandle
from plm.arena.engineering import PartNumbers
from plm.arena.feedback import FeedbackContext
from tasks.arguments import unexamined
from tasks.plm_steps import PlmReport, post_as_built_page, post_ncr_page

INTEGRATION = "plm-feedback-sync"
NCR_WATERMARK = f"{INTEGRATION}:ncrs"  # issues change on their own clock (`_updated`), apart from runs' end times


PostPage = Callable[[FeedbackContext, list[dict[str, Any]]], Awaitable[PlmReport]]


def _run_name() -> str:
    return f"as-built and NCRs → Arena{' (dry run)' if flow_run.parameters.get('dry_run') else ''}"


@flow(name=INTEGRATION, flow_run_name=_run_name, persist_result=False, log_prints=True)
async def plm_feedback_sync(
    dry_run: bool = False, as_built: bool = True, ncrs: bool = True, retry_dead: bool = False, lookback_minutes: int = 15
) -> PlmSummary | State:
    """Send as-built records and NCRs from ION to Arena, exactly once.

    Args:
        dry_run: Show what would be sent and write nothing.
        as_built: Send the as-built record of each completed unit.
        ncrs: Send dispositioned ION issues as Arena change requests.
        retry_dead: Try dead letters again (after fixing their cause, e.g. adding the item in Arena);
            reads everything again, ignoring the watermarks.
        lookback_minutes: How far before a watermark to look again, for times ION recorded late.
    """

    async def work(env: Environment, arena: ArenaClient, ion: IonClient, ledger: Ledger, run: RunHandle | None) -> PlmReport:
        setup = env.mappings.arena
        ctx = FeedbackContext(
            arena=arena,
            ledger=ledger,
            run=run,
            retry_dead=retry_dead,
            numbers=PartNumbers.from_mappings(env.mappings),
            request_category=setup.request_category_guid,
            request_prefix=setup.request_number_prefix,
            file_category=setup.file_category_guid,
        )
        if ncrs:
            ctx.require_request_settings()  # a configuration problem stops the run before any write
        plm = IonPlm(ion)

        async def stream(
            watermark: str, field: str, pages: Callable[[dict[str, Any]], AsyncIterator[Page]], post: PostPage
        ) -> PlmReport:
            """Read the stream since its watermark, post each page, move the watermark if all settled."""
            since = None if retry_dead else ledger.watermark(watermark)
            window = {field: {env.ion.since_operator: iso(since - timedelta(minutes=lookback_minutes))}} if since else {}
            report, latest = PlmReport(), None
            async for page in pages(window):
                report.merge(await post(unexamined(ctx), unexamined(page.nodes)))
                times = [t for t in (parse_time(node.get(field)) for node in page.nodes) if t]
                latest = max([*times, *([latest] if latest else [])], default=None)
                if run:
                    ledger.heartbeat(run)
            if run and latest and not (report.failed or report.in_flight_elsewhere):
                ledger.advance_watermark(watermark, latest.astimezone(UTC))
            return report

        report = PlmReport()
        if as_built:
            report.merge(await stream(INTEGRATION, env.ion.run_time_field, plm.as_built_pages, post_as_built_page))
        if ncrs:
            report.merge(await stream(NCR_WATERMARK, "_updated", plm.ncr_pages, post_ncr_page))
        return report

    return await run_plm_flow(INTEGRATION, dry_run, work)
