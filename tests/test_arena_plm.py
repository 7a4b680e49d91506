"""The PLM loop end to end (issue 7): Arena simulator → flows → ION simulator and back,
nothing mocked. The demo product: ECO-000101 made ASSY-100 rev B effective (bracket added,
COMP-300 down to 2.5) while ION run 1005 still builds rev A; ION's mBOMs carry GLUE-1, a
consumable no eBOM has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from tests.arena_helpers import arena, as_built_files, ion, ion_files, mboms, revisions, run_issues
from tests.process_helpers import sync_process

pytestmark = pytest.mark.usefixtures("prefect_api")
STALE = "[ECO-000101] ASSY-100 rev A is superseded by rev B"
# ASSY-100 rev B's mBOM as an uninterrupted sync makes it: ECO-000101's eBOM and rev A's ION-only GLUE-1
ASSY_100_B = {"COMP-200": (5.0, []), "COMP-300": (2.5, []), "BRKT-7": (2.0, ["MB1", "MB2"]), "GLUE-1": (0.2, [])}


def release_mbom_by_hand(world, number: str, revision: str, lines: dict[str, float]) -> None:
    """A new released mBOM version of ION part `number` rev `revision`, as someone in ION would make it."""
    query = "query ($n: [String]) { parts(filters: {partNumber: {in: $n}}, sort: [ID_ASC]) { edges { node { id partNumber revision } } } }"
    found = [e["node"] for e in ion(world, query, {"n": [number, *lines]})["parts"]["edges"]]
    ids = {p["partNumber"]: p["id"] for p in found}  # the latest revision of each component
    part = next(p["id"] for p in found if (p["partNumber"], p["revision"]) == (number, revision))
    mbom = ion(world, "mutation ($p: ID!) { createMbom(input: {partId: $p}) { mbom { id _etag } } }", {"p": part})["createMbom"][
        "mbom"
    ]
    for component, quantity in lines.items():
        ion(
            world,
            "mutation ($m: ID!, $p: ID!, $q: Float!) { createMbomItem(input: {mbomId: $m, partId: $p, quantity: $q}) { mbomItem { id } } }",
            {"m": mbom["id"], "p": ids[component], "q": quantity},
        )
    ion(
        world,
        "mutation ($m: ID!, $e: String!) { updateMbom(input: {id: $m, etag: $e, status: RELEASED}) { mbom { id } } }",
        {"m": mbom["id"], "e": mbom["_etag"]},
    )


def test_an_ebom_change_lands_as_a_new_mbom_version_keeping_ion_only_lines(world):
    # MOD-20 rev A in ION: a released mBOM made by hand (wrong quantity, plus a fixture-like GLUE-1 line).
    release_mbom_by_hand(world, "MOD-20", "A", {"RES-10": 1, "GLUE-1": 0.1})

    assert run_deployment("plm-part-sync-arena").state == "Completed"
    result = run_deployment("plm-bom-sync-arena")
    assert result.line() == "plm-bom-sync-arena Completed posted=2 dead_letters=0"

    # Same part revision: a new version; the released one was not edited, only archived.
    assert mboms(world, "MOD-20", "A") == [
        {"version": 1, "status": "ARCHIVED", "lines": {"RES-10": (1.0, []), "GLUE-1": (0.1, [])}},
        {"version": 2, "status": "RELEASED", "lines": {"RES-10": (2.0, ["R5", "R6"]), "GLUE-1": (0.1, [])}},
    ]
    # A new part revision starts from the old revision's mBOM: eBOM lines added, changed and kept,
    # the ION-only consumable carried over.
    assert revisions(world, "ASSY-100") == ["A", "B"]
    assert mboms(world, "ASSY-100", "B") == [{"version": 1, "status": "RELEASED", "lines": ASSY_100_B}]
    assert mboms(world, "SAT-500", "B")[-1]["version"] == 1  # already followed its eBOM: untouched

    # Next change removes COMP-200: the line goes, GLUE-1 stays, COMP-200 is not mistaken for ION-only.
    world.admin(
        "arena",
        "POST",
        "changes",
        {
            "number": "ECO-000102",
            "effective": True,
            "items": [
                {
                    "number": "ASSY-100",
                    "newRevisionNumber": "C",
                    "bom": [{"number": "COMP-300", "quantity": 2.5}, {"number": "BRKT-7", "quantity": 4, "refDes": "MB1-4"}],
                }
            ],
        },
    )
    assert run_deployment("plm-change-sync-arena").state == "Completed"
    assert mboms(world, "ASSY-100", "C") == [
        {
            "version": 1,
            "status": "RELEASED",
            "lines": {"COMP-300": (2.5, []), "BRKT-7": (4.0, ["MB1", "MB2", "MB3", "MB4"]), "GLUE-1": (0.2, [])},
        }
    ]
    assert run_deployment("plm-bom-sync-arena").line() == "plm-bom-sync-arena Completed posted=0 dead_letters=0"


def test_an_mbom_edited_in_ion_is_left_by_the_hourly_run_and_repaired_by_the_daily_full_resync(world):
    assert run_deployment("plm-part-sync-arena").state == "Completed"
    assert run_deployment("plm-bom-sync-arena").line() == "plm-bom-sync-arena Completed posted=2 dead_letters=0"
    # Someone in ION adds a manufacturing line (RES-10) and, by mistake, changes COMP-300 (2.5 in the eBOM).
    drift = {"COMP-200": 5.0, "COMP-300": 9.0, "BRKT-7": 2.0, "GLUE-1": 0.2, "RES-10": 1.0}
    release_mbom_by_hand(world, "ASSY-100", "B", drift)

    # The hourly run reads no eBOM of a revision it applied before (nothing changed in Arena).
    assert run_deployment("plm-bom-sync-arena").line() == "plm-bom-sync-arena Completed posted=0 dead_letters=0"
    assert mboms(world, "ASSY-100", "B")[-1]["lines"]["COMP-300"] == (9.0, [])

    repaired = run_deployment("plm-bom-sync-arena", {"full_resync": True})
    assert repaired.line() == "plm-bom-sync-arena Completed posted=1 dead_letters=0"
    latest = mboms(world, "ASSY-100", "B")[-1]
    assert latest["status"] == "RELEASED" and latest["lines"]["COMP-300"] == (2.5, [])  # engineering's again
    assert latest["lines"]["RES-10"] == (1.0, []) and latest["lines"]["GLUE-1"] == (0.2, [])  # ION-only lines kept
    assert (
        run_deployment("plm-bom-sync-arena", {"full_resync": True}).line()
        == "plm-bom-sync-arena Completed posted=0 dead_letters=0"
    )


def test_an_mbom_edited_back_to_what_was_applied_before_is_repaired_by_every_full_resync(world):
    assert run_deployment("plm-part-sync-arena").state == "Completed"
    assert run_deployment("plm-bom-sync-arena").line() == "plm-bom-sync-arena Completed posted=2 dead_letters=0"
    # An edit of engineering's lines only: the mBOM the eBOM asks for is the one applied before.
    drift = {"COMP-200": 5.0, "COMP-300": 9.0, "BRKT-7": 2.0, "GLUE-1": 0.2}
    for _ in range(2):  # the same edit again after the repair: each drift is a new version to replace
        release_mbom_by_hand(world, "ASSY-100", "B", drift)
        repaired = run_deployment("plm-bom-sync-arena", {"full_resync": True})
        assert repaired.line() == "plm-bom-sync-arena Completed posted=1 dead_letters=0"
        latest = mboms(world, "ASSY-100", "B")[-1]
        assert latest == {
            "version": latest["version"],
            "status": "RELEASED",
            "lines": {"COMP-200": (5.0, []), "COMP-300": (2.5, []), "BRKT-7": (2.0, ["MB1", "MB2"]), "GLUE-1": (0.2, [])},
        }
    assert [m["version"] for m in mboms(world, "ASSY-100", "B")] == [1, 2, 3, 4, 5]  # one version per edit and repair
    assert (
        run_deployment("plm-bom-sync-arena", {"full_resync": True}).line()
        == "plm-bom-sync-arena Completed posted=0 dead_letters=0"
    )


def test_an_effective_change_flags_the_run_still_building_the_old_revision(world):
    result = run_deployment("plm-change-sync-arena")
    assert result.state == "Completed", result.message
    assert revisions(world, "ASSY-100") == ["A", "B"]
    assert mboms(world, "ASSY-100", "B") == [{"version": 1, "status": "RELEASED", "lines": ASSY_100_B}]
    assert run_issues(world, 1005) == [STALE]  # IN_PROGRESS on rev A
    assert all(STALE not in run_issues(world, run) for run in (1001, 1003, 1004))  # finished runs are history
    assert [e["status"] for e in arena(world, "events")] == ["RECONCILED"]
    assert run_deployment("plm-change-sync-arena").line() == "plm-change-sync-arena Completed posted=0 dead_letters=0"
    assert run_issues(world, 1005) == [STALE]


def test_a_change_sync_killed_between_the_new_revisions_mbom_draft_and_its_release_ends_as_if_never_killed(world, tmp_path):
    # Each ION answer held back (the call itself runs at once, so nothing lands after the kill):
    # the new mBOM's lines and its release are several calls after its draft.
    world.faults("ion", latency_ms=500, latency_is_response_time=True)
    killed = sync_process(world.env, tmp_path, "killed", "plm-change-sync-arena")
    killed.kill_once(lambda: len(mbom_drafts(world, "ASSY-100", "B")), 1)
    world.faults("ion")
    assert [m["status"] for m in mboms(world, "ASSY-100", "B")] == ["DRAFT"], "not killed between the draft and its release"

    assert run_deployment("plm-change-sync-arena").state == "Completed"
    # That draft finished: rev A's ION-only GLUE-1 kept, no line twice, no second version.
    assert mboms(world, "ASSY-100", "B") == [{"version": 1, "status": "RELEASED", "lines": ASSY_100_B}]
    assert Ledger(world.ledger_url).entries("arena-mboms", EntryStatus.pending) == []
    assert run_deployment("plm-change-sync-arena").line() == "plm-change-sync-arena Completed posted=0 dead_letters=0"


def mbom_drafts(world, number: str, revision: str) -> list[dict]:
    """The DRAFT mBOM versions of ION part `number` rev `revision` (none while the revision does not exist)."""
    query = "query ($n: [String]) { parts(filters: {partNumber: {in: $n}}) { edges { node { revision mboms { status } } } } }"
    found = [e["node"] for e in ion(world, query, {"n": [number]})["parts"]["edges"] if e["node"]["revision"] == revision]
    return [m for part in found for m in part["mboms"] if m["status"] == "DRAFT"]


def test_events_are_acknowledged_only_after_success_and_redelivery_duplicates_nothing(world):
    world.faults("arena", random_faults_on="writes", error_rates={503: 1.0})  # every acknowledgement fails
    first = run_deployment("plm-change-sync-arena")
    assert first.state == "Failed" and "could not be written" in (first.message or "")
    assert [e["status"] for e in arena(world, "events")] == ["NEEDS_UPDATE"]  # still queued
    assert run_issues(world, 1005) == [STALE]  # the work itself was done

    world.faults("arena")
    second = run_deployment("plm-change-sync-arena")
    assert second.line() == "plm-change-sync-arena Completed posted=0 dead_letters=0"
    assert second.summary.already_posted == 1  # the issue, found in the ledger; part and mBOM already match
    assert [e["status"] for e in arena(world, "events")] == ["RECONCILED"]
    assert run_issues(world, 1005) == [STALE] and revisions(world, "ASSY-100") == ["A", "B"]
    assert len(mboms(world, "ASSY-100", "B")) == 1


def test_polling_changes_without_a_queue_does_the_same_once(world, monkeypatch):
    monkeypatch.delenv("ARENA_INTEGRATION_GUID")
    assert run_deployment("plm-change-sync-arena").state == "Completed"
    assert run_deployment("plm-change-sync-arena").line() == "plm-change-sync-arena Completed posted=0 dead_letters=0"
    assert run_issues(world, 1005) == [STALE]
    assert [e["status"] for e in arena(world, "events")] == ["NEEDS_UPDATE"]  # the queue was not touched


def test_as_built_and_ncrs_land_once_per_unit(world):
    result = run_deployment("plm-feedback-sync-arena")
    assert result.line() == "plm-feedback-sync-arena Completed posted=9 dead_letters=0"
    files = ion_files(world)
    assert len(files) == 8 and all(n == 1 for n in as_built_files(world).values())
    modem = next(f for f in files if "serial SN-0001" in f["file"]["title"])
    assert "SAT-500 rev B" in modem["file"]["title"]  # the revision ION built
    assert modem["file"]["storageMethodName"] == "FILE" and modem["file"]["name"].startswith("ion-asbuilt-")
    document = json.loads(modem["content"])  # uploaded as multipart content
    assert document["built"] == {
        "partNumber": "SAT-500",
        "revision": "B",
        "quantity": 1.0,
        "serialNumber": "SN-0001",
        "lotNumber": None,
    }
    assert {(c["partNumber"], c["lotNumber"], c["serialNumber"]) for c in document["components"]} == {
        ("RES-10", "L-2211", None),
        ("MOD-20", None, "M-0001"),
        ("GLUE-1", None, None),
    }
    requests = arena(world, "requests")
    assert [r["title"] for r in requests] == ["[ION NCR 1] Solder bridge on RF module U1"]  # issue 2 has no disposition
    ncr = requests[0]
    assert (ncr["number"], ncr["category"]["name"], ncr["lifecycleStatus"]) == (
        "MCR-000001",
        "Manufacturing Change Request",
        {"type": "UNSUBMITTED"},
    )  # config/sandbox.yaml's arena: section
    assert "Found: Bridge between pins 3 and 4 of U1" in ncr["problem"] and "REWORK" in ncr["requestedAction"]
    assert [(i["item"]["number"], i["notes"]) for i in ncr["items"]] == [
        ("SAT-500", "Built in ION as SAT-500 rev B, serial SN-0001")
    ]

    again = run_deployment("plm-feedback-sync-arena", {"lookback_minutes": 0})
    assert again.line() == "plm-feedback-sync-arena Completed posted=0 dead_letters=0"
    assert again.summary.requests == 0  # the ledger answered; Arena's quota untouched
    assert again.summary.fetched < result.summary.fetched  # the watermarks: only the latest run and issue again
    assert len(ion_files(world)) == 8 and len(arena(world, "requests")) == 1


def test_ncrs_without_a_request_category_stop_before_anything_is_written(world, monkeypatch, tmp_path):
    config = tmp_path / "no-category.yaml"
    config.write_text(
        Path(world.env["ION_SYNC_CONFIG"]).read_text().replace("  request_category_guid: I0K3MZKBY1KUDWBIIJ7C\n", "")
    )
    monkeypatch.setenv("ION_SYNC_CONFIG", str(config))
    result = run_deployment("plm-feedback-sync-arena")
    assert (
        result.state == "Failed" and "arena.request_category_guid and arena.request_number_prefix must be set" in result.message
    )
    assert ion_files(world) == [] and arena(world, "requests") == []
    assert (
        run_deployment("plm-feedback-sync-arena", {"ncrs": False}).line()
        == "plm-feedback-sync-arena Completed posted=8 dead_letters=0"
    )


def test_quota_exhaustion_stops_cleanly_says_so_and_the_next_run_finishes(world, monkeypatch):
    monkeypatch.setenv("ARENA_QUOTA_RESERVE", "10")
    world.admin("arena", "PUT", "quota", {"remaining": 16})
    stopped = run_deployment("plm-feedback-sync-arena")
    assert stopped.state == "Failed"
    assert "daily request quota is nearly used up" in stopped.message and "ARENA_QUOTA_RESERVE=10" in stopped.message
    assert stopped.summary.quota_remaining == 10  # stopped at the reserve, never at zero
    landed = len(ion_files(world))
    assert 0 < landed < 8
    ledger = Ledger(world.ledger_url)
    assert ledger.entries("plm-feedback-sync-arena", EntryStatus.pending) == []

    world.admin("arena", "PUT", "quota", {"remaining": 10000})
    finished = run_deployment("plm-feedback-sync-arena")
    assert finished.state == "Completed"
    assert finished.summary.posted + landed == 9 - 1 + 1  # eight as-built files and one NCR in all
    assert len(ion_files(world)) == 8 and all(n == 1 for n in as_built_files(world).values())


def test_a_change_alone_derives_the_new_mbom_from_the_superseded_ebom(world):
    # No bom-sync ever ran: which lines were engineering's comes from the superseded revision's eBOM.
    world.admin(
        "arena",
        "POST",
        "changes",
        {
            "number": "ECO-000102",
            "effective": True,
            "items": [{"number": "ASSY-100", "newRevisionNumber": "C", "bom": [{"number": "COMP-300", "quantity": 2}]}],
        },
    )
    assert run_deployment("plm-change-sync-arena").state == "Completed"
    assert revisions(world, "ASSY-100") == ["A", "B", "C"]
    assert mboms(world, "ASSY-100", "C")[0]["lines"] == {"COMP-300": (2.0, []), "GLUE-1": (0.2, [])}
    assert run_issues(world, 1005) == [STALE]  # no run builds rev B: nothing more to flag


def test_dry_run_shows_the_changes_and_writes_nothing(world):
    result = run_deployment("plm-part-sync-arena", {"dry_run": True})
    assert (
        result.state == "Completed" and result.summary.would_post == 8 + 7 and result.summary.posted == 0
    )  # and a drawing link per item
    assert revisions(world, "ASSY-100") == ["A"]
    walked = run_deployment("plm-bom-sync-arena", {"dry_run": True, "part_numbers": ["SAT-500"]})
    assert walked.summary.would_post == 1  # SAT-500 already follows its eBOM; its sub-assembly MOD-20 has no mBOM
    assert Ledger(world.ledger_url).entries() == []


@pytest.mark.postgres
def test_the_loop_on_a_postgresql_ledger(world, postgres_url, monkeypatch):
    monkeypatch.setenv("ION_SYNC_DATABASE_URL", postgres_url)
    # rev B, its phase, its mBOM, the issue on run 1005, and the procedure revision ASSY-100's routing asks for
    assert run_deployment("plm-change-sync-arena").line() == "plm-change-sync-arena Completed posted=5 dead_letters=0"
    assert run_deployment("plm-feedback-sync-arena").line() == "plm-feedback-sync-arena Completed posted=9 dead_letters=0"
    assert run_issues(world, 1005) == [STALE] and len(ion_files(world)) == 8
    assert len(Ledger(postgres_url).entries(status=EntryStatus.posted)) == 5 + 9


def test_engineering_attributes_come_from_arena_even_after_ion_drifts(world):
    assert run_deployment("plm-part-sync-arena").state == "Completed"
    for drift in ("Bracket (ION name)", "Bracket, again renamed in ION"):
        part = ion(world, '{ parts(filters: {partNumber: {eq: "BRKT-7"}}) { edges { node { id _etag } } } }')["parts"]["edges"][
            0
        ]["node"]
        ion(
            world,
            "mutation ($id: ID!, $e: String!, $d: String!) { updatePart(input: {id: $id, etag: $e, description: $d}) { part { id } } }",
            {"id": part["id"], "e": part["_etag"], "d": drift},
        )
        assert run_deployment("plm-part-sync-arena").line() == "plm-part-sync-arena Completed posted=1 dead_letters=0"
        found = ion(
            world, '{ parts(filters: {partNumber: {eq: "BRKT-7"}}) { edges { node { description attributes { key value } } } } }'
        )
        node = found["parts"]["edges"][0]["node"]
        assert node["description"] == "Bracket"  # rule 8: PLM wins for engineering attributes
        assert {a["key"]: a["value"] for a in node["attributes"]} == {
            "Arena Lifecycle Phase": "In Production",
            "Arena Drawing": "https://app.bom.com/ITEMBRKT700000000001",  # the item's page in Arena
        }


def test_settings_problems_are_named_before_anything_is_written(world, monkeypatch):
    monkeypatch.delenv("ARENA_PASSWORD")
    monkeypatch.setenv("ARENA_PAGE_SIZE", "1000")
    result = run_deployment("plm-part-sync-arena")
    assert result.state == "Failed"
    assert "ARENA_PASSWORD is not set" in result.message and "ARENA_PAGE_SIZE is invalid" in result.message
    monkeypatch.setenv("ARENA_PASSWORD", world.env["ARENA_PASSWORD"])
    monkeypatch.setenv("ARENA_PAGE_SIZE", "400")
    monkeypatch.setenv("ARENA_INTEGRATION_GUID", "NOSUCHINTEGRATION001")
    wrong = run_deployment("plm-change-sync-arena")
    assert (
        wrong.state == "Failed" and "ARENA_INTEGRATION_GUID=NOSUCHINTEGRATION001 is not an outbound integration" in wrong.message
    )
    assert revisions(world, "ASSY-100") == ["A"] and run_issues(world, 1005) == []
