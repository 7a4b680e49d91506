"""Onshape webhooks end to end over real HTTP: a registration's trial `webhook.register` is
answered 200 by `ion-sync webhooks` (so Onshape keeps it), a release's notifications land in the
inbox once, and a receiver that cannot verify the signature refuses the trial, so Onshape
cancels the registration (connectors/onshape/README.md, "Webhooks")."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from connectors.onshape import OnshapeClient, OnshapeSettings
from ion_sync.sandbox import onshape_env
from ion_sync.webhooks.app import create_app as receiver_app
from ion_sync.webhooks.sources import OnshapeWebhookSettings, WebhookSource, parse_onshape
from ledger import Ledger
from ledger.inbox import Inbox
from plm.onshape.webhooks import register_release_webhook
from sandbox.onshape import OnshapeSimConfig, create_app
from sandbox.server import RunningServer, start
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
