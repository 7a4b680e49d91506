"""The webhook inbox: events accepted by the receiver, kept until a flow run handles them.

An event is stored (deduplicated by source and event id) before the receiver answers 2xx, so
a delivery is never lost once acknowledged; flows take pending events, handle them and mark
them handled in the same breath as their ledger outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from ledger.models import InboxEvent, InboxStatus
from ledger.store import Ledger, _insert_ignore, to_naive_utc, utcnow


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

    def accept(
        self, source: str, event_id: str, event_type: str, subject: str | None, payload: dict[str, Any] | None
    ) -> bool:
        """Store an event; False if this (source, event id) was already stored (a redelivery)."""
        row = {
            "source": source,
            "event_id": event_id,
            "event_type": event_type,
            "subject": subject,
            "payload": payload,
            "status": InboxStatus.pending,
            "received_at": utcnow(),
        }
        with self.ledger._tx() as s:
            known = s.scalar(select(InboxEvent.id).where(InboxEvent.source == source, InboxEvent.event_id == event_id))
            if known is not None:
                return False
            _insert_ignore(s, [row], InboxEvent)
        return True

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
            return int(result.rowcount or 0)

    def find(self, source: str, event_id: str) -> int:
        """The inbox id of a stored event (the receiver hands it to the flows it triggers)."""
        with self.ledger._tx() as s:
            found = s.scalar(select(InboxEvent.id).where(InboxEvent.source == source, InboxEvent.event_id == event_id))
        if found is None:
            raise KeyError(f"no {source} event {event_id} in the inbox")
        return int(found)

    def backlog(self, source: str | None = None) -> Backlog:
        """How many events wait, and since when (for integration health)."""
        query = select(func.count(), func.min(InboxEvent.received_at)).where(InboxEvent.status == InboxStatus.pending)
        if source:
            query = query.where(InboxEvent.source == source)
        with self.ledger._tx() as s:
            count, oldest = s.execute(query).one()
        return Backlog(int(count), oldest)


def _item(e: InboxEvent) -> InboxItem:
    return InboxItem(e.id, e.source, e.event_id, e.event_type, e.subject, e.payload, e.status, e.received_at)
