"""A broken resource stops `ion-sync run` before any write with one message that names the
variable or resource and says what to do: exit code 2, no traceback (unless --debug), nothing in
the ledger, nothing sent to the target."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import inspect
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from typer.testing import CliRunner

from ion_sync.cli import app
from ledger.credentials import Credentials
from ledger.store import Ledger
from tests.http import HTTP

pytestmark = pytest.mark.usefixtures("prefect_api")
runner = CliRunner()


def binary_mappings(world, tmp_path: Path, monkeypatch) -> list[str]:
    path = tmp_path / "mappings.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary")
    monkeypatch.setenv("ION_SYNC_CONFIG", str(path))
    return [f"ION_SYNC_CONFIG={path} is not UTF-8 text", "saved as UTF-8"]


def scopes_not_json(world, tmp_path: Path, monkeypatch) -> list[str]:
    monkeypatch.setenv("NETSUITE_SCOPES", "rest_webservices")
    return ["NETSUITE_SCOPES is not valid JSON", """NETSUITE_SCOPES='["rest_webservices"]'"""]


def pem_not_a_key(world, tmp_path: Path, monkeypatch) -> list[str]:
    path = tmp_path / "key.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    monkeypatch.setenv("NETSUITE_PRIVATE_KEY_PATH", str(path))
    return [f"NETSUITE_PRIVATE_KEY_PATH={path} is not an EC", "uploaded in NetSuite's M2M setup"]


def postgres_unreachable(world, tmp_path: Path, monkeypatch) -> list[str]:
    monkeypatch.setenv("ION_SYNC_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/test")
    return ["ION_SYNC_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:1/test", "Connection refused", "start PostgreSQL"]


def postgres_database_missing(world, tmp_path: Path, monkeypatch, postgres_reason: str | None) -> list[str]:
    if postgres_reason:
        pytest.skip(postgres_reason)
    monkeypatch.setenv("ION_SYNC_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/no_such_ledger")
    return ['database "no_such_ledger" does not exist', "createdb no_such_ledger"]


def read_only_ledger(world, tmp_path: Path, monkeypatch) -> list[str]:
    """As root, file modes bind nothing, so the file is then opened read-only the way SQLite opens
    a file it may not write (same SQLITE_READONLY error); otherwise the file and folder are 0555."""
    path = Path(world.ledger_url.removeprefix("sqlite:///"))
    Ledger(world.ledger_url).close()  # an existing, migrated ledger
    if os.geteuid() == 0:
        monkeypatch.setenv("ION_SYNC_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    else:
        path.chmod(0o444)
        path.parent.chmod(0o555)
    return ["ledger", "is read-only", "give this user write access"]


def disk_full(world, tmp_path: Path, monkeypatch) -> list[str]:
    """No small tmpfs here: the driver is made to answer every write as a failing disk does
    (sqlite3.OperationalError "disk I/O error", raised where SQLAlchemy calls the DBAPI)."""
    import sqlite3

    def failing(execute: Callable) -> Callable:
        def write_fails(self, cursor, statement, *args):  # type: ignore[no-untyped-def]
            if statement.lstrip().split(" ", 1)[0].upper() in {"CREATE", "INSERT", "UPDATE", "DELETE"}:
                raise sqlite3.OperationalError("disk I/O error")
            return execute(self, cursor, statement, *args)

        return write_fails

    monkeypatch.setattr(SQLiteDialect_pysqlite, "do_execute", failing(SQLiteDialect_pysqlite.do_execute))
    monkeypatch.setattr(SQLiteDialect_pysqlite, "do_execute_no_params", failing(SQLiteDialect_pysqlite.do_execute_no_params))
    return ["disk I/O error", "failed a write: free space on it"]


def credentials_key_invalid(world, tmp_path: Path, monkeypatch) -> list[str]:
    monkeypatch.setenv("ION_SYNC_CREDENTIALS_KEY", "not-a-fernet-key")
    return ["ION_SYNC_CREDENTIALS_KEY is not a Fernet key", "Fernet.generate_key()"]


def credentials_key_wrong(world, tmp_path: Path, monkeypatch) -> list[str]:
    stored_with = Fernet.generate_key().decode()
    ledger = Ledger(world.ledger_url)
    Credentials(ledger, key=stored_with).put(f"quickbooks:{world.env['QUICKBOOKS_REALM_ID']}", {"refresh_token": "rt"})
    ledger.close()
    monkeypatch.setenv("ION_SYNC_CREDENTIALS_KEY", Fernet.generate_key().decode())
    return ["cannot be decrypted with ION_SYNC_CREDENTIALS_KEY", "Set ION_SYNC_CREDENTIALS_KEY to that key"]


CASES = {
    "consumption-sync": [binary_mappings, scopes_not_json, pem_not_a_key, postgres_unreachable, read_only_ledger, disk_full],
    "quickbooks-item-sync": [credentials_key_invalid, credentials_key_wrong],
}


@pytest.mark.parametrize(
    ("deployment", "case"), [(d, c) for d, cases in CASES.items() for c in cases], ids=lambda v: getattr(v, "__name__", v)
)
def test_a_broken_resource_stops_the_run_with_one_message(world, tmp_path, monkeypatch, deployment, case):
    qbo_before = _quickbooks_refreshes(world)
    expected = case(world, tmp_path, monkeypatch)
    result = runner.invoke(app, ["run", deployment])
    monkeypatch.undo()  # the disk works again, to look at what was left
    _writable_again(world)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: "), result.output
    for fragment in expected:
        assert fragment in result.output
    assert "Traceback" not in result.output
    assert _written(world) == ([], 0, qbo_before)


def test_postgresql_database_missing(world, tmp_path, monkeypatch, postgres_reason):
    expected = postgres_database_missing(world, tmp_path, monkeypatch, postgres_reason)
    result = runner.invoke(app, ["run", "consumption-sync"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert all(fragment in result.output for fragment in expected), result.output


def test_debug_shows_the_traceback(world, tmp_path, monkeypatch):
    binary_mappings(world, tmp_path, monkeypatch)
    result = runner.invoke(app, ["--debug", "run", "consumption-sync"])
    assert result.exit_code == 2
    assert "Traceback" in result.output and "is not UTF-8 text" in result.output


def test_the_console_shows_the_message_not_prefects_traceback(world, tmp_path, monkeypatch):
    """The real command in its own process (on the test's Prefect API), all it prints read."""
    from prefect.settings import PREFECT_API_URL

    expected = read_only_ledger(world, tmp_path, monkeypatch)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}  # the world's, with the read-only ledger
    env.pop("ION_SYNC_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-m", "ion_sync", "run", "consumption-sync"], env=env, capture_output=True, text=True, timeout=300
    )
    monkeypatch.undo()
    _writable_again(world)
    assert done.returncode == 2, done.stdout + done.stderr
    assert all(fragment in done.stderr for fragment in expected), done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.count("is read-only") == 1, "one message, not one per log handler"


