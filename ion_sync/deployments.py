"""The deployments declared in `prefect.yaml`, read once so the CLI, `serve` and the demo
agree with what `prefect deploy` would register."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from prefect import Flow
from prefect import schedules as prefect_schedules
from pydantic import BaseModel, ConfigDict, Field

from connectors.errors import ConfigError
from core.config import read_yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"


def enter_project_directory() -> dict[str, str]:
    """prefect.yaml's pull step: a worker runs each flow from the project root of the ion-sync it
    has installed (where `flows/` is), found from the package itself. So `prefect deploy` records
    no path of the machine it ran on, and no variable has to agree between deployer and worker
    (an environment placeholder would be resolved at deploy time)."""
    os.chdir(PROJECT_ROOT)
    return {"directory": str(PROJECT_ROOT)}


class Schedule(BaseModel):
    model_config = ConfigDict(extra="ignore")
    cron: str | None = None
    interval: float | None = None
    timezone: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)  # overrides for this schedule's runs (a daily full resync)

    def to_prefect(self) -> prefect_schedules.Schedule:
        if self.cron:
            return prefect_schedules.Cron(self.cron, timezone=self.timezone, parameters=self.parameters)
        if self.interval:
            return prefect_schedules.Interval(self.interval, timezone=self.timezone, parameters=self.parameters)
        raise ConfigError("prefect.yaml: a schedule needs cron or interval")


class DeploymentSpec(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str
    entrypoint: str
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)
    triggers: list[dict[str, Any]] = Field(default_factory=list)  # event triggers, as `prefect deploy` reads them

    def load_flow(self) -> Flow[..., Any]:
        """Import the flow object named by `entrypoint` (path/to/module.py:function)."""
        path, _, attribute = self.entrypoint.partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, attribute)
        if not isinstance(flow, Flow):
            raise ConfigError(f"prefect.yaml: {self.entrypoint} is not a Prefect flow")
        return flow


def load_deployments(path: Path = PREFECT_YAML) -> dict[str, DeploymentSpec]:
    raw = read_yaml(path.read_text()) or {}
    specs = [DeploymentSpec.model_validate(d) for d in raw.get("deployments", [])]
    return {spec.name: spec for spec in specs}


def deployment(name: str) -> DeploymentSpec:
    specs = load_deployments()
    if name not in specs:
        raise ConfigError(f"no deployment named {name!r} in prefect.yaml; known: {', '.join(sorted(specs))}")
    return specs[name]
