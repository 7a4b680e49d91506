"""Vendor budgets held in Prefect global concurrency limits, shared by processes (`tasks.budgets`)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from prefect.client.orchestration import get_client
from typer.testing import CliRunner

import tasks.budgets
from connectors.shared_budget import Budget, held
from ion_sync.cli import app
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
        async with get_client() as client:  # places no request wants go back by themselves
            for _ in range(300):
                if (await client.read_global_concurrency_limit_by_name(shared.name)).active_slots == 0:
                    break
                await asyncio.sleep(0.1)
            else:
                pytest.fail("places were kept after the requests ended")

    asyncio.run(main())
    assert peak[shared.name] == 2  # both holders, one budget: never more than its limit


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


@pytest.fixture
def budgets_left_behind():
    """The limits `ion-sync budgets` creates are deleted afterwards: a later test's killed child
    must not leave places in them that this worker's test server (no repossessor) never frees."""
    yield

    async def delete() -> None:
        async with get_client() as client:
            for limit in await client.read_global_concurrency_limits(limit=200):
                if not limit.name.startswith("test-"):
                    await client.delete_global_concurrency_limit_by_name(limit.name)

    asyncio.run(delete())


def test_ion_sync_budgets_creates_each_configured_budget_once(world, budgets_left_behind):
    first = CliRunner().invoke(app, ["budgets"])
    assert first.exit_code == 0, first.output
    assert "netsuite-1234567_sb1-concurrency: 5 at once (NetSuite requests in flight)" in first.output
    again = CliRunner().invoke(app, ["budgets"])
    assert "unchanged netsuite-1234567_sb1-concurrency" in again.output
