"""labor-sync for Business Central, exactly once when BC's time registration entries carry no key
of ours (README fact 27): an entry whose create BC committed but whose answer never reached the
ledger (a lost answer, a SIGKILL) is found again by what the ledger kept before writing, even after
the session was edited in ION, and corrected in place, never booked a second time; a correction
that failed is finished on the entry it was correcting, not made a new entry."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from erp.business_central.attribution import Attribution
from erp.business_central.time_entries import ENTRIES, TimeRegistrationWriter
from ion_sync.runner import run_deployment
from ledger import Claim, EntryStatus, Ledger, Outcome
from ledger.store import ClaimRequest
from tests.business_central_helpers import InProcessBc
from tests.labor_helpers import edit_session
from tests.process_helpers import sync_process
from tests.world import World

pytestmark = pytest.mark.usefixtures("prefect_api")
DEPLOYMENT = INTEGRATION = "labor-sync-business-central"
CHECK_IN = {1: "07:15", 2: "07:30", 3: "08:15", 4: "08:20", 5: "09:15"}  # the demo's sessions, 2026-11-20
EMPLOYEE = {1: "E001", 2: "E002", 3: "E001", 4: "E002", 5: "E001"}  # alice, bob


def entries(world: World) -> list[dict[str, Any]]:
    return list(world.admin("business_central", "GET", "entities/timeRegistrationEntries")["value"])


def check_out_later(world: World, session: int) -> float:
    """Edit the session's check-out to 11:<session> in ION; returns its new hours."""
    edit_session(world, session, checkOut=f"2026-11-20T11:{session:02d}:00Z")
    hours, minutes = map(int, CHECK_IN[session].split(":"))
    return round((11 * 60 + session - hours * 60 - minutes) / 60, 5)


def test_a_lost_create_then_an_edit_corrects_the_entry_it_made_never_books_twice(world: World, monkeypatch) -> None:
    for name, value in {"BUSINESS_CENTRAL_RETRY__ATTEMPTS": "2", "BUSINESS_CENTRAL_RETRY__INITIAL_WAIT": "0.01"}.items():
        monkeypatch.setenv(name, value)
    # Employees, projects, production orders and the look before creating are answered; BC commits
    # the create and the answer is lost; the look after it fails too: only BC knows the entry exists.
    world.faults("business_central", drop_after_commit_rate=1.0, script=[None] * 5 + [503] * 2)
    first = run_deployment(DEPLOYMENT, {"session_ids": [1]})
    assert first.summary is not None and first.summary.failed == 1, first.line()
    assert world.stats("business_central")["injected"].get("drop_after_commit") == 1
    [lost] = entries(world)
    assert lost["quantity"] == 0.5
    world.faults("business_central")

    hours = check_out_later(world, 1)
    second = run_deployment(DEPLOYMENT, {"session_ids": [1]})

    assert second.ok and second.summary is not None and second.summary.posted == 1, second.line()
    [entry] = entries(world)  # the one the lost create made, corrected: not a second one
    assert (entry["id"], entry["employeeNumber"], entry["quantity"]) == (lost["id"], "E001", hours)
    [key] = Ledger(world.ledger_url).entries(INTEGRATION, keys=["ion:session:1:time"])
    assert (key.status, key.target_id) == (EntryStatus.posted, lost["id"])


@pytest.mark.slow  # a child process, SIGKILLed
def test_a_run_killed_after_bc_committed_then_edits_leave_one_entry_per_session(world: World, tmp_path) -> None:
    world.env["BUSINESS_CENTRAL_CONCURRENCY"] = "1"  # one entry at a time: the page is recorded long after the first lands
    world.faults("business_central", latency_ms=300)
    killed = sync_process(world.env, tmp_path, "killed", DEPLOYMENT)
    killed.kill_once(lambda: len(entries(world)), 1)
    world.faults("business_central")
    landed = {e["id"] for e in entries(world)}
    pending = Ledger(world.ledger_url).entries(INTEGRATION, EntryStatus.pending)
    assert landed and len(pending) == len(CHECK_IN), "killed after BC committed, before the ledger recorded"

    expected = Counter((EMPLOYEE[s], check_out_later(world, s)) for s in CHECK_IN)
    rerun = run_deployment(DEPLOYMENT)

    assert rerun.ok, rerun.line()
    assert Counter((e["employeeNumber"], e["quantity"]) for e in entries(world)) == expected
    keys = Ledger(world.ledger_url).entries(INTEGRATION)
    assert {k.status for k in keys} == {EntryStatus.posted} and len(keys) == len(CHECK_IN)
    assert {k.target_id for k in keys} == {e["id"] for e in entries(world)} >= landed  # what landed was corrected, kept


def test_a_correction_that_failed_is_finished_on_the_entry_it_was_correcting(world: World, monkeypatch) -> None:
    for name, value in {"BUSINESS_CENTRAL_RETRY__ATTEMPTS": "2", "BUSINESS_CENTRAL_RETRY__INITIAL_WAIT": "0.01"}.items():
        monkeypatch.setenv(name, value)
    assert run_deployment(DEPLOYMENT, {"session_ids": [1]}).ok
    [posted] = entries(world)
    hours = check_out_later(world, 1)
    # employees, projects, production orders, the entry read for its etag: answered; the PATCH fails
    world.faults("business_central", script=[None] * 4 + [503] * 2)
    failed = run_deployment(DEPLOYMENT, {"session_ids": [1]})
    assert failed.summary is not None and failed.summary.failed == 1, failed.line()
    world.faults("business_central")

    again = run_deployment(DEPLOYMENT, {"session_ids": [1]})

    assert again.ok, again.line()
    [entry] = entries(world)
    assert (entry["id"], entry["quantity"]) == (posted["id"], hours)


async def test_an_orphan_never_takes_the_look_alike_entry_another_session_posted(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = Ledger(url)
    run = ledger.start_run(INTEGRATION)
    body = {"employeeNumber": "E001", "jobNumber": "J00010", "jobTaskNumber": "100", "date": "2026-11-20", "quantity": 0.5}
    async with InProcessBc().client() as bc:
        theirs = await bc.create(ENTRIES, body)
        ledger.claim(INTEGRATION, run, [ClaimRequest("ion:session:1:time", "ion:session:1")])
        ledger.record(INTEGRATION, run, [Outcome("ion:session:1:time", EntryStatus.posted, target_id=theirs["id"])])
        writer = TimeRegistrationWriter(bc, INTEGRATION, Attribution(url, INTEGRATION))
        orphan = Claim("ion:session:2:time", "ion:session:2", 0, resolve_first=True, intended=({"body": body},))
        assert await writer.find(orphan) is None  # a dead run meant to write the same; what BC has is session 1's
        mine = await bc.create(ENTRIES, body)  # ... had it landed, it is found
        assert await writer.find(orphan) == mine["id"]
