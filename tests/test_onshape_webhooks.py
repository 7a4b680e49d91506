"""Onshape webhooks end to end over real HTTP: a registration's trial `webhook.register` is
answered 200 by `ion-sync webhooks` (so Onshape keeps it), a release's notifications land in the
inbox once, and a receiver that cannot verify the signature refuses the trial, so Onshape
cancels the registration (connectors/onshape/README.md, "Webhooks"). `ion-sync webhooks` with
ONSHAPE_WEBHOOK_URL registers the release webhook itself once listening, keeps it across
restarts, and keeps serving when Onshape refuses it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from connectors.onshape import OnshapeClient, OnshapeSettings
from ion_sync.child_processes import die_with_parent
from ion_sync.sandbox import onshape_env
from ion_sync.webhooks.app import create_app as receiver_app
from ion_sync.webhooks.sources import OnshapeWebhookSettings, WebhookSource, parse_onshape
from ledger import Ledger
from ledger.inbox import Inbox
from plm.onshape.webhooks import register_release_webhook
from sandbox.onshape import OnshapeSimConfig, create_app
from sandbox.server import RunningServer, free_port, start
from tests.http import HTTP

RELEASE_EVENTS = ["onshape.revision.created", "onshape.workflow.transition"]


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")


@pytest.fixture
def receiver(ledger: Ledger) -> Iterator[RunningServer]:
    key = SecretStr(OnshapeSimConfig().webhook_signature_primary or "")
    source = WebhookSource("onshape", OnshapeWebhookSettings(secret=key), parse_onshape)
    server = start(receiver_app(ledger, {"onshape": source}))
    yield server
    server.stop()


def onshape_sim(config: OnshapeSimConfig) -> tuple[RunningServer, OnshapeSettings]:
    server = start(create_app(config))
    env = onshape_env(server.url)
    return server, OnshapeSettings(
        api_url=env["ONSHAPE_API_URL"], access_key=config.access_key, secret_key=config.secret_key, company_id=config.company_id
    )


def deliveries(sim: RunningServer, count: int) -> list[dict]:
    for _ in range(100):
        found = HTTP.get(f"{sim.url}/_sandbox/deliveries").json()["results"]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} notifications were sent")


async def register(settings: OnshapeSettings, url: str) -> str:
    async with OnshapeClient(settings) as onshape:
        body = {
            "companyId": settings.company_id,
            "events": RELEASE_EVENTS,
            "options": {"collapseEvents": False},
            "url": url,
            "isTransient": False,
        }
        return (await onshape.create_webhook(body)).id


async def test_the_registration_is_kept_and_a_release_lands_in_the_inbox_once(receiver: RunningServer, ledger: Ledger):
    sim, settings = onshape_sim(OnshapeSimConfig())
    try:
        hook = await register(settings, f"{receiver.url}/webhooks/onshape")
        [trial] = deliveries(sim, 1)
        assert (trial["event"], trial["status"]) == ("webhook.register", 200)
        async with OnshapeClient(settings) as onshape:
            assert [w.id for w in await onshape.webhooks()] == [hook]
        release = {"name": "COMP-200 rev B", "items": [{"partNumber": "COMP-200", "revision": "B"}]}
        assert HTTP.post(f"{sim.url}/_sandbox/releases", json=release).status_code == 201
        sent = deliveries(sim, 3)
        assert [(d["event"], d["status"]) for d in sent[1:]] == [
            ("onshape.workflow.transition", 200),
            ("onshape.revision.created", 200),
        ]
        pending = Inbox(ledger).pending("onshape", ["workflow.transition", "revision.created"])
        assert sorted(e.event_type for e in pending) == ["revision.created", "workflow.transition"]
        revision = next(e for e in pending if e.event_type == "revision.created")
        assert revision.payload["partNumber"] == "COMP-200"
    finally:
        sim.stop()


async def test_a_receiver_that_cannot_verify_the_trial_makes_onshape_cancel_the_registration(receiver: RunningServer):
    sim, settings = onshape_sim(OnshapeSimConfig(webhook_signature_primary="another-companys-key"))
    try:
        await register(settings, f"{receiver.url}/webhooks/onshape")
        [trial] = deliveries(sim, 1)
        assert (trial["event"], trial["status"]) == ("webhook.register", 401)
        async with OnshapeClient(settings) as onshape:
            assert await onshape.webhooks() == []
    finally:
        sim.stop()


async def test_the_release_webhook_is_registered_once_however_often_it_is_asked_for(receiver: RunningServer):
    sim, settings = onshape_sim(OnshapeSimConfig())
    try:
        url = f"{receiver.url}/webhooks/onshape"
        async with OnshapeClient(settings) as onshape:
            first, created = await register_release_webhook(onshape, url)
            deliveries(sim, 1)  # answered 200: kept
            again, created_again = await register_release_webhook(onshape, url)
            assert (created, created_again, again.id) == (True, False, first.id)
            assert [w.id for w in await onshape.webhooks()] == [first.id]
    finally:
        sim.stop()


def receiver_process(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """`ion-sync webhooks` as the webhooks service runs it, its output unbuffered into `log`."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "ion-sync"), "webhooks", "--port", str(port)],
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent(),
    )


