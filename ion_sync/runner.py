"""Run a deployment's flow in this process: the manual re-run, and each step of the demo."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import yaml

from connectors.errors import ConfigError
from ion_sync.child_processes import start_prefect_api
from ion_sync.deployments import deployment
from tasks.reporting import SyncSummary


@dataclass(frozen=True)
class RunResult:
    deployment: str
    state: str
    summary: SyncSummary | None
    message: str | None
    error: ConfigError | None = None  # settings, mappings or an unusable resource stopped the run before any write

    @property
    def ok(self) -> bool:
        return self.state == "Completed"

    def line(self) -> str:
        """`<deployment-name> <final state> posted=<N> dead_letters=<M>`."""
        counts = self.summary.line() if self.summary else "posted=0 dead_letters=0"
        return f"{self.deployment} {self.state} {counts}"


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """`name=value` pairs; values are read as YAML, so `run_ids=[1001,1002]`, `dry_run=true`
    and `since=2026-11-20T08:00:00Z` arrive typed."""
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ConfigError(f"--param {pair!r}: expected name=value")
        params[name.strip()] = yaml.safe_load(value) if value else None
    return params


def run_deployment(name: str, overrides: dict[str, Any] | None = None) -> RunResult:
    spec = deployment(name)
    flow = spec.load_flow()
    known = set(flow.parameters.properties)
    unknown = sorted(set(overrides or {}) - known)
    if unknown:
        raise ConfigError(f"{name} has no parameter(s) {', '.join(unknown)}; it takes: {', '.join(sorted(known))}")
    params = {**spec.parameters, **(overrides or {})}
    start_prefect_api()
    state = asyncio.run(flow(**params, return_state=True))
    result = state.result(raise_on_failure=False)
    summary = result if isinstance(result, SyncSummary) else None
    error = result if isinstance(result, ConfigError) else None
    return RunResult(deployment=name, state=state.name or str(state.type), summary=summary, message=state.message, error=error)
