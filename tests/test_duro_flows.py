"""The plm-*-duro deployments end to end against the simulators (Duro behind the port): released
components become ION parts, their children mBOMs, the approved change order a new revision, and
the demo's NCR one draft change order in Duro; each run again changes nothing. Nothing mocked."""

from __future__ import annotations

import pytest

from ion_sync.runner import run_deployment
from tests.world import World

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_api")]
DEPLOYMENTS = ["plm-part-sync-duro", "plm-bom-sync-duro", "plm-change-sync-duro", "plm-feedback-sync-duro"]


def test_the_duro_deployments_sync_once_and_again_change_nothing(world: World):
    first = {name: run_deployment(name) for name in DEPLOYMENTS}
    assert all(r.ok and r.summary and r.summary.posted and not r.summary.dead_letters for r in first.values()), [
        r.line() for r in first.values()
    ]
    again = [run_deployment(name) for name in DEPLOYMENTS]
    assert [r.line() for r in again] == [f"{name} Completed posted=0 dead_letters=0" for name in DEPLOYMENTS]
    ncrs = [co for co in world.admin("duro", "GET", "change-orders")["results"] if co["name"].startswith("[ION NCR ")]
    assert [(co["status"], [c["eid"] for c in co["affectedItems"]["components"]]) for co in ncrs] == [("DRAFT", ["SAT-500"])]
