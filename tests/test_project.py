"""The project's own wiring: pins that start Prefect, the CLI, prefect.yaml, the layers."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from prefect import flow
from typer.testing import CliRunner

from core.config import erp_integration
from ion_sync.cli import app
from ion_sync.deployments import PROJECT_ROOT, load_deployments

runner = CliRunner()


def test_the_pinned_prefect_starts_its_test_server_and_runs_a_flow(prefect_api):
    @flow
    def hello(name: str) -> str:
        return f"hello {name}"

    state = hello("ion", return_state=True)
    assert state.is_completed() and state.result() == "hello ion"
    assert version("prefect") == "3.8.8"
    major, minor = (int(part) for part in version("fastapi").split(".")[:2])
    assert (major, minor) < (0, 151), "FastAPI >= 0.151 kills the Prefect 3.8.8 server at import"


@pytest.mark.parametrize("command", [[], ["demo"], ["sandbox"], ["run"], ["serve"]])
def test_every_command_explains_itself(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
    assert len(result.output.split("\n")) > 5


def test_run_names_unknown_deployments_and_parameters():
    unknown = runner.invoke(app, ["run", "consumption-sink"])
    assert unknown.exit_code == 2 and "consumption-sync" in unknown.output
    bad_param = runner.invoke(app, ["run", "consumption-sync", "--param", "run_id=1"])
    assert bad_param.exit_code == 2 and "run_ids" in bad_param.output
    malformed = runner.invoke(app, ["run", "consumption-sync", "--param", "dry_run"])
    assert malformed.exit_code == 2 and "name=value" in malformed.output


def test_a_mistyped_parameter_value_creates_no_run_and_says_what_it_expects(monkeypatch):
    """Issue 14: `run_ids=abc` and `since=yesterday` made a Failed run that counted against health."""
    import ion_sync.runner

    started = []
    monkeypatch.setattr(ion_sync.runner, "start_prefect_api", lambda: started.append(True))
    typo = runner.invoke(app, ["run", "consumption-sync", "-p", "run_ids=abc", "-p", "since=yesterday"])
    assert typo.exit_code == 2 and not started
    assert "run_ids: Input should be a valid list; run_ids expects a list of integers such as [1001,1002]" in typo.output
    assert "since expects a date-time such as 2026-11-20T08:00:00Z" in typo.output
    assert "no run was created" in typo.output


def test_serve_without_a_server_says_how_to_start_one():
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2 and "prefect server start" in result.output


def test_prefect_yaml_deployments_load_and_match_their_flows():
    deployments = load_deployments()
    assert {"consumption-sync", "inventory-reconciliation"} <= set(deployments)
    readme = (PROJECT_ROOT / "README.md").read_text()
    for name, spec in deployments.items():
        loaded = spec.load_flow()
        erp = (spec.parameters or {}).get("erp") or "netsuite"
        # Deployment and flow names agree, so runs are easy to find; a deployment for another ERP or
        # for a PLM adds it (`receipt-sync-odoo`, parameter erp: odoo; `plm-part-sync-arena`, plm: arena).
        assert name in (erp_integration(loaded.name, erp), f"{loaded.name}-{spec.parameters.get('plm')}"), name
        assert set(spec.parameters) <= set(loaded.parameters.properties), name
        assert spec.schedules and all(s.to_prefect() for s in spec.schedules)
        assert all(set(s.parameters) <= set(loaded.parameters.properties) for s in spec.schedules), name
        assert f"`{name}`" in readme, f"README documents {name}"


def test_every_setting_in_the_code_is_in_the_readme_table():
    from connectors.arena import ArenaSettings
    from connectors.duro import DuroSettings
    from connectors.ion import IonSettings
    from connectors.netsuite import NetSuiteSettings
    from connectors.odoo import OdooSettings
    from connectors.onshape import OnshapeSettings
    from core.config import AppSettings

    readme = (PROJECT_ROOT / "README.md").read_text()
    for settings in (IonSettings, NetSuiteSettings, AppSettings, ArenaSettings, DuroSettings, OnshapeSettings, OdooSettings):
        prefix = settings.model_config["env_prefix"]
        for field in settings.model_fields:
            if field == "retry":
                continue
            assert f"{prefix}{field}".upper() in readme, f"{prefix}{field}".upper()


# Higher may import lower, never the reverse (README, "Layers"). The per-system packages share a
# rank and import each other only through a port (`erp.port`, `plm.port`): the contracts.
LAYERS = {
    "connectors": 0,
    "ledger": 1,
    "core": 2,
    "erp": 3,
    "payments": 3,
    "plm": 3,
    "mes": 3,
    "tasks": 4,
    "flows": 5,
    "ion_sync": 6,
}


def _imports(folder: str) -> Iterator[tuple[str, str]]:
    for path in Path(PROJECT_ROOT, folder).rglob("*.py"):
        module = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        for target in re.findall(r"^\s*(?:from|import) ([a-z_][\w.]*)", path.read_text(), re.M):
            yield module, target


def test_layers_point_one_way():
    """No upward import, no cycle between top-level packages; systems meet only through a port;
    connectors/ has no Prefect; sandbox/ shares nothing with the product."""
    wrong = []
    for top, rank in LAYERS.items():
        for module, target in _imports(top):
            head = target.split(".")
            if head[0] not in LAYERS:
                continue
            if LAYERS[head[0]] > rank:
                wrong.append(f"{module} imports {target}: upward")
            elif LAYERS[head[0]] == rank and head[0] != top and head[1:2] != ["port"]:
                wrong.append(f"{module} imports {target}: another system, not through its port")
            elif head[0] == top and rank == LAYERS["erp"]:
                mine, theirs = module.split(".")[1:2], head[1:2]
                if mine and theirs and mine != theirs and "port" not in (*mine, *theirs):
                    wrong.append(f"{module} imports {target}: another system, not through its port")
    assert not wrong, "\n".join(sorted(set(wrong)))
    assert not {t.split(".")[0] for _, t in _imports("connectors")} & {"prefect", *LAYERS.keys() - {"connectors"}}
    assert not {t.split(".")[0] for _, t in _imports("sandbox")} & LAYERS.keys()
    assert not {t.split(".")[0] for _, t in _imports("ledger")} & ({"prefect", *LAYERS} - {"ledger", "connectors"})


def test_the_console_script_is_installed():
    result = subprocess.run([Path(sys.executable).parent / "ion-sync", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "sandbox" in result.stdout


def test_dead_letter_replay_offers_exactly_the_replayable_integrations():
    from typing import get_args

    from flows.dead_letter_replay import Replayable, dead_letter_replay
    from flows.integrations import INTEGRATIONS

    assert set(get_args(Replayable)) == {name for name, integ in INTEGRATIONS.items() if integ.run_for}
    assert set(dead_letter_replay.parameters.properties["integration"]["enum"]) == set(get_args(Replayable))


def test_the_last_line_of_a_flow_without_counts_says_what_it_found():
    """The preflight ends with its checks, not `posted=0 dead_letters=0`; a failed run keeps the counts form."""
    from ion_sync.runner import RunResult

    checks = RunResult("preflight", "Completed", None, "90 passed, 0 failed", completed=True)
    assert checks.line() == "preflight Completed 90 passed, 0 failed"
    failed = RunResult("preflight", "Failed", None, "88 passed, 2 failed", completed=False)
    assert failed.line() == "preflight Failed posted=0 dead_letters=0"
