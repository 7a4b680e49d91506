"""Vendor budgets held in Prefect global concurrency limits, shared by every worker and flow.

A client names the budget each request counts against (`connectors.shared_budget.Budget`:
NetSuite's concurrency slots per account, Ramp's request window, QuickBooks' per-minute,
per-second and batch budgets per realm). `PrefectBudgets` holds each request in the global
concurrency limit of that name on the Prefect API the process uses: a concurrency budget is
taken and given back around the request (`concurrency`), a rate budget is taken and frees itself
as Prefect decays it (`rate_limit`, `slot_decay_per_second` = limit / window). Two workers, or
consumption-sync and receipt-sync on one account, then stay inside one budget together instead
of each inside its own and both inside the vendor's 429s.

`ion-sync budgets` (and `ion-sync serve`) create the limits from the settings. A budget with no
limit of its name on the API (no server configured, or nobody created them) is left to the
client's in-process limiter, which always applies: that is the embedded default, and it is said
once per process in the log. Looked up once per process, so a run pays one request per budget.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import weakref
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

import httpx
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.concurrency.asyncio import rate_limit
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL
from pydantic import ValidationError

from connectors.errors import ConfigError
from connectors.shared_budget import Budget, share_budgets
from core.environment import SETTINGS, settings_from_environment

logger = logging.getLogger("ion_sync.budgets")


TENURE_SECONDS = 5.0  # a process keeps a place this long, then offers it back to every process
IDLE_SECONDS = 0.2  # a place no request of this process wanted for this long goes back
POLL_SECONDS = 0.1  # the budget is full: ask again after about this long (jittered)
LEASE_SECONDS = 60.0  # Prefect's shortest lease: the places of a killed worker come back after it
# Longest wait for a place: past it the budget is stuck, not busy (leases of a killed worker are
# revoked by the server's repossessor service; a server running without it never frees them).
STUCK_SECONDS = 3 * LEASE_SECONDS


class BudgetStuck(Exception):
    """No place in a shared budget came free within STUCK_SECONDS."""


class PrefectBudgets:
    """The `BudgetHolder` backed by Prefect's global concurrency limits."""

    def __init__(self) -> None:
        self._on_server: dict[str, bool] = {}
        self._places: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Places]] = weakref.WeakKeyDictionary()

    async def shared(self, budget: Budget) -> bool:
        """Whether the Prefect server has an active global concurrency limit named like this budget
        (asked once per process; concurrent first requests may each ask, which is harmless). Never
        on the embedded API: its leases live in the memory of one process's embedded server, so
        the places of a process that died there would never come back."""
        if budget.name not in self._on_server:
            found = bool(PREFECT_API_URL.value()) and await _exists(budget.name)
            if not found and budget.name not in self._on_server:
                logger.info(
                    "budget %s is this process's alone: no global concurrency limit of that name (`ion-sync budgets` creates it)",
                    budget.name,
                )
            self._on_server[budget.name] = found
        return self._on_server[budget.name]

    @asynccontextmanager
    async def hold(self, budgets: tuple[Budget, ...]) -> AsyncIterator[object]:
        on_server = [b for b in budgets if await self.shared(b)]
        rates = [b.name for b in on_server if b.per_seconds]
        if rates:
            await rate_limit(rates, strict=True)
        slots = [self._places_of(b.name) for b in on_server if not b.per_seconds]
        taken: list[tuple[_Places, _Place]] = []
        try:
            for places in slots:
                try:
                    taken.append((places, await places.take()))
                except (httpx.HTTPError, BudgetStuck) as exc:  # a sync must not stop for the server
                    logger.warning(
                        "budget %s: %s; this process keeps to its own limiter",
                        places.name,
                        exc if isinstance(exc, BudgetStuck) else f"the Prefect server did not answer ({type(exc).__name__})",
                    )
                    self._on_server[places.name] = False
            yield None
        finally:
            for places, place in taken:
                await places.give_back(place)

    def _places_of(self, name: str) -> _Places:
        per_loop = self._places.setdefault(asyncio.get_running_loop(), {})
        if name not in per_loop:
            per_loop[name] = _Places(name)
        return per_loop[name]


@dataclass
class _Place:
    lease_id: UUID
    since: float
    freed: float = 0.0