def wait_for_line(process: subprocess.Popen[bytes], log: Path, text: str) -> str:
    for _ in range(1200):
        found = [line for line in log.read_text().splitlines() if text in line]
        if found:
            return found[0]
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} from ion-sync webhooks:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def receiver_env(sim: RunningServer, tmp_path: Path, port: int) -> dict[str, str]:
    return {
        **onshape_env(sim.url),
        "ONSHAPE_WEBHOOK_URL": f"http://127.0.0.1:{port}/webhooks/onshape",
        "ION_SYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
        "ION_SYNC_WEBHOOK_EMIT_EVENTS": "false",
    }


@pytest.mark.slow
def test_the_receiver_registers_the_release_webhook_once_across_restarts(tmp_path: Path):
    sim = start(create_app(OnshapeSimConfig()))
    port = free_port()
    env = receiver_env(sim, tmp_path, port)
    try:
        for start_number, said in enumerate(("registered for", "already registered for")):
            log = tmp_path / f"receiver-{start_number}.log"
            process = receiver_process(env, port, log)
            try:
                wait_for_line(process, log, f"{said} {env['ONSHAPE_WEBHOOK_URL']}")
                # Onshape's one trial reached the listening receiver and was answered: the webhook stays.
                [trial] = deliveries(sim, 1)
                assert (trial["event"], trial["status"]) == ("webhook.register", 200)
                hooks = HTTP.get(f"{sim.url}/_sandbox/webhooks").json()["results"]
                assert [h["url"] for h in hooks] == [env["ONSHAPE_WEBHOOK_URL"]]
                assert HTTP.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            finally:
                stop(process)
    finally:
        sim.stop()


@pytest.mark.slow
def test_a_registration_onshape_refuses_is_reported_and_the_receiver_keeps_serving(tmp_path: Path):
    sim = start(create_app(OnshapeSimConfig()))
    port = free_port()
    env = {**receiver_env(sim, tmp_path, port), "ONSHAPE_SECRET_KEY": "not-the-companys-secret-key"}
    log = tmp_path / "receiver.log"
    process = receiver_process(env, port, log)
    try:
        error = wait_for_line(process, log, "was not registered")
        assert "AuthError" in error and "not-the-companys" not in log.read_text()
        assert HTTP.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        assert process.poll() is None
        assert HTTP.get(f"{sim.url}/_sandbox/webhooks").json()["results"] == []
    finally:
        stop(process)
        sim.stop()


def test_a_webhook_url_without_what_registering_needs_stops_the_receiver_before_it_serves(monkeypatch, tmp_path: Path):
    from typer.testing import CliRunner

    from ion_sync.cli import app

    for name in ("ONSHAPE_WEBHOOK_SECRET", "ONSHAPE_ACCESS_KEY", "ONSHAPE_SECRET_KEY", "ONSHAPE_COMPANY_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ION_SYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.setenv("ION_WEBHOOK_SECRET", "ion-secret")
    monkeypatch.setenv("ONSHAPE_WEBHOOK_URL", "https://sync.example.com/webhooks/onshape")
    no_secret = CliRunner().invoke(app, ["webhooks", "--port", "0"])
    assert no_secret.exit_code == 2 and "needs ONSHAPE_WEBHOOK_SECRET" in no_secret.output
    monkeypatch.setenv("ONSHAPE_WEBHOOK_SECRET", "onshape-key")
    no_credentials = CliRunner().invoke(app, ["webhooks", "--port", "0"])
    assert no_credentials.exit_code == 2 and "ONSHAPE_COMPANY_ID is not set" in no_credentials.output
    assert "Receiving" not in no_credentials.output
