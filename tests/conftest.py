"""Shared fixtures: ledgers on SQLite and PostgreSQL, the simulators, one Prefect API per test process."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import psycopg
import pytest

from tests.prefect_database import POSTGRES_ADMIN, postgres_available
from tests.prefect_server import API_URL_VARIABLE, SharedPrefectServer, start_shared_server, wait_until_healthy
from tests.process_helpers import stop_fork_server

if TYPE_CHECKING:
    from ion_sync.sandbox import Sandbox
    from tests.quickbooks_helpers import QuickBooksWorld
    from tests.world import World

# Every process this session starts inherits this variable, orphans too: what `make test` left running.
# xdist's workers inherit it from the process that runs the session, so one id covers them all.
SESSION_VARIABLE = "ION_SYNC_TEST_SESSION"
os.environ.setdefault(SESSION_VARIABLE, uuid.uuid4().hex)
# The suite's own per-user data directory (platformdirs reads XDG_DATA_HOME), so a generated
# credentials key or a default ledger never lands in the real home directory.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="ion-sync-tests-data-")


def processes_left(grace_seconds: float = 10) -> list[psutil.Process]:
    """Live processes this session started (descendants, or orphans carrying its variable),
    given a few seconds to finish dying."""
    me = psutil.Process()

    def alive_and_ours(process: psutil.Process, descendants: set[psutil.Process]) -> bool:
        try:
            ours = process in descendants or process.environ().get(SESSION_VARIABLE) == os.environ[SESSION_VARIABLE]
            return (
                ours
                and process.status() != psutil.STATUS_ZOMBIE
                and (
                    "multiprocessing.resource_tracker" not in " ".join(process.cmdline())  # it exits with this process
                )
            )
        except psutil.Error:
            return False

    deadline = time.monotonic() + grace_seconds
    while True:
        descendants = set(me.children(recursive=True))
        left = [p for p in psutil.process_iter() if p.pid != me.pid and alive_and_ours(p, descendants)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


_prefect_server: SharedPrefectServer | None = None


def is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """Each process that runs tests (an xdist worker, or pytest alone) starts one Prefect API for
    its in-process flows and its `ion-sync run` children, before anything imports Prefect; its
    database is its own, so one worker's runs and artifacts never show in another's queries."""
    global _prefect_server
    if is_xdist_worker(config) or getattr(config.option, "dist", "no") == "no":
        _prefect_server = start_shared_server()
    if is_xdist_worker(config) and signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # xdist's workers ignore SIGINT, and a child inherits an ignored signal: the tests that stop
        # a command with Ctrl-C (SIGINT) need it to reach the child as it would from a terminal.
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests (child processes, real servers, the exactly-once suite) run first: a 30 s
    test started last keeps one worker busy while the other has nothing left to do."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """`make test` leaves nothing running: a process the tests started that is still alive fails
    the suite, listed, and is then killed. Checked once, by the process that runs the session
    (xdist's workers are its children, and their orphans carry SESSION_VARIABLE)."""
    shutil.rmtree(os.environ["XDG_DATA_HOME"], ignore_errors=True)
    stop_fork_server()
    if _prefect_server is not None:
        _prefect_server.stop()
        shutil.rmtree(_prefect_server.home, ignore_errors=True)
    if is_xdist_worker(session.config):
        return
    left = processes_left()
    if not left:
        return
    lines = []
    for process in left:
        try:
            lines.append(f"  pid {process.pid}: {' '.join(process.cmdline())[:300]}")
            process.kill()
        except psutil.Error:
            pass
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = f"\n{len(left)} process(es) started by the tests were still running at the end (killed now):\n" + "\n".join(lines)
    if reporter:
        reporter.write_line(message, red=True)
    else:
        print(message)


@pytest.fixture(scope="session")
def postgres_reason() -> str | None:
    reason = postgres_available()
    if reason and os.environ.get("ION_SYNC_REQUIRE_POSTGRES"):
        pytest.fail(f"ION_SYNC_REQUIRE_POSTGRES is set but {reason}")
    return reason


@pytest.fixture
def postgres_url(postgres_reason: str | None) -> Iterator[str]:
    """A fresh schema in the `test` database, dropped afterwards."""
    if postgres_reason:
        pytest.skip(postgres_reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every ledger test runs on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def prefect_api() -> str:
    """This process's Prefect API (started at configure time), once it answers: for in-process
    flows and for `ion-sync run` children, which inherit PREFECT_API_URL and so start none."""
    api_url = os.environ[API_URL_VARIABLE]
    wait_until_healthy(api_url)
    return api_url


@pytest.fixture
def budgets_left_behind() -> Iterator[None]:
    """For a test that creates the configured budgets' global concurrency limits (`ion-sync
    budgets`): they are deleted afterwards, or a later test's SIGKILLed child would leave places
    in them that this process's test server (no repossessor service) never frees."""
    yield
    import asyncio

    from prefect.client.orchestration import get_client

    async def delete() -> None:
        async with get_client() as client:
            for limit in await client.read_global_concurrency_limits(limit=200):
                if not limit.name.startswith("test-"):
                    await client.delete_global_concurrency_limit_by_name(limit.name)

    asyncio.run(delete())


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    from ion_sync.sandbox import start_sandbox

    running = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield running
    running.stop()


@pytest.fixture
def world(sandbox: Sandbox, prefect_api: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> World:
    """The demo factory, freshly seeded, with ion-sync's environment pointing at it (and Prefect's
    API up, for the flows a test runs here or in a child)."""
    from tests.world import World

    env = {
        **sandbox.env,
        "ION_SYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
        "ION_SYNC_REPORTS_DIR": str(tmp_path / "reports"),
        "NETSUITE_RETRY__INITIAL_WAIT": "0.05",
        "ION_RETRY__INITIAL_WAIT": "0.05",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    current = World(sandbox=sandbox, env=env, ledger_url=env["ION_SYNC_DATABASE_URL"])
    current.reset()
    return current


@pytest.fixture
def qb(world: World, monkeypatch: pytest.MonkeyPatch) -> QuickBooksWorld:
    """The demo company, freshly seeded, with quick retries (the world fixture resets ION)."""
    from tests.quickbooks_helpers import QuickBooksWorld

    current = QuickBooksWorld(world)
    current.admin("POST", "reset")
    current.admin("POST", "stats/reset")
    current.faults()
    for name, value in {
        "QUICKBOOKS_RETRY__INITIAL_WAIT": "0.05",
        "QUICKBOOKS_RETRY__MAX_WAIT": "0.5",
        "QUICKBOOKS_THROTTLE_WAIT_SECONDS": "1",
    }.items():
        monkeypatch.setenv(name, value)
        world.env[name] = value
    return current
