"""The simulated Arena workspace: SQLite documents plus the rules of §1.2-§1.9.

Objects are JSON documents in one table (kind, guid, owner): items (the master record),
revisions of an item (working: status 0 with no number, effective: 1, superseded: 2, §1.6;
each with its own GUID, lifecycle phase and BOM lines, §1.7), changes with affected items
(§1.8), outbound events (§1.9), and what an integration may write back: item files and
change requests. Sessions, the daily quota and the clock live in a small key/value table.
"""

from __future__ import annotations

import json
import secrets
import shutil
import sqlite3
import string
import tempfile
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DDL = """
CREATE TABLE IF NOT EXISTS docs (
  seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, guid TEXT NOT NULL UNIQUE, owner TEXT, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_kind_owner ON docs(kind, owner);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

Doc = dict[str, Any]
_GUID_CHARS = string.ascii_uppercase + string.digits


def new_guid() -> str:
    """20 upper-case alphanumerics, like the samples (§1.1, length INFERENCE)."""
    return "".join(secrets.choice(_GUID_CHARS) for _ in range(20))


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ArenaError(Exception):
    """An Arena error answer: HTTP status plus the `errors[]` body (§1.4)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class ArenaStore:
    def __init__(self, path: str | None) -> None:
        self.lock = threading.RLock()
        self._tmpdir: str | None = None
        if path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="arena-sim-")
            weakref.finalize(self, shutil.rmtree, self._tmpdir, True)
            path = str(Path(self._tmpdir) / "arena.sqlite3")
        self.path = Path(path)
        self.db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")  # a simulator: speed over durability (a commit waited on the disk)
        db.executescript(DDL)
        self.db = db
        return db

    def reset(self) -> None:
        with self.lock:
            self.db.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self._connect()

    def is_empty(self) -> bool:
        with self.lock:
            return self.db.execute("SELECT NOT EXISTS (SELECT 1 FROM docs)").fetchone()[0] == 1

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # --- documents ----------------------------------------------------------------------------

    def put(self, kind: str, body: Doc, owner: str | None = None) -> Doc:
        body.setdefault("guid", new_guid())
        self.db.execute(
            "INSERT INTO docs (kind, guid, owner, body) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(guid) DO UPDATE SET body = excluded.body, owner = excluded.owner",
            (kind, body["guid"], owner, json.dumps(body)),
        )
        return body

    def get(self, kind: str, guid: str) -> Doc | None:
        row = self.db.execute("SELECT body FROM docs WHERE kind = ? AND guid = ?", (kind, guid)).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, kind: str, owner: str | None = None) -> list[Doc]:
        if owner is None:
            rows = self.db.execute("SELECT body FROM docs WHERE kind = ? ORDER BY seq", (kind,))
        else:
            rows = self.db.execute("SELECT body FROM docs WHERE kind = ? AND owner = ? ORDER BY seq", (kind, owner))
        return [json.loads(r[0]) for r in rows]

    def count(self, kind: str) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM docs WHERE kind = ?", (kind,)).fetchone()[0])

    def kind_of(self, guid: str) -> str | None:
        row = self.db.execute("SELECT kind FROM docs WHERE guid = ?", (guid,)).fetchone()
        return row[0] if row else None

    # --- key/value state ------------------------------------------------------------------------

    def state(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_state(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def now(self) -> datetime:
        """The simulator's clock: real time plus what `POST /_sandbox/clock` advanced it by."""
        return datetime.now(UTC) + timedelta(seconds=float(self.state("clock_offset", 0)))
