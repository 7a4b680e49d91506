"""inventory-reconciliation tasks: read ION's on-hand and the ERP's balances a page at a time, publish the report.

Rule 5 of the reference architecture: inventory does not mirror between ION and the ERP; they
are compared by a read-only report. The comparison is `core.inventory_reconciliation` (pure
pandas); these tasks read both sides and write the CSV, the chart and the artifacts.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import TypeAdapter

from connectors.ion import IonClient
from connectors.ion.models.inventory import OnHandInventory
from connectors.ion.models.locations import Location
from connectors.ion.queries import LOCATIONS, ON_HAND_INVENTORY
from core.collector import collector_paused
from core.inventory_reconciliation import ERP_BALANCE_COLUMNS, Reconciliation
from erp.port.inventory import InventorySource
from tasks.report_storage import publish_chart, publish_report_link, store_report
from tasks.reporting import MAX_TABLE_ROWS

INTEGRATION = "inventory-reconciliation"
ON_HAND_STATUSES = ["AVAILABLE", "UNAVAILABLE", "KITTED"]


ON_HAND_PAGE = TypeAdapter(list[OnHandInventory])  # a page validated in one call, not one per node


@task(name="read-ion-on-hand", cache_policy=NO_CACHE)
async def read_ion_on_hand(ion: IonClient, statuses: list[str]) -> tuple[pd.DataFrame, list[Location]]:
    """ION stock per part and location (quantity − installed − scrapped), page by page; only the
    three columns are kept, never the pages."""
    parts: list[str] = []
    locations: list[int | None] = []
    on_hand: list[float] = []
    async for page in ion.pages(ON_HAND_INVENTORY, "partInventories", {"filters": {"status": {"in": statuses}}}):
        with collector_paused():  # a page of models: see core.collector
            for inv in ON_HAND_PAGE.validate_python(page.nodes):
                parts.append(inv.part.partNumber)
                locations.append(inv.location.id if inv.location else None)
                on_hand.append(inv.quantity - (inv.quantityInstalled or 0) - (inv.quantityScrapped or 0))
    tree = [Location.model_validate(n) async for page in ion.pages(LOCATIONS, "locations") for n in page.nodes]
    return pd.DataFrame({"part_number": parts, "ion_location": locations, "on_hand": on_hand}), tree


@task(name="read-erp-balances", cache_policy=NO_CACHE)
async def read_erp_balances(inventory: InventorySource) -> tuple[pd.DataFrame, dict[str, str]]:
    """The ERP's on-hand per item and location, page by page; only the three columns are kept
    (a frame per page, then concatenated, held each value twice), and its location names."""
    columns: dict[str, list[Any]] = {column: [] for column in ERP_BALANCE_COLUMNS}
    async for page in inventory.balances():
        with collector_paused():
            for column, values in columns.items():
                values += [getattr(balance, column) for balance in page]
    balances = pd.DataFrame(columns)
    balances["quantity"] = pd.to_numeric(balances["quantity"])  # integers stay integers: a report prints 40
    return balances, await inventory.location_names()


@task(name="publish-reconciliation", cache_policy=NO_CACHE)
def publish_reconciliation(
    result: Reconciliation, reports_dir: Path, tolerance: float, integration: str = INTEGRATION
) -> dict[str, str]:
    """The CSV of every line and a PNG chart of differences per site, written to the report
    storage (`tasks.report_storage`), and the artifacts: the chart shown, links to both files."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    csv = store_report(f"{integration}-{stamp}.csv", result.rows.to_csv(index=False).encode(), reports_dir)
    png = _chart(result)
    chart = store_report(f"{integration}-{stamp}.png", png, reports_dir)
    publish_report_link(integration, csv, "every line, ION and the ERP side by side")
    publish_chart(integration, chart, png, "differences by site and item")
    csv_path, png_path = csv.location, chart.location
    differences = result.differences
    table: list[dict[str, Any]] = differences.head(MAX_TABLE_ROWS).to_dict("records")
    create_table_artifact(
        key=f"{integration}-differences",
        table=table or [{"result": f"ION and {result.erp} agree within {tolerance}"}],
        description=f"Lines where ION and {result.erp} on-hand differ by more than {tolerance}. All lines: {csv_path}",
    )
    lines = [
        f"# Inventory reconciliation ({stamp})",
        "",
        f"Read-only: nothing was written to ION or {result.erp}. Tolerance {tolerance}.",
        "",
        result.sites.to_markdown(index=False) if not result.sites.empty else "No inventory on either side.",
        "",
        f"{len(differences)} of {len(result.rows)} lines differ. CSV: `{csv_path}`; chart: `{png_path}`.",
    ]
    if not result.unmapped.empty:
        lines += [
            "",
            f"ION stock at locations with no {result.erp} location (not compared; map them under {result.erp.lower()}.locations):",
            "",
            result.unmapped.to_markdown(index=False),
        ]
    create_markdown_artifact(key=f"{integration}-summary", markdown="\n".join(lines), description="per-site rollup")
    return {"csv": csv_path, "png": png_path}


CHART_BARS = 40  # a chart of a million lines would be unreadable (and take minutes): the largest differences


def _chart(result: Reconciliation) -> bytes:
    everything = result.differences
    differences = everything.loc[everything["difference"].abs().nlargest(CHART_BARS).index]
    fig = Figure(figsize=(9, max(2.5, 0.4 * len(differences) + 1.5)))  # no pyplot: no display needed
    ax = fig.subplots()
    if differences.empty:
        ax.text(0.5, 0.5, f"ION and {result.erp} agree", ha="center", va="center", fontsize=14)
        ax.set_axis_off()
    else:
        labels = [f"{r.site} · {r.item}" for r in differences.itertuples()]
        colors = ["tab:blue" if d > 0 else "tab:red" for d in differences["difference"]]
        ax.barh(labels, differences["difference"], color=colors)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(f"ION on-hand − {result.erp} on-hand")
        ax.invert_yaxis()
    shown = f"the {len(differences)} largest of {len(everything)} " if len(everything) > len(differences) else ""
    ax.set_title(f"Inventory differences by site and item{f' ({shown}lines)' if shown else ''}")
    fig.tight_layout()
    image = io.BytesIO()
    fig.savefig(image, format="png", dpi=110)
    return image.getvalue()
