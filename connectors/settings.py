"""Loading connector settings from the environment with errors a person can act on."""

from __future__ import annotations

from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from connectors.errors import ConfigError

S = TypeVar("S", bound=BaseSettings)


def load_settings(cls: type[S], **overrides: object) -> S:
    """Build `cls` from the environment; on failure raise ConfigError naming each variable,
    what is wrong with it and what it expects (taken from the field's description)."""
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(explain_settings_error(cls, exc)) from None


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
