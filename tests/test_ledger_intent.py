"""Write-ahead intent (`Ledger.intend`) on SQLite and PostgreSQL: what a run was about to write
under a key comes back with the key's next claim, whether the attempt failed, died or went dead,
until the key is posted; only the run holding the key can keep it."""

from __future__ import annotations

from ledger import EntryStatus, Ledger, Outcome
from ledger.store import ClaimRequest

A = [ClaimRequest("a", "src:a")]


def test_what_a_run_intended_comes_back_with_each_claim_until_the_key_is_posted(database_url):
    ledger = Ledger(database_url)
    first = ledger.start_run("sync")
    [fresh] = ledger.claim("sync", first, A).mine
    assert fresh.intended == ()
    assert ledger.intend("sync", first, {"a": {"hours": 1.0}}) == 1
    ledger.record("sync", first, [Outcome("a", EntryStatus.failed, reason="answer lost")])  # no payload of its own
    second = ledger.start_run("sync")
    [retry] = ledger.claim("sync", second, A).mine
    assert retry.intended == ({"hours": 1.0},)
    ledger.intend("sync", second, {"a": {"hours": 1.5}})
    ledger.intend("sync", second, {"a": {"hours": 1.5}})  # the same intent is kept once
    ledger.record("sync", second, [Outcome("a", EntryStatus.dead, reason="refused", payload={"_etag": "e2"})])
    third = ledger.start_run("sync")
    [replay] = ledger.claim("sync", third, A, retry_dead=True).mine
    assert replay.intended == ({"hours": 1.0}, {"hours": 1.5})
    [dead] = [e for e in ledger.entries("sync") if e.key == "a"]
    assert dead.payload == {"_etag": "e2"}  # the outcome's payload is its own
    ledger.record("sync", third, [Outcome("a", EntryStatus.posted, target_id="T1")])
    [reopened] = ledger.reopen("sync", ledger.start_run("sync"), ["a"]).mine
    assert reopened.intended == ()


def test_a_dead_runs_intent_comes_back_with_its_orphans(database_url):
    ledger = Ledger(database_url)
    crashed = ledger.start_run("sync")
    ledger.claim("sync", crashed, [*A, ClaimRequest("b", "src:b")])
    ledger.intend("sync", crashed, {"a": {"hours": 1.0}})
    ledger.finish_run(crashed)  # died between writing and recording
    survivor = ledger.start_run("sync")
    assert {c.key: c.intended for c in ledger.take_orphans("sync", survivor)} == {"a": ({"hours": 1.0},), "b": ()}
    ledger.finish_run(survivor)  # and died too: the orphan is claimed by the next page
    [again] = ledger.claim("sync", ledger.start_run("sync"), A).mine
    assert again.resolve_first and again.intended == ({"hours": 1.0},)


def test_only_the_run_holding_a_key_keeps_an_intent_for_it(database_url):
    ledger = Ledger(database_url)
    owner, other = ledger.start_run("sync"), ledger.start_run("sync")
    ledger.claim("sync", owner, A)
    assert ledger.intend("sync", other, {"a": {"hours": 9.0}, "unknown": {}}) == 0
    ledger.record("sync", owner, [Outcome("a", EntryStatus.failed, reason="503")])
    assert ledger.intend("sync", owner, {"a": {"hours": 9.0}}) == 0  # no longer pending
    [claim] = ledger.claim("sync", other, A).mine
    assert claim.intended == ()
