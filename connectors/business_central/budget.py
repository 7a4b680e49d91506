"""The service principal's request budget, held on the client side so Business Central rarely
has to throttle: at most `concurrency` requests in flight (BC processes 5 per user at once and
queues up to 100 in all; more is 429 [BC-LIMITS-USER]) and at most `requests_per_window`
requests in any sliding window (6,000 per 5 minutes [BC-LIMITS-USER]).

One budget per client, and a flow run shares its client across every page, so all of a run's
requests count against one budget; across processes the same two budgets are held through
`connectors.shared_budget` (`BusinessCentralSettings.shared_budgets`, Prefect global concurrency
limits once `ion-sync budgets` created them). A request keeps its place in the window until one
window-length after its answer, as QuickBooks' budget does (same `SlidingWindow`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from connectors.quickbooks.budget import IN_FLIGHT, SlidingWindow


class RequestBudget:
    def __init__(self, concurrency: int, per_window: int, window_seconds: float) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._window = SlidingWindow(per_window, window_seconds)
        self._lock = asyncio.Lock()
        self._quiet_until = 0.0
        self.waited_seconds = 0.0

    def cool_off(self, seconds: float) -> None:
        """Business Central answered 429: no request starts for `seconds` [BC-RATE]."""
        self._quiet_until = max(self._quiet_until, time.monotonic() + seconds)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._slots:
            place = [IN_FLIGHT]
            async with self._lock:
                while True:
                    now = time.monotonic()
                    wait = max(self._window.wait_needed(now), self._quiet_until - now)
                    if wait <= 0:
                        break
                    self.waited_seconds += wait
                    await asyncio.sleep(wait)
                self._window.held.append(place)
            try:
                yield
            finally:
                place[0] = time.monotonic()
