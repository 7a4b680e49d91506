"""three-way-match tasks: read the ERP's purchasing documents through the port and ION's POs, publish the report.

The rules are `core.three_way_match` (pure pandas); these tasks read each side whole (the ERP
through the port's MatchSource, ION a page of POs at a time, kept only as the columns the match
needs) and write the CSV and the artifacts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient
from connectors.ion.models.purchase_orders import PurchaseOrder
from connectors.ion.queries import MATCH_PURCHASE_ORDERS
from core.collector import collector_paused
from core.config import ErpMappings
from core.frames import rows_frame
from core.three_way_match import DOCUMENT_LINE_COLUMNS, ERP_LINE_COLUMNS, ION_LINE_COLUMNS, MatchResult, ion_line_rows
from erp.port.matching import MatchSource
from tasks.report_storage import publish_report_link, store_report
from tasks.reporting import MAX_TABLE_ROWS

INTEGRATION = "three-way-match"


@task(name="read-erp-purchasing", cache_policy=NO_CACHE)
async def read_erp_purchasing(
    matching: MatchSource, po_numbers: Sequence[str] | None, since: date | None, until: date | None, include_closed: bool
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The ERP's approved PO lines, and the item-receipt and vendor-bill lines created from them, as frames."""
    found = await matching.purchasing(po_numbers, since, until, include_closed)
    lines = rows_frame(found.lines, ERP_LINE_COLUMNS, ["ordered", "ordered_rate"]).astype({"closed": bool})
    receipts = rows_frame(found.receipts, DOCUMENT_LINE_COLUMNS, ["quantity", "amount"])
    return lines, receipts, rows_frame(found.bills, DOCUMENT_LINE_COLUMNS, ["quantity", "amount"])


@task(name="read-ion-purchase-orders", cache_policy=NO_CACHE)
async def read_ion_purchase_orders(ion: IonClient, mappings: ErpMappings) -> pd.DataFrame:
    """Every ION purchase order's lines as ION_LINE_COLUMNS, page by page: each page is validated,
    reduced to the columns the match needs and let go (100,000 lines held as models took a GB)."""
    rows: list[tuple[Any, ...]] = []
    async for page in ion.pages(MATCH_PURCHASE_ORDERS, "purchaseOrders", {"filters": {}}):
        with collector_paused():  # a page of nested models: see core.collector
            rows += ion_line_rows([PurchaseOrder.model_validate(node) for node in page.nodes], mappings)
    return pd.DataFrame(rows, columns=ION_LINE_COLUMNS)


@task(name="publish-three-way-match", cache_policy=NO_CACHE)
def publish_match(result: MatchResult, reports_dir: Path, integration: str = INTEGRATION) -> str:
    """The CSV of every line, written to the report storage (`tasks.report_storage`) with a link
    artifact, a table artifact of the flagged lines, and a summary; returns where the CSV is."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    csv = store_report(f"{integration}-{stamp}.csv", result.rows.to_csv(index=False).encode(), reports_dir)
    publish_report_link(integration, csv, "every PO line: ordered, received, item-receipted, billed")
    csv_path = csv.location
    flagged = result.flagged
    table: list[dict[str, Any]] = flagged.head(MAX_TABLE_ROWS).astype(object).where(flagged.notna(), None).to_dict("records")
    create_table_artifact(
        key=f"{integration}-flagged",
        table=table or [{"result": "every PO line agrees: ordered, received, item-receipted and billed"}],
        description=f"PO lines whose PO, ION receipts, {result.erp} item receipts and vendor bills disagree. All lines: {csv_path}",
    )
    counts = result.rows["status"].value_counts().to_dict()
    lines = [
        f"# 3-way match ({stamp})",
        "",
        f"Read-only: nothing was written to ION or {result.erp}.",
        "",
        "| status | PO lines |",
        "|---|---|",
        *(f"| {status} | {counts.get(status, 0)} |" for status in ("match", "awaiting bill", "mismatch")),
        "",
        f"{len(flagged)} of {len(result.rows)} lines flagged. CSV: `{csv_path}`.",
    ]
    if result.unlinked_ion_pos:
        unlinked = ", ".join(result.unlinked_ion_pos)
        lines += ["", f"ION purchase orders naming a {result.erp} PO that is not in this report: {unlinked}"]
    create_markdown_artifact(key=f"{integration}-summary", markdown="\n".join(lines), description="3-way match summary")
    return csv_path
