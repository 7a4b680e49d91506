"""The realm's request budget (quickbooks.md A5), kept on the client side so QuickBooks never
has to throttle us: sliding windows of 500 requests a minute and 10 a second, plus 40 batch
calls a minute.

A request holds a place in every window it counts against from the moment it is sent until
one window-length after its answer came back: QuickBooks saw it arrive somewhere in between,
so by then QuickBooks' own window has let it go too, whatever the network did.

The windows belong to the realm (and the API host), not to one client: every client of this
process for the same realm counts against the same windows, as QuickBooks counts them. Two flows
run one after the other in one process (`make demo`: the webhook-triggered purchase-order sync,
then preflight) each had windows of their own, together went over 10 requests in a second, and
the second waited out a 429 for 60 s. Across processes, `connectors.shared_budget` holds the
same budgets (`QuickBooksSettings.budgets`)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager

IN_FLIGHT = float("inf")
POLL = 0.02  # every place is held by a request still in flight: look again shortly


class SlidingWindow:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.held: list[list[float]] = []  # [answered at | IN_FLIGHT]

    def wait_needed(self, now: float) -> float:
        self.held = [slot for slot in self.held if slot[0] > now - self.seconds]
        if len(self.held) < self.limit:
            return 0.0
        answered = [slot[0] for slot in self.held if slot[0] != IN_FLIGHT]
        return min(answered) + self.seconds - now if answered else POLL


# The windows of each realm this process talks to; clients in several threads (each with its
# own event loop) may share them, so they change only under a thread lock, never across an await.
_REALM_WINDOWS: dict[Hashable, tuple[SlidingWindow, SlidingWindow, SlidingWindow]] = {}
_WINDOWS_LOCK = threading.Lock()


class RateBudget:
    def __init__(self, per_minute: int, per_second: int, batch_per_minute: int, *, realm: Hashable) -> None:
        """`realm`: what names the realm (its API host and id): budgets of the same realm and
        limits in this process share their windows."""
        key = (realm, per_minute, per_second, batch_per_minute)
        with _WINDOWS_LOCK:
            if key not in _REALM_WINDOWS:
                _REALM_WINDOWS[key] = (
                    SlidingWindow(per_minute, 60.0),
                    SlidingWindow(per_second, 1.0),
                    SlidingWindow(batch_per_minute, 60.0),
                )
            minute, second, self._batch = _REALM_WINDOWS[key]
        self._general = [minute, second]
        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0

    @asynccontextmanager
    async def slot(self, *, batch: bool = False) -> AsyncIterator[None]:
        """Hold a place in each window for one request (waiting for room first)."""
        windows = [*self._general, *([self._batch] if batch else [])]
        places = [[IN_FLIGHT] for _ in windows]
        async with self._lock:
            while True:
                with _WINDOWS_LOCK:
                    wait = max(window.wait_needed(time.monotonic()) for window in windows)
                    if wait <= 0:
                        for window, place in zip(windows, places, strict=True):
                            window.held.append(place)
                        break
                self.waited_seconds += wait
                await asyncio.sleep(wait)
        try:
            yield
        finally:
            answered = time.monotonic()
            for place in places:
                place[0] = answered
