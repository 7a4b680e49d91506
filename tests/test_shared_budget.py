"""Vendor budgets held in Prefect global concurrency limits, shared by processes (`tasks.budgets`)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings
from typer.testing import CliRunner

import tasks.budgets
from connectors.shared_budget import Budget, held
from ion_sync.cli import app
from tasks import budgets
from tasks.budgets import PrefectBudgets, create_budgets

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_two_holders_stay_inside_one_limit_together_and_a_budget_without_one_is_left_alone():
    """Two holders, as two worker processes would have, each with more requests than the limit."""
    shared = Budget(f"test-{uuid.uuid4().hex[:8]}-concurrency", 2)
    alone = Budget(f"test-{uuid.uuid4().hex[:8]}-nowhere", 1)  # no limit of this name: in-process only
    in_flight = {shared.name: 0}
    peak = dict(in_flight)

    async def request(holder: PrefectBudgets, budget: Budget) -> None:
        async with holder.hold((budget,)):
            in_flight[budget.name] += 1
            peak[budget.name] = max(peak[budget.name], in_flight[budget.name])
            await asyncio.sleep(0.05)
            in_flight[budget.name] -= 1

    async def main() -> None:
        await create_budgets([shared])
        first, second = PrefectBudgets(), PrefectBudgets()
        await asyncio.gather(*(request(holder, shared) for holder in (first, second) for _ in range(6)))
        async with asyncio.timeout(30):  # a one-place budget held three times at once: not enforced here
            async with first.hold((alone,)), first.hold((alone,)), first.hold((alone,)):
                pass
        assert await _active_slots_after(shared.name, 30) == 0, "places were kept after the requests ended"

    asyncio.run(main())
    assert peak[shared.name] == 2  # both holders, one budget: never more than its limit


async def _active_slots_after(name: str, seconds: float) -> int:
    """The limit's places still taken once `seconds` have passed (or as soon as none are)."""
    async with get_client() as client:
        for _ in range(int(seconds * 10)):
            active = (await client.read_global_concurrency_limit_by_name(name)).active_slots
            if active == 0:
                return 0
            await asyncio.sleep(0.1)
        return active


def test_places_taken_in_a_flow_run_go_back_when_it_ends_not_when_their_lease_does():
    """The flow run's Prefect client is closed by the time its places are idle: they must still go
    back (they used to wait out their 60 s lease, starving every other worker of the budget)."""
    budget = Budget(f"test-{uuid.uuid4().hex[:8]}-concurrency", 3)
    holder = PrefectBudgets()

    @flow(persist_result=False)
    async def three_at_once() -> None:
        async def request() -> None:
            async with holder.hold((budget,)):
                await asyncio.sleep(0.05)

        await asyncio.gather(*(request() for _ in range(3)))

    async def main() -> int:
        await create_budgets([budget])
        await three_at_once()
        return await _active_slots_after(budget.name, 10)

    assert asyncio.run(main()) == 0


def test_without_a_holder_a_budget_costs_nothing():
    async def main() -> None:
        async with held(Budget("anything", 1)), held(Budget("anything", 1)):
            pass  # two at once of a one-place budget: no holder, no waiting

    asyncio.run(main())


def test_a_budget_whose_places_a_killed_worker_holds_does_not_stop_a_sync(monkeypatch, caplog):
    """The only place is held by a lease nobody gives back (a SIGKILLed worker, a server not
    running its repossessor): the request goes ahead under the in-process limiter, said in the log."""
    budget = Budget(f"test-{uuid.uuid4().hex[:8]}-concurrency", 1)
    monkeypatch.setattr(tasks.budgets, "STUCK_SECONDS", 0.5)

    async def main() -> None:
        await create_budgets([budget])
        async with get_client() as client:  # the killed worker's place
            await client.increment_concurrency_slots_with_lease(
                names=[budget.name], slots=1, mode="concurrency", lease_duration=60
            )
        async with asyncio.timeout(30), PrefectBudgets().hold((budget,)):
            pass

    asyncio.run(main())
    assert "no place came free" in caplog.text


def test_ion_sync_budgets_creates_each_configured_budget_once(world, budgets_left_behind):
    first = CliRunner().invoke(app, ["budgets"])
    assert first.exit_code == 0, first.output
    assert "netsuite-1234567_sb1-concurrency: 5 at once (NetSuite requests in flight)" in first.output
    again = CliRunner().invoke(app, ["budgets"])
    assert "unchanged netsuite-1234567_sb1-concurrency" in again.output


