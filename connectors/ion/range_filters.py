"""Time windows when ION's filters may not take range operators.

ION's published filter operators are `eq`, `neq` and `in` (ion.md §2.3, [EX]/[IM]); `gt`,
`gte`, `lt` and `lte` appear in no public source (INFERENCE). ion-sync's incremental flows
filter on a window (`endTime`, `_updated`, `_created`), so `IonSettings.range_filters` picks
where that window is applied: `server` sends it in `filters` (one page per changed record),
`client` sends only the confirmed operators and drops out-of-window nodes here (every page of
the unwindowed query is read: slower, but needs nothing ION has not documented). The field a
window is on must be selected by the query, so the node carries it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connectors.errors import ContractError

CONFIRMED_OPERATORS = frozenset({"eq", "neq", "in"})  # ion.md §2.3


def split_filters(filters: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(what ION is sent, the range conditions kept back): each field's operators are split
    into the confirmed ones and the rest."""
    server: dict[str, Any] = {}
    local: dict[str, dict[str, Any]] = {}
    for field, operators in (filters or {}).items():
        if not isinstance(operators, dict):
            server[field] = operators
            continue
        confirmed = {op: v for op, v in operators.items() if op in CONFIRMED_OPERATORS}
        ranges = {op: v for op, v in operators.items() if op not in CONFIRMED_OPERATORS}
        if confirmed:
            server[field] = confirmed
        if ranges:
            local[field] = ranges
    return server, local


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


_TESTS = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def matches(node: dict[str, Any], conditions: dict[str, dict[str, Any]], query: str) -> bool:
    """Whether a node is inside every kept-back range (a null value is outside any range)."""
    for field, operators in conditions.items():
        if field not in node:
            raise ContractError(f"ION {query}: ION_RANGE_FILTERS=client filters on {field!r} but the query does not select it")
        value = _comparable(node[field])
        for op, bound in operators.items():
            test = _TESTS.get(op)
            if test is None:
                raise ContractError(
                    f"ION {query}: unknown filter operator {op!r} on {field!r} (known: gt, gte, lt, lte, eq, neq, in)"
                )
            if value is None or not test(value, _comparable(bound)):
                return False
    return True
