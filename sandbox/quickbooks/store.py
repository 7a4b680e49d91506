"""The simulated company's state in SQLite: entities as JSON documents, the `requestid`
replay cache (A3), refresh tokens (A2) and id counters. One connection, one lock: the
simulator serves one realm from one process."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (type TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (type, id));
CREATE TABLE IF NOT EXISTS requests (requestid TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  token TEXT PRIMARY KEY, issued_at REAL NOT NULL, expires_at REAL NOT NULL, replaced_by TEXT, dies_at REAL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
FIRST_IDS = {"Class": 5000000000000007280, "PurchaseOrder": 1001}


class Store:
    def __init__(self, database: str | None) -> None:
        if database is None:
            handle, database = tempfile.mkstemp(prefix="qbo-sim-", suffix=".db")
            os.close(handle)
        self.path = database
        self.db = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
        self.lock = threading.RLock()
        # a simulator: speed over durability (each autocommitted write waited on the disk twice)
        self.db.executescript("PRAGMA synchronous = OFF; PRAGMA journal_mode = WAL;")
        self.db.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def is_empty(self) -> bool:
        with self.lock:
            return self.db.execute("SELECT NOT EXISTS (SELECT 1 FROM refresh_tokens)").fetchone()[0] == 1

    def clear(self) -> None:
        with self.transaction() as db:
            for table in ("entities", "requests", "refresh_tokens", "counters"):
                db.execute(f"DELETE FROM {table}")

    def next_id(self, entity: str) -> str:
        with self.lock:
            row = self.db.execute("SELECT value FROM counters WHERE name = ?", (entity,)).fetchone()
            value = row[0] + 1 if row else FIRST_IDS.get(entity, 1)
            self.db.execute("INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (entity, value))
            return str(value)

    def counter(self, name: str) -> int:
        with self.lock:
            row = self.db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def set_counter(self, name: str, value: int) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (name, value))

    def get(self, entity: str, entity_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute("SELECT body FROM entities WHERE type = ? AND id = ?", (entity, str(entity_id))).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, entity: str, body: dict[str, Any]) -> None:
        with self.lock:
            self.db.execute(
                "INSERT OR REPLACE INTO entities (type, id, body) VALUES (?, ?, ?)", (entity, body["Id"], json.dumps(body))
            )

    def delete(self, entity: str, entity_id: str) -> None:
        with self.lock:
            self.db.execute("DELETE FROM entities WHERE type = ? AND id = ?", (entity, entity_id))

    def all(self, entity: str) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("SELECT body FROM entities WHERE type = ? ORDER BY rowid", (entity,)).fetchall()
        return [json.loads(row[0]) for row in rows]

    def replay(self, requestid: str) -> tuple[int, dict[str, Any]] | None:
        with self.lock:
            row = self.db.execute("SELECT status, body FROM requests WHERE requestid = ?", (requestid,)).fetchone()
        return (int(row[0]), json.loads(row[1])) if row else None

    def remember(self, requestid: str, status: int, body: dict[str, Any]) -> None:
        with self.lock:
            self.db.execute(
                "INSERT OR REPLACE INTO requests (requestid, status, body) VALUES (?, ?, ?)",
                (requestid, status, json.dumps(body)),
            )
