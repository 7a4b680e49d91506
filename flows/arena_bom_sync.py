"""arena-bom-sync: each released assembly's eBOM becomes the source of its ION mBOM.

The story (seed 002, "The BOM lifecycle: eBOM → mBOM → aBOM", rule 2): Arena authors the
eBOM; ION derives the mBOM from it and adds what only manufacturing needs (consumables,
fasteners, fixtures). For every released assembly (children that are assemblies too are
walked in turn) this flow reads the eBOM of the effective revision and compares it with the
ION part revision's released mBOM. If they differ, it creates a new mBOM version (a released
one is never edited): the eBOM's lines (quantities kept as decimals, reference designators
expanded), plus the ION-only lines of the version it replaces, then releases it, which
archives the old one. A new part revision starts from the previous revision's mBOM, so its
ION-only lines carry over. Writes go through the ledger (`arena:mbom:<number>:<rev>:<digest>`).
"""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import State

from connectors.arena import ArenaClient
from connectors.ion import IonClient
from core.environment import Environment
from flows.plm_run import PlmSummary, run_plm_flow
from ledger import Ledger, RunHandle
from tasks.arguments import unexamined
from tasks.plm_steps import PlmContext, PlmReport, fetch_released_items, sync_mboms

INTEGRATION = "arena-bom-sync"


def _run_name() -> str:
    params = flow_run.parameters
    scope = ", ".join(params["numbers"][:5]) if params.get("numbers") else "all released assemblies"
    return f"arena eBOM → mBOM · {scope}{' (dry run)' if params.get('dry_run') else ''}"


@flow(name=INTEGRATION, flow_run_name=_run_name, persist_result=False, log_prints=True)
async def arena_bom_sync(numbers: list[str] | None = None, dry_run: bool = False) -> PlmSummary | State:
    """New ION mBOM versions wherever a released eBOM changed.

    Args:
        numbers: Only these Arena item numbers as top assemblies (their sub-assemblies are walked too).
        dry_run: Show the mBOM versions that would be created and write nothing.
    """

    async def work(env: Environment, arena: ArenaClient, ion: IonClient, ledger: Ledger, run: RunHandle | None) -> PlmReport:
        ctx = PlmContext.for_run(env, arena, ion, ledger, run)
        items, _skipped = await fetch_released_items(unexamined(ctx), None)
        return await sync_mboms(unexamined(ctx), unexamined(items), numbers)

    return await run_plm_flow(INTEGRATION, dry_run, work)
