"""arena-part-sync: released Arena items become ION parts at their engineering revision.

The story (seed 002, "Canonical data flows: PLM → ION", rule 8): Arena owns a part's
engineering identity. This flow lists Arena's items (pages of up to 400), keeps those whose
effective revision is in a released lifecycle phase (`ARENA_RELEASED_PHASES`), and makes ION
match: a new part, or a new revision of the part (ION's `createPartRevision`, which keeps its
attributes), with the lifecycle phase in the part attribute `Arena Lifecycle Phase`. Every ION
write goes through the ledger (`arena:part:<number>:<revision>`), so it happens once. Nothing
is ever written to Arena.
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
from tasks.plm_steps import PlmContext, PlmReport, fetch_released_items, sync_part_revisions

INTEGRATION = "arena-part-sync"


def _run_name() -> str:
    params = flow_run.parameters
    scope = ", ".join(params["numbers"][:5]) if params.get("numbers") else "all released items"
    return f"arena parts · {scope}{' (dry run)' if params.get('dry_run') else ''}"


@flow(name=INTEGRATION, flow_run_name=_run_name, persist_result=False, log_prints=True)
async def arena_part_sync(numbers: list[str] | None = None, dry_run: bool = False) -> PlmSummary | State:
    """Create or revise ION parts from Arena's released items.

    Args:
        numbers: Only these Arena item numbers (default: every item).
        dry_run: Show what would change in ION and write nothing.
    """

    async def work(env: Environment, arena: ArenaClient, ion: IonClient, ledger: Ledger, run: RunHandle | None) -> PlmReport:
        ctx = PlmContext.for_run(env, arena, ion, ledger, run)
        items, skipped = await fetch_released_items(unexamined(ctx), numbers)
        report = await sync_part_revisions(unexamined(ctx), unexamined(items))
        report.fetched = len(items) + len(skipped)
        if skipped:
            print("Not released, left alone: " + "; ".join(skipped))
        return report

    return await run_plm_flow(INTEGRATION, dry_run, work)
