"""`ion-sync acceptance` (seed 002 rule 10) against the simulators: one marked record pushed
through the integration, read back, and a signed-off report; nothing without --confirm."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from core.config import ERP_NAMES, load_mappings
from flows.integrations import INTEGRATIONS
from ion_sync.cli import app

CONFIG = Path(__file__).resolve().parents[1] / "config"


def accept(*args: str):
    return CliRunner().invoke(app, ["acceptance", *args])


def reports(world) -> Path:
    return Path(world.env["ION_SYNC_REPORTS_DIR"]) / "acceptance"


def test_without_confirm_it_says_what_it_would_do_and_writes_nothing(world):
    result = accept("consumption-sync", "--record", "1001")
    assert result.exit_code == 0, result.output
    assert "Would run consumption-sync for ION run id 1001" in result.output and "Nothing was written" in result.output
    assert world.completions() == [] and not reports(world).exists()


@pytest.mark.usefixtures("prefect_api")
@pytest.mark.parametrize(
    ("integration", "record", "target"),
    [
        ("consumption-sync", "1001", "workOrderCompletion"),
        ("receipt-sync", "1", "itemReceipt"),
        ("labor-sync", "1", "timeBill"),
        ("purchase-order-sync", "1501", "purchaseOrder"),
    ],
)
def test_confirm_pushes_the_record_reads_it_back_and_writes_the_report(world, integration, record, target):
    result = accept(integration, "--record", record, "--confirm")
    assert result.exit_code == 0, result.output
    report = json.loads((reports(world) / f"acceptance-{integration}-{record}.json").read_text())
    declared = load_mappings(CONFIG / "sandbox.yaml").acceptance[integration]
    assert (report["result"], report["criterion"], report["owner"], report["sla"]) == (
        "PASS",
        declared.criterion,
        declared.owner,
        declared.sla,
    )
    assert any(line.startswith(f"{target} ") and "read back" in line for line in report["evidence"])
    markdown = (reports(world) / f"acceptance-{integration}-{record}.md").read_text()
    assert "**PASS**" in markdown and declared.owner in markdown


@pytest.mark.usefixtures("prefect_api")
def test_a_record_that_dead_letters_fails_acceptance_with_the_reason(world):
    result = accept("consumption-sync", "--record", "1006", "--confirm")  # PROTO-9 is no NetSuite item
    assert result.exit_code == 1
    report = json.loads((reports(world) / "acceptance-consumption-sync-1006.json").read_text())
    assert report["result"] == "FAIL" and any("dead" in line and "PROTO-9" in line for line in report["evidence"])
    assert world.completions() == []


def test_an_unsupported_integration_or_a_missing_entry_exits_2_before_any_write(world, tmp_path, monkeypatch):
    result = accept("ramp-supplier-import", "--record", "1", "--confirm")
    assert result.exit_code == 2 and "does not support 'ramp-supplier-import'" in result.output

    raw = yaml.safe_load((CONFIG / "sandbox.yaml").read_text())
    del raw["acceptance"]["consumption-sync"]
    (tmp_path / "mappings.yaml").write_text(yaml.safe_dump(raw))
    monkeypatch.setenv("ION_SYNC_CONFIG", str(tmp_path / "mappings.yaml"))
    result = accept("consumption-sync", "--record", "1001", "--confirm")
    assert result.exit_code == 2 and "acceptance.consumption-sync is missing" in result.output
    assert world.completions() == []


def test_every_integration_declares_its_acceptance_criterion_owner_and_sla():
    """Every integration the demo's mappings serve: all but the ERP-port ones of ERPs it has no section for."""
    mappings = load_mappings(CONFIG / "sandbox.yaml")
    erps = {erp for erp in ERP_NAMES if getattr(mappings, erp.replace("-", "_")) is not None}
    assert set(mappings.acceptance) == {name for name, i in INTEGRATIONS.items() if i.erp is None or i.erp in erps}
    assert set(load_mappings(CONFIG / "example.yaml").acceptance) <= set(INTEGRATIONS)
