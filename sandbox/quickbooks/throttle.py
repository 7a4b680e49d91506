"""Per-realm request budgets (quickbooks.md A5): 500/minute, 10/second, and 40 batch calls a
minute; over budget is HTTP 429 with the XML ThrottleExceeded body. Sliding windows on the
simulator's monotonic clock; limits are live-adjustable (`PUT /_sandbox/limits`)."""

from __future__ import annotations

import time
from collections import deque


class Throttle:
    def __init__(self, per_minute: int, per_second: int, batch_per_minute: int) -> None:
        self.per_minute = per_minute
        self.per_second = per_second
        self.batch_per_minute = batch_per_minute
        self._minute: deque[float] = deque()
        self._second: deque[float] = deque()
        self._batch: deque[float] = deque()
        self.throttled = 0

    def admit(self, batch: bool) -> bool:
        """Count the request if it is within every budget; False means answer 429."""
        now = time.monotonic()
        for window, span in ((self._minute, 60.0), (self._second, 1.0), (self._batch, 60.0)):
            while window and window[0] <= now - span:
                window.popleft()
        over = len(self._minute) >= self.per_minute or len(self._second) >= self.per_second
        if batch and len(self._batch) >= self.batch_per_minute:
            over = True
        if over:
            self.throttled += 1
            return False
        self._minute.append(now)
        self._second.append(now)
        if batch:
            self._batch.append(now)
        return True

    def clear_windows(self) -> None:
        self._minute.clear()
        self._second.clear()
        self._batch.clear()

    def reset(self) -> None:
        self.clear_windows()
        self.throttled = 0
