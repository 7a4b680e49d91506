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


async def suiteql_past_ceiling(
    client: NetSuiteClient, select: str, anchor: str, anchor_key: str, order: str, params: Sequence[Any] = ()
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every row of `select` (it may have a WHERE clause, not an ORDER BY) ordered by `order`,
    whose first column is `anchor`, a page at a time as SuiteQL's pages come, past the
    SUITEQL_MAX_RESULTS rows one query can page: a query that reaches the ceiling is followed by
    one that starts at the last `anchor` value it reached (`anchor >= ?`), whose rows are read
    again whole, not twice. Only the rows of the latest anchor value are held back (they may go
    on past the ceiling), not a whole segment. `anchor_key`: the result column holding the anchor's value."""
    start: str | None = None
    while True:
        where = "" if start is None else (" AND " if " WHERE " in select.upper() else " WHERE ") + f"{anchor} >= ?"
        query = f"{select}{where} ORDER BY {order}"
        held: list[dict[str, Any]] = []  # the rows of the latest anchor value
        read = passed = 0
        async for page in client.suiteql_pages(query, [*params, *([start] if start is not None else [])]):
            if not page:
                continue
            read += len(page)
            latest = page[-1][anchor_key]
            cut = len(page)
            while cut and page[cut - 1][anchor_key] == latest:
                cut -= 1
            if cut or (held and held[0][anchor_key] != latest):  # the held value ended
                done, held = held + page[:cut], page[cut:]
                passed += len(done)
                yield done
            else:
                held += page
        if read < SUITEQL_MAX_RESULTS:
            if held:
                yield held
            return
        start = str(held[0][anchor_key])  # it may go on past the ceiling: read it again from its first row
        if not passed:
            raise ContractError(f"NetSuite SuiteQL: more than {SUITEQL_MAX_RESULTS:,} rows have {anchor} = {start}")
