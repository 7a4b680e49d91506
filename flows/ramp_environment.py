"""Settings the Ramp flows need before they may write: app, mappings (the `ramp:` section),
ION and Ramp, all problems reported at once (the NetSuite settings are not required)."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.errors import ConfigError
from connectors.ion import IonSettings
from connectors.ramp import RampSettings
from connectors.settings import load_settings
from ion_sync.config import AppSettings, Mappings, load_mappings


@dataclass(frozen=True)
class RampEnvironment:
    app: AppSettings
    mappings: Mappings
    ion: IonSettings
    ramp: RampSettings


def load_ramp_environment() -> RampEnvironment:
    problems: list[str] = []
    loaded: dict[str, object] = {}
    for name, cls in (("app", AppSettings), ("ion", IonSettings), ("ramp", RampSettings)):
        try:
            loaded[name] = load_settings(cls)
        except ConfigError as exc:
            problems.append(str(exc))
    app = loaded.get("app")
    if isinstance(app, AppSettings):
        try:
            loaded["mappings"] = load_mappings(app.config)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("configuration is incomplete; nothing was written:\n" + "\n".join(problems))
    env = RampEnvironment(**loaded)  # type: ignore[arg-type]
    env.app.prepare()
    return env
