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
"""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import State

from connectors.arena import ArenaClient
from connectors.ion import IonClient
from connectors.ion.plm import IonPlm
from core.environment import Environment
from flows.plm_run import PlmSummary, run_plm_flow
from ledger import Ledger, RunHandle
from plm.arena.engineering import PartNumbers
from plm.arena.feedback import FeedbackContext
from tasks.arguments import unexamined
from tasks.plm_steps import PlmReport, post_as_built_page, post_ncr_page

INTEGRATION = "plm-feedback-sync"


def _run_name() -> str:
    return f"as-built and NCRs → Arena{' (dry run)' if flow_run.parameters.get('dry_run') else ''}"


@flow(name=INTEGRATION, flow_run_name=_run_name, persist_result=False, log_prints=True)
async def plm_feedback_sync(
    dry_run: bool = False, as_built: bool = True, ncrs: bool = True, retry_dead: bool = False
) -> PlmSummary | State:
    """Send as-built records and NCRs from ION to Arena, exactly once.

    Args:
        dry_run: Show what would be sent and write nothing.
        as_built: Send the as-built record of each completed unit.
        ncrs: Send dispositioned ION issues as Arena change requests.
        retry_dead: Try dead letters again (after fixing their cause, e.g. adding the item in Arena).
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
        report = PlmReport()
        if as_built:
            async for page in plm.as_built_pages():
                report.merge(await post_as_built_page(unexamined(ctx), unexamined(page.nodes)))
                if run:
                    ledger.heartbeat(run)
        if ncrs:
            async for page in plm.ncr_pages():
                report.merge(await post_ncr_page(unexamined(ctx), unexamined(page.nodes)))
        return report

    return await run_plm_flow(INTEGRATION, dry_run, work)
