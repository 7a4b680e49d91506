"""`ion-sync run <deployment>` with a Prefect server: the run goes through the served deployment
and a worker runs it, so it is the deployment's run, with its tags, and the command prints its
result line. The deployment is served by a process of its own (`flow.serve`'s runner, which
runs each flow run in a subprocess, as a process worker does); the CLI runs in this process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from typer.testing import CliRunner

from ion_sync.child_processes import die_with_parent
from ion_sync.cli import app
from ion_sync.deployments import PROJECT_ROOT, deployment

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_api")]

NAME = "consumption-sync"
SERVE = """
import sys
from prefect import serve
from ion_sync.deployments import deployment
spec = deployment(sys.argv[1])
serve(spec.load_flow().to_deployment(name=spec.name, tags=spec.tags, parameters=spec.parameters))
"""  # no schedules or triggers: only the run this test asks for


async def served_deployment(full_name: str, deadline: float):
    async with get_client() as client:
        while True:
            try:
                return await client.read_deployment_by_name(full_name)
            except ObjectNotFound:
                assert time.monotonic() < deadline, f"{full_name} was never served"
                await asyncio.sleep(0.3)


async def flow_run(flow_run_id):
    async with get_client() as client:
        return await client.read_flow_run(flow_run_id)


def test_run_goes_through_the_served_deployment_and_prints_its_result_line(world, tmp_path):
    spec = deployment(NAME)
    full_name = f"{spec.load_flow().name}/{spec.name}"
    log = tmp_path / "serve.log"
    serving = subprocess.Popen(
        [sys.executable, "-c", SERVE, NAME],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PREFECT_RUNNER_POLL_FREQUENCY": "1"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=die_with_parent(),
    )
    started: list[psutil.Process] = []
    try:
        served = asyncio.run(served_deployment(full_name, time.monotonic() + 60))
        result = CliRunner().invoke(app, ["run", NAME, "--param", "dry_run=true"])
        started = psutil.Process(serving.pid).children(recursive=True)
        assert result.exit_code == 0, f"{result.output}\n--- serve log ---\n{log.read_text()}"
        lines = result.output.strip().splitlines()
        assert lines[-1] == f"{NAME} Completed with dead letters posted=0 would_post=5 dead_letters=3", result.output
        assert lines[-2].startswith("flow run: ")
        assert "```json" in result.output  # the dry run's bodies, read back from the server
        run = asyncio.run(flow_run(lines[-2].rsplit("/", 1)[-1]))
        assert run.deployment_id == served.id
        assert set(spec.tags) <= set(run.tags)
        assert run.parameters["dry_run"] is True
        assert world.completions() == []
    finally:
        os.killpg(serving.pid, signal.SIGTERM)
        try:
            serving.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(serving.pid, signal.SIGKILL)
            serving.wait()
    left = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, f"left running: {[p.cmdline() for p in left]}"
