"""The rows of a benchmark seed route's body: `{"rows": [[...], ...]}`, or with `Content-Type:
application/x-ndjson` one JSON array a line, read lazily, so a million rows come in one request
and one transaction (a route per 50,000-row chunk reloaded the simulator's catalog each time)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from typing import Any

from starlette.requests import Request

NDJSON = "application/x-ndjson"
PARSE_BATCH = 10_000


async def seed_rows(request: Request) -> Iterator[list[Any]]:
    """The body's rows; a malformed body raises ValueError, KeyError or TypeError (when read)."""
    body = await request.body()
    if request.headers.get("content-type", "").split(";")[0].strip() == NDJSON:
        return _ndjson([line for line in body.splitlines() if line.strip()])
    rows = json.loads(body)["rows"]
    if not isinstance(rows, list):
        raise TypeError("rows is not a list")
    return iter(rows)


def _ndjson(lines: list[bytes]) -> Iterator[list[Any]]:
    """The lines' rows, PARSE_BATCH lines parsed as one JSON array (a parse per line costs 3x)."""
    for start in range(0, len(lines), PARSE_BATCH):
        rows = json.loads(b"[" + b",".join(lines[start : start + PARSE_BATCH]) + b"]")
        yield from rows


def batches(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    """`rows` `size` at a time (the last batch shorter)."""
    while batch := list(islice(rows, size)):
        yield batch
