"""The ledger's operations: claims, outcomes, dead letters, watermarks, run liveness.

Every method is one short transaction. On SQLite each transaction starts with
`BEGIN IMMEDIATE`, so two processes never both read-then-write the same keys; on PostgreSQL
the unique constraint on (integration, key) and compare-and-set updates do the same job.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

import psutil
from sqlalchemy import (
    Boolean,
    CursorResult,
    Engine,
    Result,
    Table,
    and_,
    bindparam,
    case,
    create_engine,
    event,
    make_url,
    null,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from connectors.errors import InfrastructureError
from ledger.migrate import upgrade
from ledger.models import Entry, EntryStatus, SyncRun, Watermark

HOST = socket.gethostname()


def utcnow() -> datetime:
    """Naive UTC: SQLite keeps no time zone, so the ledger stores UTC without one everywhere."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


@dataclass(frozen=True)
class ClaimRequest:
    """A record a run wants to post: its deterministic key and where it came from."""

    key: str
    source_ref: str
    source_time: datetime | None = None


@dataclass(frozen=True)
class Claim:
    """A key this run now owns. `resolve_first`: a run died mid-post, so ask the target
    whether the record exists before posting it. `intended`: what earlier attempts were about
    to write (`Ledger.intend`) and never saw confirmed, oldest first: where the target keeps no
    key of ours, how one of them is found again though the record has changed since."""

    key: str
    source_ref: str
    attempts: int
    resolve_first: bool = False
    intended: tuple[dict[str, Any], ...] = ()


@dataclass
class ClaimBatch:
    mine: list[Claim] = field(default_factory=list)
    already_posted: dict[str, str] = field(default_factory=dict)  # key -> target id
    in_flight_elsewhere: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """What happened to a claimed key. Exactly one of target_id (posted) or reason is set."""

    key: str
    status: EntryStatus
    target_id: str | None = None
    reason: str | None = None
    payload: dict[str, Any] | None = None


@dataclass(frozen=True)
class DeadLetter:
    key: str
    source_ref: str
    reason: str
    payload: dict[str, Any] | None = None
    source_time: datetime | None = None


@dataclass(frozen=True)
class RunHandle:
    token: str
    integration: str


@dataclass(frozen=True)
class EntryView:
    """A read-only copy of a ledger row, for reports, the CLI and tests."""

    integration: str
    key: str
    status: EntryStatus
    source_ref: str | None
    target_id: str | None
    attempts: int
    reason: str | None
    payload: dict[str, Any] | None
    updated_at: datetime
    flow_run_id: str | None = None  # the Prefect flow run that last recorded it, where known


