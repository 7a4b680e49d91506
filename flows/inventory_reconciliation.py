"""inventory-reconciliation: ION on-hand vs the ERP's inventory balances, read-only.

Rule 5 of the reference architecture: inventory never mirrors between ION (shop-floor reality,
real time) and the ERP (financial inventory, posting cadence); they are compared periodically
and a person decides the adjusting entries. This flow reads ION's on-hand part inventories
(a page at a time) and the ERP's balances through the ERP port (NetSuite: `inventorybalance`,
SuiteQL), maps ION locations and parts to the ERP's with the mappings file, compares them with
pandas within a tolerance, rolls the result up per site, and publishes a table of differences,
a CSV and a PNG chart. It writes nothing to either system, nor to the ledger.
"""

from __future__ import annotations

import asyncio

from prefect import flow, get_run_logger

from connectors.ion import IonClient
from core.collector import collect_rarely, release_freed_memory
from core.config import ErpName, erp_integration
from core.environment import load_environment
from core.inventory_reconciliation import compare_inventory, site_names
from tasks.erp import open_erp
from tasks.reconciliation import INTEGRATION, ON_HAND_STATUSES, publish_reconciliation, read_erp_balances, read_ion_on_hand
from tasks.reporting import SyncSummary


class ReconciliationSummary(SyncSummary):
    lines: int = 0
    differing: int = 0
    unmapped_locations: int = 0
    csv: str | None = None
    chart: str | None = None


@flow(name=INTEGRATION, flow_run_name="inventory reconciliation · tolerance {tolerance}", persist_result=False)
async def inventory_reconciliation(
    tolerance: float = 0.001, statuses: list[str] | None = None, erp: ErpName | None = None
) -> ReconciliationSummary:
    """Compare ION on-hand inventory with the ERP's inventory balances; write nothing.

    Args:
        tolerance: Absolute difference under which a line counts as matching.
        statuses: ION part-inventory statuses that count as on hand
            (default AVAILABLE, UNAVAILABLE, KITTED).
        erp: The ERP to compare with ("netsuite", "business-central", "odoo"). Default: ION_SYNC_ERP.
    """
    collect_rarely()  # a million rows read and held: see core.collector
    env = load_environment("erp", erp=erp)
    integration = erp_integration(INTEGRATION, env.erp)
    async with IonClient(env.ion) as ion, open_erp(env) as adapter:
        inventory = adapter.require(adapter.inventory, "inventory reconciliation")
        # both systems at once: neither waits for the other's pages
        (ion_stock, locations), (balances, location_names) = await asyncio.gather(
            read_ion_on_hand(ion, statuses or ON_HAND_STATUSES), read_erp_balances(inventory)
        )
    release_freed_memory()  # what the pages held, before the comparison's peak: see core.collector
    result = compare_inventory(
        ion_stock, balances, env.erp_mappings, site_names(locations), location_names, tolerance, adapter.name
    )
    files = publish_reconciliation(result, env.app.reports_dir, tolerance, integration)
    summary = ReconciliationSummary(
        integration=integration,
        lines=len(result.rows),
        differing=len(result.differences),
        unmapped_locations=int(result.unmapped["ion_location"].nunique()) if not result.unmapped.empty else 0,
        csv=str(files["csv"]),
        chart=str(files["png"]),
    )
    get_run_logger().info(
        "%d of %d lines differ; report %s, chart %s", summary.differing, summary.lines, summary.csv, summary.chart
    )
    return summary