def test_a_prefect_server_too_busy_to_answer_is_asked_again_after_a_poll_even_past_the_clients_retries(monkeypatch):
    """SQLite's 503 "database is locked": the Prefect client would wait 2 s before asking again,
    and a process that gave up on the budget once its retries ran out would send beside it."""
    lease = str(uuid.uuid4())
    answers = [httpx.Response(503, json={"exception_message": "Service Unavailable"})] * 3  # one retry: 2 asks, then 1

    def server(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else httpx.Response(200, json={"lease_id": lease, "limits": []})

    monkeypatch.setattr(budgets, "OWN_CLIENT", {**budgets.OWN_CLIENT, "transport": httpx.MockTransport(server)})
    budget = Budget(f"test-{uuid.uuid4().hex[:8]}-concurrency", 1)
    holder = PrefectBudgets()

    async def one_request() -> float:
        await create_budgets([budget])
        await holder.shared(budget)  # found on the real server; places are asked of the busy one
        started = time.monotonic()
        with temporary_settings({PREFECT_CLIENT_MAX_RETRIES: 1}):
            async with holder.hold((budget,)):
                return time.monotonic() - started

    assert asyncio.run(one_request()) < 1.0 and not answers
    assert holder._on_server[budget.name], "the process went on beside the budget"


def test_a_place_whose_release_the_closing_loop_interrupted_is_not_released_again(monkeypatch):
    """Prefect decrements a lease released twice at once twice: the budget would then let one
    request too many through for good. The loop closes while a release is on its way."""
    lease = str(uuid.uuid4())
    released: list[str] = []
    monkeypatch.setattr(
        budgets, "OWN_CLIENT", {**budgets.OWN_CLIENT, "transport": _sitting_on_the_first_release(iter([lease]), released)}
    )
    budget = Budget(f"test-{uuid.uuid4().hex[:8]}-concurrency", 1)
    holder = PrefectBudgets()

    async def one_request_then_end() -> None:
        await create_budgets([budget])
        await holder.shared(budget)
        async with holder.hold((budget,)):
            pass
        while not released:  # the place went back after IDLE_SECONDS: its release is on its way
            await asyncio.sleep(0.02)

    asyncio.run(one_request_then_end())  # closing the loop cancels the keeper mid-release
    assert released == [lease]


def test_a_release_the_server_is_slow_to_answer_does_not_hold_back_the_next(monkeypatch):
    """Two places go back at once and the server sits on the first release: the second still goes
    back (one after the other, a slow answer kept the next place from every other worker)."""
    leases = [str(uuid.uuid4()), str(uuid.uuid4())]
    released: list[str] = []
    monkeypatch.setattr(
        budgets, "OWN_CLIENT", {**budgets.OWN_CLIENT, "transport": _sitting_on_the_first_release(iter(leases), released)}
    )
    budget = Budget(f"test-{uuid.uuid4().hex[:8]}-concurrency", 2)
    holder = PrefectBudgets()

    async def two_requests_then_both_places_back() -> None:
        await create_budgets([budget])
        await holder.shared(budget)

        async def request() -> None:
            async with holder.hold((budget,)):
                await asyncio.sleep(0.05)

        await asyncio.gather(request(), request())
        async with asyncio.timeout(20):
            while len(released) < 2:
                await asyncio.sleep(0.02)

    asyncio.run(two_requests_then_both_places_back())
    assert sorted(released) == sorted(leases)


def _sitting_on_the_first_release(leases: Iterator[str], released: list[str]) -> httpx.MockTransport:
    """A Prefect API that grants each ask the next of `leases`, records each release in `released`
    and sits 30 s on the answer to the first."""

    async def server(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/decrement-with-lease"):
            released.append(json.loads(request.content)["lease_id"])
            if len(released) == 1:
                await asyncio.sleep(30)
            return httpx.Response(204)
        if request.url.path.endswith("/increment-with-lease"):
            return httpx.Response(200, json={"lease_id": next(leases), "limits": []})
        return httpx.Response(404)  # no CSRF token endpoint: an older server, to the client

    return httpx.MockTransport(server)
