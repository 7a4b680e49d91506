"""docker/: no Docker engine runs here, so the image and the compose file are checked against
the code: services, images, ports, commands and every environment variable they set."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import tomllib
from dataclasses import fields
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from connectors.errors import ConfigError
from connectors.ion import IonSettings
from connectors.settings import load_settings
from core.config import AppSettings
from core.environment import SETTINGS
from erp.business_central.subscriptions import SubscriptionSettings
from ion_sync import sandbox
from ion_sync.automations import AlertSettings
from ion_sync.cli import app
from ion_sync.deployments import PROJECT_ROOT
from ion_sync.webhooks.app import ReceiverSettings
from ion_sync.webhooks.sources import SOURCES
from ledger.credentials import KEY_VARIABLE
from plm.onshape.webhooks import RegistrationSettings
from sandbox.business_central import BusinessCentralSimConfig

DOCKER = PROJECT_ROOT / "docker"
COMPOSE = yaml.safe_load((DOCKER / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (DOCKER / "Dockerfile").read_text()
# Every system ion-sync talks to, by name (core.environment registers each adapter's settings).
SYSTEM_SETTINGS: dict[str, type[BaseSettings]] = {"ion": IonSettings, **SETTINGS}
APP_SERVICES = ("deploy", "worker", "webhooks")
# Every simulator `ion-sync sandbox` and the demo start (a server of ion_sync.sandbox.Sandbox),
# by the demo profile's service running it (its system's name + "-sim"), with the app factory it
# runs: the sandbox's own (ion_sync.sandbox.create_<name>_app) where the sandbox configures the
# simulator beyond its defaults, else the simulator's (sandbox.<name>.create_app).
SIMULATED = [f.name for f in fields(sandbox.Sandbox) if "RunningServer" in str(f.type)]
SIMULATORS = {
    f"{name.replace('_', '-')}-sim": (
        f"ion_sync.sandbox:create_{name}_app" if hasattr(sandbox, f"create_{name}_app") else f"sandbox.{name}:create_app"
    )
    for name in SIMULATED
}
PREFECT_YAML = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())


def port(service: str) -> str:
    return str(SERVICES[service]["command"][-1])


def known_variables() -> set[str]:
    classes: list[type[BaseSettings]] = [
        AppSettings,
        ReceiverSettings,
        AlertSettings,
        SubscriptionSettings,
        RegistrationSettings,
        *SYSTEM_SETTINGS.values(),
    ]
    classes += [s.settings for s in SOURCES.values()]
    return {f"{c.model_config['env_prefix']}{name}".upper() for c in classes for name in c.model_fields} | {KEY_VARIABLE}


def env_file(name: str) -> dict[str, str]:
    lines = (DOCKER / name).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


@pytest.fixture
def demo_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The process environment a container of the demo profile has: demo.env's variables and no
    other setting of ion-sync's (none leaks in from the test run)."""
    known = known_variables()
    for name in [n for n in os.environ if n in known or n.split("__")[0] in known]:
        monkeypatch.delenv(name)
    demo = env_file("demo.env")
    for name, value in demo.items():
        monkeypatch.setenv(name, value)
    return demo


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


def test_the_stacks_prefect_server_is_tuned_as_the_embedded_one():
    """The server settings pyproject.toml gives every Prefect server started from the project
    (the embedded API, the tests') are the compose server's too."""

    def variables(table: dict[str, object], prefix: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, value in table.items():
            if isinstance(value, dict):
                found |= variables(value, f"{prefix}_{name}")
            else:
                found[f"{prefix}_{name}".upper()] = str(value).lower() if isinstance(value, bool) else str(value)
        return found

    expected = variables(
        tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["prefect"]["server"], "PREFECT_SERVER"
    )
    assert "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE" in expected
    assert expected.items() <= SERVICES["prefect-server"]["environment"].items()


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
        for c in SYSTEM_SETTINGS.values()
        for n, f in c.model_fields.items()
        if f.is_required()
    }
    assert required <= set(example), f"the example leaves out required settings: {sorted(required - set(example))}"
    assert required <= set(demo), f"the demo env leaves out required settings: {sorted(required - set(demo))}"
    assert not {k: v for k, v in example.items() if "sandbox" in v or "-sim:" in v}, (
        "no simulator values in the production example"
    )
    assert "docker/ion-sync.env" in (PROJECT_ROOT / ".gitignore").read_text(), "the customer's secrets file is never committed"


def test_the_examples_empty_onshape_webhook_url_registers_nothing(monkeypatch):
    """`ONSHAPE_WEBHOOK_URL=` as the example leaves it: the receiver starts and registers no webhook."""
    assert env_file("ion-sync.env.example")["ONSHAPE_WEBHOOK_URL"] == ""
    monkeypatch.setenv("ONSHAPE_WEBHOOK_URL", "")
    assert load_settings(RegistrationSettings).url is None


