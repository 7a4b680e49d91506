"""Timestamps at the edges: ION and NetSuite speak ISO 8601 in UTC with a `Z`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso(value: datetime) -> str:
    """UTC ISO 8601 with `Z` (a naive value is taken as UTC)."""
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp from an API payload, or None when absent or unreadable."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def updated_window(since_operator: str, since: datetime | None, until: datetime | None) -> dict[str, str]:
    """An ION time filter for [since, until): `since_operator` is the ION deployment's "at or
    after" operator (IonSettings.since_operator)."""
    return {**({since_operator: iso(since)} if since else {}), **({"lt": iso(until)} if until else {})}
