"""plm-routing-sync: released PLM routings become ION procedure versions.

The story (seed 002, PLM → ION: routings "imported as procedure / step templates"): the PLM
says how a released revision is built, operation by operation; ION runs it as a procedure.
For every released item with a released routing, this flow compares the routing with the
latest released version of its ION procedure (titled `<part number> <routing title>`). If they
differ it makes a new version (ION's `cloneProcedure` of the released one, or a new procedure
the first time), never editing a released version: one step per operation (`Op <n> <title>`,
the work instructions and the reference link to the PLM's drawing as its content), plus the
steps manufacturing added in ION (inspections, kitting, …), kept where they were; then it
releases it. Which steps were the PLM's is what ion-sync applied last time (the ledger).
Writes go through the ledger (`<plm>:procedure:<number>:<rev>:<digest>@<id of the version it
replaces>`: a procedure edited in ION is repaired even when the steps wanted are those of a
version applied before).
"""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import State

from flows.plm_run import PlmRun, PlmSummary, integration_name, run_plm_flow
from plm.port import PlmName
from tasks.arguments import unexamined
from tasks.plm_steps import PlmContext, PlmReport, applied_routings, fetch_released_items, sync_procedures

BASE = "plm-routing-sync"


def _run_name() -> str:
    params = flow_run.parameters
    scope = ", ".join(params["part_numbers"][:5]) if params.get("part_numbers") else "all released routings"
    return f"{integration_name(BASE, params.get('plm'))} routing → procedure · {scope}{' (dry run)' if params.get('dry_run') else ''}"


@flow(name=BASE, flow_run_name=_run_name, persist_result=False, log_prints=True)
async def plm_routing_sync(
    plm: PlmName | None = None, part_numbers: list[str] | None = None, dry_run: bool = False, full_resync: bool = False
) -> PlmSummary | State:
    """New ION procedure versions wherever a released routing changed.

    Args:
        plm: The PLM to read (default: ION_SYNC_PLM).
        part_numbers: Only the routings of these PLM part numbers.
        dry_run: Show the procedure versions that would be created and write nothing.
        full_resync: Compare every released routing with ION, also those applied at their
            current revision before (repairs a procedure edited in ION); default: only routings
            at a revision not applied yet are read and compared.
    """

    async def work(r: PlmRun) -> PlmReport:
        ctx = PlmContext.for_run(r.plm, r.ion, r.ledger, r.run)
        routings = r.plm.require(r.plm.routings, "routings")
        found = await fetch_released_items(unexamined(ctx), part_numbers)
        read = await routings.routings(found.released, None if full_resync else applied_routings(ctx))
        if read.skipped:
            print("No routing handed over: " + "; ".join(read.skipped))
        report = await sync_procedures(unexamined(ctx), unexamined(read.routings))
        report.already_posted += read.unchanged
        return report

    return await run_plm_flow(BASE, plm, dry_run, work)
