"""docker/: no Docker engine runs here, so the image and the compose file are checked against
the code: services, images, ports, commands and every environment variable they set."""

from __future__ import annotations

import importlib
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import yaml
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from connectors.arena import ArenaSettings
from connectors.business_central import BusinessCentralSettings
from connectors.duro import DuroSettings
from connectors.ion import IonSettings
from connectors.netsuite import NetSuiteSettings
from connectors.quickbooks import QuickBooksSettings
from connectors.ramp import RampSettings
from core.config import AppSettings
from erp.business_central.subscriptions import SubscriptionSettings
from ion_sync.automations import AlertSettings
from ion_sync.cli import app
from ion_sync.deployments import PROJECT_ROOT
from ion_sync.webhooks.app import ReceiverSettings
from ion_sync.webhooks.sources import SOURCES
from ledger.credentials import KEY_VARIABLE

DOCKER = PROJECT_ROOT / "docker"
COMPOSE = yaml.safe_load((DOCKER / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (DOCKER / "Dockerfile").read_text()
SYSTEM_SETTINGS: list[type[BaseSettings]] = [
    IonSettings,
    NetSuiteSettings,
    QuickBooksSettings,
    RampSettings,
    ArenaSettings,
    BusinessCentralSettings,
    DuroSettings,
]
APP_SERVICES = ("deploy", "worker", "webhooks")
SIMULATORS = {
    "ion-sim": ("8701", "sandbox.ion"),
    "netsuite-sim": ("8702", "sandbox.netsuite"),
    "arena-sim": ("8703", "sandbox.arena"),
    "ramp-sim": ("8704", "sandbox.ramp"),
    "quickbooks-sim": ("8705", "sandbox.quickbooks"),
    "business-central-sim": ("8707", "sandbox.business_central"),
    "duro-sim": ("8706", "sandbox.duro"),
}


def known_variables() -> set[str]:
    classes: list[type[BaseSettings]] = [AppSettings, ReceiverSettings, AlertSettings, SubscriptionSettings, *SYSTEM_SETTINGS]
    classes += [s.settings for s in SOURCES.values()]
    return {f"{c.model_config['env_prefix']}{name}".upper() for c in classes for name in c.model_fields} | {KEY_VARIABLE}


def env_file(name: str) -> dict[str, str]:
    lines = (DOCKER / name).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_the_stack_has_every_service_and_the_simulators_only_in_the_demo_profile():
    assert set(SERVICES) == {"postgres", "prefect-server", *APP_SERVICES, *SIMULATORS}
    assert {name for name, s in SERVICES.items() if "demo" in s.get("profiles", [])} == set(SIMULATORS)
    assert SERVICES["prefect-server"]["image"] == f"prefecthq/prefect:{version('prefect')}-python3.11"
    assert re.fullmatch(r"postgres:\d+\.\d+", SERVICES["postgres"]["image"]), "pinned to a minor release"
    project_version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    for name in (*APP_SERVICES, *SIMULATORS):
        # One image, tagged with the project's version (never `latest`), built by the same entry.
        assert SERVICES[name]["image"] == f"ion-sync:{project_version}", name
        assert SERVICES[name]["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}, name


def test_the_prefect_server_runs_on_the_postgres_service():
    server = SERVICES["prefect-server"]
    url = server["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert url.startswith("postgresql+asyncpg://ion_sync:") and url.endswith("@postgres:5432/prefect")
    assert SERVICES["postgres"]["environment"]["POSTGRES_DB"] == "prefect"
    assert "CREATE DATABASE ledger" in (DOCKER / "postgres-init.sql").read_text()
    assert "4200:4200" in server["ports"] and server["command"][-1] == "4200"
    assert server["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_every_system_is_configured_from_one_env_file_with_no_sandbox_fallback():
    known = known_variables()
    for name in APP_SERVICES:
        service = SERVICES[name]
        assert service["env_file"] == [{"path": "${ION_SYNC_ENV_FILE:-ion-sync.env}", "required": True}], name
        env = service["environment"]
        assert set(env) <= known | {"PREFECT_API_URL", "PREFECT_WORKER_WEBSERVER_PORT"}, name
        assert env["PREFECT_API_URL"] == "http://prefect-server:4200/api"
        assert (
            env["ION_SYNC_DATABASE_URL"].startswith("postgresql+psycopg://")
            and "@postgres:5432/ledger" in env["ION_SYNC_DATABASE_URL"]
        )
        # No `${X:-default}` for a customer's system: a missing setting stops the stack, it never
        # silently points production at a simulator.
        assert not [v for v in env.values() if ":-" in v and "POSTGRES_PASSWORD" not in v], name
    example, demo = env_file("ion-sync.env.example"), env_file("demo.env")
    assert set(example) <= known and set(demo) <= known
    required = {
        f"{c.model_config['env_prefix']}{n}".upper()
        for c in SYSTEM_SETTINGS
        for n, f in c.model_fields.items()
        if f.is_required()
    }
    assert required <= set(example), f"the example leaves out required settings: {sorted(required - set(example))}"
    assert required <= set(demo), f"the demo env leaves out required settings: {sorted(required - set(demo))}"
    assert not {k: v for k, v in example.items() if "sandbox" in v or "-sim:" in v}, (
        "no simulator values in the production example"
    )
    assert "docker/ion-sync.env" in (PROJECT_ROOT / ".gitignore").read_text(), "the customer's secrets file is never committed"


def test_the_demo_env_points_every_system_at_its_simulator():
    demo = env_file("demo.env")
    for variable, service in (
        ("ION_API_URL", "ion-sim"),
        ("NETSUITE_BASE_URL", "netsuite-sim"),
        ("ARENA_API_URL", "arena-sim"),
        ("RAMP_BASE_URL", "ramp-sim"),
        ("QUICKBOOKS_BASE_URL", "quickbooks-sim"),
        ("BUSINESS_CENTRAL_BASE_URL", "business-central-sim"),
        ("DURO_API_URL", "duro-sim"),
    ):
        assert demo[variable].startswith(f"http://{service}:{SIMULATORS[service][0]}"), variable
    assert (PROJECT_ROOT / demo["ION_SYNC_CONFIG"].removeprefix("/opt/ion-sync/")).exists()
    for settings in SYSTEM_SETTINGS:  # every system's settings load from the demo file
        prefix = settings.model_config["env_prefix"]
        settings(**{k.removeprefix(prefix).lower(): v for k, v in demo.items() if k.startswith(prefix)})


def test_the_worker_reports_its_health_and_keeps_reports_on_a_volume():
    worker = SERVICES["worker"]
    assert "--with-healthcheck" in worker["command"]
    port = worker["environment"]["PREFECT_WORKER_WEBSERVER_PORT"]
    assert f"localhost:{port}/health" in " ".join(worker["healthcheck"]["test"])
    assert "reports:/home/ion-sync/reports" in worker["volumes"] and "reports" in COMPOSE["volumes"]
    assert "ION_SYNC_REPORTS_DIR=/home/ion-sync/reports" in DOCKERFILE and "mkdir -p /home/ion-sync/reports" in DOCKERFILE
    assert worker["environment"]["ION_SYNC_REPORTS_DIR"] == "/home/ion-sync/reports"


def test_prefect_yaml_pulls_from_the_installed_project_not_a_baked_path(tmp_path, monkeypatch):
    from ion_sync.deployments import enter_project_directory

    project = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())
    [step] = project["pull"]
    [(function, inputs)] = step.items()
    assert function == "ion_sync.deployments.enter_project_directory" and not inputs
    assert "/" not in yaml.safe_dump(project["pull"]), "no machine's path in the pull step"
    monkeypatch.chdir(tmp_path)
    assert enter_project_directory() == {"directory": str(PROJECT_ROOT)}
    entrypoint = project["deployments"][0]["entrypoint"].split(":")[0]
    assert Path(entrypoint).exists(), "the worker finds the flows from there"


def test_ports_and_commands_agree_with_the_code():
    webhooks = SERVICES["webhooks"]
    command = webhooks["command"]
    assert command[:2] == ["ion-sync", "webhooks"] and "8710:8710" in webhooks["ports"]
    assert command[command.index("--port") + 1] == "8710"
    assert runner_help(["webhooks"]).count("--port") and runner_help(["automations"]).count("--block")
    pool = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())["deployments"][0]["work_pool"]["name"]
    assert SERVICES["worker"]["command"][SERVICES["worker"]["command"].index("--pool") + 1] == pool
    assert f"work-pool create {pool} --type process" in " ".join(SERVICES["deploy"]["command"])
    assert "deploy --all" in " ".join(SERVICES["deploy"]["command"])
    for name, (port, module) in SIMULATORS.items():
        sim = SERVICES[name]
        assert f"{module}:create_app" in sim["command"] and sim["command"][-1] == port and f"{port}:{port}" in sim["ports"]
        assert callable(importlib.import_module(module).create_app)


def runner_help(command: list[str]) -> str:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    return result.output


def test_the_image_installs_the_project_pinned_and_runs_as_a_non_root_user():
    assert re.search(r"^FROM python:3\.11", DOCKERFILE, re.M)
    assert "pip install -c constraints.txt -e ." in DOCKERFILE
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in {"root", "0"}
    packages = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    copied = set(re.findall(r"^COPY (\S+)/ ", DOCKERFILE, re.M))
    assert {p.rstrip("*") for p in packages} <= copied, "every package pyproject installs is in the image"
    assert "prefect.yaml" in DOCKERFILE and "automations.yaml" in DOCKERFILE
    assert "EXPOSE 8710" in DOCKERFILE
