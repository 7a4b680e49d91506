"""How much of each component a completed run consumed, on an ION with or without
`quantityInstalledPerParentPartInventory`.

ION's integration guide (seed 002, "Syncing to ERP") reads that field on aBOM installations;
no public schema shows it (ion.md §3.9, §7). The confirmed neighbour is `AbomInstallation.quantity`
([MAN] abom API), the quantity installed into the parent inventory. `IonSettings.installed_quantity`
picks the source: `per_parent` asks for the guide's field; `installation_total` asks for
`quantity` and divides it by the quantity produced, so the rest of consumption-sync (which
multiplies per-parent by produced) sees the same numbers.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from connectors.ion.client import IonClient, Page
from connectors.ion.queries import COMPLETED_RUNS, Query
from connectors.ion.settings import IonSettings

PER_PARENT = "quantityInstalledPerParentPartInventory"
COMPLETED_RUNS_TOTALS = Query(
    name="completed_runs (installation_total)",
    text=COMPLETED_RUNS.text.replace(PER_PARENT, "quantity"),
    is_mutation=False,
)


def completed_runs_query(settings: IonSettings) -> Query:
    return COMPLETED_RUNS_TOTALS if settings.installed_quantity == "installation_total" else COMPLETED_RUNS


def per_parent_from_totals(node: dict[str, Any]) -> dict[str, Any]:
    """The run with each installation's `quantity` turned into the per-parent field (None when
    nothing was produced, which validation then names as the record's bad field)."""
    produced = (node.get("partInventory") or {}).get("quantity")
    for requirement in (node.get("partInventory") or {}).get("buildRequirements") or []:
        for installation in requirement.get("abomInstallations") or []:
            total = installation.pop("quantity", None)
            usable = isinstance(total, int | float) and isinstance(produced, int | float) and produced > 0
            installation[PER_PARENT] = total / produced if usable else None
    return node


async def completed_runs_step(ion: IonClient, filters: dict[str, Any], after: str | None) -> Page:
    """One step of completed runs (`IonClient.read_step`) with their installations' per-parent quantities."""
    page = await ion.read_step(completed_runs_query(ion.settings), "runs", {"filters": filters}, after=after)
    if ion.settings.installed_quantity != "installation_total":
        return page
    return dataclasses.replace(page, nodes=[per_parent_from_totals(node) for node in page.nodes])
