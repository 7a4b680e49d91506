"""Ramp's rate limit (rate-limiting.mdx; ramp.md B2): 200 requests per 10 s, 429 beyond, no
Retry-After. Default mode `reset_on_request`: "every new request resets the 10-second timer", so
the count clears only after a whole quiet window (`RampSimConfig.rate_limit_mode`). Counted per
access token (or client address): INFERENCE, no source says what the budget is keyed on."""

from __future__ import annotations

import time
from collections import deque

from sandbox.ramp.config import RampSimConfig


class RateLimiter:
    def __init__(self, config: RampSimConfig) -> None:
        self.config = config
        self.windows: dict[str, deque[float]] = {}
        self.last: dict[str, float] = {}
        self.limited = 0
        self.max_in_window = 0

    def allow(self, caller: str) -> bool:
        now = time.monotonic()
        window = self.config.rate_limit_window_seconds
        seen = self.windows.setdefault(caller, deque())
        if self.config.rate_limit_mode == "reset_on_request":
            if now - self.last.get(caller, now) >= window:
                seen.clear()
            self.last[caller] = now
        else:
            while seen and now - seen[0] >= window:
                seen.popleft()
        if len(seen) >= self.config.rate_limit_requests:
            self.limited += 1
            return False
        seen.append(now)
        self.max_in_window = max(self.max_in_window, len(seen))
        return True

    def reset(self) -> None:
        self.windows.clear()
        self.last.clear()
        self.limited = 0
        self.max_in_window = 0
