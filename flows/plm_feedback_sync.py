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
"""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import State

from connectors.ion.plm import IonPlm
from flows.plm_run import PlmRun, PlmSummary, integration_name, post_units, run_plm_flow
from mes.ion import plm_feedback
from plm.port import PlmName
from tasks.arguments import unexamined
from tasks.plm_steps import FeedbackRun, PlmReport, post_records

BASE = "plm-feedback-sync"


def _run_name() -> str:
    params = flow_run.parameters
    return f"{integration_name(BASE, params.get('plm'))}: as-built and NCRs{' (dry run)' if params.get('dry_run') else ''}"


@flow(name=BASE, flow_run_name=_run_name, persist_result=False, log_prints=True)
async def plm_feedback_sync(
    plm: PlmName | None = None,
    run_ids: list[int] | None = None,
    dry_run: bool = False,
    as_built: bool = True,
    ncrs: bool = True,
    full_resync: bool = False,
) -> PlmSummary | State:
    """Send as-built records and NCRs from ION to the PLM, exactly once.

    Args:
        plm: The PLM to write to (default: ION_SYNC_PLM).
        run_ids: Only the as-built records and NCRs of these ION runs.
        dry_run: Show what would be sent and write nothing.
        as_built: Send the as-built record of each completed unit.
        ncrs: Send dispositioned ION issues as NCRs.
        full_resync: Look at every record again and retry dead letters (after fixing their cause, e.g. adding the item in the PLM).
    """

    async def work(r: PlmRun) -> PlmReport:
        units = r.plm.require(r.plm.as_built, "as-built records") if as_built else None
        problems = r.plm.require(r.plm.nonconformances, "NCRs") if ncrs else None
        if problems is not None:
            await r.plm.check_setup()  # a configuration problem stops the run before any write
        ion = IonPlm(r.ion)
        report = PlmReport()
        if units is not None:
            report.merge(await post_units(r, units, ion.as_built_pages(), plm_feedback.as_built, run_ids, full_resync))
        if problems is not None:
            feedback = FeedbackRun(r.ledger, r.run, r.integration, full_resync)
            wanted = {str(i) for i in run_ids or []}
            async for page in ion.ncr_pages():
                nodes = [n for n in page.nodes if not wanted or str((n.get("run") or {}).get("id")) in wanted]
                report.merge(
                    await post_records(unexamined(feedback), unexamined(problems), unexamined(nodes), plm_feedback.nonconformance)
                )
        return report

    return await run_plm_flow(BASE, plm, dry_run, work)
