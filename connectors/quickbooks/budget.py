"""The realm's request budget (quickbooks.md A5), kept on the client side so QuickBooks never
has to throttle us: sliding windows of 500 requests a minute and 10 a second, plus 40 batch
calls a minute. A request waits for room in every window it counts against."""

from __future__ import annotations

import asyncio
import time
from collections import deque


class SlidingWindow:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.sent: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        while self.sent and self.sent[0] <= now - self.seconds:
            self.sent.popleft()
        return 0.0 if len(self.sent) < self.limit else self.sent[0] + self.seconds - now


class RateBudget:
    def __init__(self, per_minute: int, per_second: int, batch_per_minute: int) -> None:
        self._general = [SlidingWindow(per_minute, 60.0), SlidingWindow(per_second, 1.0)]
        self._batch = SlidingWindow(batch_per_minute, 60.0)
        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0

    async def acquire(self, *, batch: bool = False) -> None:
        windows = [*self._general, *([self._batch] if batch else [])]
        async with self._lock:
            while True:
                now = time.monotonic()
                wait = max(window.wait_needed(now) for window in windows)
                if wait <= 0:
                    for window in windows:
                        window.sent.append(now)
                    return
                self.waited_seconds += wait
                await asyncio.sleep(wait)
