"""The plm-* flows with plm=onshape end to end: Onshape simulator → flows → ION simulator and
back, through the deployments, nothing mocked (the demo products: ASSY-100 rev B released
while ION run 1005 still builds rev A)."""

from __future__ import annotations

import pytest

from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from tests.arena_helpers import mboms, revisions

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_parts_boms_and_changes_come_from_onshape(world):
    part = run_deployment("plm-part-sync-onshape")
    assert part.state == "Completed", part.line()
    assert revisions(world, "ASSY-100")[-1] == "B"
    bom = run_deployment("plm-bom-sync-onshape")
    assert bom.state == "Completed", bom.line()
    lines = mboms(world, "ASSY-100", "B")[-1]["lines"]
    assert {n: q for n, (q, _refdes) in lines.items() if n != "GLUE-1"} == {"COMP-200": 5.0, "COMP-300": 2.5, "BRKT-7": 2.0}
    change = run_deployment("plm-change-sync-onshape")
    dead = [(e.key, e.reason) for e in Ledger(world.ledger_url).entries(status=EntryStatus.dead)]
    assert change.state == "Completed" and not dead, dead
    again = run_deployment("plm-change-sync-onshape")
    assert again.state == "Completed" and "posted=0" in again.line(), again.line()


def test_ncrs_inspections_and_traceability_go_back_as_comments_once(world):
    for name, posted in (
        ("plm-feedback-sync-onshape", 1),  # the demo's one dispositioned issue
        ("plm-inspection-sync-onshape", 2),  # runs 1001 and 1002 recorded values
        ("plm-traceability-sync-onshape", 8),  # the completed demo units
    ):
        first = run_deployment(name)
        assert first.state == "Completed" and f"posted={posted} " in first.line(), first.line()
    tags = [c["message"].split("]")[0] + "]" for c in world.admin("onshape", "GET", "comments")["results"]]
    assert len(tags) == len(set(tags)) == 11 and sum(t.startswith("[ION NCR ") for t in tags) == 1
    again = run_deployment("plm-traceability-sync-onshape")
    assert again.state == "Completed" and "posted=0" in again.line(), again.line()
    assert len(world.admin("onshape", "GET", "comments")["results"]) == 11
