"""Retry policy shared by the connectors: tenacity, exponential backoff with full jitter,
honouring a server's Retry-After when it gives one."""

from __future__ import annotations

import httpx
from pydantic import BaseModel, Field
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
)
from tenacity.wait import wait_base, wait_random_exponential

from connectors.errors import RateLimitedError, TransientError


class RetryPolicy(BaseModel):
    attempts: int = Field(6, ge=1, description="Tries per request, the first included.")
    initial_wait: float = Field(0.2, gt=0, description="Seconds; the backoff doubles from here.")
    max_wait: float = Field(10.0, gt=0, description="Longest single wait, seconds.")


class _WaitRetryAfter(wait_base):
    """Wait what the server asked for (Retry-After), else the fallback backoff."""

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome else None
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            return error.retry_after
        return self.fallback(retry_state)


def retrying(policy: RetryPolicy, *, uncertain: bool = True) -> AsyncRetrying:
    """`async for attempt in retrying(policy): with attempt: ...` retries transient errors only;
    with `uncertain=False` not those after which a write may have landed (the caller looks first)."""

    def transient(error: BaseException) -> bool:
        return isinstance(error, TransientError) and (uncertain or not error.uncertain)

    return AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=_WaitRetryAfter(wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait)),
        retry=retry_if_exception(transient),
        reraise=True,
    )


def retry_after(response: httpx.Response) -> float | None:
    """The seconds a server's Retry-After header asks for, if it sends a number."""
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
