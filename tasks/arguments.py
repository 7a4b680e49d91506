"""Handing a task a large argument without Prefect walking it."""

from __future__ import annotations

from typing import TypeVar, cast

from prefect.utilities.annotations import quote

T = TypeVar("T")


def unexamined(value: T) -> T:
    """`value` wrapped in Prefect's `quote`: Prefect walks task arguments looking for futures,
    and a page of records is tens of thousands of nested values. Typed as `value` itself, which
    is what the task receives."""
    return cast(T, quote(value))
