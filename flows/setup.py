"""Everything a flow needs before it may write anything: settings and mappings, validated.

A missing or invalid setting raises ConfigError naming the variable and what it expects,
before any connection is opened or any record is claimed."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.errors import ConfigError
from connectors.ion import IonSettings
from connectors.netsuite import NetSuiteSettings
from connectors.settings import load_settings
from ion_sync.config import AppSettings, Mappings, load_mappings


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
