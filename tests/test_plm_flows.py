"""The PLM-port flows that issue 17 added, end to end against the simulators (Arena behind
the port): routings become ION procedure versions, inspection results and traceability go
back to the PLM exactly once. Nothing mocked."""

from __future__ import annotations

import json

import pytest

from connectors.errors import TransientError
from connectors.ion import IonClient
from connectors.ion.plm import CLONE_PROCEDURE
from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger, Outcome
from ledger.store import ClaimRequest
from tests.arena_helpers import ion, ion_files

pytestmark = pytest.mark.usefixtures("prefect_api")
DRAWINGS = "https://drawings.factory.example"
VERSIONS = '{ procedures(filters: {title: {eq: "%s"}}) { edges { node { version status steps { title content } } } } }'


def procedure(world, title: str) -> list[dict]:
    return [e["node"] for e in ion(world, VERSIONS % title)["procedures"]["edges"]]


# ASSY-100's procedure as its routing makes it from v1 (Op 10 Kit components, Torque witness, Op 20 Assemble)
ASSY_100_ROUTED = [
    "Op 10 Kit components",
    "Torque witness",  # added in ION after Op 10: kept there
    "Op 20 Assemble and fasten",
    "Op 30 Final inspection",
]


def test_a_routing_becomes_a_new_procedure_version_keeping_steps_added_in_ion(world):
    assert run_deployment("plm-routing-sync-arena").line() == "plm-routing-sync-arena Completed posted=2 dead_letters=0"
    old, new = procedure(world, "ASSY-100 Build routing")
    assert (old["version"], old["status"], new["version"], new["status"]) == (1, "ARCHIVED", 2, "RELEASED")
    assert [s["title"] for s in old["steps"]] == ["Op 10 Kit components", "Torque witness", "Op 20 Assemble"]  # not edited
    assert [s["title"] for s in new["steps"]] == ASSY_100_ROUTED
    assert new["steps"][2]["content"] == (
        f"Fasten the brackets with four M4 screws at 1.2 N·m.\n\nDrawing (Arena): {DRAWINGS}/ASSY-100/assembly.pdf"
    )
    [first] = procedure(world, "SAT-500 Build routing")  # no procedure yet: a new one
    assert (first["version"], first["status"], len(first["steps"])) == (1, "RELEASED", 2)

    assert run_deployment("plm-routing-sync-arena").line() == "plm-routing-sync-arena Completed posted=0 dead_letters=0"
    assert len(procedure(world, "ASSY-100 Build routing")) == 2


def test_a_routing_sync_cut_off_between_the_clone_and_its_release_finishes_that_draft(world, monkeypatch):
    # ION goes away right after the clone of v1, which still holds the old routing's "Op 20 Assemble".
    original, cut = IonClient.execute, []

    async def execute(self, query, variables=None):
        if query.is_mutation and cut == ["cloned"]:  # the first write after the clone, once
            cut.append(query.name)
            raise TransientError(f"ION {query.name}: connection failed (cut off)")
        result = await original(self, query, variables)
        if query.name == CLONE_PROCEDURE.name:
            cut.append("cloned")
        return result

    monkeypatch.setattr(IonClient, "execute", execute)
    assert run_deployment("plm-routing-sync-arena").summary.failed == 1
    assert [p["status"] for p in procedure(world, "ASSY-100 Build routing")] == ["RELEASED", "DRAFT"]

    assert run_deployment("plm-routing-sync-arena").line() == "plm-routing-sync-arena Completed posted=1 dead_letters=0"
    # That draft finished, as if never cut off: no second draft, the same steps.
    versions = procedure(world, "ASSY-100 Build routing")
    assert [(p["version"], p["status"]) for p in versions] == [(1, "ARCHIVED"), (2, "RELEASED")]
    assert [s["title"] for s in versions[1]["steps"]] == ASSY_100_ROUTED
    assert run_deployment("plm-routing-sync-arena").line() == "plm-routing-sync-arena Completed posted=0 dead_letters=0"


def release_procedure_by_hand(world, title: str, step: str, content: str) -> None:
    """A new released version of ION procedure `title` with `step`'s content changed, as someone in ION would make it."""
    query = "query ($t: String!) { procedures(filters: {title: {eq: $t}}) { edges { node { id _etag status } } } }"
    [released] = [e["node"] for e in ion(world, query, {"t": title})["procedures"]["edges"] if e["node"]["status"] == "RELEASED"]
    clone = ion(
        world,
        "mutation ($p: ID!, $e: String!) { cloneProcedure(procedureId: $p, etag: $e) { procedure { id _etag steps { id _etag title } } } }",
        {"p": released["id"], "e": released["_etag"]},
    )["cloneProcedure"]["procedure"]
    edited = next(s for s in clone["steps"] if s["title"] == step)
    ion(
        world,
        "mutation ($i: ID!, $e: String!, $c: String!) { updateStep(input: {id: $i, etag: $e, content: $c}) { step { id } } }",
        {"i": edited["id"], "e": edited["_etag"], "c": content},
    )
    ion(
        world,
        "mutation ($i: ID!, $e: String!) { updateProcedure(input: {id: $i, etag: $e, status: RELEASED}) { procedure { id } } }",
        {"i": clone["id"], "e": clone["_etag"]},
    )


