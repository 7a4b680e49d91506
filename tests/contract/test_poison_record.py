"""One bad record never halts an integration: fed a poison record among good ones, every
writer completes, posts the good records (counted in the simulators), makes the poison record
a dead letter naming the record and the field, leaves no key `pending`, and moves its
watermark past it (issue 12 §1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from tests.world import World

pytestmark = pytest.mark.usefixtures("prefect_api")

LATE = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # after every demo record


@dataclass(frozen=True)
class Poisoned:
    """A writer, how to slip a poison record in among its good ones, and what must come out."""

    writer: str  # the deployment (= the ledger integration)
    seed: Callable[[World], None]
    landed: Callable[[World], int]  # good records in the target afterwards
    good: int
    poison_key: str
    names: tuple[str, ...]  # the reason names the record and the field
    watermark: bool = True  # False: the writer keeps no watermark (it reads by state, not by time)


def consumption(world: World) -> None:
    # The record: a per-parent quantity of 1e308 (NetSuite holds nothing like it).
    world.add_run({
        "id": 1010, "title": "Build ASSY-100 for WO1004", "endTime": LATE.isoformat(), "workOrder": "WO1004",
        "produces": {"partNumber": "ASSY-100", "quantity": 2, "locationId": 3},
        "installations": [{"partNumber": "COMP-200", "perParent": 1e308, "locationId": 2, "quantity": 1}],
    })


CASES = [
    Poisoned(
        "consumption-sync", consumption, lambda w: len(w.completions()), 5, "ion:run:1010:completion",
        ("run 1010", "quantityInstalledPerParentPartInventory"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.writer)
def test_a_poison_record_is_a_dead_letter_and_the_rest_posts(world: World, case: Poisoned) -> None:
    case.seed(world)
    result = run_deployment(case.writer)
    assert result.state == "Completed", result.message
    assert case.landed(world) == case.good
    ledger = Ledger(world.ledger_url)
    dead = {e.key: e.reason or "" for e in ledger.entries(case.writer, EntryStatus.dead)}
    assert case.poison_key in dead, sorted(dead)
    assert all(name in dead[case.poison_key] for name in case.names), dead[case.poison_key]
    assert ledger.entries(case.writer, EntryStatus.pending) == []
    if case.watermark:
        assert ledger.watermark(case.writer) is not None
