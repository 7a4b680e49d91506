"""Relay connections the way graphene builds them (../shared/reference/ion.md §2.2).

Cursors are graphene's `base64("arrayconnection:<offset>")` (the manual's example cursor
`YXJyYXljb25uZWN0aW9uOjE5` is offset 19). `first/after/last/before` slice the filtered,
ordered list; `pageInfo.count` is this page's size and `totalCount` all matches (§2.2).
INFERENCE, made configurable: the page-size cap and whether exceeding it clamps or errors;
the page size when neither `first` nor `last` is given. An empty `after` (Airbyte sends
`""`) means no cursor; a malformed cursor is an error rather than a silent restart, so a
client bug cannot loop forever. hasPreviousPage is true when anything precedes the page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

PREFIX = "arrayconnection:"


def offset_to_cursor(offset: int) -> str:
    return base64.b64encode(f"{PREFIX}{offset}".encode()).decode()


def cursor_to_offset(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    try:
        text = base64.b64decode(cursor, validate=True).decode()
        if text.startswith(PREFIX):
            offset = int(text[len(PREFIX) :])
            if offset >= 0:
                return offset
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise GraphQLError(f"Invalid cursor: {cursor!r}")


class PageLimits:
    """The configured page-size policy."""

    def __init__(self, max_page_size: int | None, default_page_size: int | None, overflow: str) -> None:
        self.max_page_size = max_page_size
        self.default_page_size = default_page_size
        self.overflow = overflow

    def check(self, field: str, name: str, value: int | None) -> int | None:
        if value is None:
            return None
        if value < 0:
            raise GraphQLError(f"Argument '{name}' must be a non-negative integer.")
        cap = self.max_page_size
        if cap is not None and value > cap:
            if self.overflow == "error":
                raise GraphQLError(
                    f"Requesting {value} records on the `{field}` connection exceeds the `{name}` limit of {cap} records."
                )
            return cap
        return value


def build_connection(
    *,
    field: str,
    limits: PageLimits,
    fetch: Callable[[int, int | None], list[dict[str, Any]]],
    count: Callable[[], int],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> dict[str, Any]:
    """Slice like graphql-relay's connection_from_array_slice, but with SQL windows.

    `fetch(offset, limit)` returns rows (limit None = all); one extra row is fetched to
    know whether another page follows, so totalCount (a COUNT) only runs when asked for.
    """
    first = limits.check(field, "first", first)
    last = limits.check(field, "last", last)
    after_offset = cursor_to_offset(after)
    before_offset = cursor_to_offset(before)
    start = after_offset + 1 if after_offset is not None else 0
    end = before_offset
    if first is not None:
        end = start + first if end is None else min(end, start + first)
    if last is not None:
        if end is None:
            end = count()
        start = max(start, end - last)
    if first is None and last is None:
        size = limits.default_page_size or limits.max_page_size
        if size is not None:
            end = start + size if end is None else min(end, start + size)
    if end is not None and end < start:
        end = start
    limit = None if end is None else end - start
    rows = fetch(start, None if limit is None else limit + 1)
    more = limit is not None and len(rows) > limit
    if more:
        rows = rows[:limit]
    has_next = more and (before_offset is None or start + len(rows) < before_offset)
    edges = [{"node": row, "cursor": offset_to_cursor(start + i)} for i, row in enumerate(rows)]
    total: list[int] = []

    def total_count() -> int:
        if not total:
            total.append(count())
        return total[0]

    return {
        "edges": edges,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
            "count": len(edges),
            "totalCount": total_count,
        },
    }
