"""Turning a pydantic validation failure on a source record into a dead-letter reason that
names the record and the field."""

from __future__ import annotations

from pydantic import ValidationError


def field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def explain_record_error(record: str, exc: ValidationError) -> str:
    """e.g. `run 1007: partInventory.quantity = -2: Input should be greater than 0`."""
    problems = []
    for error in exc.errors(include_url=False):
        path = field_path(error["loc"])
        if error["type"] == "missing":
            problems.append(f"{path} is missing")
        else:
            problems.append(f"{path} = {error.get('input')!r}: {error['msg']}")
    return f"{record}: " + "; ".join(problems)
