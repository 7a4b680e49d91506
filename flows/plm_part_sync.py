"""plm-part-sync: released PLM items become ION parts at their engineering revision.

The story (seed 002, "Canonical data flows: PLM → ION", rule 8): the PLM owns a part's
engineering identity. This flow asks the PLM (through the port) for its items whose effective
revision is in a released lifecycle state, and makes ION match: a new part, or a new revision
of the part (ION's `createPartRevision`, which keeps its attributes), with the lifecycle state
in the part attribute `<PLM> Lifecycle Phase` and the reference link to the PLM's drawing in
`<PLM> Drawing` (ION never hosts the CAD). Every ION write goes through the ledger
(`<plm>:part:<number>:<revision>`), so it happens once. Nothing is written to the PLM.
"""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import State

from flows.plm_run import PlmRun, PlmSummary, integration_name, run_plm_flow
from plm.port import PlmName
from tasks.arguments import unexamined
from tasks.plm_steps import PlmContext, PlmReport, fetch_released_items, sync_part_revisions

BASE = "plm-part-sync"


def _run_name() -> str:
    params = flow_run.parameters
    scope = ", ".join(params["part_numbers"][:5]) if params.get("part_numbers") else "all released items"
    return f"{integration_name(BASE, params.get('plm'))} · {scope}{' (dry run)' if params.get('dry_run') else ''}"


@flow(name=BASE, flow_run_name=_run_name, persist_result=False, log_prints=True)
async def plm_part_sync(
    plm: PlmName | None = None, part_numbers: list[str] | None = None, dry_run: bool = False
) -> PlmSummary | State:
    """Create or revise ION parts from the PLM's released items.

    Args:
        plm: The PLM to read (default: ION_SYNC_PLM).
        part_numbers: Only these PLM part numbers (default: every item).
        dry_run: Show what would change in ION and write nothing.
    """

    async def work(r: PlmRun) -> PlmReport:
        ctx = PlmContext.for_run(r.plm, r.ion, r.ledger, r.run)
        found = await fetch_released_items(unexamined(ctx), part_numbers)
        report = await sync_part_revisions(unexamined(ctx), unexamined(found.released))
        report.fetched = len(found.released) + len(found.skipped)
        if found.skipped:
            print("Not released, left alone: " + "; ".join(found.skipped))
        return report

    return await run_plm_flow(BASE, plm, dry_run, work)
