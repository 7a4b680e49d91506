"""NetSuite go-live checks: the credentials and the role (a trivial SuiteQL), every SuiteQL
table and column the product reads (one probe per table that returns no rows), and that what
the mappings name exists: the locations, the items (`netsuite.items`), the labor service item,
employees and customers, and the ION run attribute naming each run's work order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from connectors.errors import ConfigError, DataError, SyncError
from connectors.ion import IonClient
from connectors.ion.queries import COMPLETED_RUNS
from connectors.netsuite import NetSuiteClient
from connectors.netsuite.suiteql_schema import SUITEQL_TABLES, SuiteQLTable, probe_query
from core.environment import Environment, load_environment
from core.preflight import Check
from erp.netsuite.references import (
    check_labor_references,
    check_netsuite_locations,
    find_item_ids,
)

SYSTEM = "netsuite"
MAPPINGS_FIX = "fix the internal ids in the mappings file (ION_SYNC_CONFIG)"


async def run_checks() -> list[Check]:
    try:
        env = load_environment("netsuite")
    except ConfigError as exc:
        return [Check(SYSTEM, "NetSuite configuration", False, str(exc), "set the variables and mappings it names")]
    return await preflight_checks(env, lambda: NetSuiteClient(env.netsuite), lambda: IonClient(env.ion))


async def preflight_checks(
    env: Environment, netsuite_factory: Callable[[], NetSuiteClient], ion_factory: Callable[[], IonClient]
) -> list[Check]:
    """Every check, each reported (pass or fail) even when an earlier one failed."""
    checks: list[Check] = []
    try:
        async with netsuite_factory() as netsuite:
            await netsuite.suiteql_all("SELECT id FROM location WHERE 1 = 0")
            checks.append(
                Check(SYSTEM, "NetSuite credentials and role", True, f"SuiteQL answers for account {env.netsuite.account_id}")
            )
            for table in SUITEQL_TABLES:
                checks.append(await _probe(netsuite, table))
            checks.append(await _config_check("Mapped locations exist", lambda: check_netsuite_locations(netsuite, env)))
            checks.append(await _items_check(netsuite, env))
            if env.mappings.netsuite.labor.employees:
                checks.append(await _labor_check(netsuite, env))
    except SyncError as exc:
        checks.append(
            Check(
                SYSTEM,
                "NetSuite credentials and role",
                False,
                str(exc),
                "check the NETSUITE_* credentials and that the role has REST Web Services and SuiteAnalytics Workbook",
            )
        )
    checks.append(await _run_attribute_check(ion_factory, env.mappings.netsuite.work_orders.run_attribute))
    return checks


async def _probe(netsuite: NetSuiteClient, table: SuiteQLTable) -> Check:
    """One query over every column the product reads; when it is refused, one per column, so
    the row names each missing column."""
    name = f"SuiteQL {table.name}"
    try:
        await netsuite.suiteql_all(probe_query(table))
        return Check(SYSTEM, name, True, f"{', '.join(table.columns)} ({table.used_by})")
    except DataError as exc:
        first = str(exc)
    missing = []
    for column in table.columns:
        try:
            await netsuite.suiteql_all(probe_query(table, (column,)))
        except DataError:
            missing.append(column)
    detail = f"missing column(s) {', '.join(missing)}" if missing and len(missing) < len(table.columns) else first
    return Check(SYSTEM, name, False, f"{detail} (needed for {table.used_by})", table.fix)


async def _config_check(name: str, check: Callable[[], Awaitable[object]]) -> Check:
    try:
        await check()
    except ConfigError as exc:
        return Check(SYSTEM, name, False, str(exc), MAPPINGS_FIX)
    return Check(SYSTEM, name, True, "all found")


async def _items_check(netsuite: NetSuiteClient, env: Environment) -> Check:
    names = set(env.mappings.netsuite.items.values())
    if not names:
        return Check(SYSTEM, "Mapped items exist", True, "netsuite.items is empty: ION part numbers are NetSuite item names")
    missing = sorted(name for name, found in (await find_item_ids(netsuite, names)).items() if found is None)
    if missing:
        return Check(
            SYSTEM,
            "Mapped items exist",
            False,
            f"netsuite.items names item(s) {', '.join(missing)}, not in NetSuite",
            "fix the NetSuite item names under netsuite.items in the mappings file",
        )
    return Check(SYSTEM, "Mapped items exist", True, f"{len(names)} item(s) found")


async def _labor_check(netsuite: NetSuiteClient, env: Environment) -> Check:
    name = "Labor: service item, employees and customers exist"
    labor = env.mappings.netsuite.labor
    check = await _config_check(name, lambda: check_labor_references(netsuite, env))
    customers = sorted({*labor.cost_plus_customers.values(), *([labor.default_customer] if labor.default_customer else [])})
    if not check.ok or not customers:
        return check
    rows = await netsuite.suiteql_all(f"SELECT id FROM customer WHERE id IN ({', '.join('?' * len(customers))})", customers)
    missing = sorted(set(customers) - {str(row["id"]) for row in rows})
    if missing:
        return Check(SYSTEM, name, False, f"netsuite.labor names customer(s) {', '.join(missing)}, not in NetSuite", MAPPINGS_FIX)
    return check


async def _run_attribute_check(ion_factory: Callable[[], IonClient], attribute: str) -> Check:
    """Completed ION runs carry the attribute naming their NetSuite work order (checked on the
    first page of completed runs)."""
    name = f"ION runs carry '{attribute}'"
    try:
        async with ion_factory() as ion:
            page = await ion.page(COMPLETED_RUNS, "runs", {"filters": {"status": {"eq": "COMPLETE"}}}, first=20, after=None)
    except SyncError as exc:
        return Check(SYSTEM, name, False, f"ION: {exc}", "check the ION_* credentials")
    if not page.nodes:
        return Check(SYSTEM, name, True, "no completed runs yet to check")
    keys = {a.get("key") for node in page.nodes for a in (node.get("attributes") or [])}
    if attribute in keys:
        return Check(SYSTEM, name, True, f"found on completed runs ({len(page.nodes)} checked)")
    return Check(
        SYSTEM,
        name,
        False,
        f"none of {len(page.nodes)} completed runs has it",
        "set netsuite.work_orders.run_attribute to the exact (case-sensitive) ION attribute key",
    )
