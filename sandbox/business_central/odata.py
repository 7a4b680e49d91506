"""The OData query options the simulator serves [BC-RATE] (filters, expand), [BC-PAGING]:
`$filter` with `eq ne gt ge lt le` joined by `and` / `or` (no parentheses, no functions:
anything else is 400 BadRequest), `$expand` of a document's lines, `$select`, `$orderby` of
one field, `$top`. Literals: 'text' (quotes doubled), numbers, true/false, null, dates,
date-times and bare GUIDs, per OData's URL conventions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from .errors import invalid

TOKEN = re.compile(r"\s*('(?:[^']|'')*'|[^\s']+)")
OPERATORS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
Condition = tuple[str, str, Any]


def parse_filter(text: str | None) -> list[list[Condition]]:
    """Disjunctive normal form: a list of `and` groups, any of which may match."""
    if not text:
        return []
    tokens = TOKEN.findall(text)
    groups: list[list[Condition]] = [[]]
    i = 0
    while i < len(tokens):
        if i + 2 >= len(tokens):
            raise invalid(f"Bad Request - Error in query syntax: {text}")
        field, op, raw = tokens[i], tokens[i + 1].lower(), tokens[i + 2]
        if op not in OPERATORS or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", field):
            raise invalid(f"Bad Request - Error in query syntax: {text}")
        groups[-1].append((field, op, literal(raw)))
        i += 3
        if i < len(tokens):
            joiner = tokens[i].lower()
            if joiner == "or":
                groups.append([])
            elif joiner != "and":
                raise invalid(f"Bad Request - Error in query syntax: {text}")
            i += 1
    if not groups[-1]:
        raise invalid(f"Bad Request - Error in query syntax: {text}")
    return groups


def literal(raw: str) -> Any:
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    if GUID.match(raw):
        return raw.lower()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return date.fromisoformat(raw)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})", raw):
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    try:
        return float(raw)
    except ValueError:
        raise invalid(f"Bad Request - Error in query syntax: unknown literal {raw}") from None


def comparable(value: Any, other: Any) -> Any:
    """A stored value in the type of the literal it is compared with."""
    if value is None:
        return None
    if isinstance(other, datetime):
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)
    if isinstance(other, date):
        return date.fromisoformat(str(value)[:10])
    if isinstance(other, float) and isinstance(value, int | float):
        return float(value)
    if isinstance(other, str) and GUID.match(other):
        return str(value).lower()
    return value


def matches(entity: dict[str, Any], groups: list[list[Condition]], fields: set[str]) -> bool:
    if not groups:
        return True
    for group in groups:
        for field, _, _ in group:
            if field not in fields:
                raise invalid(f"Could not find a property named '{field}' on type 'Microsoft.NAV.entity'.")
        if all(OPERATORS[op](comparable(entity.get(field), value), value) for field, op, value in group):
            return True
    return False


def order(entities: list[dict[str, Any]], text: str | None, fields: set[str]) -> list[dict[str, Any]]:
    if not text:
        return entities
    parts = text.split()
    field, descending = parts[0], len(parts) > 1 and parts[1].lower() == "desc"
    if field not in fields or len(parts) > 2:
        raise invalid(f"Bad Request - $orderby {text} is not supported")
    return sorted(entities, key=lambda e: (e.get(field) is None, e.get(field)), reverse=descending)
