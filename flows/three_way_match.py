"""three-way-match: ERP PO vs ION receipts vs ERP item receipts vs vendor bills, read-only.

Seed 002, "The 3-way match": a vendor invoice should be paid only when the purchase order,
the item receipt and the bill agree, and the item receipt is only as good as the receiving
record on the floor. This flow reads every approved ERP purchase order line with the item
receipts and vendor bills created from it through the ERP port (NetSuite: SuiteQL), and every
ION purchase order with what its receipts took in (joined through the PO and line attributes
that hold the ERP's numbers), compares the four quantities per line with pandas, and publishes a table of the
lines that disagree (saying how), a summary and a CSV of every line. It writes nothing to
either system, nor to the ledger.
"""

from __future__ import annotations

import asyncio
from datetime import date

from prefect import flow, get_run_logger

from connectors.ion import IonClient
from core.collector import collect_rarely
from core.config import ErpName, erp_integration
from core.environment import load_environment
from core.three_way_match import match_lines
from tasks.erp import open_erp
from tasks.reporting import SyncSummary
from tasks.three_way_match import INTEGRATION, publish_match, read_erp_purchasing, read_ion_purchase_orders


class MatchSummary(SyncSummary):
    lines: int = 0
    matched: int = 0
    awaiting_bill: int = 0
    flagged: int = 0
    csv: str | None = None


@flow(name=INTEGRATION, flow_run_name="3-way match", persist_result=False)
async def three_way_match(
    po_numbers: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    include_closed: bool = False,
    erp: ErpName | None = None,
) -> MatchSummary:
    """Compare ordered, received, item-receipted and billed quantities per PO line; write nothing.

    Args:
        po_numbers: Only these purchase orders, numbered as the ERP shows them (NetSuite: tranId, e.g. PO5001). Default: all approved.
        since: Only purchase orders dated (tranDate) on or after this day.
        until: Only purchase orders dated before this day.
        include_closed: Include closed purchase orders (NetSuite: status H).
        erp: The ERP to match against ("netsuite", "business-central", "odoo"). Default: ION_SYNC_ERP.
    """
    env = load_environment("erp", erp=erp)
    integration = erp_integration(INTEGRATION, env.erp)
    mappings = env.erp_mappings
    collect_rarely()  # hundreds of thousands of rows read and held: see core.collector
    async with IonClient(env.ion) as ion, open_erp(env) as adapter:
        matching = adapter.require(adapter.matching, "the 3-way match")
        # both systems at once: neither waits for the other's pages
        (lines, receipts, bills), ion_lines = await asyncio.gather(
            read_erp_purchasing(matching, po_numbers, since, until, include_closed), read_ion_purchase_orders(ion, mappings)
        )
    result = match_lines(lines, receipts, bills, ion_lines, mappings, erp=adapter.name)
    csv = publish_match(result, env.app.reports_dir, integration)
    counts = result.rows["status"].value_counts().to_dict()
    summary = MatchSummary(
        integration=integration,
        fetched=len(lines),
        lines=len(result.rows),
        matched=counts.get("match", 0),
        awaiting_bill=counts.get("awaiting bill", 0),
        flagged=counts.get("mismatch", 0),
        csv=str(csv),
    )
    get_run_logger().info("%d of %d PO lines flagged; report %s", summary.flagged, summary.lines, summary.csv)
    return summary
