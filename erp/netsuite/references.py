"""What the NetSuite mappings name must exist in NetSuite: a typo stops the run before any write."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connectors.errors import ConfigError
from connectors.netsuite import NetSuiteClient
from core.environment import Environment

SUITEQL_IN_CHUNK = 500  # values per SuiteQL IN (...) list


async def check_netsuite_locations(netsuite: NetSuiteClient, env: Environment) -> None:
    """Every NetSuite location the mappings name must exist: a typo stops the run before any write."""
    wanted = {m.erp for m in env.mappings.netsuite.locations}
    if not wanted:
        raise ConfigError(f"{env.app.config}: netsuite.locations is empty: map each ION location to a NetSuite location")
    existing = {str(row["id"]) for row in await netsuite.suiteql_all("SELECT id, name FROM location")}
    missing = sorted(wanted - existing)
    if missing:
        raise ConfigError(
            f"{env.app.config}: netsuite.locations names NetSuite location(s) {', '.join(missing)}, "
            "which do not exist in NetSuite: fix the internal ids"
        )


async def check_labor_references(netsuite: NetSuiteClient, env: Environment) -> set[str]:
    """The service item and every mapped employee must exist in NetSuite: a typo stops the run
    before any write. Returns the mapped employees that are inactive (their sessions dead-letter)."""
    labor = env.mappings.netsuite.labor
    where = f"{env.app.config}: netsuite.labor"
    if not labor.service_item:
        raise ConfigError(f"{where}.service_item is not set: name the NetSuite service item (internal id) labor is booked to")
    if not labor.employees:
        raise ConfigError(f"{where}.employees is empty: map each ION user's email to a NetSuite employee internal id")
    if not (labor.cost_plus_customers or labor.default_customer):
        raise ConfigError(
            f"{where}: neither cost_plus_customers nor default_customer is set, so no run is cost-plus and nothing would post"
        )
    items = await netsuite.suiteql_all("SELECT id FROM item WHERE id = ?", [labor.service_item])
    problems = [] if items else [f"{where}.service_item {labor.service_item} is not a NetSuite item"]
    wanted = sorted(set(labor.employees.values()))
    rows = await netsuite.suiteql_all(f"SELECT id, isinactive FROM employee WHERE id IN ({', '.join('?' * len(wanted))})", wanted)
    found = {str(row["id"]): row.get("isinactive") for row in rows}
    missing = [e for e in wanted if e not in found]
    if missing:
        problems.append(f"{where}.employees names NetSuite employee(s) {', '.join(missing)}, which do not exist")
    if problems:
        raise ConfigError("; ".join(problems) + ": fix the internal ids")
    return {employee for employee, inactive in found.items() if inactive in ("T", True, "true")}


async def suiteql_in(netsuite: NetSuiteClient, query: str, values: Iterable[str]) -> list[dict[str, Any]]:
    """Every row of `query` + ` IN (values)`, one query per SUITEQL_IN_CHUNK values (sorted)."""
    ordered = sorted(set(values))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ordered), SUITEQL_IN_CHUNK):
        chunk = ordered[start : start + SUITEQL_IN_CHUNK]
        rows += await netsuite.suiteql_all(f"{query} IN ({', '.join('?' * len(chunk))})", chunk)
    return rows


async def find_item_ids(netsuite: NetSuiteClient, names: set[str]) -> dict[str, str | None]:
    """NetSuite item internal id by item name (itemid), None where none exists (one query per 500)."""
    rows = await suiteql_in(netsuite, "SELECT id, itemid FROM item WHERE itemid", names)
    ids = {str(row["itemid"]): str(row["id"]) for row in rows}
    return {name: ids.get(name) for name in names}
