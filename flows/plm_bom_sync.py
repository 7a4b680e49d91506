"""plm-bom-sync: each released assembly's eBOM becomes the source of its ION mBOM.

The story (seed 002, "The BOM lifecycle: eBOM → mBOM → aBOM", rule 2): the PLM authors the
eBOM; ION derives the mBOM from it and adds what only manufacturing needs (consumables,
fasteners, fixtures). For every released assembly, every level of its eBOM (the port's
multi-level eBOM) is compared with the ION part revision's released mBOM. If they differ, a
new mBOM version is created (a released one is never edited): the eBOM's lines (quantities
kept as decimals, reference designators expanded), plus the ION-only lines of the version it
replaces, then released, which archives the old one. A new part revision starts from the
previous revision's mBOM, so its ION-only lines carry over. Writes go through the ledger
(`<plm>:mbom:<number>:<rev>:<digest>@<id of the mBOM it replaces>`: an mBOM edited in ION is
repaired even when the lines wanted are those of a version applied before).
"""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import State

from flows.plm_run import PlmRun, PlmSummary, integration_name, run_plm_flow
from plm.port import PlmName
from tasks.arguments import unexamined
from tasks.plm_steps import PlmContext, PlmReport, fetch_released_items, sync_mboms

BASE = "plm-bom-sync"


def _run_name() -> str:
    params = flow_run.parameters
    scope = ", ".join(params["part_numbers"][:5]) if params.get("part_numbers") else "all released assemblies"
    return f"{integration_name(BASE, params.get('plm'))} eBOM → mBOM · {scope}{' (dry run)' if params.get('dry_run') else ''}"


@flow(name=BASE, flow_run_name=_run_name, persist_result=False, log_prints=True)
async def plm_bom_sync(
    plm: PlmName | None = None, part_numbers: list[str] | None = None, dry_run: bool = False, full_resync: bool = False
) -> PlmSummary | State:
    """New ION mBOM versions wherever a released eBOM changed.

    Args:
        plm: The PLM to read (default: ION_SYNC_PLM).
        part_numbers: Only these PLM part numbers as top assemblies (their sub-assemblies are synced too).
        dry_run: Show the mBOM versions that would be created and write nothing.
        full_resync: Compare every released assembly with ION, also revisions applied before
            (repairs an mBOM edited in ION); default: only revisions not applied yet are read.
    """

    async def work(r: PlmRun) -> PlmReport:
        ctx = PlmContext.for_run(r.plm, r.ion, r.ledger, r.run)
        found = await fetch_released_items(unexamined(ctx), None)
        return await sync_mboms(unexamined(ctx), unexamined(found.released), part_numbers, full_resync)

    return await run_plm_flow(BASE, plm, dry_run, work)
