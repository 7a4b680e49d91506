"""DateTime handling: one fixed-width UTC text form in SQLite, ISO-8601 strings on the wire.

ion.md §2.7 says timestamps are strings; graphene renders `datetime.isoformat()`. Storing
`YYYY-MM-DDTHH:MM:SS.ffffff` (UTC, always 26 characters) makes SQL text comparison equal
to time comparison, so `gt/gte/lt/lte` filters and END_TIME sorts run in SQLite.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from graphql import GraphQLError

_STORED = "%Y-%m-%dT%H:%M:%S.%f"


def to_stored(value: datetime) -> str:
    """A datetime as stored; naive values are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(_STORED)


def now_stored() -> str:
    return to_stored(datetime.now(UTC))


def parse_input(value: object) -> str:
    """Coerce a client DateTime ('2026-11-20T00:00:00Z', '+02:00', naive, or a date) to the stored form."""
    if isinstance(value, datetime):
        return to_stored(value)
    if not isinstance(value, str):
        raise GraphQLError(f"DateTime cannot represent a non-string value: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise GraphQLError(f"DateTime cannot represent value: {value!r}") from None
    return to_stored(parsed)


def output_formatter(utc_suffix: str) -> Callable[[str], str]:
    """Stored text -> the wire form (isoformat style: microseconds only when non-zero)."""

    def render(stored: object) -> str:
        if not isinstance(stored, str):
            if isinstance(stored, datetime):
                stored = to_stored(stored)
            else:
                raise TypeError(f"DateTime cannot represent {stored!r}")
        if stored.endswith(".000000"):
            return stored[:19] + utc_suffix
        return stored + utc_suffix

    return render
