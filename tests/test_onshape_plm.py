"""The Onshape adapter (plm/onshape) against the Onshape simulator in-process: released
revisions as items, the multi-level eBOM at each revision's version, releases as changes,
and NCRs / inspections / traceability as comments written exactly once through the engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.onshape import OnshapeClient, OnshapeSettings
from connectors.retry import RetryPolicy
from core.lookup_writer import write_lookups
from ledger import Ledger
from plm.onshape.engineering import OnshapeBoms, OnshapeChanges, OnshapeItems
from plm.onshape.feedback import Revisions, nonconformances, traceability
from plm.onshape.preflight import preflight_checks
from plm.port.nonconformances import Nonconformance
from plm.port.traceability import ProcedureUsed, TraceabilityRecord
from plm.port.writes import Component, Unit
from sandbox.onshape import OnshapeSimConfig, create_app

CONFIG = OnshapeSimConfig(deliver_webhooks=False)


@pytest.fixture
async def sim() -> AsyncIterator[tuple[OnshapeClient, httpx.AsyncClient]]:
    app = create_app(CONFIG)
    transport = httpx.ASGITransport(app=app)
    settings = OnshapeSettings(
        api_url="http://sim/api/v16",
        access_key=CONFIG.access_key,
        secret_key=CONFIG.secret_key,
        company_id=CONFIG.company_id,
        page_size=2,  # every list pages
        retry=RetryPolicy(attempts=1),
    )
    async with (
        OnshapeClient(settings, transport=transport) as onshape,
        httpx.AsyncClient(transport=transport, base_url="http://sim") as admin,
    ):
        yield onshape, admin


async def test_released_items_are_the_latest_revision_of_each_part_number(sim: Any):
    onshape, _ = sim
    found = await OnshapeItems(onshape, [0, 1]).released()
    by_number = {i.number: i for i in found.released}
    assert {n: i.revision for n, i in by_number.items()} == {
        "ASSY-100": "B",
        "BRKT-7": "A",
        "COMP-200": "A",
        "COMP-300": "A",
        "MOD-20": "A",
        "RES-10": "A",
        "SAT-500": "B",
    }
    assy = by_number["ASSY-100"]
    assert assy.assembly and not by_number["COMP-200"].assembly and assy.phase == "Released"
    assert assy.drawing_url and assy.source_ref == f"onshape:item:{assy.key}"
    assert "ANT-30" in found.known and found.skipped == ["ANT-30: in progress in Onshape, never released"]
    some = await OnshapeItems(onshape, [0, 1]).released(["COMP-300", "ANT-30", "NOPE-9"])
    assert [i.number for i in some.released] == ["COMP-300"]
    assert some.skipped == ["ANT-30: in progress in Onshape, never released", "NOPE-9: no released revision in Onshape"]


async def test_the_ebom_is_every_level_at_the_revisions_version(sim: Any):
    onshape, _ = sim
    items = {i.number: i for i in (await OnshapeItems(onshape, [0, 1]).released()).released}
    levels = await OnshapeBoms(onshape).ebom(items["SAT-500"])
    assert [(level.item.number, [(line.number, line.quantity, line.revision) for line in level.lines]) for level in levels] == [
        ("SAT-500", [("MOD-20", 1, "A"), ("RES-10", 4, "A")]),
        ("MOD-20", [("RES-10", 2, "A")]),
    ]
    [assy] = await OnshapeBoms(onshape).ebom(items["ASSY-100"])
    assert [(line.number, line.quantity) for line in assy.lines] == [("COMP-200", 5), ("COMP-300", 2.5), ("BRKT-7", 2)]
    assert await OnshapeBoms(onshape).ebom(items["COMP-200"]) == []


async def test_releases_are_changes_oldest_first_each_revision_with_the_one_it_superseded(sim: Any):
    onshape, admin = sim
    changes = OnshapeChanges(OnshapeItems(onshape, [0, 1]))
    every = await changes.effective(None)
    # SAT-500 and ASSY-100 rev A are no longer effective: their later releases are the changes that count
    assert [(c.number, sorted(a.effective.number for a in c.affected)) for c in every] == [
        ("Initial release", ["BRKT-7", "COMP-200", "COMP-300", "MOD-20", "RES-10"]),
        ("SAT-500 rev B", ["SAT-500"]),
        ("ASSY-100 rev B: add bracket, reduce COMP-300", ["ASSY-100"]),
    ]
    [affected] = every[-1].affected
    assert (affected.effective.number, affected.effective.revision, affected.superseded_revision) == ("ASSY-100", "B", "A")
    assert affected.superseded_key is not None
    old = await OnshapeBoms(onshape).lines(affected.superseded_key)
    assert [(line.number, line.quantity) for line in old] == [("COMP-200", 5), ("COMP-300", 3)]

    watermark = every[-1].effective_at
    assert watermark is not None
    release = {"name": "BRKT-7 rev B", "items": [{"partNumber": "BRKT-7", "revision": "B"}]}
    assert (await admin.post("/_sandbox/releases", json=release)).status_code == 201
    later = await changes.effective(watermark + timedelta(seconds=1))
    assert [(c.number, [a.effective.revision for a in c.affected]) for c in later] == [("BRKT-7 rev B", ["B"])]


def ncr(part: str, revision: str | None, issue: str = "12") -> Nonconformance:
    unit = Unit(part, revision, serial="SN-1", unit_id="501")
    return Nonconformance(issue, "Bracket cracked at mount", "REWORK", unit, found="crack at hole 2")


async def test_an_ncr_is_one_comment_on_the_released_revision_however_often_it_is_written(sim: Any, tmp_path: Path):
    onshape, admin = sim
    target = nonconformances(onshape, Revisions(onshape))
    planned = await target.plan([ncr("ASSY-100", "A"), ncr("NOPE-1", "A", "13"), ncr("ASSY-100", "Z", "14")])
    assert [p.key for p in planned.ready] == ["ion:issue:12:ncr"]
    assert [d.reason.split(": ", 1)[1] for d in planned.dead_letters] == [
        "unit.part_number = 'NOPE-1': Onshape has no released revision of this part number",
        "unit.revision = 'Z': ASSY-100 has no such revision in Onshape (it has A, B)",
    ]
    body = planned.ready[0].body
    assert body["message"].startswith("[ION NCR 12] Bracket cracked at mount")
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    for _ in range(2):
        run = ledger.start_run("plm-ncr-sync-onshape")
        report = await write_lookups(ledger, run, target.writer("plm-ncr-sync-onshape"), planned.ready, planned.dead_letters)
        ledger.finish_run(run)
    comments = (await admin.get("/_sandbox/comments")).json()["results"]
    assert [c["message"].split("\n")[0] for c in comments] == ["[ION NCR 12] Bracket cracked at mount"]
    versions = {r.revision: r.version_id for r in await onshape.revision_history("ASSY-100")}
    assert comments[0]["versionId"] == versions["A"]
    assert report.already_posted == 1


async def test_a_comment_an_interrupted_run_left_is_found_not_written_again(sim: Any):
    onshape, admin = sim
    record = TraceabilityRecord(
        Unit("SAT-500", "B", serial="SN-9", unit_id="777"),
        "1005",
        [ProcedureUsed("Final assembly", "3")],
        [Component("MOD-20", "A", 1, lot="L-1")],
    )
    [planned] = (await traceability(onshape, Revisions(onshape)).plan([record])).ready
    assert await planned.record.find() is None
    written = await planned.record.write()
    assert await planned.record.find() == written
    assert '"lotNumber": "L-1"' in (await admin.get("/_sandbox/comments")).json()["results"][0]["message"]


async def test_the_preflight_says_when_the_key_is_no_company_admins():
    config = OnshapeSimConfig(company_admin=False, deliver_webhooks=False)
    settings = OnshapeSettings(
        api_url="http://sim/api/v16",
        access_key=config.access_key,
        secret_key=config.secret_key,
        company_id=config.company_id,
        retry=RetryPolicy(attempts=1),
    )
    async with OnshapeClient(settings, transport=httpx.ASGITransport(app=create_app(config))) as onshape:
        checks = {c.name: c for c in await preflight_checks(onshape)}
    assert checks["credentials"].ok and checks["company"].ok
    assert not checks["revisions of the company"].ok and "company admin" in checks["revisions of the company"].fix
