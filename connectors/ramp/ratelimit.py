"""Ramp's rate limit as documented: "200 requests per 10-second rolling window", and "every new
request resets the 10-second timer" (rate-limiting.mdx; ramp.md B2): the count clears only after
a whole quiet window. Ramp sends no Retry-After (B2, B9).

The limiter keeps a process inside both readings: at most `requests` starts between two quiet
windows (which also bounds every rolling window), and after a 429 (another app sharing the
business's budget) every request waits out one whole quiet window, since a retry sent sooner
would only restart Ramp's timer."""

from __future__ import annotations

import asyncio
import math
import time


class QuietWindowLimiter:
    def __init__(self, requests: int, window_seconds: float, *, margin_seconds: float = 0.25) -> None:
        self.requests = requests
        # the server sees arrivals, not departures: a small margin keeps jitter on our side
        self.window = window_seconds + margin_seconds
        self._count = 0
        self._last = -math.inf
        self._quiet_until = 0.0
        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                if now >= self._quiet_until:
                    if now - self._last >= self.window:
                        self._count = 0
                    if self._count < self.requests:
                        self._count += 1
                        self._last = now
                        return
                pause = max(self._quiet_until - now, self.window - (now - self._last))
                self.waited_seconds += pause
                await asyncio.sleep(pause)

    def rate_limited(self) -> float:
        """Ramp answered 429: no request until a whole window has passed; returns that wait."""
        self._quiet_until = max(self._quiet_until, time.monotonic() + self.window)
        self._count = 0
        return self.window