def test_the_demo_env_points_every_system_at_its_simulator(demo_environment):
    demo = demo_environment
    receiver_prefixes = (*(s.settings.model_config["env_prefix"] for s in SOURCES.values()), "ION_SYNC_")
    for service in SIMULATORS:
        system = service.removesuffix("-sim")
        prefix = SYSTEM_SETTINGS[system].model_config["env_prefix"]
        urls = {k: v for k, v in demo.items() if k.startswith(prefix) and v.startswith("http")}
        urls = {k: v for k, v in urls.items() if not k.startswith(receiver_prefixes)}  # the receiver's, not the system's
        assert urls, f"{system}: no URL in demo.env"
        assert {k: v for k, v in urls.items() if not v.startswith(f"http://{service}:{port(service)}")} == {}, system
    # The credentials are the ones `ion-sync sandbox` gives the same simulators (their defaults).
    for env, service in (
        (sandbox.ramp_env, "ramp-sim"),
        (sandbox.duro_env, "duro-sim"),
        (sandbox.odoo_env, "odoo-sim"),
        (sandbox.onshape_env, "onshape-sim"),
        (lambda url: sandbox.business_central_env(url, BusinessCentralSimConfig()), "business-central-sim"),
    ):
        expected = env(f"http://{service}:{port(service)}")
        assert {k: demo.get(k) for k in expected} == expected, service
    assert demo["BUSINESS_CENTRAL_WEBHOOK_URL"] == f"http://webhooks:{port('webhooks')}/webhooks/business-central"
    # The receiver registers Onshape's release webhook to itself, as the simulator reaches it.
    assert demo["ONSHAPE_WEBHOOK_URL"] == f"http://webhooks:{port('webhooks')}/webhooks/onshape"
    assert str(load_settings(RegistrationSettings).url) == demo["ONSHAPE_WEBHOOK_URL"]
    assert (PROJECT_ROOT / demo["ION_SYNC_CONFIG"].removeprefix("/opt/ion-sync/")).exists()
    for settings in SYSTEM_SETTINGS.values():  # every system's settings load from the demo file
        load_settings(settings)


def settings_imported_by(entrypoint: str) -> set[type[BaseSettings]]:
    """The settings classes a flow module imports to load itself (read from its source, so the
    flows and Prefect need not be imported here)."""
    tree = ast.parse((PROJECT_ROOT / entrypoint.split(":")[0]).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if alias.name.endswith("Settings"):
                    cls = getattr(importlib.import_module(node.module), alias.name)
                    if issubclass(cls, BaseSettings):
                        found.add(cls)
    return found


def test_every_deployment_finds_its_settings_in_the_demo_env(demo_environment):
    """Each deployment's systems (its tags, its erp / plm parameter; the preflight's `all`: every
    one) and any settings class its flow loads itself load from demo.env alone."""
    for deployment in PREFECT_YAML["deployments"]:
        name, parameters = deployment["name"], deployment.get("parameters") or {}
        chosen = {parameters[p] for p in ("erp", "plm") if parameters.get(p)}
        assert chosen <= set(deployment["tags"]), f"{name}: its tags name the system it talks to"
        systems = {t for t in deployment["tags"] if t in SYSTEM_SETTINGS} | chosen
        if "all" in (parameters.get("systems") or []):
            systems = set(SYSTEM_SETTINGS)
        for settings in {SYSTEM_SETTINGS[s] for s in systems} | settings_imported_by(deployment["entrypoint"]):
            try:
                load_settings(settings)
            except ConfigError as exc:
                pytest.fail(f"{name}: {exc}")


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

    [step] = PREFECT_YAML["pull"]
    [(function, inputs)] = step.items()
    assert function == "ion_sync.deployments.enter_project_directory" and not inputs
    assert "/" not in yaml.safe_dump(PREFECT_YAML["pull"]), "no machine's path in the pull step"
    monkeypatch.chdir(tmp_path)
    assert enter_project_directory() == {"directory": str(PROJECT_ROOT)}
    entrypoint = PREFECT_YAML["deployments"][0]["entrypoint"].split(":")[0]
    assert Path(entrypoint).exists(), "the worker finds the flows from there"


def test_ports_and_commands_agree_with_the_code():
    webhooks = SERVICES["webhooks"]
    command = webhooks["command"]
    assert command[:2] == ["ion-sync", "webhooks"] and "8710:8710" in webhooks["ports"]
    assert command[command.index("--port") + 1] == "8710"
    assert runner_help(["webhooks"]).count("--port") and runner_help(["automations"]).count("--block")
    pool = PREFECT_YAML["deployments"][0]["work_pool"]["name"]
    assert SERVICES["worker"]["command"][SERVICES["worker"]["command"].index("--pool") + 1] == pool
    assert f"work-pool create {pool} --type process" in " ".join(SERVICES["deploy"]["command"])
    assert "deploy --all" in " ".join(SERVICES["deploy"]["command"])
    ports = [port(name) for name in (*SIMULATORS, "webhooks")]
    assert len(set(ports)) == len(ports), "one port per service"
    for name, app_factory in SIMULATORS.items():
        sim = SERVICES[name]
        assert sim["command"][:3] == ["uvicorn", "--factory", app_factory], name
        assert f"{port(name)}:{port(name)}" in sim["ports"], name
        # `uvicorn --factory` calls it with no argument
        module, function = app_factory.split(":")
        factory = getattr(importlib.import_module(module), function)
        assert all(p.default is not p.empty for p in inspect.signature(factory).parameters.values()), module


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
