"""Run a deployment's flow: the manual re-run (`ion-sync run`), and each step of the demo.

With a Prefect server configured (PREFECT_API_URL) and the deployment registered on it, the run
goes through the deployment (`run_deployment`): it is linked to the deployment, carries its
tags and runs on its work pool's worker. Otherwise it runs in this process, on the embedded
server. Either way the parameters are checked against the flow's signature first, so a typo
creates no flow run at all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

import yaml
from prefect import Flow
from prefect.client.schemas.objects import State
from prefect.exceptions import ParameterTypeError

from connectors.errors import ConfigError
from ion_sync.child_processes import start_prefect_api
from ion_sync.deployments import DeploymentSpec, deployment
from tasks.reporting import SyncSummary


@dataclass(frozen=True)
class RunResult:
    deployment: str
    state: str
    summary: SyncSummary | None
    message: str | None
    error: ConfigError | None = None  # settings, mappings or an unusable resource stopped the run before any write
    completed: bool | None = None  # the state's type is COMPLETED (a named "Completed with ..." state included)
    flow_run_url: str | None = None  # where the run is in the UI, when it ran through a server
    flow_run_id: UUID | None = None
    dry_run_bodies: str | None = None  # a dry run's `<integration>-dry-run` artifact: each body, pretty-printed

    @property
    def ok(self) -> bool:
        return self.completed if self.completed is not None else self.state == "Completed"

    def line(self) -> str:
        """`<deployment-name> <final state> posted=<N> dead_letters=<M>` (with `would_post` on a dry run);
        a completed flow without counts says what its final state's message says."""
        if self.summary:
            counts = self.summary.line()
        elif self.message and (self.message.startswith("posted=") or self.ok):
            counts = self.message  # a run through a server, or a flow that reports no counts (preflight: its checks)
        else:
            counts = "posted=0 dead_letters=0"
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


def expects(schema: dict[str, Any]) -> str:
    """What a parameter's JSON schema accepts, in words a person types on the command line."""
    options = schema.get("anyOf")
    if options:
        return " or ".join(expects(option) for option in options if option.get("type") != "null")
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "string" and fmt == "date-time":
        return "a date-time such as 2026-11-20T08:00:00Z"
    if kind == "array":
        items = schema.get("items", {}).get("type")
        plural = {"integer": "integers", "number": "numbers", "string": "texts"}.get(str(items), "values")
        return f"a list of {plural} such as " + ("[1001,1002]" if items in ("integer", "number") else "[PO5001,PO5002]")
    return {"integer": "an integer", "number": "a number", "boolean": "true or false", "string": "a text"}.get(
        str(kind), "a value"
    )


def checked_parameters(name: str, flow: Flow[..., Any], params: dict[str, Any]) -> dict[str, Any]:
    """The parameters as the flow will receive them, or one ConfigError naming each parameter
    that is unknown or of the wrong type and what it expects, before any flow run exists."""
    properties = flow.parameters.properties
    unknown = sorted(set(params) - set(properties))
    if unknown:
        raise ConfigError(f"{name} has no parameter(s) {', '.join(unknown)}; it takes: {', '.join(sorted(properties))}")
    flows_logger = logging.getLogger("prefect.flows")
    level = flows_logger.level
    flows_logger.setLevel(logging.CRITICAL)  # Prefect logs the same error at length; ours says what to type
    try:
        return flow.validate_parameters(params)
    except ParameterTypeError as exc:
        problems = [line.removeprefix(" - ") for line in str(exc).splitlines()[1:] if line.strip()]
        named = [
            f"  {p}; {parameter} expects {expects(properties[parameter])}"
            if (parameter := p.split(":", 1)[0]) in properties
            else f"  {p}"
            for p in problems
        ]
        raise ConfigError(f"{name}: invalid parameter(s), no run was created:\n" + "\n".join(named)) from None
    finally:
        flows_logger.setLevel(level)


def run_deployment(name: str, overrides: dict[str, Any] | None = None, *, through_server: bool = False) -> RunResult:
    """Run `name` with its prefect.yaml parameters overridden by `overrides`. `through_server`:
    when a server is configured and has the deployment, run it there and wait for it."""
    spec = deployment(name)
    flow = spec.load_flow()
    params = {**spec.parameters, **(overrides or {})}
    checked_parameters(name, flow, params)
    if through_server and (on_server := _run_on_server(spec, flow, overrides or {})):
        return on_server
    start_prefect_api()
    state = asyncio.run(_in_process(flow, params))
    bodies = asyncio.run(dry_run_bodies(state.state_details.flow_run_id)) if params.get("dry_run") else None
    result = state.result(raise_on_failure=False)
    summary = result if isinstance(result, SyncSummary) else None
    error = result if isinstance(result, ConfigError) else None
    return RunResult(
        deployment=name,
        state=state.name or str(state.type),
        summary=summary,
        message=state.message,
        error=error,
        completed=state.is_completed(),
        flow_run_id=state.state_details.flow_run_id,
        dry_run_bodies=bodies,
    )


async def _in_process(flow: Flow[..., Any], params: dict[str, Any]) -> State[Any]:
    # An async flow called with return_state=True returns a coroutine of its final state; Prefect's
    # overloads type the call by the flow's return value instead.
    running = cast(Awaitable[State[Any]], flow(**params, return_state=True))
    return await running


def _run_on_server(spec: DeploymentSpec, flow: Flow[..., Any], overrides: dict[str, Any]) -> RunResult | None:
    """Run through the configured server's deployment and wait; None when no server is configured
    or it does not have this deployment (then the run happens in this process)."""
    from prefect.deployments.flow_runs import arun_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    api = PREFECT_API_URL.value()
    if not api:
        return None
    try:
        flow_run = asyncio.run(
            arun_deployment(f"{flow.name}/{spec.name}", parameters=overrides, timeout=None, poll_interval=1, as_subflow=False)
        )
    except ObjectNotFound:
        print(f"note: {api} has no deployment {flow.name}/{spec.name} (run `prefect deploy --all`); running in this process")
        return None
    state = flow_run.state
    ui = PREFECT_UI_URL.value()
    bodies = asyncio.run(dry_run_bodies(flow_run.id)) if {**spec.parameters, **overrides}.get("dry_run") else None
    return RunResult(
        deployment=spec.name,
        state=(state.name if state else None) or "Unknown",
        summary=None,
        message=state.message if state else None,
        completed=bool(state and state.is_completed()),
        flow_run_url=f"{ui}/runs/flow-run/{flow_run.id}" if ui else str(flow_run.id),
        flow_run_id=flow_run.id,
        dry_run_bodies=bodies,
    )


async def dry_run_bodies(flow_run_id: UUID | None) -> str | None:
    """The bodies a dry run published (`tasks.reporting.publish_dry_run_bodies`), read back from the
    Prefect API, so a run in this process and one through a worker print the same."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    if flow_run_id is None:
        return None
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]), key=ArtifactFilterKey(like_="%-dry-run")
            )
        )
    texts = [str(a.data) for a in artifacts if a.data]
    return "\n\n".join(texts) or None
