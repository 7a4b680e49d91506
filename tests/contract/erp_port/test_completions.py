"""The ERP port's contract for production completions (`erp.port.completions.CompletionTarget`),
for every ERP: a run's completion lands once with ION's consumption as given, a run the ERP
cannot take is a dead letter saying why, and `find` tells after a lost answer whether it landed.
ION's runs come from the `world`'s ION simulator, as consumption-sync reads them."""

from __future__ import annotations

import pytest

from erp.port.completions import CompletionTarget, completion_key, consumption_frame, parse_runs
from ledger import Claim
from tests.contract.erp_port.erps import ErpSession
from tests.contract.erp_port.ion_side import completed_runs, write

pytestmark = pytest.mark.usefixtures("world")

SEED_EXAMPLE = 1001  # the reference architecture's worked example: 7.2 + 7.8 = 15 of COMP-200, 9 of COMP-300


async def test_a_completion_lands_once_with_the_consumption_as_given(erp: ErpSession) -> None:
    completions: CompletionTarget = erp.require("completions")
    runs, invalid = parse_runs(await completed_runs([SEED_EXAMPLE]))
    planned = await completions.plan(runs)
    first = await write(completions.writer(), planned.ready, planned.dead_letters, erp.adapter.concurrency)
    again = await write(completions.writer(), (await completions.plan(runs)).ready)
    assert not invalid and not planned.dead_letters
    assert [item.key for item in planned.ready] == [completion_key(SEED_EXAMPLE)]
    assert len(first.posted) == 1 and not first.dead_letters and not first.failed
    assert not again.posted and again.already_posted == 1  # a second run writes nothing
    [landed] = await erp.books.landed("completion", completion_key(SEED_EXAMPLE))
    consumed = consumption_frame(runs).groupby("part_number")["quantity"].sum().round(6).to_dict()
    assert landed.quantities == consumed == {"COMP-200": 15.0, "COMP-300": 9.0}


async def test_a_run_the_erp_cannot_take_is_a_dead_letter_saying_why_and_nothing_lands(erp: ErpSession) -> None:
    # The demo's bad runs: an unmapped part (1006), an unmapped ION location (1007), an unknown work order (1008).
    why = {1006: "PROTO-9", 1007: "ION location 13", 1008: "WO9999"}
    completions: CompletionTarget = erp.require("completions")
    runs, _ = parse_runs(await completed_runs(list(why)))
    planned = await completions.plan(runs)
    report = await write(completions.writer(), planned.ready, planned.dead_letters)
    assert planned.ready == [] and report.posted == []
    reasons = {letter.key: letter.reason for letter in planned.dead_letters}
    assert set(reasons) == {completion_key(run_id) for run_id in why}
    for run_id, named in why.items():
        assert named in reasons[completion_key(run_id)] and f"run {run_id}" in reasons[completion_key(run_id)]
        assert await erp.books.landed("completion", completion_key(run_id)) == []
    assert {row["key"] for row in report.dead_letters} == set(reasons)


async def test_find_tells_after_a_lost_answer_and_a_rewrite_does_not_duplicate(erp: ErpSession) -> None:
    key = completion_key(1002)
    completions: CompletionTarget = erp.require("completions")
    runs, _ = parse_runs(await completed_runs([1002]))
    planned = await completions.plan(runs)
    before = await completions.writer().find(Claim(key, "ion:run:1002", 0))
    await erp.books.drop_answers(True)
    lost = await write(completions.writer(), planned.ready)
    await erp.books.drop_answers(False)
    found = await completions.writer().find(Claim(key, "ion:run:1002", 1))
    retried = await write(completions.writer(), planned.ready)
    assert before is None  # nothing there yet: find never guesses
    assert lost.failed == 1 and not lost.posted  # the write committed, its answer was lost: not known to be posted
    assert found  # ... but find sees it
    assert [row["target id"] for row in retried.posted] == [found]
    assert len(await erp.books.landed("completion", key)) == 1
