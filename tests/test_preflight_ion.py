"""`ion-sync preflight ion`: all PASS against the simulator; each unconfirmed assumption that an
ION does not meet is a FAIL row saying how to fix it; the client-side window fallback works."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from connectors.ion import IonClient
from connectors.ion.installed_quantity import completed_runs_step
from connectors.ion.queries import COMPLETED_RUNS
from core.config import Mappings, load_mappings
from mes.ion.preflight import preflight_checks
from sandbox.ion import IonSimConfig, create_app
from sandbox.server import RunningServer, serving
from tasks.preflight import run_preflight
from tests.test_connector_ion import settings_for

SANDBOX_MAPPINGS = Path(__file__).resolve().parents[1] / "config" / "sandbox.yaml"


@pytest.fixture(scope="module")
def strict_ion() -> Iterator[RunningServer]:
    """An ION with none of the three unconfirmed assumptions: only eq/neq/in, no Run.attributes,
    no quantityInstalledPerParentPartInventory."""
    config = IonSimConfig(range_operators=False, run_attributes=False, installed_per_parent_field=False)
    with serving(create_app(config)) as running:
        yield running


def mappings(**netsuite: object) -> Mappings:
    raw = yaml.safe_load(SANDBOX_MAPPINGS.read_text())
    raw["netsuite"].update(netsuite)
    return Mappings.model_validate(raw)


def failures(checks) -> dict[str, str]:
    return {c.name: c.fix for c in checks if not c.ok}


def test_every_ion_check_passes_against_the_simulator(world):
    checks = asyncio.run(run_preflight(["ion"]))
    assert failures(checks) == {}
    names = {c.name for c in checks}
    assert {
        "ION credentials",
        "run attributes readable",
        "work-order run attribute",
        "aBOM quantityInstalledPerParentPartInventory",
        "mapped ION locations",
    } <= names
    assert "query completed_runs (consumption-sync)" in names
    assert "filter runs.endTime gte (consumption-sync)" in names and "filter sessions._updated lt (labor-sync)" in names
    assert "purchase order attribute 'Netsuite PO Number'" in names


def test_an_ion_without_the_unconfirmed_assumptions_fails_each_with_its_fix(strict_ion):
    checks = asyncio.run(preflight_checks(lambda: IonClient(settings_for(strict_ion.url)), mappings(), "ion-sync.yaml"))
    failed = failures(checks)
    ranges = {name for name in failed if name.startswith("filter ")}
    assert ranges == {c.name for c in checks if c.name.startswith("filter ")} and len(ranges) == 8
    assert all("ION_RANGE_FILTERS=client" in failed[name] for name in ranges)
    details = {c.name: c.detail for c in checks}
    assert all(f"'{name.split()[2]}'" in details[name] for name in ranges)  # ION refused the operator itself
    assert "run attributes" in failed["run attributes readable"]
    assert "First Resonance" in failed["aBOM quantityInstalledPerParentPartInventory"]
    # The queries that select the missing fields fail too, and nothing else does.
    assert {n for n in failed if n.startswith("query ")} == {
        "query completed_runs (consumption-sync)",
        "query labor_sessions (labor-sync)",
        "query plm_as_built (plm-feedback-sync)",
    }
    assert "mapped ION locations" not in failed and "ION credentials" not in failed


def test_the_fallbacks_pass_preflight_and_read_what_the_confirmed_contract_would(strict_ion, sandbox):
    fallbacks = settings_for(strict_ion.url, range_filters="client", installed_quantity="installation_total")
    checks = asyncio.run(preflight_checks(lambda: IonClient(fallbacks), mappings(), "ion-sync.yaml"))
    # Only what has no fallback still fails: the run attributes (the work-order join key).
    assert set(failures(checks)) == {
        "run attributes readable",
        "query completed_runs (installation_total) (consumption-sync)",
        "query labor_sessions (labor-sync)",
        "query plm_as_built (plm-feedback-sync)",
    }

    window = {"status": {"eq": "COMPLETE"}, "_updated": {"gte": "2000-01-01T00:00:00Z", "lt": datetime.now(UTC).isoformat()}}

    async def ids(settings) -> list[int]:
        async with IonClient(settings) as ion:
            return [n["id"] async for page in ion.pages(COMPLETED_RUNS, "runs", {"filters": window}) for n in page.nodes]

    server_side = asyncio.run(ids(settings_for(sandbox.ion.url)))
    client_side_on_full_ion = asyncio.run(ids(settings_for(sandbox.ion.url, range_filters="client")))
    assert server_side and client_side_on_full_ion == server_side

    async def per_parent(settings) -> list[tuple[int, str, float]]:
        async with IonClient(settings) as ion:
            page = await completed_runs_step(ion, {"id": {"in": [1001]}}, None)
        return sorted(
            (n["id"], i["partInventory"]["part"]["partNumber"], round(i["quantityInstalledPerParentPartInventory"], 9))
            for n in page.nodes
            for r in n["partInventory"]["buildRequirements"]
            for i in r["abomInstallations"]
        )

    # The seed's worked example (run 1001): the same per-parent quantities from either field.
    assert asyncio.run(per_parent(settings_for(sandbox.ion.url, installed_quantity="installation_total"))) == asyncio.run(
        per_parent(settings_for(sandbox.ion.url))
    )


def test_misspelt_mappings_fail_naming_the_setting(world):
    bad = mappings(
        work_orders={"run_attribute": "netsuite work order"},
        locations=[{"ion": 1, "netsuite": "1"}, {"ion": 999, "netsuite": "1"}],
    )
    bad = bad.model_copy(
        update={
            "netsuite": bad.netsuite.model_copy(
                update={"purchasing": bad.netsuite.purchasing.model_copy(update={"vendor_id_attribute": "Vendor"})}
            )
        }
    )
    checks = asyncio.run(preflight_checks(lambda: IonClient(settings_for(world.sandbox.ion.url)), bad, "my.yaml"))
    failed = {c.name: c for c in checks if not c.ok}
    assert set(failed) == {"work-order run attribute", "mapped ION locations", "supplier attribute 'Vendor'"}
    assert "did you mean 'NetSuite Work Order'" in failed["work-order run attribute"].detail
    assert "999 (netsuite.locations[1].ion)" in failed["mapped ION locations"].detail
    assert "netsuite.purchasing.vendor_id_attribute" in failed["supplier attribute 'Vendor'"].fix


def test_refused_credentials_are_one_fail_row(world):
    settings = settings_for(world.sandbox.ion.url, client_secret="wrong")
    checks = asyncio.run(preflight_checks(lambda: IonClient(settings), load_mappings(SANDBOX_MAPPINGS), "x.yaml"))
    assert [(c.name, c.ok) for c in checks] == [("ION credentials", False)]
    assert "ION_CLIENT_SECRET" in checks[0].fix
