"""The ledger protocol on SQLite and PostgreSQL: claims, outcomes, orphans, watermarks."""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from ledger import EntryStatus, Ledger, Outcome
from ledger.store import ClaimRequest, DeadLetter


def requests(*keys: str) -> list[ClaimRequest]:
    return [ClaimRequest(key, f"src:{key}") for key in keys]


def test_a_key_is_claimed_once_and_posted_keys_are_skipped(database_url):
    ledger = Ledger(database_url)
    first, second = ledger.start_run("sync"), ledger.start_run("sync")
    batch = ledger.claim("sync", first, requests("a", "b"))
    assert [c.key for c in batch.mine] == ["a", "b"]
    rival = ledger.claim("sync", second, requests("a", "b"))
    assert rival.mine == [] and sorted(rival.in_flight_elsewhere) == ["a", "b"]
    ledger.record(
        "sync", first, [Outcome("a", EntryStatus.posted, target_id="T1"), Outcome("b", EntryStatus.failed, reason="503")]
    )
    again = ledger.claim("sync", second, requests("a", "b"))
    assert again.already_posted == {"a": "T1"}
    assert [c.key for c in again.mine] == ["b"] and again.mine[0].attempts == 1


def test_pending_keys_of_a_finished_run_are_taken_over_and_must_be_resolved(database_url):
    ledger = Ledger(database_url)
    crashed = ledger.start_run("sync")
    ledger.claim("sync", crashed, requests("k"))
    ledger.finish_run(crashed)  # died between posting and recording
    survivor = ledger.start_run("sync")
    [orphan] = ledger.take_orphans("sync", survivor)
    assert orphan.key == "k" and orphan.resolve_first
    assert ledger.take_orphans("sync", ledger.start_run("sync")) == []  # taken once


def _claim_and_die(url: str) -> None:
    ledger = Ledger(url)
    run = ledger.start_run("sync")
    ledger.claim("sync", run, requests("x"))
    os._exit(0)  # like SIGKILL: no finish_run, no outcome


def test_claims_of_a_dead_process_are_orphans_at_once(database_url):
    Ledger(database_url)
    process = multiprocessing.get_context("spawn").Process(target=_claim_and_die, args=(database_url,))
    process.start()
    process.join(30)
    ledger = Ledger(database_url)
    batch = ledger.claim("sync", ledger.start_run("sync"), requests("x"))
    assert [(c.key, c.resolve_first) for c in batch.mine] == [("x", True)]


def test_a_live_owner_keeps_its_claims(database_url):
    ledger = Ledger(database_url, heartbeat_ttl=timedelta(hours=1))
    owner = ledger.start_run("sync")
    ledger.claim("sync", owner, requests("x"))
    assert ledger.take_orphans("sync", ledger.start_run("sync")) == []


def test_dead_letters_keep_the_reason_and_never_replace_a_posted_record(database_url):
    ledger = Ledger(database_url)
    run = ledger.start_run("sync")
    ledger.claim("sync", run, requests("posted"))
    ledger.record("sync", run, [Outcome("posted", EntryStatus.posted, target_id="9")])
    kept = ledger.dead_letter("sync", [DeadLetter("bad", "src", "run 1: unknown part"), DeadLetter("posted", "src", "late")])
    assert kept == ["bad"]
    assert ledger.dead_letter("sync", [DeadLetter("bad", "src", "again")], replace_dead=False) == []
    [entry] = ledger.entries("sync", EntryStatus.dead)
    assert (entry.key, entry.reason) == ("bad", "run 1: unknown part")
    assert ledger.claim("sync", run, requests("bad")).dead == ["bad"]
    assert [c.key for c in ledger.claim("sync", run, requests("bad"), retry_dead=True).mine] == ["bad"]


def test_watermark_only_moves_forward(database_url):
    ledger = Ledger(database_url)
    assert ledger.watermark("sync") is None
    ledger.advance_watermark("sync", datetime(2026, 11, 20, 12))
    ledger.advance_watermark("sync", datetime(2026, 11, 20, 9))
    assert ledger.watermark("sync") == datetime(2026, 11, 20, 12)


def _race(url: str, n: int, queue: multiprocessing.Queue) -> None:
    ledger = Ledger(url)
    run = ledger.start_run("race")
    won = [c.key for c in ledger.claim("race", run, requests(*(f"k{i}" for i in range(n)))).mine]
    ledger.record("race", run, [Outcome(k, EntryStatus.posted, target_id=str(os.getpid())) for k in won])
    queue.put(won)


def test_two_processes_racing_for_the_same_keys_never_both_win(database_url):
    Ledger(database_url)  # migrate once, before the race
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_race, args=(database_url, 300, queue)) for _ in range(3)]
    for process in processes:
        process.start()
    won = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(30)
    all_won = [key for keys in won for key in keys]
    assert sorted(all_won) == sorted(f"k{i}" for i in range(300))  # each key exactly once


def test_two_runs_opening_a_new_sqlite_ledger_at_the_same_moment_both_open_it(tmp_path):
    """Putting a new ledger file in WAL mode needs it alone, and SQLite answered the second
    opener "database is locked" at once (1 in 30 tries here; the overlapping-runs suite met it)."""
    together = threading.Barrier(2)

    def open_ledger(url: str) -> None:
        together.wait()
        Ledger(url)

    with ThreadPoolExecutor(2) as pool:
        for attempt in range(100):
            url = f"sqlite:///{tmp_path / f'ledger-{attempt}.db'}"
            for opened in [pool.submit(open_ledger, url) for _ in range(2)]:
                opened.result()  # raises what the opener met
