"""The NetSuite preflight against the simulators: every check passes on the demo account, and
a broken mapping or an account that does not expose a column is a FAIL that says how to fix it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from connectors.netsuite import NetSuiteClient
from connectors.netsuite.suiteql_schema import SUITEQL_TABLES
from erp.netsuite.preflight import _probe, run_checks
from sandbox.netsuite import NetSuiteSimConfig, create_app
from sandbox.server import serving
from tests.world import netsuite_tba_settings


def test_every_check_passes_against_the_simulator(world):
    checks = asyncio.run(run_checks())
    assert [c.line() for c in checks if not c.ok] == []
    names = {c.name for c in checks}
    assert {f"SuiteQL {table.name}" for table in SUITEQL_TABLES} <= names
    assert {
        "NetSuite credentials and role",
        "Mapped locations exist",
        "Mapped items exist",
        "Labor: service item, employees and customers exist",
        "ION runs carry 'NetSuite Work Order'",
    } <= names


def test_a_mapped_location_that_does_not_exist_fails_and_says_how_to_fix_it(world, tmp_path, monkeypatch):
    wrong = tmp_path / "mappings.yaml"
    wrong.write_text(Path(world.env["ION_SYNC_CONFIG"]).read_text().replace('{ion: 2, netsuite: "1"', '{ion: 2, netsuite: "99"'))
    monkeypatch.setenv("ION_SYNC_CONFIG", str(wrong))
    checks = {c.name: c for c in asyncio.run(run_checks())}
    failed = [name for name, c in checks.items() if not c.ok]
    assert failed == ["Mapped locations exist"]
    location = checks["Mapped locations exist"]
    assert "99" in location.detail and "do not exist in NetSuite" in location.detail and "mappings file" in location.fix


def test_a_table_or_column_the_account_does_not_expose_is_named_with_the_permission_to_grant():
    config = NetSuiteSimConfig(
        suiteql_hidden_columns=["inventorybalance.quantityonhand"], suiteql_hidden_tables=["inventorynumber"]
    )
    tables = {table.name: table for table in SUITEQL_TABLES}

    async def probe() -> list:
        async with NetSuiteClient(netsuite_tba_settings(running.url)) as netsuite:
            return [await _probe(netsuite, tables[name]) for name in ("inventorybalance", "inventorynumber", "item")]

    with serving(create_app(config)) as running:
        balance, numbers, item = asyncio.run(probe())
    assert not balance.ok and balance.detail.startswith("missing column(s) quantityonhand")
    assert "Multi-Location Inventory" in balance.fix
    assert not numbers.ok and "Record 'inventorynumber' was not found." in numbers.detail and "Lot Tracking" in numbers.fix
    assert item.ok
