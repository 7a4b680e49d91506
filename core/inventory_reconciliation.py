"""Inventory reconciliation rules: ION on-hand vs an ERP's balances, compared, never synced.

Rule 5 of the reference architecture: inventory does not mirror between ION and the ERP; they
are compared by a read-only report. Pure pandas, for any ERP: the report's columns and
statuses carry the ERP's name (`netsuite_quantity`, "only in NetSuite").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from connectors.ion.models.locations import Location
from core.config import ErpMappings
from core.quantities import QUANTITY_DECIMALS

ERP_BALANCE_COLUMNS = ["item", "location", "quantity"]


def erp_columns(erp: str) -> tuple[str, str]:
    """The report's columns of the ERP's location and quantity: `netsuite_location`, `netsuite_quantity`."""
    return f"{erp.lower()}_location", f"{erp.lower()}_quantity"


@dataclass
class Reconciliation:
    erp: str  # the ERP's name, as the report says it: "NetSuite"
    rows: pd.DataFrame  # every (item, ERP location) either side knows, with the difference
    sites: pd.DataFrame  # rolled up per site
    unmapped: pd.DataFrame  # ION stock at locations with no ERP location

    @cached_property
    def differences(self) -> pd.DataFrame:
        """The lines that differ, selected once (the table, the chart and the summary read them)."""
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
    erp_balances: pd.DataFrame,
    mappings: ErpMappings,
    sites: dict[int, str],
    erp_location_names: dict[str, str],
    tolerance: float,
    erp: str,
) -> Reconciliation:
    """Compare on-hand quantities per ERP item and location.

    ion_stock: part_number, ion_location, on_hand. erp_balances: ERP_BALANCE_COLUMNS (item =
    the ERP's item name). A difference within `tolerance` (absolute) is a match.
    """
    location, erp_quantity = erp_columns(erp)
    parts = ion_stock["part_number"]
    stock = ion_stock.assign(  # new columns beside the read ones, which are not copied
        **{location: ion_stock["ion_location"].map(mappings.location_map)},
        item=parts.map({part: mappings.item_name(part) for part in parts.unique()}),  # a lookup per part, not per line
    )
    unmapped = stock[stock[location].isna()].groupby(["part_number", "ion_location"], as_index=False)["on_hand"].sum()
    mapped = stock.dropna(subset=[location])
    site_of_location = mapped.assign(site=mapped["ion_location"].map(sites)).groupby(location)["site"].first().to_dict()
    # Both sides stacked and summed per (item, location) in one hashed pass: a side's absent line
    # is a 0 on that side (an outer merge of the two sums sorted a million keys twice more).
    ion = mapped[["item", location, "on_hand"]].rename(columns={"on_hand": "ion_quantity"}).assign(**{erp_quantity: 0})
    books = erp_balances.rename(columns={"location": location, "quantity": erp_quantity}).assign(ion_quantity=0.0)
    both = pd.concat([ion, books[["item", location, "ion_quantity", erp_quantity]]], ignore_index=True)
    rows = both.groupby(["item", location], as_index=False, sort=False)[["ion_quantity", erp_quantity]].sum()
    rows["difference"] = (rows["ion_quantity"] - rows[erp_quantity]).round(QUANTITY_DECIMALS)
    site_of = {
        loc: site_of_location.get(loc) or erp_location_names.get(loc, f"{erp} location {loc}") for loc in rows[location].unique()
    }
    rows["site"] = rows[location].map(site_of)  # a lookup per location, not per line
    within = rows["difference"].abs() <= tolerance
    rows["status"] = "match"
    rows.loc[~within & (rows[erp_quantity] == 0), "status"] = "only in ION"
    rows.loc[~within & (rows["ion_quantity"] == 0), "status"] = f"only in {erp}"
    rows.loc[~within & (rows["ion_quantity"] != 0) & (rows[erp_quantity] != 0), "status"] = "differs"
    rows = rows[["site", "item", location, "ion_quantity", erp_quantity, "difference", "status"]]
    rows = rows.sort_values(["site", "item", location]).reset_index(drop=True)
    by_site = (
        rows.assign(abs_difference=rows["difference"].abs(), differing=rows["status"] != "match")
        .groupby("site", as_index=False)
        .agg(
            items=("item", "nunique"),
            ion_quantity=("ion_quantity", "sum"),
            **{erp_quantity: (erp_quantity, "sum")},
            abs_difference=("abs_difference", "sum"),
            differing_lines=("differing", "sum"),
        )
        .round(QUANTITY_DECIMALS)
    )
    return Reconciliation(erp=erp, rows=rows, sites=by_site, unmapped=unmapped)
