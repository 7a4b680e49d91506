"""Loading connector settings from the environment with errors a person can act on."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TypeVar

from platformdirs import user_data_dir
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsError

from connectors.errors import ConfigError

S = TypeVar("S", bound=BaseSettings)


def data_dir() -> Path:
    """ion-sync's per-user data directory (platformdirs: ~/.local/share/ion-sync on Linux): the
    default ledger, reports and credentials key. Read on each call, so XDG_DATA_HOME applies."""
    return Path(user_data_dir("ion-sync", appauthor=False))


def load_settings(cls: type[S], **overrides: object) -> S:
    """Build `cls` from the environment; on failure raise ConfigError naming each variable,
    what is wrong with it and what it expects (taken from the field's description)."""
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(explain_settings_error(cls, exc)) from None
    except SettingsError as exc:  # a list or object variable that is not JSON
        raise ConfigError(explain_unparsable(cls, exc)) from None


def explain_settings_error(cls: type[BaseSettings], exc: ValidationError) -> str:
    prefix = str(cls.model_config.get("env_prefix", "")).upper()
    lines = [f"{cls.__name__}: {exc.error_count()} setting(s) missing or invalid:"]
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        field = cls.model_fields.get(name)
        variable = f"{prefix}{name}".upper() if name else "(settings)"
        expects = f" Expected: {field.description}" if field and field.description else ""
        problem = "is not set" if error["type"] == "missing" else f"is invalid ({error['msg']})"
        lines.append(f"  - {variable} {problem}.{expects}")
    return "\n".join(lines)


def explain_unparsable(cls: type[BaseSettings], exc: SettingsError) -> str:
    """pydantic-settings reads list and object variables as JSON and says only which field failed."""
    found = re.search(r'field "([^"]+)"', str(exc))
    name = found.group(1) if found else ""
    prefix = str(cls.model_config.get("env_prefix", "")).upper()
    variable = f"{prefix}{name}".upper() if name else f"a {prefix}* variable"
    field = cls.model_fields.get(name)
    default = field.get_default(call_default_factory=True) if field else None
    example = json.dumps(default) if isinstance(default, list | dict) and default else '["a", "b"]'
    expects = f" Expected: {field.description}." if field and field.description else ""
    return (
        f"{cls.__name__}: {variable} is not valid JSON ({exc.__cause__}): write it as JSON, e.g. {variable}='{example}'.{expects}"
    )
