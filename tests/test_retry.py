"""The connectors' retry loop (`connectors.retry`): what is retried, how often, how long it waits."""

from __future__ import annotations

import asyncio

import pytest

from connectors.errors import DataError, RateLimitedError, TransientError
from connectors.retry import RetryPolicy, retrying

FAST = RetryPolicy(attempts=3, initial_wait=0.001, max_wait=0.002)


async def attempts_of(errors: list[BaseException], policy: RetryPolicy = FAST, *, uncertain: bool = True) -> int:
    """Run the loop over a block that raises `errors` in turn, then succeeds; the tries made."""
    tries = 0
    async for attempt in retrying(policy, uncertain=uncertain):
        with attempt:
            tries += 1
            assert attempt.number == tries
            if errors:
                raise errors.pop(0)
            return tries
    raise AssertionError("unreachable")


async def test_transient_errors_are_retried_until_one_succeeds() -> None:
    assert await attempts_of([TransientError("503"), TransientError("timeout", uncertain=True)]) == 3


async def test_the_last_attempts_error_is_raised_as_it_was() -> None:
    last = TransientError("third")
    with pytest.raises(TransientError) as raised:
        await attempts_of([TransientError("first"), TransientError("second"), last, TransientError("never tried")])
    assert raised.value is last


@pytest.mark.parametrize("error", [DataError("refused"), ValueError("a bug"), asyncio.CancelledError()])
async def test_what_is_not_transient_is_raised_at_once(error: BaseException) -> None:
    with pytest.raises(type(error)):
        await attempts_of([error, TransientError("never tried")])


async def test_an_uncertain_write_is_not_retried_when_the_caller_looks_first() -> None:
    with pytest.raises(TransientError):
        await attempts_of([TransientError("dropped after sending", uncertain=True)], uncertain=False)
    assert await attempts_of([TransientError("refused to connect")], uncertain=False) == 2


async def test_retry_after_is_waited_else_a_backoff_up_to_max_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    policy = RetryPolicy(attempts=6, initial_wait=1.0, max_wait=3.0)
    errors: list[BaseException] = [RateLimitedError("429", retry_after=7.5), *(TransientError("503") for _ in range(4))]
    assert await attempts_of(errors, policy) == 6
    assert waits[0] == 7.5
    assert all(0 <= wait <= ceiling for wait, ceiling in zip(waits[1:], [2.0, 3.0, 3.0, 3.0], strict=True))
