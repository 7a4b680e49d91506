"""Duro behind the PLM port, against the simulator in this process: released components as items
(the rest skipped with why), the multi-level eBOM parents first, approved change orders as
changes, and ION NCRs as draft change orders written exactly once through the engine, also
when an answer is lost after Duro committed or the change order moved on (stale version)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import DataError
from core.lookup_writer import LookupWriter, write_lookups
from ledger import EntryStatus, Ledger
from plm.duro.adapter import adapter
from plm.port import PlmAdapter
from plm.port.nonconformances import Nonconformance
from plm.port.writes import Unit
from sandbox.faults import FaultConfig
from tests.duro_helpers import duro_app, duro_client

INTEGRATION = "plm-feedback-sync-duro"


@pytest.fixture
def app() -> Any:
    return duro_app()


async def test_released_components_become_items_and_the_rest_say_why(app: Any):
    async with duro_client(app, page_size=3) as duro:
        found = await adapter(duro).require(adapter(duro).items, "items").released()
    numbers = {item.number: item for item in found.released}
    assert set(numbers) == {"COMP-200", "COMP-300", "BRKT-7", "RES-10", "MOD-20", "ASSY-100", "SAT-500"}
    assert numbers["ASSY-100"].revision == "B" and numbers["ASSY-100"].phase == "Production" and numbers["ASSY-100"].assembly
    assert not numbers["COMP-200"].assembly and numbers["SAT-500"].source_ref.startswith("duro:item:")
    assert found.skipped == ["ANT-30 rev A: lifecycle status 'Design' is not released (Production)"]
    assert "ANT-30" in found.known


async def test_the_ebom_is_every_level_parents_first_each_assembly_once(app: Any):
    async with duro_client(app) as duro:
        plm = adapter(duro)
        item = next(i for i in (await plm.items.released(["SAT-500"])).released)  # type: ignore[union-attr]
        levels = await plm.require(plm.boms, "eBOMs").ebom(item)
    assert [level.item.number for level in levels] == ["SAT-500", "MOD-20"]
    top = {line.number: line for line in levels[0].lines}
    assert top["RES-10"].quantity == 4 and top["RES-10"].refdes == ("R1", "R2", "R3", "R4")
    assert top["MOD-20"].revision == "A"
    assert [(line.number, line.quantity) for line in levels[1].lines] == [("RES-10", 2)]


async def test_only_the_current_revisions_children_are_readable(app: Any):
    async with duro_client(app) as duro:
        plm = adapter(duro)
        assembly = (await plm.items.released(["ASSY-100"])).released[0]  # type: ignore[union-attr]
        current = await plm.boms.lines(f"{assembly.key}@B")  # type: ignore[union-attr]
        assert {line.number: line.quantity for line in current} == {"COMP-200": 5, "COMP-300": 2.5, "BRKT-7": 2}
        with pytest.raises(DataError, match="current revision only"):
            await plm.boms.lines(f"{assembly.key}@A")  # type: ignore[union-attr]


async def test_approved_change_orders_are_changes_with_their_superseded_revision(app: Any):
    async with duro_client(app) as duro:
        changes = adapter(duro).require(adapter(duro).changes, "changes")
        found = await changes.effective(None)
        assert [c.number for c in found] == ["CO-00001"]
        (affected,) = found[0].affected
        assert (affected.effective.number, affected.effective.revision, affected.superseded_revision) == ("ASSY-100", "B", "A")
        assert affected.released and affected.effective.plm_number == "300-00002"
        assert found[0].effective_at is not None and found[0].source_ref == "duro:change:CO-00001"
        assert await changes.effective(found[0].effective_at + timedelta(seconds=1)) == []
        assert await changes.effective(datetime(2000, 1, 1, tzinfo=UTC)) != []
        assert await changes.effective(datetime(2000, 1, 1)) != []  # a watermark read back naive is UTC


async def test_routings_and_file_records_are_not_supported(app: Any):
    async with duro_client(app) as duro:
        plm: PlmAdapter = adapter(duro)
    assert plm.routings is None and plm.as_built is None and plm.inspections is None and plm.traceability is None


def ncr(issue: str, part: str = "ASSY-100") -> Nonconformance:
    return Nonconformance(issue, "Cracked bracket", "REWORK", Unit(part, "A", serial=f"SN{issue}"), "OPEN", "1005", "Build")


async def feed(app: Any, ledger: Ledger, records: list[Nonconformance]) -> tuple[int, int, int]:
    async with duro_client(app) as duro:
        target = adapter(duro).require(adapter(duro).nonconformances, "NCRs")
        planned = await target.plan(records)
        writer = target.writer(INTEGRATION)
        assert isinstance(writer, LookupWriter)
        report = await write_lookups(ledger, ledger.start_run(INTEGRATION), writer, planned.ready, planned.dead_letters)
    return len(report.posted), len(report.dead_letters), report.failed


def orders(app: Any) -> dict[str, list[str]]:
    with app.state.library.lock:
        return {
            co["name"]: [c["id"] for c in co["affectedItems"]["components"]] for co in app.state.library.find_change_orders(None)
        }


async def test_an_ncr_is_one_draft_change_order_on_its_component_once(app: Any, tmp_path: Path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")  # the engine's backends have their own suite
    assert await feed(app, ledger, [ncr("12"), ncr("13", part="NOT-IN-DURO")]) == (1, 1, 0)
    assert await feed(app, ledger, [ncr("12")]) == (0, 0, 0)  # already posted: nothing sent
    assert orders(app)["[ION NCR 12] Cracked bracket"] == ["cmp_30000002"]
    assert len(orders(app)) == 2  # the demo's change order and this one


async def test_a_change_order_committed_but_unanswered_is_found_not_made_again(app: Any, tmp_path: Path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")  # the engine's backends have their own suite
    app.state.faults.configure(FaultConfig(error_after_commit_rate=1.0))  # every write commits, then answers 500
    assert await feed(app, ledger, [ncr("21")]) == (0, 0, 1)
    app.state.faults.configure(FaultConfig(script=[None, None, 503]))  # reads pass, adding the item fails
    assert await feed(app, ledger, [ncr("22")]) == (0, 0, 1)
    app.state.faults.configure(FaultConfig())
    assert await feed(app, ledger, [ncr("21"), ncr("22")]) == (2, 0, 0)
    made = orders(app)
    assert [name for name in made if name.startswith("[ION NCR 2")] == [
        "[ION NCR 21] Cracked bracket",
        "[ION NCR 22] Cracked bracket",
    ]
    assert all(made[name] == ["cmp_30000002"] for name in made if name.startswith("[ION NCR 2"))
    assert ledger.statuses(INTEGRATION, [ncr("21").key, ncr("22").key]) == {
        ncr("21").key: EntryStatus.posted,
        ncr("22").key: EntryStatus.posted,
    }


async def test_a_change_order_edited_meanwhile_is_read_again_not_overwritten(app: Any, tmp_path: Path):
    """Between our read and our write someone adds a component: Duro refuses the stale version,
    the record stays `failed`, the next run reads the new version and completes it."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")  # the engine's backends have their own suite
    library = app.state.library
    app.state.faults.configure(FaultConfig(script=[None, None, 503]))
    assert await feed(app, ledger, [ncr("31")]) == (0, 0, 1)  # created, item not added
    app.state.faults.configure(FaultConfig())
    async with duro_client(app) as duro:
        target = adapter(duro).nonconformances
        planned = await target.plan([ncr("31")])  # type: ignore[union-attr]
        lookup = planned.ready[0].record
        assert await lookup.find() is None  # found without its component: remembered at its version
        with library.lock:
            row = next(co for co in library.change_orders.values() if co["name"].startswith("[ION NCR 31]"))
            library.add_items(row["id"], {"componentIds": ["cmp_20000001"], "expectedVersion": row["version"]})
        with pytest.raises(Exception, match="VERSION_CONFLICT"):
            await lookup.write()
    assert await feed(app, ledger, [ncr("31")]) == (1, 0, 0)
    assert sorted(orders(app)["[ION NCR 31] Cracked bracket"]) == ["cmp_20000001", "cmp_30000002"]


async def test_preflight_passes_on_the_demo_library_and_names_the_setting_to_fix(app: Any):
    from plm.duro.preflight import preflight_checks

    checks = await preflight_checks(duro_client(app))
    assert [(c.name, c.ok) for c in checks] == [
        ("Duro credentials", True),
        ("Duro part numbers", True),
        ("Duro released statuses", True),
        ("Duro change orders", True),
    ]
    wrong = await preflight_checks(duro_client(app, part_number_field="cpn", released_statuses=["Released"], api_key="x"))
    assert [(c.name, c.ok) for c in wrong] == [("Duro credentials", False)] and "DURO_API_KEY" in wrong[0].fix
    statuses = await preflight_checks(duro_client(app, released_statuses=["Released"]))
    failed = next(c for c in statuses if c.name == "Duro released statuses")
    assert not failed.ok and "Production (7)" in failed.detail and "DURO_RELEASED_STATUSES" in failed.fix
