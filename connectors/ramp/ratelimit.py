"""A rolling-window limiter: at most N request starts in any window, so a process stays under
Ramp's 200 per rolling 10 s without provoking 429s (a 429 can still come from another app
sharing the business; the retry policy waits it out)."""

from __future__ import annotations

import asyncio
import time
from collections import deque


class RollingWindowLimiter:
    def __init__(self, requests: int, window_seconds: float, *, margin_seconds: float = 0.25) -> None:
        self.requests = requests
        # the server sees arrivals, not departures: a small margin keeps jitter on our side
        self.window = window_seconds + margin_seconds
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._starts and now - self._starts[0] >= self.window:
                    self._starts.popleft()
                if len(self._starts) < self.requests:
                    self._starts.append(now)
                    return
                pause = self.window - (now - self._starts[0])
                self.waited_seconds += pause
                await asyncio.sleep(pause)
