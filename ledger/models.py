"""SQLAlchemy 2 models of the ledger. Schema changes go through Alembic (`ledger/migrations`)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class EntryStatus(enum.StrEnum):
    """Where one outgoing record stands. Only `posted` and `dead` are final."""

    pending = "pending"  # claimed by a run that is posting it (or died while posting it)
    posted = "posted"  # the target confirmed it; target_id says where
    failed = "failed"  # transient failure; the next run retries it
    dead = "dead"  # cannot be posted until a person fixes the cause; reason says why


class Entry(Base):
    """One record ion-sync sends (or tried to send) to another system, keyed deterministically."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("integration", "key", name="uq_ledger_entry_integration_key"),
        Index("ix_ledger_entry_integration_status", "integration", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    integration: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    status: Mapped[EntryStatus] = mapped_column(Enum(EntryStatus, native_enum=False, length=16))
    owner: Mapped[str | None] = mapped_column(String(64))
    last_run: Mapped[str | None] = mapped_column(String(64))  # the run (SyncRun.token) that last recorded it
    source_ref: Mapped[str | None] = mapped_column(String(255))
    target_id: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # what runs were about to write (`Ledger.intend`), until the key is posted: an uncertain attempt's trace
    intended: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    source_time: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Watermark(Base):
    """How far an integration's incremental sync has safely come (source time, UTC)."""

    __tablename__ = "watermark"

    integration: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class SyncRun(Base):
    """A process working on an integration. Its claims are orphaned once it is gone."""

    __tablename__ = "sync_run"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    pid_started_at: Mapped[float | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class InboxStatus(enum.StrEnum):
    pending = "pending"  # accepted from a webhook, not yet handled by a flow
    handled = "handled"  # a flow run processed it (handled_by says which)
    dead = "dead"  # cannot be handled; reason says why


# Sizes of the inbox's columns. The webhook receiver derives its field limits from these same
# numbers (`ion_sync/webhooks/limits.py`), so an event it accepts fits on SQLite and PostgreSQL alike.
SOURCE_LENGTH = 32
EVENT_ID_LENGTH = 255
EVENT_TYPE_LENGTH = 128
SUBJECT_LENGTH = 255


class InboxEvent(Base):
    """A webhook delivery accepted after its signature checked out, kept until a flow handles it."""

    __tablename__ = "inbox_event"
    __table_args__ = (
        UniqueConstraint("source", "event_id", name="uq_inbox_event_source_event_id"),
        Index("ix_inbox_event_status_received", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))
    event_id: Mapped[str] = mapped_column(String(EVENT_ID_LENGTH))
    event_type: Mapped[str] = mapped_column(String(EVENT_TYPE_LENGTH))
    subject: Mapped[str | None] = mapped_column(String(SUBJECT_LENGTH))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # what a redelivery must match (ledger.inbox)
    status: Mapped[InboxStatus] = mapped_column(Enum(InboxStatus, native_enum=False, length=16))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    handled_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)


class InboxConflict(Base):
    """A delivery reusing a stored event id with a different payload. The first event stays in
    the inbox (and is handled); this one is kept here, once per distinct payload, until a person
    resolves it."""

    __tablename__ = "inbox_conflict"
    __table_args__ = (
        UniqueConstraint("source", "event_id", "fingerprint", name="uq_inbox_conflict_source_event_fingerprint"),
        Index("ix_inbox_conflict_source_resolved", "source", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inbox_event.id"))
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))
    event_id: Mapped[str] = mapped_column(String(EVENT_ID_LENGTH))
    event_type: Mapped[str] = mapped_column(String(EVENT_TYPE_LENGTH))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))


class Credential(Base):
    """A secret ion-sync must keep between runs, e.g. an OAuth refresh token that rotates."""

    __tablename__ = "credential"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
