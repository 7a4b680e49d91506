"""The ERP port's contract for production completions (`erp.port.completions.CompletionTarget`),
for every ERP in ERPS: a run's completion lands once with ION's consumption as given, a run the
ERP cannot take is a dead letter saying why, and `find` tells after a lost answer whether it landed."""

from __future__ import annotations

from typing import Any

from erp.port import ErpAdapter
from erp.port.completions import CompletionTarget, completion_key, installations, parse_runs
from ledger import Claim
from tasks.erp import open_erp
from tests.contract.erp_port.targets import ErpUnderTest, completed_runs, environment, run, write
from tests.world import World

SEED_EXAMPLE = 1001  # the reference architecture's worked example: 7.2 + 7.8 = 15 of COMP-200, 9 of COMP-300


def target(adapter: ErpAdapter) -> CompletionTarget:
    return adapter.require(adapter.completions, "production completions")


def test_a_completion_lands_once_with_the_consumption_as_given(erp_target: ErpUnderTest, world: World) -> None:
    async def scenario() -> tuple[Any, ...]:
        env = environment()
        runs, invalid = parse_runs(await completed_runs(env, [SEED_EXAMPLE]))
        async with open_erp(env) as adapter:
            completions = target(adapter)
            planned = await completions.plan(runs)
            first = await write(env, completions.writer(), planned.ready, planned.dead_letters, adapter.concurrency)
            again = await write(env, completions.writer(), (await completions.plan(runs)).ready)
        return runs, invalid, planned, first, again

    runs, invalid, planned, first, again = run(scenario())
    assert not invalid and not planned.dead_letters
    assert [item.key for item in planned.ready] == [completion_key(SEED_EXAMPLE)]
    assert len(first.posted) == 1 and not first.dead_letters and not first.failed
    assert not again.posted and again.already_posted == 1  # a second run writes nothing
    [landed] = erp_target.completions(world, completion_key(SEED_EXAMPLE))
    consumed: dict[str, float] = {}
    for row in installations(runs):
        consumed[row.part_number] = round(consumed.get(row.part_number, 0.0) + row.quantity, 6)
    assert landed.quantities == consumed == {"COMP-200": 15.0, "COMP-300": 9.0}


def test_a_run_the_erp_cannot_take_is_a_dead_letter_saying_why_and_nothing_lands(erp_target: ErpUnderTest, world: World) -> None:
    # The demo's bad runs: an unmapped part (1006), an unmapped ION location (1007), an unknown work order (1008).
    why = {1006: "PROTO-9", 1007: "ION location 13", 1008: "WO9999"}

    async def scenario() -> tuple[Any, ...]:
        env = environment()
        runs, _ = parse_runs(await completed_runs(env, list(why)))
        async with open_erp(env) as adapter:
            completions = target(adapter)
            planned = await completions.plan(runs)
            report = await write(env, completions.writer(), planned.ready, planned.dead_letters)
        return planned, report

    planned, report = run(scenario())
    assert planned.ready == [] and report.posted == []
    reasons = {letter.key: letter.reason for letter in planned.dead_letters}
    assert set(reasons) == {completion_key(run_id) for run_id in why}
    for run_id, named in why.items():
        assert named in reasons[completion_key(run_id)] and f"run {run_id}" in reasons[completion_key(run_id)]
        assert erp_target.completions(world, completion_key(run_id)) == []
    assert {row["key"] for row in report.dead_letters} == set(reasons)


def test_find_tells_after_a_lost_answer_and_a_rewrite_does_not_duplicate(erp_target: ErpUnderTest, world: World) -> None:
    key = completion_key(1002)

    async def scenario() -> tuple[Any, ...]:
        env = environment()
        runs, _ = parse_runs(await completed_runs(env, [1002]))
        async with open_erp(env) as adapter:
            completions = target(adapter)
            planned = await completions.plan(runs)
            before = await completions.writer().find(Claim(key, "ion:run:1002", 0))
            erp_target.drop_answers(world, True)
            lost = await write(env, completions.writer(), planned.ready)
            erp_target.drop_answers(world, False)
            found = await completions.writer().find(Claim(key, "ion:run:1002", 1))
            retried = await write(env, completions.writer(), planned.ready)
        return before, lost, found, retried

    before, lost, found, retried = run(scenario())
    assert before is None  # nothing there yet: find never guesses
    assert lost.failed == 1 and not lost.posted  # the write committed, its answer was lost: not known to be posted
    assert found  # ... but find sees it
    assert [row["target id"] for row in retried.posted] == [found]
    assert len(erp_target.completions(world, key)) == 1
