"""SuiteQL values as NetSuite gives and takes them: numbers arrive as strings, IN lists take `?` per value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
