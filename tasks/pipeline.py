"""Read ahead: fetch and plan the next page while the current one posts, so the target's
concurrency slots stay busy instead of idling while ION answers and the plan is built."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from connectors.ion import Page

P = TypeVar("P")


async def pipelined(
    fetch_and_plan: Callable[[str | None], Awaitable[tuple[Page, P]]],
    handle: Callable[[Page, P], Awaitable[None]],
) -> None:
    """Walk a Relay connection page by page, one page of look-ahead."""
    ahead: asyncio.Future[tuple[Page, P]] | None = asyncio.ensure_future(fetch_and_plan(None))
    try:
        while ahead is not None:
            page, plan = await ahead
            more = page.has_next and page.end_cursor
            ahead = asyncio.ensure_future(fetch_and_plan(page.end_cursor)) if more else None
            await handle(page, plan)
    finally:
        if ahead is not None and not ahead.done():
            ahead.cancel()
