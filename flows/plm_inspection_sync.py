"""plm-inspection-sync: inspection and test results go back to the PLM, per serial or lot.

The story (seed 002, "ION → PLM": production verification data): engineering sees how each
unit it released actually measured. For every completed ION run whose steps recorded values
(run-step fields: torque, voltage, pass/fail checks), this flow sends one inspection record of
the unit it built (its serial, lot or run) to the PLM item at the revision built, with every
measurement, the step it was taken on and whether that step passed. Keyed in the ledger
(`ion:inspection:<run>:<unit>`) and looked up in the PLM before it is created, so each lands
exactly once, through the one engine. Nothing in the PLM is edited.
"""

from __future__ import annotations

from prefect import flow
from prefect.states import State

from connectors.ion.plm import IonPlm
from flows.plm_run import PlmSummary, run_name, run_plm_flow, unit_records
from mes.ion import plm_feedback
from plm.port import PlmName

BASE = "plm-inspection-sync"


@flow(name=BASE, flow_run_name=run_name(BASE, ": inspection results"), persist_result=False, log_prints=True)
async def plm_inspection_sync(
    plm: PlmName | None = None, run_ids: list[int] | None = None, dry_run: bool = False, full_resync: bool = False
) -> PlmSummary | State:
    """Send the inspection and test results of completed units from ION to the PLM, exactly once.

    Args:
        plm: The PLM to write to (default: ION_SYNC_PLM).
        run_ids: Only these ION runs.
        dry_run: Show what would be sent and write nothing.
        full_resync: Look at every run again and retry dead letters.
    """

    work = unit_records(
        lambda p: p.inspections,
        "inspection and test results",
        IonPlm.inspection_pages,
        plm_feedback.inspection,
        run_ids,
        full_resync,
    )
    return await run_plm_flow(BASE, plm, dry_run, work)
