"""Nothing left running: the temporary Prefect server of a SIGKILLed `ion-sync run` dies with it,
and the demo and the sandbox stop what they started on SIGTERM or Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from ion_sync.deployments import PROJECT_ROOT
from sandbox.server import free_port
from tests.http import HTTP
from tests.prefect_server import seed_prefect_home

SERVER_APP = "prefect.server.api.server:create_app"
# the shared server's database is the template the children's temporary servers start from
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_api")]


def command(args: list[str], tmp_path: Path, **env: str) -> subprocess.Popen[bytes]:
    """`ion-sync <args>` in its own process, on its own temporary Prefect server (its database
    already migrated: a copy of the shared server's)."""
    seed_prefect_home(tmp_path / "prefect")
    environment = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), **env}
    environment.pop("PREFECT_API_URL", None)
    log = open(tmp_path / "command.log", "wb")  # noqa: SIM115 - the child writes it after we return
    return subprocess.Popen([sys.executable, "-m", "ion_sync", *args], env=environment, stdout=log, stderr=subprocess.STDOUT)


def prefect_server_of(process: subprocess.Popen[bytes], tmp_path: Path, timeout: float = 300) -> psutil.Process:
    """The command's temporary Prefect server, once it answers its health check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / "command.log").read_text()
        for child in psutil.Process(process.pid).children(recursive=True):
            try:
                args = child.cmdline()
            except psutil.Error:
                continue
            if SERVER_APP in args:
                port = args[args.index("--port") + 1]
                try:
                    if HTTP.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                        return child
                except httpx.HTTPError:
                    pass
        time.sleep(0.5)
    raise AssertionError("the temporary Prefect server never answered:\n" + (tmp_path / "command.log").read_text())


def test_a_sigkilled_run_takes_its_temporary_prefect_server_with_it(tmp_path):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers: the run waits on ION
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    env = {
        "ION_API_URL": f"{url}/graphql",
        "ION_AUTH_URL": f"{url}/token",
        "ION_CLIENT_ID": "id",
        "ION_CLIENT_SECRET": "secret",
        "NETSUITE_ACCOUNT_ID": "1",
        "NETSUITE_BASE_URL": url,
        "NETSUITE_CONSUMER_KEY": "k",
        "NETSUITE_CONSUMER_SECRET": "s",
        "NETSUITE_TOKEN_ID": "t",
        "NETSUITE_TOKEN_SECRET": "s",
        "ION_SYNC_CONFIG": str(PROJECT_ROOT / "config" / "sandbox.yaml"),
        "ION_SYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
        "ION_SYNC_REPORTS_DIR": str(tmp_path / "reports"),
    }
    process = command(["run", "consumption-sync"], tmp_path, **env)
    try:
        server = prefect_server_of(process, tmp_path)
        assert process.poll() is None, "still running when killed"
        process.kill()
        process.wait(30)
        _, alive = psutil.wait_procs([server], timeout=5)
        assert not alive, "the temporary Prefect server outlived the run that started it"
    finally:
        process.kill()
        silent.close()


def test_the_demo_stops_everything_it_started_on_sigterm(tmp_path):
    process = command(["demo", "--workdir", str(tmp_path / "demo")], tmp_path)
    try:
        prefect_server_of(process, tmp_path)
        children = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(signal.SIGTERM)
        process.wait(60)
        _, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, [" ".join(p.cmdline()) for p in alive]
    finally:
        process.kill()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_sandbox_stops_its_simulators(tmp_path, signum):
    ports = [free_port() for _ in range(3)]
    args = [sys.executable, "-m", "ion_sync", "sandbox", "--workdir", str(tmp_path)]
    args += [f"--{name}-port={port}" for name, port in zip(("ion", "netsuite", "arena"), ports, strict=True)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        printed = ""
        while "Ctrl-C to stop" not in printed:
            line = process.stdout.readline()
            assert line, printed
            printed += line
        process.send_signal(signum)
        assert process.wait(30) == 0
        for port in ports:
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=5)
    finally:
        process.kill()
