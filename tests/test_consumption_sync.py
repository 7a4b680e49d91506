"""consumption-sync end to end: the flow, the simulators, the ledger, nothing mocked."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.netsuite.suiteql_schema import SUITEQL_COLUMNS
from erp.port.completions import INTEGRATION
from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger

pytestmark = pytest.mark.usefixtures("prefect_api")

DEMO_POSTED = {
    "ion-run-1001-completion",
    "ion-run-1002-completion",
    "ion-run-1003-completion",
    "ion-run-1004-completion",
    "ion-run-1009-completion",
}


def component_lines(record):
    return sorted(
        (line["item"]["id"], line["componentInventoryDetail"]["location"]["id"], float(line["quantity"]))
        for line in record["component"]["items"]
    )


def test_demo_factory_posts_each_good_run_once_and_keeps_bad_ones(world):
    result = run_deployment("consumption-sync")
    assert result.line() == "consumption-sync Completed with dead letters posted=5 dead_letters=3"

    landed = world.completions_by_external_id()
    assert set(landed) == DEMO_POSTED and all(len(v) == 1 for v in landed.values())
    seed_example = landed["ion-run-1001-completion"][0]
    # The reference architecture's worked example: 7.2 + 7.8 = 15 of COMP-200, 9 of COMP-300.
    assert component_lines(seed_example) == [("502", "1", 7.2), ("502", "2", 7.8), ("503", "1", 9.0)]
    assert float(seed_example["quantity"]) == 3
    # Exactly ION's as-built consumption: the BOM lines the transform pre-fills are replaced, so
    # run 1004 (no installations) consumes nothing, and a consumed lot is its inventoryNumber.
    assert landed["ion-run-1004-completion"][0].get("component", {}).get("items", []) == []
    [lot] = [
        ln["componentInventoryDetail"]
        for ln in landed["ion-run-1002-completion"][0]["component"]["items"]
        if ln["item"]["id"] == "505"
    ]  # RES-10
    assert lot["inventoryAssignment"]["items"][0]["issueInventoryNumber"]["refName"] == "L-2211"
    declared = {f"{table}.{column}" for table, columns in SUITEQL_COLUMNS.items() for column in columns}
    assert world.suiteql_columns_read() <= declared

    dead = {e.key: e.reason for e in Ledger(world.ledger_url).entries(INTEGRATION, EntryStatus.dead)}
    assert set(dead) == {"ion:run:1006:completion", "ion:run:1007:completion", "ion:run:1008:completion"}
    assert "PROTO-9" in dead["ion:run:1006:completion"]
    assert "ION location 13" in dead["ion:run:1007:completion"]
    assert "WO9999" in dead["ion:run:1008:completion"]


def test_a_second_run_posts_nothing_and_writes_nothing(world):
    run_deployment("consumption-sync")
    world.admin("netsuite", "POST", "stats/reset")
    again = run_deployment("consumption-sync")
    assert again.line() == "consumption-sync Completed posted=0 dead_letters=0"
    assert len(world.completions()) == 5


def test_dry_run_shows_the_bodies_and_writes_nothing(world):
    result = run_deployment("consumption-sync", {"dry_run": True})
    assert result.ok and result.summary.would_post == 5 and result.summary.posted == 0
    assert result.line().endswith("posted=0 would_post=5 dead_letters=3")
    # one pretty-printed block per record, as `ion-sync run` prints them and the artifact shows them
    bodies = result.dry_run_bodies or ""
    assert bodies.count("```json\n{\n") == 5 and '\n  "externalId": "ion-run-1001-completion",' in bodies
    assert "### run 1001 · work order " in bodies
    assert world.completions() == []
    ledger = Ledger(world.ledger_url)
    assert ledger.entries(INTEGRATION) == [] and ledger.watermark(INTEGRATION) is None


def test_run_ids_replay_a_dead_letter_once_its_cause_is_fixed(world, tmp_path, monkeypatch):
    run_deployment("consumption-sync")
    fixed = tmp_path / "mappings.yaml"
    fixed.write_text(
        Path(world.env["ION_SYNC_CONFIG"]).read_text().replace("  items:", '    - {ion: 13, netsuite: "2"}\n  items:')
    )
    monkeypatch.setenv("ION_SYNC_CONFIG", str(fixed))
    replay = run_deployment("consumption-sync", {"run_ids": [1007]})
    assert replay.line() == "consumption-sync Completed posted=1 dead_letters=0"
    assert "ion-run-1007-completion" in world.completions_by_external_id()


def test_a_mapping_to_a_missing_netsuite_location_stops_before_any_write(world, tmp_path, monkeypatch):
    wrong = tmp_path / "mappings.yaml"
    wrong.write_text(Path(world.env["ION_SYNC_CONFIG"]).read_text().replace('{ion: 2, netsuite: "1"', '{ion: 2, netsuite: "99"'))
    monkeypatch.setenv("ION_SYNC_CONFIG", str(wrong))
    result = run_deployment("consumption-sync")
    assert result.state == "Failed"
    assert "NetSuite location(s) 99" in (result.message or "")
    assert world.completions() == []
    assert Ledger(world.ledger_url).entries(INTEGRATION) == []


def test_a_missing_setting_is_named_and_nothing_is_written(world, monkeypatch):
    monkeypatch.delenv("ION_CLIENT_SECRET")
    monkeypatch.setenv("NETSUITE_CONCURRENCY", "lots")
    result = run_deployment("consumption-sync")
    assert result.state == "Failed"
    assert "ION_CLIENT_SECRET is not set" in result.message and "NETSUITE_CONCURRENCY is invalid" in result.message
    assert world.completions() == []


BAD_RUNS = {
    2001: ({"partNumber": "COMP-200", "perParent": -1, "locationId": 2}, "quantityInstalledPerParentPartInventory = -1"),
    2002: ({"partNumber": "COMP-200", "perParent": None, "locationId": 2}, "quantityInstalledPerParentPartInventory = None"),
    2003: ({"partNumber": "COMP-200", "perParent": 1, "locationId": None}, "partInventory.location"),
    2004: ({"partNumber": "NOPE-1", "perParent": 1, "locationId": 2}, "no NetSuite item named NOPE-1"),
    2005: ({"partNumber": "COMP-200", "perParent": 1, "locationId": 13}, "ION location 13"),
}


def test_bad_records_are_dead_letters_naming_record_and_field_while_the_rest_post(world):
    for run_id, (installation, _) in BAD_RUNS.items():
        world.add_run(
            {
                "id": run_id,
                "title": f"bad {run_id}",
                "status": "COMPLETE",
                "workOrder": "WO1004",
                "produces": {"partNumber": "ASSY-100", "quantity": 1, "locationId": 3},
                "installations": [installation],
            }
        )
    result = run_deployment("consumption-sync")
    assert result.line() == f"consumption-sync Completed with dead letters posted=5 dead_letters={3 + len(BAD_RUNS)}"
    dead = {e.key: e.reason for e in Ledger(world.ledger_url).entries(INTEGRATION, EntryStatus.dead)}
    for run_id, (_, field) in BAD_RUNS.items():
        reason = dead[f"ion:run:{run_id}:completion"]
        assert reason.startswith(f"run {run_id}") and field in reason, reason
    assert set(world.completions_by_external_id()) == DEMO_POSTED


def test_the_watermark_brings_only_new_runs_and_never_passes_a_failing_one(world):
    world.faults("netsuite", concurrency_limit=5, error_rates={503: 1.0}, random_faults_on="writes")
    failing = run_deployment("consumption-sync")
    assert failing.state == "Failed" and failing.summary.failed == 5 and "retries them" in failing.message
    ledger = Ledger(world.ledger_url)
    assert len(ledger.entries(INTEGRATION, EntryStatus.failed)) == 5
    first_watermark = ledger.watermark(INTEGRATION)
    world.faults("netsuite", concurrency_limit=5)
    recovered = run_deployment("consumption-sync")
    assert recovered.line() == "consumption-sync Completed posted=5 dead_letters=0"
    assert ledger.watermark(INTEGRATION) > (first_watermark or ledger.watermark(INTEGRATION).min)
    world.add_run(
        {
            "id": 3001,
            "title": "late run",
            "status": "COMPLETE",
            "endTime": "2026-11-21T09:00:00Z",
            "workOrder": "WO1004",
            "produces": {"partNumber": "ASSY-100", "quantity": 1, "locationId": 3},
            "installations": [{"partNumber": "COMP-300", "perParent": 2, "locationId": 2}],
        }
    )
    world.admin("ion", "POST", "stats/reset")
    incremental = run_deployment("consumption-sync")
    assert incremental.line() == "consumption-sync Completed posted=1 dead_letters=0"
    # Only what completed since the watermark (less the lookback): the new run, and the last
    # one at the boundary again, which the ledger knows is posted.
    assert (incremental.summary.fetched, incremental.summary.already_posted) == (2, 1)


def test_full_resync_rechecks_everything_and_posts_nothing_twice(world):
    run_deployment("consumption-sync")
    again = run_deployment("consumption-sync", {"full_resync": True})
    assert again.ok and again.summary.posted == 0 and again.summary.already_posted == 5
    assert again.summary.fetched == 8
    assert len(world.completions()) == 5


def test_the_flow_run_graph_names_each_page_and_draws_fetch_plan_post_report(world, monkeypatch):
    """Task runs named by page, an edge from each step to the next, and a progress artifact on a
    run of several pages (a backfill), as the Prefect UI draws and shows them."""
    from tests.prefect_graph import read_graph

    monkeypatch.setenv("ION_PAGE_SIZE", "4")  # the demo's 8 completed runs: two pages,
    monkeypatch.setenv("ION_STEP_RECORDS", "4")  # a step each
    result = run_deployment("consumption-sync")
    assert result.ok and result.flow_run_id
    graph = read_graph(result.flow_run_id, INTEGRATION)
    assert {"fetch page 1", "plan page 1 · 4 runs", "post page 1 · 4 runs", "fetch page 2", "post page 2 · 4 runs"} <= graph.names
    assert graph.upstream("plan page 2 · 4 runs") == {"fetch page 2"}
    assert graph.upstream("post page 2 · 4 runs") == {"plan page 2 · 4 runs"}
    assert graph.upstream(graph.named("publish-report")) == {"post page 1 · 4 runs", "post page 2 · 4 runs"}
    assert graph.progress == (100.0, "completed runs handled: 8 of 8 (2 pages)")
