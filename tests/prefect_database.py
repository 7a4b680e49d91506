"""PostgreSQL databases for the tests' Prefect servers, as docker/ and production run Prefect.

On its SQLite file, a Prefect server under concurrent flow runs sometimes lets a writer wait out
the whole 60 s `busy_timeout` (PrefectHQ/prefect#16299, #18934): measured, one test in about 3 of
10 full runs took 68 s instead of 6-8 s. Each server here gets a database of its own, a copy of
one template migrated once per Prefect version on this PostgreSQL server (a copy takes under a
second; Prefect's ~150 migrations 15-40 s), that commits without waiting for the disk (the tests
keep nothing after they end).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from importlib.metadata import version

import psutil
import psycopg

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
POSTGRES_ADMIN = f"{POSTGRES}/test"
PREFIX = "ion_sync_tests_prefect"
MIGRATION_SECONDS = 240  # measured: 41 s at load 12 on the 2-core machine


def postgres_available() -> str | None:
    """None when the server answers; else why not (the skip reason)."""
    try:
        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL on 127.0.0.1:5432 (database test, trust auth) is not reachable: {exc}".strip()


def asyncpg_url(database: str) -> str:
    """The connection URL a Prefect server takes (`PREFECT_SERVER_DATABASE_CONNECTION_URL`)."""
    return f"{POSTGRES.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{database}"


def create_database(purpose: str) -> str:
    """A fresh, migrated Prefect database named for this process and `purpose`; drop it with
    `drop_database`. A database left by a test process that no longer runs is dropped first."""
    name = f"{PREFIX}_{os.getpid()}_{purpose}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        drop_orphans(admin)
        template = migrated_template(admin)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated_template(admin: psycopg.Connection) -> str:
    """The template for this Prefect version, migrated here by the first process that needs it
    while the others (xdist workers starting together) wait on an advisory lock. It is renamed
    into place only once migrated, so a process killed mid-way leaves no half-built template."""
    name = f"{PREFIX}_template_{re.sub(r'[^0-9a-z]', '_', version('prefect').lower())}"
    admin.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
    try:
        if not exists(admin, name):
            building = f"{name}_building"
            admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{building}"')
            migrate(asyncpg_url(building))
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    finally:
        admin.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))
    return name


def migrate(url: str) -> None:
    """Prefect's own `prefect server database upgrade` of the database at `url`, in a process of
    its own (this one must not import Prefect before its settings are in the environment)."""
    with tempfile.TemporaryDirectory(prefix="ion-sync-prefect-migrate-") as home:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
            "PREFECT_HOME": home,
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": url,
        }
        done = subprocess.run(
            [sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
            env=env,
            capture_output=True,
            text=True,
            timeout=MIGRATION_SECONDS,
        )
    if done.returncode != 0:
        raise RuntimeError(f"migrating the Prefect database {url} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def exists(admin: psycopg.Connection, name: str) -> bool:
    return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def drop_orphans(admin: psycopg.Connection) -> None:
    """Drop the databases of test processes that were killed before they could drop their own."""
    pattern = re.compile(rf"{PREFIX}_(\d+)_")
    for (name,) in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{PREFIX}_%",)).fetchall():
        owner = pattern.match(name)
        if owner and not psutil.pid_exists(int(owner.group(1))):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
