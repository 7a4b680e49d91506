"""What the ledger knows about an integration's recent activity, for integration-health:
dead letters, outcomes and errors in a window, when it last posted, when a run last worked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from ledger.models import Entry, EntryStatus, InboxEvent, InboxStatus, SyncRun
from ledger.store import Ledger, to_naive_utc


@dataclass(frozen=True)
class Activity:
    dead_total: int
    dead_new: int  # became (or stayed) dead within the window
    outcomes: int  # posted, failed or dead within the window
    errors: int  # failed or dead within the window
    last_posted_at: datetime | None
    last_run_started_at: datetime | None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.outcomes if self.outcomes else None


def activity(ledger: Ledger, integration: str, since: datetime) -> Activity:
    since = to_naive_utc(since)
    recent = Entry.updated_at >= since
    failing = Entry.status.in_([EntryStatus.failed, EntryStatus.dead])
    with ledger._tx() as s:
        dead_total, dead_new, outcomes, errors = s.execute(
            select(
                func.count().filter(Entry.status == EntryStatus.dead),
                func.count().filter(Entry.status == EntryStatus.dead, recent),
                func.count().filter(recent, Entry.status != EntryStatus.pending),
                func.sum(case((recent & failing, 1), else_=0)),
            ).where(Entry.integration == integration)
        ).one()
        last_posted = s.scalar(
            select(func.max(Entry.updated_at)).where(Entry.integration == integration, Entry.status == EntryStatus.posted)
        )
        last_run = s.scalar(select(func.max(SyncRun.started_at)).where(SyncRun.integration == integration))
    return Activity(int(dead_total), int(dead_new), int(outcomes), int(errors or 0), last_posted, last_run)


@dataclass(frozen=True)
class InboxState:
    pending: int
    oldest_pending: datetime | None
    dead: int


def inbox_state(ledger: Ledger, source: str, event_types: tuple[str, ...]) -> InboxState:
    """Pending events (and since when) and dead ones, for one integration's webhook routes."""
    with ledger._tx() as s:
        pending, oldest, dead = s.execute(
            select(
                func.count().filter(InboxEvent.status == InboxStatus.pending),
                func.min(InboxEvent.received_at).filter(InboxEvent.status == InboxStatus.pending),
                func.count().filter(InboxEvent.status == InboxStatus.dead),
            ).where(InboxEvent.source == source, InboxEvent.event_type.in_(event_types))
        ).one()
    return InboxState(int(pending), oldest, int(dead))
