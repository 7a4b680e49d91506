"""The Ramp preflight against the Ramp and ION simulators: every check passes on the demo
setup, and each broken setting is a FAIL that names what to fix (a scope left out of
RAMP_SCOPES, the approve-in-Ramp mode, an unknown entity, a mis-cased ION attribute)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from ion_sync.sandbox import SANDBOX_MAPPINGS
from payments.ramp.preflight import NEEDED_SCOPES, run_checks
from tests.ramp_world import RampWorld


@pytest.fixture
def ramp(world) -> RampWorld:
    current = RampWorld(world)
    current.reset()
    return current


def test_every_ramp_check_passes_on_the_demo_setup(ramp):
    checks = asyncio.run(run_checks())
    assert [c.name for c in checks if not c.ok] == [], [c.line() for c in checks]
    names = {c.name for c in checks}
    assert {"Approval mode", "Ramp credentials", "Ramp entity", "ION vendor attribute"} <= names
    assert {f"Scope {s}" for s in NEEDED_SCOPES} <= names
    assert ramp.records("purchase-orders") == []  # read-only


def test_a_missing_scope_the_approval_mode_an_unknown_entity_and_the_attribute_each_fail_saying_how_to_fix(
    ramp, tmp_path: Path, monkeypatch
):
    scopes = " ".join(s for s in NEEDED_SCOPES if s != "bills:read")
    monkeypatch.setenv("RAMP_SCOPES", scopes)
    monkeypatch.setenv("RAMP_ENTITY_ID", "00000000-0000-4000-8000-000000000000")
    config = yaml.safe_load(SANDBOX_MAPPINGS.read_text())
    config["ramp"] = {**(config.get("ramp") or {}), "approval": "in_ramp", "vendor_attribute": "ramp vendor id"}
    path = tmp_path / "mappings.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("ION_SYNC_CONFIG", str(path))
    failed = {c.name: c for c in asyncio.run(run_checks()) if not c.ok}
    assert set(failed) == {"Scope bills:read", "Approval mode", "Ramp entity", "ION vendor attribute"}
    assert "ramp-approval-sync" in failed["Scope bills:read"].detail and failed["Scope bills:read"].fix.startswith(
        "add bills:read to RAMP_SCOPES"
    )
    assert "exposes no purchase-order approval" in failed["Approval mode"].detail and "in_ion" in failed["Approval mode"].fix
    assert "no such business entity" in failed["Ramp entity"].detail and "RAMP_ENTITY_ID" in failed["Ramp entity"].fix
    assert "did you mean 'Ramp Vendor Id'" in failed["ION vendor attribute"].detail


def test_a_scope_the_app_is_not_granted_fails_the_credentials_naming_it(ramp, monkeypatch):
    monkeypatch.setenv("RAMP_SCOPES", " ".join([*NEEDED_SCOPES, "users:read"]))
    [credentials] = [c for c in asyncio.run(run_checks()) if c.name == "Ramp credentials"]
    assert not credentials.ok and "users:read" in credentials.detail and "RAMP_SCOPES" in credentials.fix
