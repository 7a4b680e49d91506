"""three-way-match: NetSuite PO vs ION receipts vs NetSuite item receipts vs vendor bills, read-only.

Seed 002, "The 3-way match": a vendor invoice should be paid only when the purchase order,
the item receipt and the bill agree, and the item receipt is only as good as the receiving
record on the floor. This flow reads every approved NetSuite purchase order line with the
item receipts and vendor bills created from it (SuiteQL), and every ION purchase order with
what its receipts took in (joined through the PO and line attributes that hold the NetSuite
numbers), compares the four quantities per line with pandas, and publishes a table of the
lines that disagree (saying how), a summary and a CSV of every line. It writes nothing to
either system, nor to the ledger.
"""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger

from connectors.ion import IonClient
from connectors.netsuite import NetSuiteClient
from core.environment import load_environment
from tasks.reporting import SyncSummary
from tasks.three_way_match import (
    INTEGRATION,
    ion_lines_frame,
    match_lines,
    publish_match,
    read_ion_purchase_orders,
    read_netsuite_purchasing,
)


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
) -> MatchSummary:
    """Compare ordered, received, item-receipted and billed quantities per PO line; write nothing.

    Args:
        po_numbers: Only these NetSuite purchase orders (tranId, e.g. PO5001). Default: all approved.
        since: Only purchase orders dated (tranDate) on or after this day.
        until: Only purchase orders dated before this day.
        include_closed: Include closed purchase orders (status H).
    """
    env = load_environment("netsuite")
    mappings = env.mappings.netsuite
    async with IonClient(env.ion) as ion, NetSuiteClient(env.netsuite) as netsuite:
        lines, receipts, bills = await read_netsuite_purchasing(netsuite, po_numbers, include_closed)
        orders = await read_ion_purchase_orders(ion)
    if since:
        lines = lines[lines["trandate"].astype(str) >= since.isoformat()]
    if until:
        lines = lines[lines["trandate"].astype(str) < until.isoformat()]
    result = match_lines(lines, receipts, bills, ion_lines_frame(orders, mappings), mappings)
    csv = publish_match(result, env.app.reports_dir)
    counts = result.rows["status"].value_counts().to_dict()
    summary = MatchSummary(
        integration=INTEGRATION,
        fetched=len(lines),
        lines=len(result.rows),
        matched=counts.get("match", 0),
        awaiting_bill=counts.get("awaiting bill", 0),
        flagged=counts.get("mismatch", 0),
        csv=str(csv),
    )
    get_run_logger().info("%d of %d PO lines flagged; report %s", summary.flagged, summary.lines, summary.csv)
    return summary
