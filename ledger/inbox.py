"""The webhook inbox: events accepted by the receiver, kept until a flow run handles them.

An event is stored (deduplicated by source and event id) before the receiver answers 2xx, so
a delivery is never lost once acknowledged; flows take pending events, handle them and mark
them handled in the same breath as their ledger outcomes. Accepting is one atomic
`INSERT … ON CONFLICT DO NOTHING RETURNING`: of concurrent copies of an event exactly one is
accepted. A copy whose fingerprint (its payload, less what a retry may renew) differs from the
stored one is a conflict, kept for a person.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from ledger.models import InboxConflict, InboxEvent, InboxStatus
from ledger.store import Ledger, dialect_insert, rows_matched, to_naive_utc, utcnow


def payload_fingerprint(payload: dict[str, Any] | None, ignore: Sequence[str] = ()) -> str:
    """SHA-256 of the payload's canonical JSON without the top-level keys in `ignore`."""
    kept = {k: v for k, v in payload.items() if k not in ignore} if payload else payload
    return hashlib.sha256(json.dumps(kept, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class InboxOutcome(enum.StrEnum):
    accepted = "accepted"  # stored now: the only copy that triggers work
    duplicate = "duplicate"  # this source and event id were stored before, with the same fingerprint
    conflict = "conflict"  # stored before with another fingerprint: the first is kept, this one recorded


@dataclass(frozen=True)
class Received:
    outcome: InboxOutcome
    inbox_id: int  # the stored event's (the first copy's, for a duplicate or a conflict)


@dataclass(frozen=True)
class Conflict:
    id: int
    inbox_id: int
    source: str
    event_id: str
    event_type: str
    stored_payload: dict[str, Any] | None  # the first copy's, which was kept
    payload: dict[str, Any] | None  # this copy's
    received_at: datetime


@dataclass(frozen=True)
class InboxItem:
    id: int
    source: str
    event_id: str
    event_type: str
    subject: str | None
    payload: dict[str, Any] | None
    status: InboxStatus
    received_at: datetime


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest: datetime | None


class Inbox:
    """Inbox operations on a ledger's database (each one short transaction)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def receive(
        self,
        source: str,
        event_id: str,
        event_type: str,
        subject: str | None,
        payload: dict[str, Any] | None,
        fingerprint: str | None = None,
    ) -> Received:
        """Store an event unless this (source, event id) is stored already: accepted, a duplicate
        (same fingerprint; default: of the whole payload), or a conflict (recorded once per
        fingerprint). Events stored before fingerprints existed count as the same."""
        now = utcnow()
        fingerprint = fingerprint or payload_fingerprint(payload)
        row = {
            "source": source,
            "event_id": event_id,
            "event_type": event_type,
            "subject": subject,
            "payload": payload,
            "fingerprint": fingerprint,
            "status": InboxStatus.pending,
            "received_at": now,
        }
        with self.ledger._tx() as s:
            inserted = s.scalar(
                dialect_insert(s, InboxEvent)
                .values(row)
                .on_conflict_do_nothing(index_elements=["source", "event_id"])
                .returning(InboxEvent.id)
            )
            if inserted is not None:
                return Received(InboxOutcome.accepted, int(inserted))
            # The copy that won has committed (PostgreSQL waits for it; SQLite writes one at a time).
            known_id, known_print = s.execute(
                select(InboxEvent.id, InboxEvent.fingerprint).where(InboxEvent.source == source, InboxEvent.event_id == event_id)
            ).one()
            if known_print in (fingerprint, None):
                return Received(InboxOutcome.duplicate, int(known_id))
            s.execute(
                dialect_insert(s, InboxConflict)
                .values(
                    inbox_id=known_id,
                    source=source,
                    event_id=event_id,
                    event_type=event_type,
                    payload=payload,
                    fingerprint=fingerprint,
                    received_at=now,
                )
                .on_conflict_do_nothing()
            )
        return Received(InboxOutcome.conflict, int(known_id))

    def accept(self, source: str, event_id: str, event_type: str, subject: str | None, payload: dict[str, Any] | None) -> bool:
        """Store an event; False if this (source, event id) was already stored."""
        return self.receive(source, event_id, event_type, subject, payload).outcome is InboxOutcome.accepted

    def pending(
        self,
        source: str | None = None,
        event_types: Sequence[str] | None = None,
        *,
        received_before: datetime | None = None,
        limit: int = 1000,
    ) -> list[InboxItem]:
        """Pending events, oldest first."""
        query = select(InboxEvent).where(InboxEvent.status == InboxStatus.pending).order_by(InboxEvent.id).limit(limit)
        if source:
            query = query.where(InboxEvent.source == source)
        if event_types:
            query = query.where(InboxEvent.event_type.in_(event_types))
        if received_before:
            query = query.where(InboxEvent.received_at < to_naive_utc(received_before))
        with self.ledger._tx() as s:
            return [_item(e) for e in s.scalars(query)]

    def mark(self, ids: Sequence[int], status: InboxStatus, handled_by: str | None, reason: str | None = None) -> int:
        """Settle pending events (handled or dead); events already settled are left alone."""
        if not ids:
            return 0
        with self.ledger._tx() as s:
            result = s.execute(
                update(InboxEvent)
                .where(InboxEvent.id.in_(ids), InboxEvent.status == InboxStatus.pending)
                .values(status=status, handled_at=utcnow(), handled_by=handled_by, reason=reason)
            )
            return rows_matched(result)

    def backlog(self, source: str | None = None) -> Backlog:
        """How many events wait, and since when (for integration health)."""
        query = select(func.count(), func.min(InboxEvent.received_at)).where(InboxEvent.status == InboxStatus.pending)
        if source:
            query = query.where(InboxEvent.source == source)
        with self.ledger._tx() as s:
            count, oldest = s.execute(query).one()
        return Backlog(int(count), oldest)

    def conflicts(self, source: str | None = None, event_types: Sequence[str] | None = None) -> list[Conflict]:
        """Unresolved conflicts, oldest first (for a person, and integration health)."""
        query = (
            select(InboxConflict, InboxEvent.payload)
            .join(InboxEvent, InboxEvent.id == InboxConflict.inbox_id)
            .where(InboxConflict.resolved_at.is_(None))
            .order_by(InboxConflict.id)
        )
        if source:
            query = query.where(InboxConflict.source == source)
        if event_types:
            query = query.where(InboxConflict.event_type.in_(event_types))
        with self.ledger._tx() as s:
            return [
                Conflict(c.id, c.inbox_id, c.source, c.event_id, c.event_type, kept, c.payload, c.received_at)
                for c, kept in s.execute(query)
            ]

    def resolve_conflict(self, conflict_id: int, resolved_by: str) -> bool:
        """Mark a conflict looked after (a person compared both payloads and acted)."""
        with self.ledger._tx() as s:
            result = s.execute(
                update(InboxConflict)
                .where(InboxConflict.id == conflict_id, InboxConflict.resolved_at.is_(None))
                .values(resolved_at=utcnow(), resolved_by=resolved_by)
            )
            return rows_matched(result) > 0


def _item(e: InboxEvent) -> InboxItem:
    return InboxItem(e.id, e.source, e.event_id, e.event_type, e.subject, e.payload, e.status, e.received_at)
