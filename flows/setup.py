"""Everything a flow needs before it may write anything: settings and mappings, validated.

A missing or invalid setting raises ConfigError naming the variable and what it expects,
before any connection is opened or any record is claimed."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.errors import ConfigError
from connectors.ion import IonSettings
from connectors.netsuite import NetSuiteClient, NetSuiteSettings
from connectors.quickbooks import QuickBooksSettings
from connectors.settings import load_settings
from ion_sync.config import AppSettings, Mappings, QuickBooksMappings, load_mappings


@dataclass(frozen=True)
class Environment:
    app: AppSettings
    mappings: Mappings
    ion: IonSettings
    netsuite: NetSuiteSettings


def load_environment() -> Environment:
    """Load every setting and the mappings file, reporting all problems at once."""
    problems: list[str] = []
    loaded: dict[str, object] = {}
    for name, load in (
        ("app", lambda: load_settings(AppSettings)),
        ("ion", lambda: load_settings(IonSettings)),
        ("netsuite", lambda: load_settings(NetSuiteSettings)),
    ):
        try:
            loaded[name] = load()
        except ConfigError as exc:
            problems.append(str(exc))
    if "app" in loaded:
        app = loaded["app"]
        assert isinstance(app, AppSettings)
        try:
            loaded["mappings"] = load_mappings(app.config)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("configuration is incomplete; nothing was written:\n" + "\n".join(problems))
    env = Environment(**loaded)  # type: ignore[arg-type]
    env.app.prepare()
    return env


async def check_netsuite_locations(netsuite: NetSuiteClient, env: Environment) -> None:
    """Every NetSuite location the mappings name must exist: a typo stops the run before any write."""
    wanted = {m.netsuite for m in env.mappings.netsuite.locations}
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
    rows = await netsuite.suiteql_all(
        f"SELECT id, isinactive FROM employee WHERE id IN ({', '.join('?' * len(wanted))})", wanted
    )
    found = {str(row["id"]): row.get("isinactive") for row in rows}
    missing = [e for e in wanted if e not in found]
    if missing:
        problems.append(f"{where}.employees names NetSuite employee(s) {', '.join(missing)}, which do not exist")
    if problems:
        raise ConfigError("; ".join(problems) + ": fix the internal ids")
    return {employee for employee, inactive in found.items() if inactive in ("T", True, "true")}


@dataclass(frozen=True)
class QuickBooksEnvironment:
    app: AppSettings
    mappings: Mappings
    ion: IonSettings
    quickbooks: QuickBooksSettings

    @property
    def setup(self) -> QuickBooksMappings:
        assert self.mappings.quickbooks is not None
        return self.mappings.quickbooks


def load_quickbooks_environment() -> QuickBooksEnvironment:
    """The QuickBooks flows' settings (ION_*, QUICKBOOKS_*, ION_SYNC_*) and the mappings file with
    its `quickbooks:` section; every problem reported at once, before any write."""
    problems: list[str] = []
    loaded: dict[str, object] = {}
    for name, load in (
        ("app", lambda: load_settings(AppSettings)),
        ("ion", lambda: load_settings(IonSettings)),
        ("quickbooks", lambda: load_settings(QuickBooksSettings)),
    ):
        try:
            loaded[name] = load()
        except ConfigError as exc:
            problems.append(str(exc))
    if "app" in loaded:
        app = loaded["app"]
        assert isinstance(app, AppSettings)
        try:
            mappings = load_mappings(app.config)
            loaded["mappings"] = mappings
            if mappings.quickbooks is None:
                problems.append(
                    f"{app.config}: no quickbooks: section: add the five account names (accounts_payable, income, "
                    "inventory_asset, inventory_expense, fees) and the PO line attribute names (see config/example.yaml)"
                )
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("configuration is incomplete; nothing was written:\n" + "\n".join(problems))
    env = QuickBooksEnvironment(**loaded)  # type: ignore[arg-type]
    env.app.prepare()
    return env
