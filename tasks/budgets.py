"""Vendor budgets held in Prefect global concurrency limits, shared by every worker and flow.

A client names the budget each request counts against (`connectors.shared_budget.Budget`:
NetSuite's concurrency slots per account, Ramp's request window, QuickBooks' per-minute,
per-second and batch budgets per realm). `PrefectBudgets` holds each request in the global
concurrency limit of that name on the Prefect API the process uses: a concurrency budget is
held from request to request and given back within seconds (`_Places`), a rate budget is taken and frees itself
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
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from uuid import UUID

import httpx
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.client.schemas.objects import ConcurrencyLeaseHolder
from prefect.concurrency.asyncio import rate_limit
from prefect.context import FlowRunContext
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL
from pydantic import ValidationError

from connectors.errors import ConfigError
from connectors.shared_budget import Budget, share_budgets
from core.environment import SETTINGS, settings_from_environment

logger = logging.getLogger("ion_sync.budgets")


TENURE_SECONDS = 15.0  # a process keeps a place this long, then offers it back to every process
YIELD_SECONDS = 0.15  # after offering places back, wait this long before asking again (the others poll faster)
# A place no request of this process wanted for this long goes back: within a page requests take
# it straight from one another, so a gap this long is a process between pages while another waits
# (at 0.2 s, 3-7 % of the slot-time sat so; the shared benchmark at 0.05 s: 0.77-0.84
# against 0.62-0.78, three pairs back to back at load 4-11). Longer while the Prefect server is
# slow (`_Places.idle_seconds`), up to IDLE_SECONDS_MAX.
IDLE_SECONDS = 0.05
IDLE_SECONDS_MAX = 1.0
# The keeper keeps its Prefect client this long after the last place went back: a new one pays a
# connection and a CSRF token before its first answer (traced under load: releases of 100-900 ms).
KEEP_CLIENT_SECONDS = 5.0
POLL_SECONDS = 0.1  # the budget is full: ask again after about this long (jittered)
LEASE_SECONDS = 60.0  # Prefect's shortest lease: the places of a killed worker come back after it
# The budget is full (423), or the server is busy past the client's retries, which
# `_ask_again_soon` makes last about 0.6 s (SQLite's 503 "database is locked" while three flow
# runs start: a process gave up on an HTTP status error 3 s into a run): ask again after a poll.
# A process going on with its own limiter sends beside the budget and collects the vendor's 429s
# (measured: 103 in that run); a request waits at most STUCK_SECONDS for its place either way.
ASK_AGAIN = frozenset({408, 423, 429, 502, 503, 504})
# Longest wait for a place: past it the budget is stuck, not busy (leases of a killed worker are
# revoked by the server's repossessor service; a server running without it never frees them).
STUCK_SECONDS = 3 * LEASE_SECONDS


async def _ask_again_soon(response: httpx.Response) -> None:
    """A Prefect server too busy to answer (503: SQLite's "database is locked") is asked again
    after a poll: the Prefect client's retries wait a Retry-After, else 2 s and more."""
    if response.status_code == 503 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(POLL_SECONDS)


# Any httpx settings make `get_client` build a client of its own instead of handing over the flow
# run's, which closes when the run ends while places may still be going back.
OWN_CLIENT = {"event_hooks": {"response": [_ask_again_soon]}}


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
        taken: list[tuple[_Places, _Place]] = []
        handed_on = False
        try:
            for budget in on_server:
                if not budget.per_seconds:
                    places = self._places_of(budget.name)
                    place = await places.take()
                    if place is not None:
                        taken.append((places, place))
            yield None
        finally:
            for places, place in taken:
                handed_on |= places.give_back(place)
        if handed_on:
            # the request handed its place to (already built) sends first, not after whatever this one's caller does next
            await asyncio.sleep(0)

    def _places_of(self, name: str) -> _Places:
        per_loop = self._places.setdefault(asyncio.get_running_loop(), {})
        if name not in per_loop:
            per_loop[name] = _Places(name, self._gone)
        return per_loop[name]

    def _gone(self, name: str) -> None:
        self._on_server[name] = False


@dataclass
class _Place:
    lease_id: UUID
    since: float
    freed: float = 0.0


class _Places:
    """The places of one concurrency budget this process holds, handed from request to request.

    Taking a Prefect slot per request costs two round trips, and Prefect's own `concurrency()`
    waits out a Retry-After of the average occupancy whenever the limit is full (measured: 20
    requests of 100 ms on 2 slots took 18 s instead of 1). So a process keeps a place for up to
    `TENURE_SECONDS` and hands it from one request straight to the next waiting one; then it
    offers it back and waits `YIELD_SECONDS` before asking again, so another worker polling the
    full budget (every `POLL_SECONDS`) gets its turn instead of one process keeping it. A place
    no request wants for `idle_seconds` goes back. A request handed a place runs before the one
    that handed it on goes on with its own work (its request is built already: see
    connectors.direct_http), so a place passes within one step of the event loop.

    One keeper task per budget and event loop does all the talking to Prefect, one place per
    lease, back to back while requests wait (a run has all its places in a few round trips),
    places going back each by a release of its own. It keeps a Prefect client of its own for
    `KEEP_CLIENT_SECONDS` after its last place, which asks a busy server (SQLite's 503 "database is
    locked") again after a poll, not after the client's 2 s back-off (measured: every 503 stopped
    a process's asking for 2 s). Places go back when the work ends, also once the flow run's own
    client is closed (measured: they did not, and starved the other worker for the whole 60 s
    lease) and when the event loop is closing; a killed process's come back when their lease
    (`LEASE_SECONDS`) ends. Each lease names the flow run holding it (its holder on the server).
    Every hand-back between processes costs round trips, slow on a loaded server, hence a
    tenure of seconds, not of requests."""

    def __init__(self, name: str, gone: Callable[[str], None]) -> None:
        self.name = name
        self.gone = gone
        self.free: deque[_Place] = deque()  # held, no request using it
        self.leaving: list[_Place] = []  # held past their tenure: to give back
        self.waiting: deque[asyncio.Future[_Place | None]] = deque()
        self.ask_from = 0.0  # monotonic time before which the keeper does not ask
        self.wake = asyncio.Event()
        self.keeper: asyncio.Task[None] | None = None
        self.releasing: set[asyncio.Task[None]] = set()  # releases on their way (the keeper's client must outlive them)
        self.round_trip = IDLE_SECONDS / 2  # the Prefect server's recent answer time (a moving average)
        self.holder: ConcurrencyLeaseHolder | None = None  # the flow run of the latest request to wait

    async def take(self) -> _Place | None:
        """A place for one request; None when the server stopped answering (go without)."""
        if self.free:
            return self.free.popleft()
        waiter: asyncio.Future[_Place | None] = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        self.holder = _holder()
        self._nudge()
        try:
            async with asyncio.timeout(STUCK_SECONDS):  # not wait_for: its own future costs a step of the loop per hand-over
                return await waiter
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return waiter.result()  # handed over just as the wait ran out
            logger.warning(
                "budget %s: no place came free for %.0f s: places of a killed worker are held until the Prefect "
                "server's repossessor service revokes their leases (is the server running its services?); "
                "this process keeps to its own limiter",
                self.name,
                STUCK_SECONDS,
            )
            self.gone(self.name)
            return None
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and (place := waiter.result()) is not None:
                self.give_back(place)  # handed over just as the request was cancelled
            raise

    def give_back(self, place: _Place) -> bool:
        """Whether the place went straight to a waiting request (the keeper has nothing to do then)."""
        now = time.monotonic()
        if now - place.since < TENURE_SECONDS and self._hand_over(place):
            return True
        if now - place.since >= TENURE_SECONDS:
            self.leaving.append(place)
        else:
            place.freed = now
            self.free.append(place)
        self._nudge()
        return False

    def _hand_over(self, place: _Place | None) -> bool:
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_result(place)
                return True
        return False

    def _nudge(self) -> None:
        self.wake.set()
        if self.keeper is None or self.keeper.done():
            self.keeper = asyncio.get_running_loop().create_task(self._keep())
            self.keeper.add_done_callback(self._kept)

    def _kept(self, keeper: asyncio.Task[None]) -> None:
        if keeper.cancelled():
            return  # the loop is closing
        if (exc := keeper.exception()) is not None:
            logger.warning("budget %s: its keeper failed (%r); waiting requests keep to their own limiter", self.name, exc)
            while self._hand_over(None):
                pass
        elif self.free or self.leaving or self.waiting:
            self._nudge()  # came while the keeper was closing its client

    async def _keep(self) -> None:
        """Give back what is due, ask for what requests wait for; end when nothing has been held or
        wanted for `KEEP_CLIENT_SECONDS`."""
        async with get_client(httpx_settings=OWN_CLIENT) as client:
            try:
                while await self._work_to_do():
                    self.wake.clear()
                    now, tenure_over = time.monotonic(), bool(self.leaving)
                    idle = [p for p in self.free if now - p.freed >= self.idle_seconds]
                    self.free = deque(p for p in self.free if p not in idle)
                    self.leaving += idle
                    self._give_back_all(client, self.leaving)
                    if tenure_over:
                        self.ask_from = time.monotonic() + YIELD_SECONDS
                    self.waiting = deque(w for w in self.waiting if not w.done())
                    if self.waiting and time.monotonic() >= self.ask_from:
                        place = await self._acquire(client, self.holder)
                        if place is not None and not self._hand_over(place):
                            place.freed = time.monotonic()
                            self.free.append(place)
                        continue
                    await self._sleep()
            finally:  # also when the loop is closing: what is held goes back
                self.leaving += self.free
                self.free.clear()
                self._give_back_all(client, self.leaving)
                await asyncio.gather(*self.releasing, return_exceptions=True)

    async def _work_to_do(self) -> bool:
        """Whether a place is held or wanted, waiting up to `KEEP_CLIENT_SECONDS` for one to be."""
        deadline = time.monotonic() + KEEP_CLIENT_SECONDS
        while not (self.free or self.leaving or self.waiting):
            self.wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), deadline - time.monotonic())
            if time.monotonic() >= deadline:
                return bool(self.free or self.leaving or self.waiting)
        return True

    @property
    def idle_seconds(self) -> float:
        """How long a place no request wants stays: at least `IDLE_SECONDS`, else about as long as
        giving it back and taking one again takes (two answers of the Prefect server: rent or
        buy). Given back sooner from a slow server, a place was gone when the next burst of its
        process's requests came (traced while three flow runs start: answers of 0.3-1.2 s, a
        place given back 0.1 s before five requests of its process wanted one)."""
        return min(IDLE_SECONDS_MAX, max(IDLE_SECONDS, 2 * self.round_trip))

    def _answered(self, since: float) -> None:
        """The server answered a request sent at `since`."""
        self.round_trip += (time.monotonic() - since - self.round_trip) / 5

    async def _sleep(self) -> None:
        """Until a request comes or goes, the next ask, or the next idle place's time."""
        now = time.monotonic()
        due = [p.freed + self.idle_seconds for p in self.free]
        if self.waiting:
            due.append(self.ask_from)
        with suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), max(0.0, min(due, default=now + self.idle_seconds) - now))

    async def _acquire(self, client: PrefectClient, holder: ConcurrencyLeaseHolder | None) -> _Place | None:
        asked = time.monotonic()
        try:
            response = await client.increment_concurrency_slots_with_lease(
                names=[self.name], slots=1, mode="concurrency", lease_duration=LEASE_SECONDS, holder=holder
            )
        except httpx.HTTPError as exc:
            self._answered(asked)
            self.ask_from = time.monotonic() + POLL_SECONDS * random.uniform(0.5, 1.5)
            status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
            if status not in ASK_AGAIN:
                # no answer after the client's retries: a sync must not stop for it
                logger.warning(
                    "budget %s: the Prefect server did not answer (%s); this process keeps to its own limiter",
                    self.name,
                    f"HTTP {status}" if status else type(exc).__name__,
                )
                self.gone(self.name)
                while self._hand_over(None):
                    pass
            return None
        self._answered(asked)
        return _Place(UUID(response.json()["lease_id"]), time.monotonic())

    def _give_back_all(self, client: PrefectClient, places: list[_Place]) -> None:
        """Release each place, once: taken off `places` before it is sent, all at once, each by a
        task of its own, so neither the next place nor the keeper's next ask waits for a slow
        answer (traced under load: releases of 0.4-0.6 s, one after another). One interrupted (the
        loop closing) is not sent again by the keeper's `finally`: it may have reached the server,
        and Prefect decrements a lease released twice at once twice (measured), so the budget would
        let one request too many through from then on (the benchmark's 429s). If it had not, its
        place comes back when its lease ends."""
        while places:
            release = asyncio.get_running_loop().create_task(self._release(client, places.pop(0)))
            self.releasing.add(release)
            release.add_done_callback(self.releasing.discard)

    async def _release(self, client: PrefectClient, place: _Place) -> None:
        asked = time.monotonic()
        try:
            await client.release_concurrency_slots_with_lease(place.lease_id)
            self._answered(asked)
        except httpx.HTTPError as exc:  # after the client's retries
            logger.warning(
                "a place of budget %s was not given back (%s); its lease ends within %.0f s", self.name, exc, LEASE_SECONDS
            )


def _holder() -> ConcurrencyLeaseHolder | None:
    """The flow run asking, named on the lease as its holder."""
    run = FlowRunContext.get()
    return ConcurrencyLeaseHolder(type="flow_run", id=run.flow_run.id) if run and run.flow_run else None


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


def system_budgets(system: str) -> tuple[Budget, ...]:
    """The budgets (`shared_budgets` of its settings) of one system of `core.environment.SETTINGS`;
    none when its settings are not complete in this environment."""
    try:
        settings = settings_from_environment(SETTINGS[system])
    except (ConfigError, ValidationError):
        return ()  # this system is not configured here: nothing of it to share
    return tuple(getattr(settings, "shared_budgets", ()))


def configured_budgets() -> list[Budget]:
    """The budgets of every system whose settings are complete in this environment; a system
    registered in `core.environment.SETTINGS` joins by having them."""
    return [budget for system in SETTINGS for budget in system_budgets(system)]


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
