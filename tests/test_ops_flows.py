"""ion-event-drain, dead-letter-replay and integration-health against the simulators, and the
`ion-sync dead-letters` command: few flow runs, each checked by what landed in NetSuite and
in the ledger."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowFilter, FlowFilterName
from prefect.client.schemas.objects import Artifact
from prefect.client.schemas.sorting import ArtifactSort
from typer.testing import CliRunner

from flows.dead_letter_replay import dead_letter_replay
from flows.integration_health import integration_health
from flows.integrations import INTEGRATIONS
from flows.ion_event_drain import ion_event_drain
from ion_sync.cli import app
from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from ledger.activity import Activity
from ledger.inbox import Inbox
from ledger.models import InboxStatus
from ledger.store import utcnow
from tasks.budgets import configured_budgets, create_budgets
from tasks.health import Facts, Health, Thresholds, TokenFacts, announce, assess

pytestmark = pytest.mark.usefixtures("prefect_api")
runner = CliRunner()


def run_completed(inbox: Inbox, event_id: str, run_id: int) -> None:
    inbox.accept("ion", event_id, "run.update.complete", f"run:{run_id}", {"data": {"id": run_id, "status": "COMPLETE"}})


def events(inbox: Inbox) -> dict[str, tuple[InboxStatus, str | None]]:
    with inbox.ledger._tx() as s:
        from ledger.models import InboxEvent

        return {e.event_id: (e.status, e.reason) for e in s.query(InboxEvent)}


def test_the_drain_runs_the_sync_for_missed_events_and_settles_them_exactly_once(world, monkeypatch):
    # Batched, as for an ERP that should not be called per event: no grace period applies.
    consumption = INTEGRATIONS["consumption-sync"]
    batched = replace(consumption, routes=tuple(replace(r, batched=True) for r in consumption.routes))
    monkeypatch.setitem(INTEGRATIONS, "consumption-sync", batched)
    ledger = Ledger(world.ledger_url)
    inbox = Inbox(ledger)
    run_completed(inbox, "e1", 1001)
    run_completed(inbox, "e2", 1002)
    run_completed(inbox, "e3", 1007)  # becomes a dead letter: the event is handled all the same
    run_completed(inbox, "e4", 4711)  # ION says so, but no such completed run: waits, then given up
    inbox.accept("ion", "e5", "purchase_order.update.ordered", "purchase_order:7", {})

    first = asyncio.run(ion_event_drain(grace_minutes=60))
    assert (first.posted, first.dead_letters, first.events_handled, first.events_waiting, first.events_ignored) == (2, 1, 3, 1, 0)
    landed = world.completions_by_external_id()
    assert set(landed) == {"ion-run-1001-completion", "ion-run-1002-completion"}
    state = events(inbox)
    assert state["e1"][0] == state["e2"][0] == state["e3"][0] == InboxStatus.handled
    assert state["e4"] == (InboxStatus.pending, None)
    assert state["e5"] == (InboxStatus.pending, None)  # not batched: left to a trigger for 60 min

    # A webhook for run 1003 arrives; the scheduled sync posts it and settles its event itself.
    run_completed(inbox, "e6", 1003)
    run_deployment("consumption-sync")
    assert events(inbox)["e6"][0] == InboxStatus.handled
    second = asyncio.run(ion_event_drain(grace_minutes=0, give_up_hours=0))
    assert second.events_given_up == 1 and events(inbox)["e4"][0] == InboxStatus.dead
    assert second.events_ignored == 1
    assert events(inbox)["e5"] == (InboxStatus.handled, "no integration handles ion purchase_order.update.ordered")
    assert all(len(v) == 1 for v in world.completions_by_external_id().values()) and len(world.completions()) == 5


def test_replay_dead_letters_from_the_command_line_after_the_cause_is_fixed(budgets_left_behind, world, tmp_path, monkeypatch):
    run_deployment("consumption-sync")
    listed = runner.invoke(app, ["dead-letters", "list", "--integration", "consumption-sync"])
    assert listed.exit_code == 0 and "3 dead letter(s)" in listed.output and "ion:run:1007:completion" in listed.output
    shown = runner.invoke(app, ["dead-letters", "show", "ion:run:1007:completion"])
    assert shown.exit_code == 0 and "ION location 13" in shown.output and "ion:run:1007" in shown.output
    assert "attempts:" in shown.output and "flow run:" in shown.output  # which run found it

    table = str(asyncio.run(newest_artifact("consumption-sync-dead-letters")).data)
    assert table.count('"key": "ion:run:10') == 3 and "runs/flow-run/" in table  # every waiting dead letter, with its run
    assert runner.invoke(app, ["dead-letters", "replay"]).exit_code == 2  # --key or --all

    fixed = tmp_path / "mappings.yaml"
    fixed.write_text(
        Path(world.env["ION_SYNC_CONFIG"]).read_text().replace("  items:", '    - {ion: 13, netsuite: "2"}\n  items:')
    )
    monkeypatch.setenv("ION_SYNC_CONFIG", str(fixed))
    dry = asyncio.run(dead_letter_replay(keys=["ion:run:1007:completion"], dry_run=True))
    assert (dry.replayed, dry.would_post, dry.posted, dry.dead_letters) == (1, 1, 0, 1)
    assert "ion-run-1007-completion" not in world.completions_by_external_id()

    replayed = runner.invoke(app, ["dead-letters", "replay", "--all"])
    assert replayed.exit_code == 0, replayed.output
    assert "posted=1 dead_letters=2 replayed=3" in replayed.output
    assert len(world.completions_by_external_id()["ion-run-1007-completion"]) == 1
    dead = {e.key for e in Ledger(world.ledger_url).entries("consumption-sync", EntryStatus.dead)}
    assert dead == {"ion:run:1006:completion", "ion:run:1008:completion"}

    asyncio.run(create_budgets(configured_budgets()))  # what `ion-sync budgets` does
    asyncio.run(forget_runs("inventory-reconciliation"))  # "silent": none ran, whatever earlier tests here did
    health = asyncio.run(
        integration_health(
            sla_minutes={"inventory-reconciliation": 1}, integrations=["consumption-sync", "inventory-reconciliation"]
        )
    )
    assert health.verdicts == {"consumption-sync": "warning", "inventory-reconciliation": "silent"}
    assert health.dead_letters == 2 and health.unhealthy == 2

    table = str(asyncio.run(newest_artifact("integration-health")).data)
    # consumption-sync's requests count against the NetSuite account's budget, named from its settings
    assert "new dead letter" in table and "0/5 slots (netsuite-1234567_sb1-concurrency)" in table


async def newest_artifact(key: str) -> Artifact:
    """This run's artifact of `key`: the newest (earlier tests on this worker's server made some too)."""
    async with get_client() as client:
        [artifact] = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), sort=ArtifactSort.CREATED_DESC, limit=1
        )
    return artifact


async def forget_runs(flow_name: str) -> None:
    """Delete a flow's runs from this worker's test server, which earlier tests share."""
    async with get_client() as client:
        for run in await client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name]))):
            await client.delete_flow_run(run.id)


NOW = utcnow()
QUIET = Activity(
    dead_total=0, dead_new=0, outcomes=10, errors=0, last_posted_at=NOW - timedelta(minutes=5), last_run_started_at=NOW
)


def facts(**changes) -> Facts:
    base = dict(
        integration="x",
        sla=timedelta(minutes=30),
        quiet_after=timedelta(days=1),
        last_success=NOW - timedelta(minutes=10),
        runs_in_window=3,
        failed_runs_in_window=0,
        ledger=QUIET,
        inbox=None,
    )
    return Facts(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "health", "problem"),
    [
        ({}, Health.ok, ""),
        ({"last_success": NOW - timedelta(hours=2)}, Health.failing, "last successful run 2 h ago (SLA 30 min)"),
        (
            {"last_success": None, "runs_in_window": 0, "ledger": Activity(0, 0, 0, 0, None, None)},
            Health.silent,
            "no runs recorded",
        ),
        ({"ledger": Activity(0, 0, 0, 0, NOW - timedelta(days=3), NOW)}, Health.silent, "nothing posted for 3 d"),
        ({"ledger": Activity(4, 4, 10, 4, NOW, NOW)}, Health.warning, "4 new dead letter(s)"),
        ({"ledger": Activity(0, 0, 10, 5, NOW, NOW)}, Health.failing, "error rate 50%"),
        (
            {"tokens": [TokenFacts("qbo", NOW + timedelta(minutes=50), NOW + timedelta(days=3))]},
            Health.warning,
            "refresh token expires in 3 d",
        ),
        (
            {"tokens": [TokenFacts("qbo", NOW - timedelta(minutes=5), NOW - timedelta(days=1))]},
            Health.failing,
            "refresh token expired",
        ),
        ({"tokens": [TokenFacts("qbo", None, None, encrypted=False)]}, Health.warning, "qbo is stored in clear"),
        ({"conflicts": 2}, Health.warning, "2 webhook event(s) redelivered with a different payload"),
        (
            {
                "last_success": None,
                "runs_in_window": 0,
                "ledger": Activity(0, 0, 0, 0, None, None),
                "next_scheduled": NOW + timedelta(hours=3),
            },
            Health.pending,
            "first scheduled run not yet due",
        ),
        (
            {
                "last_success": None,
                "runs_in_window": 0,
                "ledger": Activity(0, 0, 0, 0, None, None),
                "next_scheduled": NOW - timedelta(hours=1),
            },
            Health.silent,
            "no runs recorded",
        ),
    ],
    ids=[
        "ok",
        "late",
        "never-ran",
        "quiet",
        "dead-letters",
        "errors",
        "token-soon",
        "token-expired",
        "in-clear",
        "webhook-conflicts",
        "first-run-not-due",
        "first-run-overdue",
    ],
)
def test_health_rules(changes, health, problem):
    verdict = assess(facts(**changes), Thresholds(), NOW)
    assert verdict.health is health
    assert problem in verdict.row["problems"]


def test_a_success_the_server_dated_a_moment_ahead_reads_as_just_now_not_negative():
    verdict = assess(facts(last_success=NOW + timedelta(seconds=40)), Thresholds(), NOW)
    assert verdict.health is Health.ok and verdict.row["last success"] == "0 min ago"


def test_verdict_events_go_out_on_change_and_as_reminders_not_on_every_check():
    start = NOW
    first = announce(None, Health.ok, start, timedelta(hours=1))
    assert first is not None  # the first check announces
    assert announce(first, Health.ok, start + timedelta(minutes=5), timedelta(hours=1)) is None
    failing = announce(first, Health.failing, start + timedelta(minutes=10), timedelta(hours=1))
    assert failing is not None and failing.since == start + timedelta(minutes=10)
    assert announce(failing, Health.failing, start + timedelta(minutes=15), timedelta(hours=1)) is None
    reminder = announce(failing, Health.failing, start + timedelta(minutes=70), timedelta(hours=1))
    assert reminder is not None and reminder.since == failing.since  # still failing since the change
    recovered = announce(reminder, Health.ok, start + timedelta(minutes=75), timedelta(hours=1))
    assert recovered is not None and recovered.health is Health.ok


def test_health_reads_named_completed_states_and_scheduled_runs_from_the_server():
    """Against the test's Prefect server: three runs that end "Completed with dead letters" are
    successes (not "never"); a flow with only a future scheduled run is pending."""
    from prefect import flow
    from prefect.client.schemas.objects import StateType
    from prefect.states import Completed, Scheduled

    from tasks.health import prefect_runs

    @flow(name="health-probe-sync", persist_result=False)
    def probe() -> object:
        return Completed(name="Completed with dead letters", message="posted=1 dead_letters=1")

    @flow(name="health-probe-later")
    def later() -> None:
        return None

    states = [probe(return_state=True) for _ in range(3)]
    assert {s.type for s in states} == {StateType.COMPLETED}

    async def read() -> tuple:
        since = utcnow() - timedelta(hours=1)
        async with get_client() as client:
            flow_id = await client.create_flow(later)
            deployment_id = await client.create_deployment(flow_id=flow_id, name="health-probe")
            await client.create_flow_run_from_deployment(
                deployment_id, state=Scheduled(scheduled_time=datetime.now(UTC) + timedelta(hours=2))
            )
        return await prefect_runs("health-probe-sync", since), await prefect_runs("health-probe-later", since)

    done, waiting = asyncio.run(read())
    assert done.runs == 3 and done.last_success is not None and done.ever_ran
    assert not waiting.ever_ran and waiting.next_scheduled is not None
    verdict = assess(
        facts(
            last_success=None,
            runs_in_window=0,
            ledger=Activity(0, 0, 0, 0, None, None),
            ever_ran=False,
            next_scheduled=waiting.next_scheduled,
        ),
        Thresholds(),
        utcnow(),
    )
    assert verdict.health is Health.pending and verdict.row["last success"] == "not yet due"
