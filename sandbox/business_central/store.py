"""The simulated company in SQLite: each entity a JSON document under (entity set, id), rows in
insertion order, plus number series. Hidden fields start with `_` (the etag version) and never
leave the simulator. One connection, one lock: one company, one process."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (entity TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS series (name TEXT PRIMARY KEY, last INTEGER NOT NULL);
"""


class Store:
    def __init__(self, database: str | None) -> None:
        if database is None:
            handle, database = tempfile.mkstemp(prefix="bc-sim-", suffix=".db")
            os.close(handle)
        self.db = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
        self.lock = threading.RLock()
        self.db.executescript("PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY;")  # a simulator: speed over durability
        self.db.executescript(SCHEMA)

    def clear(self) -> None:
        with self.lock:
            self.db.execute("DELETE FROM documents")
            self.db.execute("DELETE FROM series")

    def is_empty(self) -> bool:
        with self.lock:
            return self.db.execute("SELECT NOT EXISTS (SELECT 1 FROM documents)").fetchone()[0] == 1

    def next_number(self, name: str, first: int) -> int:
        with self.lock:
            row = self.db.execute("SELECT last FROM series WHERE name = ?", (name,)).fetchone()
            value = row[0] + 1 if row else first
            self.db.execute("INSERT OR REPLACE INTO series (name, last) VALUES (?, ?)", (name, value))
            return int(value)

    def get(self, entity: str, entity_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT body FROM documents WHERE entity = ? AND id = ?", (entity, entity_id.lower())
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.db.execute(
                "INSERT INTO documents (entity, id, body) VALUES (?, ?, ?) ON CONFLICT (entity, id) DO UPDATE SET body = excluded.body",
                (entity, str(body["id"]).lower(), json.dumps(body)),
            )
        return body

    def delete(self, entity: str, entity_id: str) -> None:
        with self.lock:
            self.db.execute("DELETE FROM documents WHERE entity = ? AND id = ?", (entity, entity_id.lower()))

    def all(self, entity: str) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("SELECT body FROM documents WHERE entity = ? ORDER BY rowid", (entity,)).fetchall()
        return [json.loads(row[0]) for row in rows]
