"""SuiteQL values as NetSuite gives and takes them: numbers arrive as strings, IN lists take `?` per value."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from connectors.errors import ContractError
from connectors.netsuite import NetSuiteClient

# Rows one SuiteQL query can page through without SuiteAnalytics Connect ([NS-SQL], reference
# netsuite.md "SuiteQL"): past it, re-anchor on an ordered key (`WHERE id > lastId`, [SALTO-6061]).
SUITEQL_MAX_RESULTS = 100_000


def suiteql_number(value: Any) -> float:
    """A SuiteQL number: "40" is 40 (an int, so reports print 40, not 40.0), "1.2" is 1.2, an
    empty or unreadable one 0."""
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return 0.0
    return 0.0 if number != number else number  # NaN


def placeholders(values: Sequence[Any]) -> str:
    """`?, ?, ?`: one parameter per value of an IN list."""
    return ", ".join("?" * len(values))


async def suiteql_segments(
    client: NetSuiteClient, select: str, anchor: str, anchor_key: str, order: str, params: Sequence[Any] = ()
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every row of `select` (it may have a WHERE clause, not an ORDER BY) ordered by `order`,
    whose first column is `anchor`, a segment at a time, past the SUITEQL_MAX_RESULTS rows one
    query can page: a query that reaches the ceiling is followed by one that starts at the last
    `anchor` value it reached (`anchor >= ?`), whose rows are read again whole, not twice.
    `anchor_key`: the result column holding the anchor's value."""
    start: str | None = None
    while True:
        where = "" if start is None else (" AND " if " WHERE " in select.upper() else " WHERE ") + f"{anchor} >= ?"
        query = f"{select}{where} ORDER BY {order}"
        segment = [row async for row in client.suiteql(query, [*params, *([start] if start is not None else [])])]
        full = len(segment) >= SUITEQL_MAX_RESULTS
        if full:  # the last anchor value may go on past the ceiling: read it again from its first row
            start = str(segment[-1][anchor_key])
            segment = [row for row in segment if str(row[anchor_key]) != start]
            if not segment:
                raise ContractError(f"NetSuite SuiteQL: more than {SUITEQL_MAX_RESULTS:,} rows have {anchor} = {start}")
        yield segment
        if not full:
            return
