"""Turning a pydantic validation failure on a source record into a dead-letter reason that
names the record and the field, and the one bound on numbers every target can hold."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from connectors.errors import DataError

# The largest magnitude a quantity or amount may have on its way to a target. QuickBooks
# documents amounts as "Max 15 digits in 10.5 format" (quickbooks.md §A7): ten integer digits.
# INFERENCE for NetSuite and Ramp: neither publishes a limit (netsuite.md, ramp.md are silent),
# so the tightest documented bound serves them all: one constant to change if one says otherwise.
LARGEST_NUMBER = 9_999_999_999.99999

# A finite number every target can hold; ION's quantities, costs and amounts are parsed as this.
Number = Annotated[float, Field(allow_inf_nan=False, ge=-LARGEST_NUMBER, le=LARGEST_NUMBER)]

_NUMBER: TypeAdapter[float] = TypeAdapter(Number)

SHOWN_CHARACTERS = 80  # a reason quotes at most this much of a bad value


def field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def shorten(text: str) -> str:
    """Text as a reason quotes it: cut short (a 10,000-character name is not news)."""
    return text if len(text) <= SHOWN_CHARACTERS else f"{text[:SHOWN_CHARACTERS]}… ({len(text)} characters)"


def shown(value: object) -> str:
    """A bad value as a reason quotes it: its repr, cut short."""
    return shorten(repr(value))


def explain_record_error(record: str, exc: ValidationError) -> str:
    """e.g. `run 1007: partInventory.quantity = -2: Input should be greater than 0`."""
    problems = []
    for error in exc.errors(include_url=False):
        path = field_path(error["loc"])
        if error["type"] == "missing":
            problems.append(f"{path} is missing")
        else:
            problems.append(f"{path} = {shown(error.get('input'))}: {error['msg']}")
    return f"{record}: " + "; ".join(problems)


def number_out_of_range(body: Any, path: str = "") -> tuple[str, float] | None:
    """The first number in a request body no target can hold (NaN, ±Infinity, beyond
    `LARGEST_NUMBER`), as (field path, value); None when every number is fine. Every body
    posted goes through here: `_all_fine` answers without building a path for each value."""
    return None if _all_fine(body) else _first_out_of_range(body, path)


def _all_fine(value: Any) -> bool:
    """True when every number in `value` is fine (NaN fails both comparisons). Exact types only;
    anything else (a subclass) is left to `_first_out_of_range`."""
    kind = type(value)
    if kind is float or kind is int:
        return -LARGEST_NUMBER <= value <= LARGEST_NUMBER
    if kind is dict:
        return all(map(_all_fine, value.values()))
    if kind is list or kind is tuple:
        return all(map(_all_fine, value))
    if kind is str or kind is bool or value is None:
        return True
    return _first_out_of_range(value, "") is None


def _first_out_of_range(body: Any, path: str) -> tuple[str, float] | None:
    if isinstance(body, bool):
        return None
    if isinstance(body, int | float):
        fine = abs(body) <= LARGEST_NUMBER and (isinstance(body, int) or math.isfinite(body))
        return None if fine else (path or "(body)", body)
    if isinstance(body, dict):
        items: Any = ((f"{path}.{k}" if path else str(k), v) for k, v in body.items())
    elif isinstance(body, list | tuple):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(body))
    else:
        return None
    return next((found for sub, value in items if (found := _first_out_of_range(value, sub))), None)


def number_at(value: Any, field: str) -> float:
    """A source value read as a `Number`, or a DataError naming `field` (for sources read without a model)."""
    try:
        return _NUMBER.validate_python(value)
    except ValidationError as exc:
        raise DataError(f"{field} = {shown(value)}: {exc.errors(include_url=False)[0]['msg']}", field=field) from None
