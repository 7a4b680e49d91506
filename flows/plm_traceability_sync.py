"""plm-traceability-sync: production traceability records go back to the PLM.

The story (seed 002, "ION → PLM"): "this serial was built from these parts via these
procedures against this revision". For every completed ION run this flow sends one
traceability record of the unit it built to the PLM item at that revision: the procedure (and
version) the run followed and every part installed, with its revision, lot and serial. Keyed
in the ledger (`ion:trace:<unit>`) and looked up in the PLM before it is created, so each lands
exactly once, through the one engine.
"""

from __future__ import annotations

from prefect import flow
from prefect.states import State

from connectors.ion.plm import IonPlm
from flows.plm_run import PlmSummary, run_name, run_plm_flow, unit_records
from mes.ion import plm_feedback
from plm.port import PlmName

BASE = "plm-traceability-sync"


@flow(name=BASE, flow_run_name=run_name(BASE, ": traceability"), persist_result=False, log_prints=True)
async def plm_traceability_sync(
    plm: PlmName | None = None, run_ids: list[int] | None = None, dry_run: bool = False, full_resync: bool = False
) -> PlmSummary | State:
    """Send each completed unit's traceability record from ION to the PLM, exactly once.

    Args:
        plm: The PLM to write to (default: ION_SYNC_PLM).
        run_ids: Only these ION runs.
        dry_run: Show what would be sent and write nothing.
        full_resync: Look at every run again and retry dead letters.
    """

    work = unit_records(
        lambda p: p.traceability, "traceability records", IonPlm.as_built_pages, plm_feedback.traceability, run_ids, full_resync
    )
    return await run_plm_flow(BASE, plm, dry_run, work)
