"""`<X>InputFilters` and `[<X>SortEnum]` arguments to SQL (../shared/reference/ion.md §2.3).

Confirmed: each filter key is a column holding an operator object with `eq`, `neq` or `in`.
INFERENCE, kept simple: `gt/gte/lt/lte` compare numbers, ids, strings and DateTimes (stored
as fixed-width UTC text, so text order is time order); sibling keys and several operators on
one key combine with AND; `eq: null` means IS NULL. Unknown filter keys never get here:
GraphQL validation rejects them first. Sort values are graphene-sqlalchemy style
`<COLUMN>_ASC|_DESC`; `id` is always the final tie-break so offsets stay stable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from graphql import GraphQLError

from sandbox.ion.store import Entity

_COMPARISONS = {"eq": "=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _convert(kind: str, field: str, value: Any) -> Any:
    if kind == "id":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise GraphQLError(f"Invalid ID for filter '{field}': {value!r}") from None
    if kind == "bool":
        return 1 if value else 0
    return value


def compile_filters(entity: Entity, filters: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """The WHERE clause (without the keyword) and its parameters."""
    clauses: list[str] = []
    params: list[Any] = []
    for field, operators in (filters or {}).items():
        if operators is None:
            continue
        expr, kind = entity.filters[field]
        for op, value in operators.items():
            if op == "in":
                if value is None:
                    continue
                values = [_convert(kind, field, v) for v in value if v is not None]
                parts = []
                if values:
                    parts.append(f"{expr} IN (SELECT value FROM json_each(?))")
                    params.append(json.dumps(values))
                if any(v is None for v in value):
                    parts.append(f"{expr} IS NULL")
                clauses.append(f"({' OR '.join(parts)})" if parts else "0")
            elif value is None:
                if op == "eq":
                    clauses.append(f"{expr} IS NULL")
                elif op == "neq":
                    clauses.append(f"{expr} IS NOT NULL")
                else:
                    raise GraphQLError(f"Filter '{field}.{op}' cannot compare with null.")
            else:
                clauses.append(f"{expr} {_COMPARISONS[op]} ?")
                params.append(_convert(kind, field, value))
    return " AND ".join(clauses), params


def compile_sort(entity: Entity, sort: Sequence[str] | None) -> str:
    """ORDER BY terms for the sort enum values; default and final tie-break: id ascending."""
    terms: list[str] = []
    columns: set[str] = set()
    for value in sort or ():
        if value is None:
            continue
        name, _, direction = value.rpartition("_")
        column = entity.sorts[name]
        if column in columns:
            continue
        columns.add(column)
        terms.append(f"{column} {'DESC' if direction == 'DESC' else 'ASC'}")
    if "id" not in columns:
        terms.append("id ASC")
    return ", ".join(terms)
