"""docker/: no Docker engine runs here, so the image and the compose file are checked against
the code: services, images, ports, commands and every environment variable they set."""

from __future__ import annotations

import importlib
import re
import tomllib
from importlib.metadata import version

import yaml
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from connectors.ion import IonSettings
from connectors.netsuite import NetSuiteSettings
from ion_sync.automations import AlertSettings
from ion_sync.cli import app
from ion_sync.config import AppSettings
from ion_sync.deployments import PROJECT_ROOT
from ion_sync.webhooks.app import ReceiverSettings
from ion_sync.webhooks.sources import SOURCES

DOCKER = PROJECT_ROOT / "docker"
COMPOSE = yaml.safe_load((DOCKER / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (DOCKER / "Dockerfile").read_text()


def known_variables() -> set[str]:
    classes: list[type[BaseSettings]] = [AppSettings, IonSettings, NetSuiteSettings, ReceiverSettings, AlertSettings]
    classes += [s.settings for s in SOURCES.values()]
    return {f"{c.model_config['env_prefix']}{name}".upper() for c in classes for name in c.model_fields}


def test_the_stack_has_every_service_and_the_simulators_only_in_the_demo_profile():
    assert set(SERVICES) == {"postgres", "prefect-server", "deploy", "worker", "webhooks", "ion-sim", "netsuite-sim"}
    assert {name for name, s in SERVICES.items() if "demo" in s.get("profiles", [])} == {"ion-sim", "netsuite-sim"}
    assert SERVICES["prefect-server"]["image"] == f"prefecthq/prefect:{version('prefect')}-python3.11"
    assert SERVICES["postgres"]["image"].startswith("postgres:")
    for name in ("deploy", "worker", "webhooks", "ion-sim", "netsuite-sim"):
        assert SERVICES[name]["image"] == "ion-sync:latest", name
    assert SERVICES["worker"]["build"]["dockerfile"] == "docker/Dockerfile"


def test_the_prefect_server_runs_on_the_postgres_service():
    server = SERVICES["prefect-server"]
    url = server["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert url.startswith("postgresql+asyncpg://ion_sync:") and url.endswith("@postgres:5432/prefect")
    assert SERVICES["postgres"]["environment"]["POSTGRES_DB"] == "prefect"
    assert "CREATE DATABASE ledger" in (DOCKER / "postgres-init.sql").read_text()
    assert "4200:4200" in server["ports"] and server["command"][-1] == "4200"
    assert server["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_worker_and_receiver_settings_are_real_settings_pointing_at_the_services():
    known = known_variables()
    for name in ("worker", "webhooks"):
        env = SERVICES[name]["environment"]
        unknown = {k for k in env if k not in known and not k.startswith("PREFECT_")}
        assert not unknown, f"{name} sets variables no settings class reads: {unknown}"
        assert env["PREFECT_API_URL"] == "http://prefect-server:4200/api"
        assert env["ION_SYNC_DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:5432/ledger" in env["ION_SYNC_DATABASE_URL"]
        assert "8701" in env["ION_API_URL"] and "8702" in env["NETSUITE_BASE_URL"]
    assert "ION_WEBHOOK_SECRET" in SERVICES["webhooks"]["environment"]
    assert set(SERVICES["deploy"]["environment"]) <= known | {"PREFECT_API_URL"}


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
    for name, port, module in (("ion-sim", "8701", "sandbox.ion"), ("netsuite-sim", "8702", "sandbox.netsuite")):
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
