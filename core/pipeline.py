"""Keep the target busy across page boundaries: fetch and plan the next page while the
current one posts, and let a page start posting while the previous page's last records are
still in flight, so the target's concurrency slots never idle while ION answers, the plan is
built or the ledger records a page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from connectors.ion import Page

P = TypeVar("P")


async def pipelined(
    fetch_and_plan: Callable[[str | None], Awaitable[tuple[Page, P]]],
    handle: Callable[[Page, P], Awaitable[None]],
    *,
    overlap: int = 2,
) -> None:
    """Walk a Relay connection page by page: one page of look-ahead, at most `overlap` pages
    being handled at once (`handle` must then share one concurrency window across pages)."""
    ahead: asyncio.Future[tuple[Page, P]] | None = asyncio.ensure_future(fetch_and_plan(None))
    handling: list[asyncio.Future[None]] = []
    try:
        while ahead is not None:
            page, plan = await ahead
            more = page.has_next and page.end_cursor
            ahead = asyncio.ensure_future(fetch_and_plan(page.end_cursor)) if more else None
            handling.append(asyncio.ensure_future(handle(page, plan)))
            while len(handling) >= overlap or (ahead is None and handling):
                await handling.pop(0)
    finally:
        unfinished: list[asyncio.Future[Any]] = [*handling, *([ahead] if ahead else [])]
        for future in unfinished:
            if not future.done():
                future.cancel()
