"""Everything a flow needs before it may write anything: settings and mappings, validated.

One loader for every integration: the app settings (ION_SYNC_*), the mappings file, ION's
settings and those of the systems the flow talks to. Every problem is reported at once, as one
ConfigError naming each variable and what it expects, before any connection is opened or any
record is claimed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, TypeVar, cast, get_args

from pydantic_settings import BaseSettings

from connectors.arena import ArenaSettings
from connectors.duro import DuroSettings
from connectors.errors import ConfigError
from connectors.ion import IonSettings
from connectors.netsuite import NetSuiteSettings
from connectors.onshape import OnshapeSettings
from connectors.quickbooks import QuickBooksSettings
from connectors.ramp import RampSettings
from connectors.settings import load_settings
from core.config import AppSettings, ErpMappings, ErpName, Mappings, PlmName, QuickBooksMappings, load_mappings

System = ErpName | Literal["quickbooks", "ramp", "arena", "duro", "onshape"]
# "erp": the ERP-port flows' ERP (their `erp` parameter, else ION_SYNC_ERP);
# "plm": the PLM-port flows' PLM (their `plm` parameter, else ION_SYNC_PLM)
Wanted = System | Literal["erp", "plm"]
PLMS: frozenset[str] = frozenset(get_args(PlmName))
# Each system's settings, by name; an ERP or PLM adapter registers its own here.
SETTINGS: dict[str, type[BaseSettings]] = {
    "netsuite": NetSuiteSettings,
    "quickbooks": QuickBooksSettings,
    "ramp": RampSettings,
    "arena": ArenaSettings,
    "duro": DuroSettings,
    "onshape": OnshapeSettings,
}
S = TypeVar("S", bound=BaseSettings)
SECRET_REFERENCE = "prefect-secret:"  # NETSUITE_TOKEN_SECRET=prefect-secret:netsuite-token-secret


def secret_references(cls: type[BaseSettings]) -> dict[str, str]:
    """The settings of `cls` whose variable names a Prefect Secret block instead of holding the
    value (`<VARIABLE>=prefect-secret:<block name>`), read from the blocks. A block that cannot be
    read is a ConfigError naming the variable and the block."""
    prefix = str(cls.model_config.get("env_prefix", "")).upper()
    found: dict[str, str] = {}
    for name in cls.model_fields:
        variable = f"{prefix}{name}".upper()
        value = os.environ.get(variable, "")
        if not value.startswith(SECRET_REFERENCE):
            continue
        block = value.removeprefix(SECRET_REFERENCE).strip()
        try:
            from prefect.blocks.system import Secret

            secret = cast(Secret, Secret.load(block))  # sync here: Prefect types it as maybe-awaitable
        except (ValueError, RuntimeError) as exc:  # no such block, or no Prefect API to ask
            raise ConfigError(
                f"{variable} names the Prefect Secret block {block!r}, which cannot be read ({exc}): "
                f"create it (prefect block create secret) or set {variable} to the value itself"
            ) from None
        found[name] = str(secret.get())
    return found


def settings_from_environment(cls: type[S]) -> S:
    """`cls` from the environment, each variable either the value or a Prefect Secret block reference."""
    return load_settings(cls, **secret_references(cls))


@dataclass(frozen=True)
class Environment:
    """The loaded settings of one flow; a system it did not ask for is a ConfigError to read."""

    app: AppSettings
    mappings: Mappings
    ion: IonSettings
    systems: dict[str, BaseSettings] = field(default_factory=dict)
    erp: ErpName = "netsuite"  # the ERP the ERP-port flows talk to in this run
    plm: PlmName = "arena"  # the PLM the PLM-port flows talk to in this run

    @property
    def erp_mappings(self) -> ErpMappings:
        """The mappings file's section of this run's ERP."""
        return self.mappings.erp(self.erp)

    def settings(self, system: System, cls: type[S]) -> S:
        """The settings of `system`, loaded as `cls` (an ERP adapter reads its own so)."""
        settings = self.systems.get(system)
        if not isinstance(settings, cls):
            raise ConfigError(f"{system} settings were not loaded for this flow")
        return settings

    @property
    def netsuite(self) -> NetSuiteSettings:
        return self.settings("netsuite", NetSuiteSettings)

    @property
    def quickbooks(self) -> QuickBooksSettings:
        return self.settings("quickbooks", QuickBooksSettings)

    @property
    def ramp(self) -> RampSettings:
        return self.settings("ramp", RampSettings)

    @property
    def arena(self) -> ArenaSettings:
        return self.settings("arena", ArenaSettings)

    @property
    def duro(self) -> DuroSettings:
        return self.settings("duro", DuroSettings)
    def onshape(self) -> OnshapeSettings:
        return self.settings("onshape", OnshapeSettings)

    @property
    def quickbooks_mappings(self) -> QuickBooksMappings:
        if self.mappings.quickbooks is None:
            raise ConfigError(f"{self.app.config}: no quickbooks: section")
        return self.mappings.quickbooks


def _quickbooks_problem(app: AppSettings, mappings: Mappings) -> str | None:
    if mappings.quickbooks is None:
        return (
            f"{app.config}: no quickbooks: section: add the five account names (accounts_payable, income, "
            "inventory_asset, inventory_expense, fees) and the PO line attribute names (see config/example.yaml)"
        )
    return None


def _ramp_problem(app: AppSettings, mappings: Mappings) -> str | None:
    return mappings.ramp.unsupported()  # a `ramp:` mode Ramp's API cannot serve


MAPPING_CHECKS: dict[str, Callable[[AppSettings, Mappings], str | None]] = {
    "quickbooks": _quickbooks_problem,
    "ramp": _ramp_problem,
}


def load_mappings_for(app: AppSettings, *, optional: bool = False) -> Mappings:
    """The mappings file; with `optional` (the PLM flows, which read only its `arena:` section), no
    file at all (no ION_SYNC_CONFIG and no ./ion-sync.yaml) means no mappings."""
    if optional and "ION_SYNC_CONFIG" not in os.environ and not app.config.is_file():
        return Mappings()
    return load_mappings(app.config)


def load_environment(
    *wanted: Wanted, erp: ErpName | None = None, plm: PlmName | None = None, check_mappings: bool = True
) -> Environment:
    """Load the app, ION and `wanted` systems' settings and the mappings file, reporting all
    problems at once; "erp" is the ERP `erp` names, else ION_SYNC_ERP; "plm" the PLM `plm` names,
    else ION_SYNC_PLM. `check_mappings=False` skips each system's mapping check (the preflight
    reports it as a check of its own). The mappings file is optional when the only systems are PLMs."""
    problems: list[str] = []
    loaded: dict[str, BaseSettings] = {}

    def load(name: str, cls: type[BaseSettings]) -> None:
        try:
            loaded[name] = settings_from_environment(cls)
        except ConfigError as exc:
            problems.append(str(exc))

    load("app", AppSettings)
    load("ion", IonSettings)
    app = loaded.pop("app", None)
    ion = loaded.pop("ion", None)
    if erp is None:
        erp = app.erp if isinstance(app, AppSettings) else AppSettings.model_fields["erp"].default
    if plm is None:
        plm = app.plm if isinstance(app, AppSettings) else AppSettings.model_fields["plm"].default
    systems = list(dict.fromkeys(erp if s == "erp" else plm if s == "plm" else s for s in wanted))
    for system in systems:
        if system not in SETTINGS:
            problems.append(
                f"{system}: ion-sync has no adapter for this system yet (ION_SYNC_ERP / ION_SYNC_PLM or the flow's erp / plm parameter)"
            )
            continue
        load(system, SETTINGS[system])
    mappings: Mappings | None = None
    if isinstance(app, AppSettings):
        try:
            mappings = load_mappings_for(app, optional=set(systems) <= PLMS)
        except ConfigError as exc:
            problems.append(str(exc))
        if mappings is not None and check_mappings:
            for system in systems:
                check = MAPPING_CHECKS.get(system)
                if check and (problem := check(app, mappings)):
                    problems.append(problem)
            if "erp" in wanted and erp != "netsuite":
                try:
                    mappings.erp(erp)
                except ConfigError as exc:
                    problems.append(f"{app.config}: {exc}")
    if problems:
        raise ConfigError("configuration is incomplete; nothing was written:\n" + "\n".join(problems))
    assert isinstance(app, AppSettings) and isinstance(ion, IonSettings) and mappings is not None
    assert erp is not None and plm is not None
    env = Environment(app=app, mappings=mappings, ion=ion, systems=loaded, erp=erp, plm=plm)
    app.prepare()
    return env


def ramp_mode_problem() -> str | None:
    """Why the configured Ramp mode cannot work (for integration-health), or None; a mappings
    file that does not load is the flows' own error to report."""
    try:
        return load_mappings(load_settings(AppSettings).config).ramp.unsupported()
    except ConfigError:
        return None
