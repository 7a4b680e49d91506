"""The PLM → ION capabilities of every adapter: released items, multi-level eBOMs, changes, routings."""

from __future__ import annotations

from typing import Any

import pytest

from plm.port import PlmAdapter
from tasks.plm import LACKS
from tests.contract.plm_port.cases import PlmCase


def _require(adapter: PlmAdapter, capability: str) -> Any:
    found = getattr(adapter, capability)
    if found is None:
        pytest.skip(f"{adapter.name} has no {capability} capability")
    return found


async def test_released_items_carry_revision_lifecycle_state_and_drawing_link(plm_case: PlmCase) -> None:
    async with plm_case.open() as adapter:
        assert adapter.key == plm_case.name
        found = await _require(adapter, "items").released()
    by_number = {i.number: i for i in found.released}
    assert set(by_number) == plm_case.released
    assert plm_case.unreleased in found.known and any(plm_case.unreleased in s for s in found.skipped)
    for item in found.released:
        assert item.revision and item.phase and item.key
        assert item.source_ref.startswith(f"{plm_case.name}:")
        assert item.drawing_url is None or item.drawing_url.startswith("http")
    assert by_number[plm_case.assembly].assembly


async def test_a_selection_by_part_number_reads_only_those(plm_case: PlmCase) -> None:
    async with plm_case.open() as adapter:
        found = await _require(adapter, "items").released([plm_case.assembly])
    assert [i.number for i in found.released] == [plm_case.assembly]


async def test_the_ebom_is_multi_level_parents_first(plm_case: PlmCase) -> None:
    async with plm_case.open() as adapter:
        items = await _require(adapter, "items").released()
        top = next(i for i in items.released if i.number == plm_case.assembly)
        levels = await _require(adapter, "boms").ebom(top)
    assert levels[0].item.number == plm_case.assembly and levels[0].problem is None
    assert {line.number: line.quantity for line in levels[0].lines} == plm_case.ebom
    assert all(line.revision for line in levels[0].lines)  # the child revision it is built at
    assert plm_case.sub_assembly in [level.item.number for level in levels[1:]]
    assert len({level.item.key for level in levels}) == len(levels)  # each assembly once


async def test_an_effective_change_names_effective_and_superseded_revisions_and_is_acknowledged_once(plm_case: PlmCase) -> None:
    part, effective, superseded = plm_case.changed
    async with plm_case.open() as adapter:
        changes = _require(adapter, "changes")
        found = await changes.effective(None)
        change = next(c for c in found if any(a.effective.number == part for a in c.affected))
        affected = next(a for a in change.affected if a.effective.number == part)
        assert (affected.effective.revision, affected.superseded_revision, affected.released) == (effective, superseded, True)
        assert change.number and change.source_ref.startswith(f"{plm_case.name}:")
        await changes.acknowledge(change)
        again = await changes.effective(change.effective_at)
    if change.event is not None:  # a queued change is handed over until acknowledged, then no more
        assert all(c.event != change.event for c in again)


async def test_routings_are_ordered_operations_with_drawing_links(plm_case: PlmCase) -> None:
    async with plm_case.open() as adapter:
        routings = _require(adapter, "routings")
        items = await _require(adapter, "items").released()
        found = await routings.routings(items.released)
    assert found.routings, found.skipped
    for routing in found.routings:
        sequences = [step.sequence for step in routing.steps]
        assert sequences == sorted(sequences) and all(step.title for step in routing.steps)
        assert routing.revision and routing.source_ref.startswith(f"{plm_case.name}:")
        assert routing.item.number in plm_case.released


async def test_what_the_registry_says_a_plm_lacks_is_what_its_adapter_leaves_none(plm_case: PlmCase) -> None:
    """`tasks.plm.LACKS` decides deployments and health without opening a PLM; it must say what
    the opened adapter says by its None capabilities."""
    capabilities = {"items", "boms", "routings", "changes", "as_built", "nonconformances", "inspections", "traceability"}
    async with plm_case.open() as adapter:
        none = {c for c in capabilities if getattr(adapter, c) is None}
    assert none == LACKS.get(plm_case.name, frozenset())
