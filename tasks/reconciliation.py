"""Inventory reconciliation: ION on-hand vs NetSuite balances, compared, never synced.

Rule 5 of the reference architecture: inventory does not mirror between ION and the ERP;
they are compared by a read-only report. `compare_inventory` is the pure comparison (pandas);
the tasks read both sides a page at a time and write the CSV, the chart and the artifacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient
from connectors.ion.models.inventory import OnHandInventory
from connectors.ion.models.locations import Location
from connectors.ion.queries import LOCATIONS, ON_HAND_INVENTORY
from connectors.netsuite import NetSuiteClient
from core.config import NetSuiteMappings
from erp.netsuite.consumption import QUANTITY_DECIMALS
from tasks.reporting import MAX_TABLE_ROWS

INTEGRATION = "inventory-reconciliation"
ON_HAND_STATUSES = ["AVAILABLE", "UNAVAILABLE", "KITTED"]
COLUMNS = ["site", "item", "netsuite_location", "ion_quantity", "netsuite_quantity", "difference", "status"]


@dataclass
class Reconciliation:
    rows: pd.DataFrame  # every (item, NetSuite location) either side knows, with the difference
    sites: pd.DataFrame  # rolled up per site
    unmapped: pd.DataFrame  # ION stock at locations with no NetSuite location

    @property
    def differences(self) -> pd.DataFrame:
        return self.rows[self.rows["status"] != "match"]


def site_names(locations: list[Location]) -> dict[int, str]:
    """ION location id -> the name of its top-level ancestor (the site)."""
    by_id = {loc.id: loc for loc in locations}

    def site(loc: Location) -> str:
        seen = set()
        while loc.parentId is not None and loc.parentId in by_id and loc.id not in seen:
            seen.add(loc.id)
            loc = by_id[loc.parentId]
        return loc.name or str(loc.id)

    return {loc.id: site(loc) for loc in locations}


def compare_inventory(
    ion_stock: pd.DataFrame,
    netsuite_balances: pd.DataFrame,
    mappings: NetSuiteMappings,
    sites: dict[int, str],
    netsuite_location_names: dict[str, str],
    tolerance: float,
) -> Reconciliation:
    """Compare on-hand quantities per NetSuite item and location.

    ion_stock: part_number, ion_location, on_hand. netsuite_balances: item, location,
    quantity (item = NetSuite item name). A difference within `tolerance` (absolute) is a match.
    """
    stock = ion_stock.copy()
    stock["netsuite_location"] = stock["ion_location"].map(mappings.location_map)
    stock["item"] = stock["part_number"].map(mappings.item_name)
    unmapped = (
        stock[stock["netsuite_location"].isna()]
        .groupby(["part_number", "ion_location"], as_index=False)["on_hand"]
        .sum()
    )
    mapped = stock.dropna(subset=["netsuite_location"])
    site_of_location = (
        mapped.assign(site=mapped["ion_location"].map(sites)).groupby("netsuite_location")["site"].first().to_dict()
    )
    ion = mapped.groupby(["item", "netsuite_location"], as_index=False)["on_hand"].sum()
    ion = ion.rename(columns={"on_hand": "ion_quantity"})
    erp = netsuite_balances.rename(columns={"location": "netsuite_location", "quantity": "netsuite_quantity"})
    erp = erp.groupby(["item", "netsuite_location"], as_index=False)["netsuite_quantity"].sum()
    rows = ion.merge(erp, on=["item", "netsuite_location"], how="outer")
    rows["ion_quantity"] = rows["ion_quantity"].fillna(0.0)
    rows["netsuite_quantity"] = rows["netsuite_quantity"].fillna(0.0)
    rows["difference"] = (rows["ion_quantity"] - rows["netsuite_quantity"]).round(QUANTITY_DECIMALS)
    rows["site"] = rows["netsuite_location"].map(
        lambda loc: site_of_location.get(loc) or netsuite_location_names.get(loc, f"NetSuite location {loc}")
    )
    within = rows["difference"].abs() <= tolerance
    rows["status"] = "match"
    rows.loc[~within & (rows["netsuite_quantity"] == 0), "status"] = "only in ION"
    rows.loc[~within & (rows["ion_quantity"] == 0), "status"] = "only in NetSuite"
    rows.loc[~within & (rows["ion_quantity"] != 0) & (rows["netsuite_quantity"] != 0), "status"] = "differs"
    rows = rows[COLUMNS].sort_values(["site", "item", "netsuite_location"]).reset_index(drop=True)
    by_site = (
        rows.assign(abs_difference=rows["difference"].abs(), differing=rows["status"] != "match")
        .groupby("site", as_index=False)
        .agg(
            items=("item", "nunique"),
            ion_quantity=("ion_quantity", "sum"),
            netsuite_quantity=("netsuite_quantity", "sum"),
            abs_difference=("abs_difference", "sum"),
            differing_lines=("differing", "sum"),
        )
        .round(QUANTITY_DECIMALS)
    )
    return Reconciliation(rows=rows, sites=by_site, unmapped=unmapped)


@task(name="read-ion-on-hand", cache_policy=NO_CACHE)
async def read_ion_on_hand(ion: IonClient, statuses: list[str]) -> tuple[pd.DataFrame, list[Location]]:
    """ION stock per part and location (quantity − installed − scrapped), page by page."""
    rows: list[tuple[str, int | None, float]] = []
    async for page in ion.pages(ON_HAND_INVENTORY, "partInventories", {"filters": {"status": {"in": statuses}}}):
        for node in page.nodes:
            inv = OnHandInventory.model_validate(node)
            on_hand = inv.quantity - (inv.quantityInstalled or 0) - (inv.quantityScrapped or 0)
            rows.append((inv.part.partNumber, inv.location.id if inv.location else None, on_hand))
    locations = [Location.model_validate(n) async for page in ion.pages(LOCATIONS, "locations") for n in page.nodes]
    frame = pd.DataFrame(rows, columns=["part_number", "ion_location", "on_hand"])
    return frame, locations


@task(name="read-netsuite-balances", cache_policy=NO_CACHE)
async def read_netsuite_balances(netsuite: NetSuiteClient) -> tuple[pd.DataFrame, dict[str, str]]:
    """NetSuite on-hand per item and location (SuiteQL `inventorybalance`), and location names."""
    balances = await netsuite.suiteql_all(
        "SELECT i.itemid AS item, b.location AS location, b.quantityonhand AS quantity "
        "FROM inventorybalance b JOIN item i ON i.id = b.item"
    )
    frame = pd.DataFrame(balances, columns=["item", "location", "quantity"])
    frame["location"] = frame["location"].astype(str)
    frame["quantity"] = pd.to_numeric(frame["quantity"], errors="coerce").fillna(0.0)
    names = {str(row["id"]): str(row["name"]) for row in await netsuite.suiteql_all("SELECT id, name FROM location")}
    return frame, names


@task(name="publish-reconciliation", cache_policy=NO_CACHE)
def publish_reconciliation(result: Reconciliation, reports_dir: Path, tolerance: float) -> dict[str, Path]:
    """The CSV of every line, a PNG chart of differences per site, and the artifacts."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    reports_dir.mkdir(parents=True, exist_ok=True)
    csv_path = reports_dir / f"{INTEGRATION}-{stamp}.csv"
    png_path = reports_dir / f"{INTEGRATION}-{stamp}.png"
    result.rows.to_csv(csv_path, index=False)
    _chart(result, png_path)
    differences = result.differences
    table: list[dict[str, Any]] = differences.head(MAX_TABLE_ROWS).to_dict("records")
    create_table_artifact(
        key=f"{INTEGRATION}-differences",
        table=table or [{"result": f"ION and NetSuite agree within {tolerance}"}],
        description=f"Lines where ION and NetSuite on-hand differ by more than {tolerance}. All lines: {csv_path}",
    )
    lines = [
        f"# Inventory reconciliation ({stamp})",
        "",
        f"Read-only: nothing was written to ION or NetSuite. Tolerance {tolerance}.",
        "",
        result.sites.to_markdown(index=False) if not result.sites.empty else "No inventory on either side.",
        "",
        f"{len(differences)} of {len(result.rows)} lines differ. CSV: `{csv_path}`; chart: `{png_path}`.",
    ]
    if not result.unmapped.empty:
        lines += [
            "",
            "ION stock at locations with no NetSuite location (not compared; map them under netsuite.locations):",
            "",
            result.unmapped.to_markdown(index=False),
        ]
    create_markdown_artifact(key=f"{INTEGRATION}-summary", markdown="\n".join(lines), description="per-site rollup")
    return {"csv": csv_path, "png": png_path}


def _chart(result: Reconciliation, path: Path) -> None:
    differences = result.differences
    fig = Figure(figsize=(9, max(2.5, 0.4 * len(differences) + 1.5)))  # no pyplot: no display needed
    ax = fig.subplots()
    if differences.empty:
        ax.text(0.5, 0.5, "ION and NetSuite agree", ha="center", va="center", fontsize=14)
        ax.set_axis_off()
    else:
        labels = [f"{r.site} · {r.item}" for r in differences.itertuples()]
        colors = ["tab:blue" if d > 0 else "tab:red" for d in differences["difference"]]
        ax.barh(labels, differences["difference"], color=colors)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("ION on-hand − NetSuite on-hand")
        ax.invert_yaxis()
    ax.set_title("Inventory differences by site and item")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
