"""plm-feedback-sync: what production learned goes back to engineering in the PLM.

The story (seed 002, "Canonical data flows: ION → PLM"): engineering needs the as-built record
of every unit and the nonconformances production found (NCR / MRB outcomes), as the source of
its next change requests. This flow reads ION's completed runs (their aBOM: what was installed,
per unit and in total, with lots, serials and substitutions) and sends one as-built record per
serial, lot or untracked run to the PLM item at the revision ION built; then every ION issue
that has a disposition as an NCR (Arena: a change request in the mappings file's
`arena.request_category_guid` and `arena.request_number_prefix`, naming the item). Both are
keyed in the ledger (`ion:asbuilt:<part inventory>`, `ion:issue:<id>:ncr`) and looked up in
the PLM before they are created, so each lands exactly once. Items themselves are never changed (rule 3).

Each ION stream has its watermark in the ledger (runs by end time: the integration's name;
issues by `_updated`: `<integration>:ncrs`), so a scheduled run reads only what changed since
the last one, less `lookback_minutes`; a watermark moves only when every record its stream read
is settled (posted or dead), never past one that failed or another run still holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import flow
from prefect.states import State

from connectors.ion import Page
from connectors.ion.plm import IonPlm
from core.times import iso, parse_time
from flows.plm_run import PlmRun, PlmSummary, post_units, run_name, run_plm_flow
from mes.ion import plm_feedback
from plm.port import PlmName
from tasks.arguments import unexamined
from tasks.plm_steps import FeedbackRun, PlmReport, post_records

BASE = "plm-feedback-sync"


@flow(name=BASE, flow_run_name=run_name(BASE, ": as-built and NCRs"), persist_result=False, log_prints=True)
async def plm_feedback_sync(
    plm: PlmName | None = None,
    run_ids: list[int] | None = None,
    dry_run: bool = False,
    as_built: bool = True,
    ncrs: bool = True,
    full_resync: bool = False,
    lookback_minutes: int = 15,
) -> PlmSummary | State:
    """Send as-built records and NCRs from ION to the PLM, exactly once.

    Args:
        plm: The PLM to write to (default: ION_SYNC_PLM).
        run_ids: Only the as-built records and NCRs of these ION runs.
        dry_run: Show what would be sent and write nothing.
        as_built: Send the as-built record of each completed unit.
        ncrs: Send dispositioned ION issues as NCRs.
        full_resync: Look at every record again and retry dead letters (after fixing their cause, e.g. adding the item in the PLM).
        lookback_minutes: How far before a watermark to look again, for times ION recorded late.
    """

    async def work(r: PlmRun) -> PlmReport:
        units = r.plm.require(r.plm.as_built, "as-built records") if as_built else None
        problems = r.plm.require(r.plm.nonconformances, "NCRs") if ncrs else None
        if problems is not None:
            await r.plm.check_setup()  # a configuration problem stops the run before any write
        ion = IonPlm(r.ion)
        incremental = not (run_ids or full_resync)
        settings = r.ion.settings
        report = PlmReport()
        if units is not None:
            runs = Watermark(r, r.integration, settings.run_time_field, settings.since_operator, lookback_minutes, incremental)
            done = await post_units(
                r, units, runs.pages(ion.as_built_pages(runs.window)), plm_feedback.as_built, run_ids, full_resync
            )
            runs.advance(done)
            report.merge(done)
        if problems is not None:
            issues = Watermark(r, f"{r.integration}:ncrs", "_updated", settings.since_operator, lookback_minutes, incremental)
            feedback = FeedbackRun(r.ledger, r.run, r.integration, full_resync)
            wanted = {str(i) for i in run_ids or []}
            done = PlmReport()
            async for page in issues.pages(ion.ncr_pages(issues.window)):
                nodes = [n for n in page.nodes if not wanted or str((n.get("run") or {}).get("id")) in wanted]
                done.merge(
                    await post_records(unexamined(feedback), unexamined(problems), unexamined(nodes), plm_feedback.nonconformance)
                )
            issues.advance(done)
            report.merge(done)
        return report

    return await run_plm_flow(BASE, plm, dry_run, work)


class Watermark:
    """One ION stream's watermark in the ledger: the filter window it gives a run, the latest
    time the run saw, and the move forward once everything read is settled."""

    def __init__(self, r: PlmRun, name: str, field: str, operator: str, lookback_minutes: int, incremental: bool) -> None:
        self.r, self.name, self.field, self.incremental = r, name, field, incremental
        since = r.ledger.watermark(name) if incremental else None
        self.window: dict[str, Any] = {field: {operator: iso(since - timedelta(minutes=lookback_minutes))}} if since else {}
        self.latest: datetime | None = None

    async def pages(self, pages: AsyncIterator[Page]) -> AsyncIterator[Page]:
        async for page in pages:
            times = [t for t in (parse_time(node.get(self.field)) for node in page.nodes) if t]
            self.latest = max([*times, *([self.latest] if self.latest else [])], default=None)
            yield page

    def advance(self, report: PlmReport) -> None:
        if self.incremental and self.r.run and self.latest and not (report.failed or report.in_flight_elsewhere):
            self.r.ledger.advance_watermark(self.name, self.latest.astimezone(UTC))