class Ledger:
    """Durable sync state in SQL. `Ledger(url)` migrates the schema to head first."""

    def __init__(self, url: str, *, heartbeat_ttl: timedelta = timedelta(minutes=10)) -> None:
        self.url = url
        self.heartbeat_ttl = heartbeat_ttl
        self.engine = _engine(url)
        try:
            upgrade(self.engine)
        except DBAPIError as exc:  # the first touch: whatever the database refuses, the ledger is unusable
            self.engine.dispose()
            raise InfrastructureError(explain_database_error(url, exc)) from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                yield session
        except OperationalError as exc:  # the disk filled, the server went away, the file turned read-only
            raise InfrastructureError(explain_database_error(self.url, exc)) from exc

    # -- runs -------------------------------------------------------------------------

    def start_run(self, integration: str, flow_run_id: str | None = None) -> RunHandle:
        now = utcnow()
        pid = os.getpid()
        token = uuid4().hex
        with self._tx() as s:
            s.add(
                SyncRun(
                    token=token,
                    integration=integration,
                    flow_run_id=flow_run_id,
                    host=HOST,
                    pid=pid,
                    pid_started_at=_process_started(pid),
                    started_at=now,
                    heartbeat_at=now,
                )
            )
        return RunHandle(token=token, integration=integration)

    def heartbeat(self, run: RunHandle) -> None:
        with self._tx() as s:
            s.execute(update(SyncRun).where(SyncRun.token == run.token).values(heartbeat_at=utcnow()))

    def finish_run(self, run: RunHandle) -> None:
        with self._tx() as s:
            s.execute(update(SyncRun).where(SyncRun.token == run.token).values(finished_at=utcnow()))

    def _orphaned(self, s: Session, owners: set[str]) -> set[str]:
        """Owners whose process is gone: finished, dead on this host, or silent too long."""
        if not owners:
            return set()
        runs = {r.token: r for r in s.scalars(select(SyncRun).where(SyncRun.token.in_(owners)))}
        stale = utcnow() - self.heartbeat_ttl
        orphaned = owners - runs.keys()
        for token, run in runs.items():
            gone = run.host == HOST and not _alive(run.pid, run.pid_started_at)
            if run.finished_at is not None or run.heartbeat_at < stale or gone:
                orphaned.add(token)
        return orphaned

    # -- claims and outcomes ----------------------------------------------------------

    def claim(
        self, integration: str, run: RunHandle, requests: Sequence[ClaimRequest], *, retry_dead: bool = False
    ) -> ClaimBatch:
        """Claim keys for posting. A key already posted, held by a live run (this one included),
        or dead (unless `retry_dead`) is not claimed; a `failed` key, or one left `pending` by
        a dead run, is."""
        batch = ClaimBatch()
        unique = {r.key: r for r in requests}
        if not unique:
            return batch
        now = utcnow()
        with self._tx() as s:
            rows = [
                {
                    "integration": integration,
                    "key": r.key,
                    "status": EntryStatus.pending,
                    "owner": run.token,
                    "source_ref": r.source_ref,
                    "source_time": to_naive_utc(r.source_time) if r.source_time else None,
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in unique.values()
            ]
            before = set(s.scalars(select(Entry.key).where(Entry.integration == integration, Entry.key.in_(unique))))
            inserted = unique.keys() - before
            if inserted:
                _insert_ignore(s, [row for row in rows if row["key"] in inserted])
            existing = s.execute(
                select(Entry.id, Entry.key, Entry.status, Entry.owner, Entry.target_id, Entry.attempts, Entry.intended).where(
                    Entry.integration == integration, Entry.key.in_(unique)
                )
            ).all()
            orphaned = self._orphaned(
                s, {r.owner for r in existing if r.status is EntryStatus.pending and r.owner and r.owner != run.token}
            )
            for row in existing:
                request = unique[row.key]
                if row.status is EntryStatus.posted:
                    batch.already_posted[row.key] = row.target_id or ""
                elif row.status is EntryStatus.pending and row.owner == run.token and row.key in inserted:
                    batch.mine.append(Claim(row.key, request.source_ref, row.attempts))
                elif row.status is EntryStatus.pending and row.owner in orphaned:
                    if _take(s, row.id, EntryStatus.pending, row.owner, run.token, now):
                        batch.mine.append(Claim(row.key, request.source_ref, row.attempts, True, tuple(row.intended or ())))
                    else:
                        batch.in_flight_elsewhere.append(row.key)
                elif row.status is EntryStatus.pending:
                    batch.in_flight_elsewhere.append(row.key)
                elif row.status is EntryStatus.failed or (row.status is EntryStatus.dead and retry_dead):
                    if _take(s, row.id, row.status, row.owner, run.token, now):
                        batch.mine.append(Claim(row.key, request.source_ref, row.attempts, intended=tuple(row.intended or ())))
                    else:
                        batch.in_flight_elsewhere.append(row.key)
                else:
                    batch.dead.append(row.key)
        return batch

    def record(self, integration: str, run: RunHandle, outcomes: Iterable[Outcome]) -> int:
        """Write outcomes of keys this run owns. Returns how many rows changed (a key taken
        over by another run in the meantime is left to that run). A posted key forgets what
        was intended for it; any other outcome keeps it for the next attempt."""
        params = [
            {
                "b_integration": integration,
                "b_key": o.key,
                "b_owner": run.token,
                "b_status": o.status,
                "b_target_id": o.target_id,
                "b_reason": o.reason,
                "b_payload": o.payload,
                "b_final_owner": run.token if o.status is EntryStatus.pending else None,
                "b_posted": o.status is EntryStatus.posted,
                "b_now": utcnow(),
            }
            for o in outcomes
        ]
        if not params:
            return 0
        table = cast(Table, Entry.__table__)  # declarative maps Entry to a Table; the stub says FromClause
        stmt = (
            update(table)
            .where(
                and_(
                    table.c.integration == bindparam("b_integration"),
                    table.c.key == bindparam("b_key"),
                    table.c.owner == bindparam("b_owner"),
                    table.c.status == EntryStatus.pending,
                )
            )
            .values(
                status=bindparam("b_status"),
                target_id=bindparam("b_target_id"),
                reason=bindparam("b_reason"),
                payload=bindparam("b_payload"),
                intended=case((bindparam("b_posted", type_=Boolean), null()), else_=table.c.intended),
                owner=bindparam("b_final_owner"),
                last_run=bindparam("b_owner"),
                attempts=table.c.attempts + 1,
                updated_at=bindparam("b_now"),
            )
        )
        with self._tx() as s:
            result = s.connection().execute(stmt, params)
            return int(result.rowcount or 0)

    def intend(self, integration: str, run: RunHandle, intents: Mapping[str, dict[str, Any]]) -> int:
        """Keep, before writing, what this run is about to write under keys it holds `pending`
        (key -> payload; write-ahead): if the answer is lost, or the run dies before it records,
        the next claim of the key hands it back (`Claim.intended`), until the key is posted.
        Returns how many keys keep it (a key another run took over is left alone)."""
        if not intents:
            return 0
        now = utcnow()
        with self._tx() as s:
            mine = (Entry.integration == integration, Entry.owner == run.token, Entry.status == EntryStatus.pending)
            rows = s.execute(select(Entry.id, Entry.key, Entry.intended).where(*mine, Entry.key.in_(intents))).all()
            for row in rows:
                kept = list(row.intended or [])
                if intents[row.key] not in kept:
                    kept.append(intents[row.key])
                    s.execute(update(Entry).where(Entry.id == row.id, *mine).values(intended=kept, updated_at=now))
            return len(rows)

    def dead_letter(
        self, integration: str, letters: Sequence[DeadLetter], *, replace_dead: bool = True, run: RunHandle | None = None
    ) -> list[str]:
        """Keep records that cannot be posted (bad input), with the reason and the `run` that found
        them. A key already posted or in flight is left alone, and so is an existing dead letter
        unless `replace_dead`. Returns the keys that became (or were re-confirmed as) dead letters."""
        last_run = run.token if run else None
        if not letters:
            return []
        now = utcnow()
        keys = [d.key for d in letters]
        replaceable = {EntryStatus.failed, *([EntryStatus.dead] if replace_dead else [])}
        with self._tx() as s:
            current = select(Entry.key, Entry.status).where(Entry.integration == integration, Entry.key.in_(keys))
            before = dict(s.execute(current).tuples().all())
            fresh = [d for d in letters if d.key not in before]
            if fresh:
                rows = [
                    {
                        "integration": integration,
                        "key": d.key,
                        "status": EntryStatus.dead,
                        "source_ref": d.source_ref,
                        "source_time": to_naive_utc(d.source_time) if d.source_time else None,
                        "reason": d.reason,
                        "payload": d.payload,
                        "attempts": 0,
                        "last_run": last_run,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for d in fresh
                ]
                _insert_ignore(s, rows)
            changed = [d.key for d in fresh]
            for d in letters:
                if before.get(d.key) in replaceable:
                    s.execute(
                        update(Entry)
                        .where(Entry.integration == integration, Entry.key == d.key, Entry.status == before[d.key])
                        .values(
                            status=EntryStatus.dead,
                            reason=d.reason,
                            payload=d.payload,
                            owner=None,
                            last_run=last_run,
                            updated_at=now,
                        )
                    )
                    changed.append(d.key)
        return changed

    def statuses(self, integration: str, keys: Sequence[str]) -> dict[str, EntryStatus]:
        """Where each known key stands (unknown keys are absent)."""
        if not keys:
            return {}
        with self._tx() as s:
            rows = s.execute(select(Entry.key, Entry.status).where(Entry.integration == integration, Entry.key.in_(keys))).all()
        return {key: status for key, status in rows}

    def settled_prefixes(self, integration: str, prefixes: Sequence[str]) -> set[str]:
        """The prefixes whose keys are all `posted` or `dead` (and at least one exists): how an
        event that stands for several records (a receipt on several POs) is known to be done."""
        settled: set[str] = set()
        with self._tx() as s:
            for prefix in dict.fromkeys(prefixes):
                statuses = s.scalars(
                    select(Entry.status).where(Entry.integration == integration, Entry.key.startswith(prefix, autoescape=True))
                ).all()
                if statuses and all(status in (EntryStatus.posted, EntryStatus.dead) for status in statuses):
                    settled.add(prefix)
        return settled

    def take_orphans(self, integration: str, run: RunHandle) -> list[Claim]:
        """Take over `pending` keys whose owner died, so this run can resolve them."""
        now = utcnow()
        taken: list[Claim] = []
        with self._tx() as s:
            pending = s.execute(
                select(Entry.id, Entry.key, Entry.owner, Entry.source_ref, Entry.attempts, Entry.intended).where(
                    Entry.integration == integration, Entry.status == EntryStatus.pending, Entry.owner != run.token
                )
            ).all()
            orphaned = self._orphaned(s, {p.owner for p in pending if p.owner})
            for p in pending:
                if p.owner in orphaned and _take(s, p.id, EntryStatus.pending, p.owner, run.token, now):
                    taken.append(Claim(p.key, p.source_ref or "", p.attempts, True, tuple(p.intended or ())))
        return taken

    # -- watermarks -------------------------------------------------------------------

    def watermark(self, integration: str) -> datetime | None:
        with self._tx() as s:
            return s.scalar(select(Watermark.value).where(Watermark.integration == integration))

    def resume_point(self, integration: str, lookback_minutes: int) -> datetime | None:
        """Where an incremental run starts reading: the watermark (UTC) minus the lookback, for
        records the source stamped late; None before the first run (read everything)."""
        watermark = self.watermark(integration)
        return watermark.replace(tzinfo=UTC) - timedelta(minutes=lookback_minutes) if watermark else None

    def advance_watermark(self, integration: str, value: datetime) -> datetime:
        """Move the watermark forward, never back (overlapping runs may finish in any order)."""
        value = to_naive_utc(value)
        now = utcnow()
        with self._tx() as s:
            _insert_ignore(s, [{"integration": integration, "value": value, "updated_at": now}], Watermark)
            s.execute(
                update(Watermark)
                .where(Watermark.integration == integration, Watermark.value < value)
                .values(value=value, updated_at=now)
            )
            return s.scalar(select(Watermark.value).where(Watermark.integration == integration))  # type: ignore[return-value]

    # -- reading ----------------------------------------------------------------------

    def entries(
        self, integration: str | None = None, status: EntryStatus | None = None, keys: Sequence[str] | None = None
    ) -> list[EntryView]:
        query = select(Entry, SyncRun.flow_run_id).outerjoin(SyncRun, SyncRun.token == Entry.last_run).order_by(Entry.id)
        if integration:
            query = query.where(Entry.integration == integration)
        if status:
            query = query.where(Entry.status == status)
        if keys is not None:
            query = query.where(Entry.key.in_(keys))
        with self._tx() as s:
            return [
                EntryView(
                    e.integration,
                    e.key,
                    e.status,
                    e.source_ref,
                    e.target_id,
                    e.attempts,
                    e.reason,
                    e.payload,
                    e.updated_at,
                    flow_run_id,
                )
                for e, flow_run_id in s.execute(query)
            ]

    def reopen(self, integration: str, run: RunHandle, keys: Sequence[str]) -> ClaimBatch:
        """Claim `posted` keys again, to correct what was posted because its source changed
        (an edited time-tracking session). Compare-and-set, like `claim`: a key another run
        holds is left to it; the target id stays on the row until this run records."""
        batch = ClaimBatch()
        if not keys:
            return batch
        now = utcnow()
        with self._tx() as s:
            rows = s.execute(
                select(Entry.id, Entry.key, Entry.status, Entry.owner, Entry.source_ref, Entry.attempts).where(
                    Entry.integration == integration, Entry.key.in_(keys)
                )
            ).all()
            for row in rows:
                if row.status is EntryStatus.posted and _take(s, row.id, EntryStatus.posted, row.owner, run.token, now):
                    batch.mine.append(Claim(row.key, row.source_ref or "", row.attempts))
                elif row.status in (EntryStatus.posted, EntryStatus.pending):
                    batch.in_flight_elsewhere.append(row.key)  # another run got there first
        return batch


def _take(s: Session, entry_id: int, status: EntryStatus, owner: str | None, new_owner: str, now: datetime) -> bool:
    """Compare-and-set ownership: succeeds only if nobody changed the row since we read it."""
    condition = Entry.owner.is_(None) if owner is None else Entry.owner == owner
    result = s.execute(
        update(Entry)
        .where(Entry.id == entry_id, Entry.status == status, condition)
        .values(status=EntryStatus.pending, owner=new_owner, updated_at=now)
    )
    return rows_matched(result) > 0


def rows_matched(result: Result[Any]) -> int:
    """How many rows an UPDATE matched. `Session.execute` is typed to return a `Result`; for an
    UPDATE it returns a `CursorResult`, the one that carries the count."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def dialect_insert(s: Session, model: type) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (PostgreSQL and SQLite alike)."""
    return (postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert)(model)


def _insert_ignore(s: Session, rows: list[dict[str, Any]], model: type = Entry) -> None:
    """INSERT … ON CONFLICT DO NOTHING, as one cached statement executed for many rows."""
    s.execute(dialect_insert(s, model).on_conflict_do_nothing(), rows)


def _process_started(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _alive(pid: int, started: float | None) -> bool:
    """True if the process is still the one that registered (pids get reused)."""
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and (started is None or abs(process.create_time() - started) < 1)
    except psutil.Error:
        return False


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite ledger URL, also of SQLite's URI form (`sqlite:///file:<path>?mode=ro&uri=true`:
    a path too, not a folder named `file:`); None for another database."""
    parsed = make_url(url)
    return Path((parsed.database or "").removeprefix("file:")) if parsed.get_backend_name() == "sqlite" else None


def explain_database_error(url: str, exc: DBAPIError) -> str:
    """One message for a database error about the ledger itself: which database, what the driver
    said, and what to do about it."""
    parsed = make_url(url)
    problem = (str(exc.orig).strip().splitlines() or [str(exc)])[0]
    text = problem.lower()
    path = sqlite_file(url)
    if path is not None:
        if "readonly" in text or "read-only" in text:
            fix = (
                f"the ledger file {path} is read-only: give this user write access to it and to {path.parent} "
                f"(SQLite writes {path.name}-wal and {path.name}-shm beside it)"
            )
        elif "disk i/o" in text or "disk is full" in text:
            fix = f"the disk holding {path} failed a write: free space on it (or repair it), or move the ledger to another disk"
        elif "unable to open" in text:
            fix = f"{path} cannot be opened or created: make {path.parent} exist and be writable by this user"
        elif "not a database" in text:
            fix = f"{path} is not a SQLite database: point at the ledger file (a missing file is created)"
        elif "locked" in text:
            fix = f"another process held the ledger's write lock for over a minute: find it (`fuser {path}`) and stop it"
        else:
            fix = f"check that {path} is a SQLite ledger this user can write"
    elif "does not exist" in text and "database" in text:
        fix = f"create the database (`createdb {parsed.database}`) or correct its name"
    elif "password" in text or "authentication" in text or "role" in text:
        fix = "correct the user and password (or the server's pg_hba.conf)"
    elif "permission denied" in text:
        fix = "grant this user USAGE and CREATE on the schema the ledger lives in"
    else:
        fix = f"start PostgreSQL, or correct the host and port ({parsed.host}:{parsed.port or 5432})"
    shown = parsed.render_as_string(hide_password=True)
    return f"the ledger database ION_SYNC_DATABASE_URL={shown} cannot be used: {problem}. To fix: {fix}; or set ION_SYNC_DATABASE_URL to another ledger."


# How long a connection waits for another's write lock before "database is locked" (the busy
# wait, and the switch to WAL, which SQLite does not cover by it).
BUSY_SECONDS = 60


def _use_wal(cursor: Any) -> None:
    """Put the ledger file in WAL mode (it stays so). Switching needs the file to itself, and
    SQLite answers "database is locked" at once, without its busy wait, while another connection
    opens the same new ledger (two runs starting together; 1 in 30 tries here): try again."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # let BEGIN IMMEDIATE below control transactions
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # an unreachable server fails in seconds instead of hanging on the operating system's TCP timeout
    timeout = {} if "connect_timeout" in url else {"connect_timeout": 10}
    return create_engine(url, pool_pre_ping=True, connect_args=timeout)
