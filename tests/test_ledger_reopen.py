"""`Ledger.reopen`: a posted record claimed again to correct it (an edited session), on SQLite and PostgreSQL."""

from __future__ import annotations

from ledger import EntryStatus, Ledger, Outcome
from ledger.store import ClaimRequest


def test_a_posted_key_is_reopened_by_one_run_only_and_recorded_again(database_url):
    ledger = Ledger(database_url)
    first = ledger.start_run("labor")
    ledger.claim("labor", first, [ClaimRequest("s1", "ion:session:1"), ClaimRequest("s2", "ion:session:2")])
    ledger.record("labor", first, [Outcome("s1", EntryStatus.posted, target_id="T1", payload={"hours": "0:30"})])
    editor, rival = ledger.start_run("labor"), ledger.start_run("labor")
    mine = ledger.reopen("labor", editor, ["s1", "s2", "unknown"])
    assert [c.key for c in mine.mine] == ["s1"] and mine.in_flight_elsewhere == ["s2"]  # s2 is still first's
    assert ledger.reopen("labor", rival, ["s1"]).in_flight_elsewhere == ["s1"]
    assert ledger.entries("labor", keys=["s1"])[0].target_id == "T1"  # kept while the correction is in flight
    ledger.record("labor", editor, [Outcome("s1", EntryStatus.posted, target_id="T1", payload={"hours": "1:00"})])
    [entry] = ledger.entries("labor", keys=["s1"])
    assert (entry.status, entry.target_id, entry.payload) == (EntryStatus.posted, "T1", {"hours": "1:00"})
    assert ledger.claim("labor", rival, [ClaimRequest("s1", "ion:session:1")]).already_posted == {"s1": "T1"}


def test_a_run_that_dies_mid_correction_leaves_an_orphan_the_next_run_resolves(database_url):
    ledger = Ledger(database_url)
    run = ledger.start_run("labor")
    ledger.claim("labor", run, [ClaimRequest("s1", "ion:session:1")])
    ledger.record("labor", run, [Outcome("s1", EntryStatus.posted, target_id="T1")])
    crashed = ledger.start_run("labor")
    ledger.reopen("labor", crashed, ["s1"])
    ledger.finish_run(crashed)
    [orphan] = ledger.take_orphans("labor", ledger.start_run("labor"))
    assert orphan.key == "s1" and orphan.resolve_first
