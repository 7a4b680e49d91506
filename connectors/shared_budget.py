"""Vendor budgets shared with other processes: two workers, or two flows on one account.

Each client keeps its own in-process limiter (NetSuite's concurrency slots, Ramp's window,
QuickBooks' sliding windows), which is enough for one process. Across processes the budget has
to live somewhere every process sees. Connectors import no Prefect, so a client only names the
budget a request counts against (`Budget`) and holds it with `held(...)`. Whoever runs the
client installs the holder (`share_budgets`): the tasks layer installs one backed by Prefect's
global concurrency limits (`tasks/budgets.py`). Without a holder, `held` does nothing and the
in-process limiter is the whole budget.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Budget:
    """One vendor budget. `per_seconds` None: at most `limit` requests in flight at once (a
    concurrency budget, released when the answer comes back); else at most `limit` requests
    per `per_seconds` (a rate budget: a request's place frees itself as time passes)."""

    name: str
    limit: int
    per_seconds: float | None = None
    what: str = ""  # in words, for the `ion-sync budgets` table

    @property
    def decay_per_second(self) -> float:
        return self.limit / self.per_seconds if self.per_seconds else 0.0


class BudgetHolder(Protocol):
    def hold(self, budgets: tuple[Budget, ...]) -> AbstractAsyncContextManager[object]:
        """A place in each budget for one request, held until the block ends."""
        ...


_holder: BudgetHolder | None = None


def share_budgets(holder: BudgetHolder | None) -> None:
    """Install the process's budget holder (None: in-process limiters only)."""
    global _holder
    _holder = holder


def held(*budgets: Budget) -> AbstractAsyncContextManager[object]:
    """`async with held(budget): <one request>`: a no-op unless a holder is installed."""
    return _holder.hold(budgets) if _holder is not None and budgets else nullcontext()
