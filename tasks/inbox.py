"""Inbox events an integration handles, and settling them once the ledger shows the work done.

An `EventRoute` names the events (source and event types) and the ledger key each one stands
for (a key ending in `:` is a prefix: an event that stands for several records, all of which
must be done); an event is settled (marked handled) when its key is `posted` or `dead` — the same proof
of "done" the watermark uses — whichever run did the work: a triggered run, the scheduled sync,
the drain. An event that stands for nothing to post (`key` returns None) settles at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from ledger import EntryStatus, Ledger
from ledger.inbox import Inbox, InboxItem
from ledger.models import InboxStatus

SETTLED = {EntryStatus.posted, EntryStatus.dead}


@dataclass(frozen=True)
class EventRoute:
    integration: str
    source: str
    event_types: tuple[str, ...]
    key: Callable[[InboxItem], str | None]
    batched: bool = False  # no trigger: queued events wait for the scheduled drain (ERPs not to be called per event)


def subject_id(item: InboxItem) -> str | None:
    """The object id of an event's subject (`run:1001` → `1001`)."""
    return item.subject.partition(":")[2] or None if item.subject else None


@dataclass(frozen=True)
class Settled:
    handled: int
    waiting: list[InboxItem]


def settle(ledger: Ledger, route: EventRoute, handled_by: str, *, received_before: datetime | None = None) -> Settled:
    """Mark the route's pending events whose work the ledger shows done; return the others."""
    inbox = Inbox(ledger)
    items = inbox.pending(route.source, route.event_types, received_before=received_before, limit=10_000)
    keys = {item.id: route.key(item) for item in items}
    statuses = ledger.statuses(route.integration, [k for k in keys.values() if k and not k.endswith(":")])
    prefixes = ledger.settled_prefixes(route.integration, [k for k in keys.values() if k and k.endswith(":")])
    done = [item.id for item in items if (key := keys[item.id]) is None or statuses.get(key) in SETTLED or key in prefixes]
    handled = inbox.mark(done, InboxStatus.handled, handled_by[:64])
    settled = set(done)
    return Settled(handled, [item for item in items if item.id not in settled])


@task(name="settle-inbox-events", cache_policy=NO_CACHE)
def settle_inbox_events(ledger: Ledger, route: EventRoute, handled_by: str) -> int:
    """After a sync: the webhook events its posts answered are handled."""
    return settle(ledger, route, handled_by).handled
