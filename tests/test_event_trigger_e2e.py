"""The production path end to end: a real `prefect server` on PostgreSQL, `prefect deploy` from
prefect.yaml, a process worker, the webhook receiver (`ion-sync webhooks`) and the ION
simulator's signed webhook. A run-completed event triggers consumption-sync for that run; then
integration-health, run by the worker, finds an integration silent and the automation of
`ion-sync automations` posts the notification to a Slack-style webhook."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ion_sync.deployments import PROJECT_ROOT
from ledger.models import InboxEvent, InboxStatus
from ledger.store import Ledger
from sandbox.server import free_port, start
from tests.http import HTTP
from tests.prefect_database import asyncpg_url, create_database, drop_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

BIN = Path(sys.executable).parent
SECRET = "e2e-ion-webhook-secret"
DEADLINE = 90  # seconds: an upper bound on waiting, not a measured assertion


@dataclass
class PrefectServer:
    api_url: str
    env: dict[str, str]
    logs: Path


def _spawn(args: list[str], env: dict[str, str], log: Path, cwd: Path = PROJECT_ROOT) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env=env, cwd=cwd, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if HTTP.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {DEADLINE} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def prefect_server(postgres_reason: str | None, tmp_path: Path) -> Iterator[PrefectServer]:
    """A Prefect server on a fresh PostgreSQL database, dropped afterwards."""
    if postgres_reason:
        pytest.skip(postgres_reason)
    database = create_database("e2e")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api_url,
        "PREFECT_API_DATABASE_CONNECTION_URL": asyncpg_url(database),
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",  # only the trigger may start runs here
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    server = _spawn(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, logs / "server.log"
    )
    try:
        _wait_http(f"{api_url}/health", server, logs / "server.log")
        yield PrefectServer(api_url, env, logs)
    finally:
        _stop(server)
        drop_database(database)


def silent(notifications: list[dict]) -> list[dict]:
    """Notifications about inventory-reconciliation (consumption-sync's verdict depends on
    whether its triggered run finished before the health check ran)."""
    return [n for n in notifications if "inventory-reconciliation is" in n.get("text", "")]


def _flow_runs(api_url: str) -> list[dict]:
    answer = HTTP.post(f"{api_url}/flow_runs/filter", json={"sort": "EXPECTED_START_TIME_ASC"}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def test_a_signed_ion_webhook_triggers_consumption_sync_on_a_real_server(world, prefect_server):
    env = {**prefect_server.env, **world.env, "ION_WEBHOOK_SECRET": SECRET}
    logs = prefect_server.logs

    def cli(*args: str) -> None:
        done = subprocess.run(
            [str(BIN / "prefect"), *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr

    notifications: list[dict] = []

    async def slack(request: Request) -> JSONResponse:
        notifications.append(await request.json())
        return JSONResponse({"ok": True})

    chat = start(Starlette(routes=[Route("/hook", slack, methods=["POST"])]))
    env["ION_SYNC_ALERT_WEBHOOK_URL"] = f"{chat.url}/hook"
    cli("work-pool", "create", "ion-sync", "--type", "process")
    receiver_port = free_port()
    # At once: the deployments with consumption-sync's trigger, the notification automations,
    # the worker and the receiver.
    setup = [
        _spawn(
            [str(BIN / "prefect"), "--no-prompt", "deploy", "--name", "consumption-sync", "--name", "integration-health"],
            env,
            logs / "deploy.log",
        ),
        _spawn([str(BIN / "ion-sync"), "automations"], env, logs / "automations.log"),
    ]
    worker = _spawn([str(BIN / "prefect"), "worker", "start", "--pool", "ion-sync", "--limit", "2"], env, logs / "worker.log")
    receiver = _spawn([str(BIN / "ion-sync"), "webhooks", "--port", str(receiver_port)], env, logs / "receiver.log")
    try:
        for process, log in zip(setup, ("deploy.log", "automations.log"), strict=True):
            assert process.wait(timeout=120) == 0, (logs / log).read_text()[-3000:]
        # inventory-reconciliation never ran: integration-health (run by the worker) flags it
        # silent, and the automation turns that event into a notification.
        api = prefect_server.api_url
        health = HTTP.get(f"{api}/deployments/name/integration-health/integration-health", timeout=10).json()
        assert health["pull_steps"] == [{"ion_sync.deployments.enter_project_directory": {}}], (
            "prefect deploy records no path of the deploying machine: the worker finds its own project"
        )
        HTTP.post(f"{api}/deployments/{health['id']}/create_flow_run", json={}, timeout=10).raise_for_status()
        _wait_http(f"http://127.0.0.1:{receiver_port}/healthz", receiver, logs / "receiver.log")

        def deliver(**delivery: object) -> dict:
            body = {"url": f"http://127.0.0.1:{receiver_port}/webhooks/ion", "secret": SECRET, **delivery}
            return HTTP.post(f"{world.sandbox.ion.url}/_sandbox/webhooks/send", json=body, timeout=30).json()

        assert deliver(data={"id": 1003, "status": "COMPLETE"}, forge=True)["status"] == 401
        accepted = deliver(data={"id": 1002, "status": "COMPLETE"})
        assert accepted["status"] == 200 and accepted["body"]["accepted"] == 1

        deadline = time.monotonic() + DEADLINE
        runs: list[dict] = []
        while time.monotonic() < deadline:
            runs = [r for r in _flow_runs(api) if r["name"].startswith("consumption")]
            settled = runs and all(r["state_type"] in {"COMPLETED", "FAILED", "CRASHED"} for r in runs)
            if settled and silent(notifications):
                break
            time.sleep(0.5)
        worker_log = (logs / "worker.log").read_text()[-4000:]
        assert len(runs) == 1, f"expected one triggered run, got {[(r['name'], r['state_type']) for r in runs]}\n{worker_log}"
        [run] = runs
        assert run["state_type"] == "COMPLETED", worker_log
        assert run["parameters"]["run_ids"] == [1002]
        [notification] = silent(notifications) or [{"text": f"none among {notifications}\n{worker_log}"}]
        assert "inventory-reconciliation is silent: no runs recorded" in notification["text"]
    finally:
        for process in (*setup, receiver, worker):
            _stop(process)
        chat.stop()
    assert set(world.completions_by_external_id()) == {"ion-run-1002-completion"}
    with Ledger(world.ledger_url)._tx() as s:
        stored = [(e.subject, e.status, e.handled_by) for e in s.query(InboxEvent)]
    assert [(subject, status) for subject, status, _ in stored] == [("run:1002", InboxStatus.handled)]
    assert stored[0][2].startswith("consumption · runs 1002")  # settled by the triggered run itself
