"""The webhook inbox and the credential store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ledger import Ledger
from ledger.credentials import Credentials
from ledger.inbox import Inbox, InboxOutcome, Received
from ledger.models import InboxStatus


def test_an_event_is_stored_once_and_settled_once(database_url):
    inbox = Inbox(Ledger(database_url))
    assert inbox.accept("ion", "evt-1", "run.completed", "run:7", {"id": 7})
    assert not inbox.accept("ion", "evt-1", "run.completed", "run:7", {"id": 7})  # redelivery
    assert inbox.accept("ramp", "evt-1", "purchase_order.approved", None, None)  # other source, own id space
    [ion] = inbox.pending("ion")
    assert (ion.event_type, ion.subject, ion.payload) == ("run.completed", "run:7", {"id": 7})
    assert inbox.backlog().pending == 2
    assert inbox.mark([ion.id], InboxStatus.handled, "flow-run-1") == 1
    assert inbox.mark([ion.id], InboxStatus.dead, "flow-run-2", "late") == 0  # already settled
    assert inbox.pending("ion") == [] and inbox.backlog("ion").pending == 0
    assert [e.source for e in inbox.pending(received_before=datetime.now(UTC) + timedelta(seconds=5))] == ["ramp"]


def test_a_rotated_refresh_token_replaces_the_old_one(database_url):
    ledger = Ledger(database_url)
    store = Credentials(ledger)
    assert store.get("quickbooks:realm-1") is None
    store.put("quickbooks:realm-1", {"refresh_token": "r1"})
    store.put("quickbooks:realm-1", {"refresh_token": "r2"}, datetime(2027, 1, 1, tzinfo=UTC))
    again = Credentials(Ledger(database_url)).get("quickbooks:realm-1")
    assert again is not None and again.value == {"refresh_token": "r2"} and again.expires_at == datetime(2027, 1, 1)
    assert store.names() == ["quickbooks:realm-1"]


def test_a_prefix_is_settled_only_when_every_key_under_it_is_final(database_url):
    from ledger import EntryStatus, Outcome
    from ledger.store import ClaimRequest

    ledger = Ledger(database_url)
    run = ledger.start_run("receipt-sync")
    ledger.claim(
        "receipt-sync", run, [ClaimRequest(k, "src") for k in ("ion:receipt:7:po:1", "ion:receipt:7:po:2", "ion:receipt:70:po:1")]
    )
    ledger.record("receipt-sync", run, [Outcome("ion:receipt:7:po:1", EntryStatus.posted, target_id="1")])
    assert ledger.settled_prefixes("receipt-sync", ["ion:receipt:7:", "ion:receipt:8:"]) == set()  # po:2 still pending
    ledger.record("receipt-sync", run, [Outcome("ion:receipt:7:po:2", EntryStatus.dead, reason="closed")])
    assert ledger.settled_prefixes("receipt-sync", ["ion:receipt:7:", "ion:receipt:70:", "ion:receipt:8:"]) == {"ion:receipt:7:"}


def test_concurrent_copies_of_an_event_are_accepted_exactly_once(database_url):
    """Five writers race on each of 20 event ids: one accepted per id, the rest duplicates."""
    from concurrent.futures import ThreadPoolExecutor

    ledger = Ledger(database_url)
    inbox = Inbox(ledger)
    copies = [f"evt-{i}" for i in range(20) for _ in range(5)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda event_id: inbox.receive("ion", event_id, "run.update", None, {"id": event_id}), copies))
    accepted = [r for r in outcomes if r.outcome is InboxOutcome.accepted]
    assert len(accepted) == 20 and len({r.inbox_id for r in accepted}) == 20
    assert sum(r.outcome is InboxOutcome.duplicate for r in outcomes) == 80
    assert inbox.backlog().pending == 20 and inbox.conflicts() == []
    ledger.close()


def test_a_redelivery_with_another_payload_is_a_conflict_kept_until_a_person_resolves_it(database_url):
    inbox = Inbox(Ledger(database_url))
    first = inbox.receive("ramp", "evt-9", "purchase_orders.updated", "purchase_orders:po-1", {"amount": 10})
    assert first.outcome is InboxOutcome.accepted
    for _ in range(2):  # the same differing payload twice is one conflict
        again = inbox.receive("ramp", "evt-9", "purchase_orders.updated", "purchase_orders:po-1", {"amount": 12})
        assert again == Received(InboxOutcome.conflict, first.inbox_id)
    assert (
        inbox.receive("ramp", "evt-9", "purchase_orders.updated", "purchase_orders:po-1", {"amount": 10}).outcome
        is InboxOutcome.duplicate
    )
    [kept] = inbox.pending("ramp")
    assert kept.payload == {"amount": 10}  # the first copy stays the one that is handled
    [conflict] = inbox.conflicts("ramp", ["purchase_orders.updated"])
    assert (conflict.event_id, conflict.inbox_id, conflict.stored_payload, conflict.payload) == (
        "evt-9",
        kept.id,
        {"amount": 10},
        {"amount": 12},
    )
    assert inbox.conflicts("ion") == [] and inbox.conflicts("ramp", ["other.type"]) == []
    assert inbox.resolve_conflict(conflict.id, "ops") and not inbox.resolve_conflict(conflict.id, "ops")
    assert inbox.conflicts() == []
