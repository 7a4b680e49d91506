"""Settings the Ramp flows need before they may write: app, mappings (the `ramp:` section),
ION and Ramp, all problems reported at once (the NetSuite settings are not required). A
`ramp:` mode Ramp's API cannot serve (`ramp.approval: in_ramp`) is one of those problems."""

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


def load_ramp_environment(*, check_mode: bool = True) -> RampEnvironment:
    """`check_mode=False` for the preflight, which reports an unsupported mode as its own check."""
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
    mappings = loaded.get("mappings")
    if check_mode and isinstance(mappings, Mappings) and (unsupported := mappings.ramp.unsupported()):
        problems.append(unsupported)
    if problems:
        raise ConfigError("configuration is incomplete; nothing was written:\n" + "\n".join(problems))
    env = RampEnvironment(**loaded)  # type: ignore[arg-type]
    env.app.prepare()
    return env


def ramp_mode_problem() -> str | None:
    """Why the configured Ramp mode cannot work (for integration-health), or None; a mappings
    file that does not load is the flows' own error to report."""
    try:
        return load_mappings(load_settings(AppSettings).config).ramp.unsupported()
    except ConfigError:
        return None