def _writable_again(world) -> None:
    path = Path(world.ledger_url.removeprefix("sqlite:///"))
    path.parent.chmod(0o755)
    if path.exists():
        path.chmod(0o644)


def _quickbooks_refreshes(world) -> int:
    assert world.sandbox.quickbooks is not None
    return HTTP.get(f"{world.sandbox.quickbooks.url}/_sandbox/stats", timeout=30).json()["token_refreshes"]


def _written(world) -> tuple[list, int, int]:
    """Ledger entries, NetSuite tokens issued (NetSuite never reached), QuickBooks token refreshes."""
    ledger = Ledger(world.ledger_url)
    try:
        entries = ledger.entries() if inspect(ledger.engine).has_table("ledger_entry") else []
    finally:
        ledger.close()
    return entries, world.stats("netsuite")["tokens_issued"], _quickbooks_refreshes(world)


def test_webhooks_and_demo_stop_with_one_message_too(tmp_path, monkeypatch):
    monkeypatch.setenv("ION_WEBHOOK_SECRET", "whsec-test")
    monkeypatch.setenv("ION_SYNC_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/ledger")
    webhooks = runner.invoke(app, ["webhooks", "--port", "0"])
    assert webhooks.exit_code == 2 and "Traceback" not in webhooks.output
    assert "ION_SYNC_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:1/ledger cannot be used" in webhooks.output
    (tmp_path / "a-file").write_text("")
    demo = runner.invoke(app, ["demo", "--workdir", str(tmp_path / "a-file" / "demo")])
    assert demo.exit_code == 2 and "Traceback" not in demo.output
    assert f"the demo cannot write {tmp_path / 'a-file' / 'demo'}" in demo.output and "pass a writable --workdir" in demo.output