class _Places:
    """The places of one concurrency budget this process holds, reused request after request.

    Taking a Prefect slot per request costs two round trips, and Prefect's own `concurrency()`
    waits out a Retry-After of the average occupancy whenever the limit is full (measured: 20
    requests of 100 ms on 2 slots took 18 s instead of 1). So a process keeps a place for
    up to `TENURE_SECONDS` and hands it from one request to the next without asking Prefect;
    then it gives it back, and waits its turn like every other process (polling every
    `POLL_SECONDS`), so two workers share the budget instead of one keeping it. A place no
    request wants for `IDLE_SECONDS` goes back at once, and all go back when the event loop
    ends; a killed process's places come back when their lease (`LEASE_SECONDS`) runs out."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.free: asyncio.Queue[_Place] = asyncio.Queue()
        self.keeper: asyncio.Task[None] | None = None
        self.asking = False
        self.releasing: set[asyncio.Task[None]] = set()

    async def take(self) -> _Place:
        stuck_at = time.monotonic() + STUCK_SECONDS
        while time.monotonic() < stuck_at:
            if not self.free.empty():
                return self.free.get_nowait()
            if not self.asking:  # one request of this process asks Prefect at a time; the rest wait here
                self.asking = True
                try:
                    place = await self._acquire()
                finally:
                    self.asking = False
                if place:
                    return place
            try:
                return await asyncio.wait_for(self.free.get(), POLL_SECONDS * random.uniform(0.5, 1.5))
            except TimeoutError:
                continue
        raise BudgetStuck(
            f"no place came free for {STUCK_SECONDS:.0f} s: places of a killed worker are held until the Prefect "
            "server's repossessor service revokes their leases (is the server running its services?)"
        )

    async def give_back(self, place: _Place) -> None:
        now = time.monotonic()
        if now - place.since >= TENURE_SECONDS:
            # in the background: the request that held it is done and must not wait for Prefect
            releasing = asyncio.get_running_loop().create_task(_release(place))
            self.releasing.add(releasing)
            releasing.add_done_callback(self.releasing.discard)
            return
        place.freed = now
        self.free.put_nowait(place)
        if self.keeper is None or self.keeper.done():
            self.keeper = asyncio.get_running_loop().create_task(self._release_idle())

    async def _acquire(self) -> _Place | None:
        try:
            async with get_client() as client:
                response = await client.increment_concurrency_slots_with_lease(
                    names=[self.name], slots=1, mode="concurrency", lease_duration=LEASE_SECONDS
                )
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 423:
                return None
            raise
        return _Place(UUID(response.json()["lease_id"]), time.monotonic())

    async def _release_idle(self) -> None:
        """Give back what no request wanted for a while; everything, when the loop ends."""
        try:
            while not self.free.empty():
                await asyncio.sleep(IDLE_SECONDS)
                now, free = time.monotonic(), []
                while not self.free.empty():
                    free.append(self.free.get_nowait())
                for place in free:
                    if now - place.freed < IDLE_SECONDS:
                        self.free.put_nowait(place)  # back at once, before any release is awaited
                for place in free:
                    if now - place.freed >= IDLE_SECONDS:
                        await _release(place)
        finally:
            while not self.free.empty():
                await _release(self.free.get_nowait())


async def _release(place: _Place) -> None:
    try:
        async with get_client() as client:
            await client.release_concurrency_slots_with_lease(place.lease_id)
    except httpx.HTTPError as exc:
        logger.warning("a shared-budget place was not given back (%s); its lease ends within %.0f s", exc, LEASE_SECONDS)


async def _exists(name: str) -> bool:
    """Whether the server holds an active limit of this name; a server that does not answer holds
    none (a sync must not stop for it: the in-process limiter still applies)."""
    try:
        async with get_client() as client:
            limit = await client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        return False
    except httpx.HTTPError as exc:
        logger.warning("budget %s: the Prefect server did not answer (%s); this process keeps to its own limiter", name, exc)
        return False
    return bool(limit.active)


def configured_budgets() -> list[Budget]:
    """The budgets (`shared_budgets` of its settings) of every system whose settings are complete
    in this environment; a system registered in `core.environment.SETTINGS` joins by having them."""
    budgets: list[Budget] = []
    for cls in SETTINGS.values():
        try:
            settings = settings_from_environment(cls)
        except (ConfigError, ValidationError):
            continue  # this system is not configured here: nothing of it to share
        budgets += getattr(settings, "shared_budgets", ())
    return budgets


async def create_budgets(budgets: Iterable[Budget]) -> list[tuple[Budget, str]]:
    """Create each budget's global concurrency limit, or bring an existing one to the settings;
    returns what was done to each ("created", "updated", "unchanged")."""
    done: list[tuple[Budget, str]] = []
    async with get_client() as client:
        for budget in budgets:
            try:
                existing = await client.read_global_concurrency_limit_by_name(budget.name)
            except ObjectNotFound:
                await client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(
                        name=budget.name, limit=budget.limit, slot_decay_per_second=budget.decay_per_second
                    )
                )
                done.append((budget, "created"))
                continue
            if existing.limit == budget.limit and existing.slot_decay_per_second == budget.decay_per_second:
                done.append((budget, "unchanged"))
                continue
            await client.update_global_concurrency_limit(
                budget.name,
                GlobalConcurrencyLimitUpdate(limit=budget.limit, slot_decay_per_second=budget.decay_per_second, active=True),
            )
            done.append((budget, "updated"))
    return done


def share_through_prefect() -> None:
    """Hold every client's budget in Prefect's global concurrency limits from now on, in this process."""
    share_budgets(PrefectBudgets())
