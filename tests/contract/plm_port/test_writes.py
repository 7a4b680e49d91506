"""The ION → PLM capabilities of every adapter: each record planned, written once through the
engine, found again by the writer's `find` (a second run with a lost ledger adds nothing), and a
record the PLM has no place for a dead letter naming it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from core.lookup_writer import write_lookups
from ledger import Claim, Ledger
from plm.port.as_built import AsBuilt
from plm.port.inspections import InspectionResult, Measurement
from plm.port.nonconformances import Nonconformance
from plm.port.traceability import ProcedureUsed, TraceabilityRecord
from plm.port.writes import Component, Unit
from tests.contract.plm_port.cases import PlmCase

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _records(number: str, revision: str) -> dict[str, Callable[[str], Any]]:
    """One record of each kind for a unit of `number` (`tag` keeps keys apart)."""

    def unit(tag: str) -> Unit:
        return Unit(number, revision, 1.0, serial=f"SN-{tag}", unit_id=f"9{tag}")

    parts = [Component("MOD-20", "A", 1.0, 1.0, serial="M-9"), Component("RES-10", "A", 4.0, 4.0, lot="L-9")]
    return {
        "as_built": lambda tag: AsBuilt(unit(tag), f"8{tag}", parts, "Build", AT),
        "nonconformances": lambda tag: Nonconformance(
            f"7{tag}", "Solder bridge", "REWORK", unit(tag), "IN_REVIEW", f"8{tag}", "Build", "bridge", "none"
        ),
        "inspections": lambda tag: InspectionResult(
            unit(tag), f"8{tag}", "Build v1", [Measurement("Test", "RF power", 27.1, "dBm", passed=True)], AT
        ),
        "traceability": lambda tag: TraceabilityRecord(unit(tag), f"8{tag}", [ProcedureUsed("Build", "1")], parts, AT),
    }


KINDS = ["as_built", "nonconformances", "inspections", "traceability"]


@pytest.mark.parametrize("kind", KINDS)
async def test_each_record_lands_once_and_is_found_again(plm_case: PlmCase, kind: str, tmp_path) -> None:
    number, revision = plm_case.unit
    record = _records(number, revision)[kind]("1")
    async with plm_case.open() as adapter:
        target = getattr(adapter, kind)
        if target is None:
            pytest.skip(f"{adapter.name} has no {kind} capability")
        await adapter.check_setup()
        planned = await target.plan([record])
        assert [p.key for p in planned.ready] == [record.key] and planned.dead_letters == []

        first = await _write(tmp_path / "ledger.db", target, planned, f"plm-contract-{kind}")
        assert len(first.posted) == 1 and not first.dead_letters
        landed = first.posted[0]["target id"]
        # What the engine asks when an earlier attempt's outcome is unknown (a run killed after the
        # write): the writer finds the record in the PLM, so it is not written twice.
        writer = target.writer(f"plm-contract-{kind}")
        await writer.prepare((await target.plan([record])).ready)
        assert await writer.find(Claim(record.key, record.source_ref, attempts=1)) == landed


@pytest.mark.parametrize("kind", KINDS)
async def test_a_record_for_a_part_the_plm_lacks_is_a_dead_letter_naming_it(plm_case: PlmCase, kind: str) -> None:
    record = _records("NOT-A-PART-77", "A")[kind]("2")
    async with plm_case.open() as adapter:
        target = getattr(adapter, kind)
        if target is None:
            pytest.skip(f"{adapter.name} has no {kind} capability")
        await adapter.check_setup()
        planned = await target.plan([record])
    assert planned.ready == [] and [d.key for d in planned.dead_letters] == [record.key]
    assert "NOT-A-PART-77" in planned.dead_letters[0].reason


async def _write(path: Any, target: Any, planned: Any, integration: str) -> Any:
    ledger = Ledger(f"sqlite:///{path}")
    try:
        return await write_lookups(ledger, ledger.start_run(integration, None), target.writer(integration), planned.ready)
    finally:
        ledger.close()