def test_a_procedure_edited_back_to_what_was_applied_before_is_repaired_by_every_full_resync(world):
    assert run_deployment("plm-routing-sync-arena").line() == "plm-routing-sync-arena Completed posted=2 dead_letters=0"
    applied = procedure(world, "ASSY-100 Build routing")[-1]["steps"]
    # An edit of an operation only: the steps the routing asks for are those applied before.
    for _ in range(2):  # the same edit again after the repair: each drift is a new version to replace
        release_procedure_by_hand(world, "ASSY-100 Build routing", "Op 20 Assemble and fasten", "Hand-tighten the screws.")
        repaired = run_deployment("plm-routing-sync-arena", {"full_resync": True})
        assert repaired.line() == "plm-routing-sync-arena Completed posted=1 dead_letters=0"
        latest = procedure(world, "ASSY-100 Build routing")[-1]
        assert (latest["status"], latest["steps"]) == ("RELEASED", applied)
    assert [p["version"] for p in procedure(world, "ASSY-100 Build routing")] == [1, 2, 3, 4, 5, 6]  # one per edit and repair
    assert (
        run_deployment("plm-routing-sync-arena", {"full_resync": True}).line()
        == "plm-routing-sync-arena Completed posted=0 dead_letters=0"
    )


def test_a_key_an_interrupted_attempt_left_open_is_settled_without_writing_when_ion_already_follows(world):
    assert run_deployment("plm-routing-sync-arena").line() == "plm-routing-sync-arena Completed posted=2 dead_letters=0"
    # An attempt keyed the old way (no `@<replaced version>`) released its version, and lost the answer.
    ledger = Ledger(world.ledger_url)
    [posted] = [e.key for e in ledger.entries("arena-procedures", EntryStatus.posted) if ":ASSY-100:" in e.key]
    interrupted, run = posted.split("@")[0], ledger.start_run("plm-routing-sync-arena")
    ledger.claim("arena-procedures", run, [ClaimRequest(interrupted, "arena:routing")])
    ledger.record("arena-procedures", run, [Outcome(interrupted, EntryStatus.failed, reason="answer lost")])
    ledger.finish_run(run)

    settled = run_deployment("plm-routing-sync-arena", {"full_resync": True})
    assert settled.line() == "plm-routing-sync-arena Completed posted=1 dead_letters=0"
    assert ledger.statuses("arena-procedures", [interrupted]) == {interrupted: EntryStatus.posted}
    assert len(procedure(world, "ASSY-100 Build routing")) == 2  # found in ION, not written again


def arena_requests_of(world, deployment: str, parameters: dict | None = None) -> int:
    before = world.admin("arena", "GET", "stats")["requests"]
    assert run_deployment(deployment, parameters).state == "Completed"
    return world.admin("arena", "GET", "stats")["requests"] - before


def test_the_hourly_routing_run_reads_only_routings_revised_since_they_were_applied(world):
    assert run_deployment("plm-routing-sync-arena").line() == "plm-routing-sync-arena Completed posted=2 dead_letters=0"
    assert arena_requests_of(world, "plm-routing-sync-arena") == 1  # the item listing: both routings applied at rev A
    assert arena_requests_of(world, "plm-routing-sync-arena", {"full_resync": True}) == 3  # and both routings' files

    change = {"number": "ECO-000103", "effective": True, "items": [{"number": "SAT-500-RTG", "newRevisionNumber": "B"}]}
    world.admin("arena", "POST", "changes", change)
    assert arena_requests_of(world, "plm-routing-sync-arena") == 2  # the listing and the revised routing's files


def test_inspection_results_and_traceability_land_once_per_unit(world):
    inspected = run_deployment("plm-inspection-sync-arena")
    assert inspected.line() == "plm-inspection-sync-arena Completed posted=2 dead_letters=0"
    traced = run_deployment("plm-traceability-sync-arena")
    assert traced.line() == "plm-traceability-sync-arena Completed posted=8 dead_letters=0"
    files = {f["file"]["name"]: f["file"] for f in ion_files(world)}
    serial = next(f for name, f in files.items() if name.startswith("ion-inspection-1002-"))
    assert "PASS, 2 measurement(s)" in serial["description"]
    assert sum(1 for name in files if name.startswith("ion-trace-")) == 8

    content = world.admin("arena", "GET", "files")["results"]
    trace = next(
        json.loads(f["content"])
        for f in content
        if (f["file"]["name"] or "").startswith("ion-trace-") and "SN-0001" in f["content"]
    )
    assert trace["built"] == {
        "partNumber": "SAT-500",
        "revision": "B",
        "serialNumber": "SN-0001",
        "lotNumber": None,
        "quantity": 1.0,
    }
    assert trace["procedures"] == [{"title": "SAT-500 Build", "version": "1"}]
    assert {(c["partNumber"], c["lotNumber"], c["serialNumber"]) for c in trace["components"]} >= {
        ("MOD-20", None, "M-0001"),
        ("RES-10", "L-2211", None),
    }

    # Re-runs, kills and overlaps: tests/contract/test_exactly_once.py (both writers are there).
