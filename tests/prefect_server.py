"""One Prefect API server per test process, shared by its in-process flows and by every
`ion-sync run` child it starts: a temporary server costs 5-70 s to start on this machine, and
each child used to start its own.

Each process that runs tests (an xdist worker, or pytest alone) starts it at configure time,
before anything imports Prefect, and exports PREFECT_API_URL, so its children inherit it. It
starts in the background while tests are collected; `wait_until_healthy` is the gate. Its
database is the process's own, so one worker's runs and artifacts never show in another's
queries: on PostgreSQL where the local server answers (tests/prefect_database.py says why), else
on a SQLite file. The server gets Linux's parent-death signal, so even a killed worker takes it down.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from ion_sync.child_processes import die_with_parent
from sandbox.server import free_port
from tests.http import HTTP
from tests.prefect_database import asyncpg_url, create_database, drop_database, migrate, postgres_available

API_URL_VARIABLE = "PREFECT_API_URL"
# a copy of the shared server's database, migrated and empty: `seed_prefect_home` hands it to a
# child that starts a temporary server of its own, which then skips Prefect's ~150 migrations
TEMPLATE_VARIABLE = "ION_SYNC_TEST_PREFECT_TEMPLATE"
# measured: 70 s to start on this machine under load (2 cores, several suites at once)
STARTUP_SECONDS = 240


@dataclass
class SharedPrefectServer:
    process: subprocess.Popen[bytes]
    api_url: str
    home: Path
    database: str | None  # its PostgreSQL database; None: the SQLite file in `home`

    def stop(self) -> None:
        """Send what Prefect still holds (logs, events) while the server listens, then stop it."""
        if "prefect" in sys.modules:
            drain_prefect_workers()
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.database:
            drop_database(self.database)


def drain_prefect_workers() -> None:
    """What prefect_test_harness does before stopping its server: flush the log and event
    workers, or they report connection errors at exit."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        try:
            drained = APILogWorker.instance().drain()
            if inspect.isawaitable(drained):
                await drained
        except RuntimeError:  # never started
            pass
        events = EventsWorker.drain_all()
        if inspect.isawaitable(events):
            await events

    run_coro_as_sync(drain())


def start_shared_server() -> SharedPrefectServer:
    """Start the server (not waiting for it) and point this process's environment at it; a
    Prefect imported after this call, here or in any child, uses it."""
    home = Path(tempfile.mkdtemp(prefix="ion-sync-tests-prefect-"))
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    database = None if postgres_available() else create_database("shared")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": asyncpg_url(database)
        if database
        else f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_UI_ENABLED": "0",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT__SERVER_EPHEMERAL": "1",  # the services a temporary server runs, as before
        "PREFECT__SERVER_FINAL": "1",
    }
    log = open(home / "server.log", "wb")  # noqa: SIM115 - the server writes it for the whole session
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "prefect.server.api.server:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent(),
    )
    os.environ[API_URL_VARIABLE] = api_url
    os.environ["PREFECT_HOME"] = str(home / "client")
    os.environ["PREFECT_API_SSL_CERT_FILE"] = one_certificate(home)
    return SharedPrefectServer(process, api_url, home, database)


def one_certificate(home: Path) -> str:
    """A CA file of one certificate for Prefect's clients. Prefect loads its CA file into an SSL
    context for every API client it builds (a flow run builds several, a sync task one), even for
    this plain-http API: the whole certifi bundle is 27 ms of CPU each, one certificate under 1 ms."""
    import certifi

    bundle = Path(certifi.where()).read_text()
    end = "-----END CERTIFICATE-----"
    first = bundle[bundle.index("-----BEGIN CERTIFICATE-----") : bundle.index(end) + len(end)]
    path = home / "one-ca.pem"
    path.write_text(first + "\n")
    return str(path)


def wait_until_healthy(api_url: str) -> None:
    """Return once the shared server answers its health check (its database migrated, then copied
    as the template, before any run is in it); fail naming its log if it never does."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            if HTTP.get(f"{api_url}/health", timeout=5).status_code == 200:
                keep_template()
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the shared Prefect server {api_url} did not answer within {STARTUP_SECONDS} s (see its server.log)")


def keep_template() -> None:
    """Copy the shared server's freshly migrated SQLite database once (SQLite's backup: consistent
    while the server runs)."""
    home = Path(os.environ["PREFECT_HOME"]).parent  # start_shared_server: <home>/client
    template = home / "template.db"
    if TEMPLATE_VARIABLE in os.environ or not (home / "prefect.db").exists():
        return
    with sqlite3.connect(home / "prefect.db") as source, sqlite3.connect(template) as copy:
        source.backup(copy)
    os.environ[TEMPLATE_VARIABLE] = str(template)


def seed_prefect_home(prefect_home: Path) -> None:
    """Give a child's own PREFECT_HOME a migrated SQLite database, so the temporary server it
    starts is up seconds sooner (what the tests check of that server is unchanged): the shared
    server's copy, or, when that server runs on PostgreSQL, one migrated on first use."""
    template = os.environ.get(TEMPLATE_VARIABLE)
    if not template:
        template = str(Path(os.environ["PREFECT_HOME"]).parent / "template.db")
        migrate(f"sqlite+aiosqlite:///{template}")
        os.environ[TEMPLATE_VARIABLE] = template
    prefect_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, prefect_home / "prefect.db")
