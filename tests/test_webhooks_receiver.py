"""The webhook receiver: signed deliveries land in the inbox once; anything else is refused
with nothing stored. ION deliveries come from the ION simulator's own sender."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from ion_sync.webhooks.app import ReceiverSettings, StoredEvent, create_app
from ion_sync.webhooks.sources import (
    IonWebhookSettings,
    QuickBooksWebhookSettings,
    RampWebhookSettings,
    WebhookSource,
    parse_ion,
    parse_quickbooks,
    parse_ramp,
)
from ledger.inbox import Inbox
from ledger.models import InboxStatus
from ledger.store import Ledger
from sandbox.server import start

ION_SECRET = "whsec-ion-7f3a"
RAMP_SECRET = "ramp_sec_abc"
QBO_TOKEN = "qbo-verifier-token"


@dataclass
class Receiver:
    url: str
    inbox: Inbox
    emitted: list[StoredEvent]


def _receiver(database_url: str, **ion_settings: object) -> Iterator[Receiver]:
    ledger = Ledger(database_url)
    sources = {
        "ion": WebhookSource("ion", IonWebhookSettings(secret=ION_SECRET, **ion_settings), parse_ion),
        "ramp": WebhookSource("ramp", RampWebhookSettings(secret=RAMP_SECRET), parse_ramp),
        "quickbooks": WebhookSource("quickbooks", QuickBooksWebhookSettings(secret=QBO_TOKEN), parse_quickbooks),
    }
    emitted: list[StoredEvent] = []
    app = create_app(ledger, sources, settings=ReceiverSettings(max_body_bytes=4096), emit=emitted.extend)
    server = start(app)
    try:
        yield Receiver(f"{server.url}/webhooks", Inbox(ledger), emitted)
    finally:
        server.stop()
        ledger.close()


@pytest.fixture
def receiver(database_url: str) -> Iterator[Receiver]:
    yield from _receiver(database_url)


def ion_send(sandbox, receiver: Receiver, **delivery: object) -> dict:
    body = {"url": f"{receiver.url}/ion", "secret": ION_SECRET, "data": {"id": 1001, "status": "COMPLETE"}, **delivery}
    answer = httpx.post(f"{sandbox.ion.url}/_sandbox/webhooks/send", json=body, timeout=30)
    answer.raise_for_status()
    return answer.json()


def test_a_signed_ion_event_is_stored_once_before_the_answer_and_then_emitted(sandbox, receiver):
    first = ion_send(sandbox, receiver, event_id=501)
    assert first["status"] == 200 and first["body"]["accepted"] == 1
    again = ion_send(sandbox, receiver, event_id=501)  # ION delivers at least once
    assert again["status"] == 200 and again["body"] == {"accepted": 0, "duplicates": 1, "inbox_ids": []}
    [item] = receiver.inbox.pending("ion")
    assert (item.event_id, item.event_type, item.subject) == ("501", "run.update.complete", "run:1001")
    assert item.payload["data"] == {"id": 1001, "status": "COMPLETE"}
    assert [s.inbox_id for s in receiver.emitted] == [item.id]


@pytest.mark.parametrize(
    "delivery",
    [{"forge": True}, {"unsigned": True}, {"age_seconds": 3600}, {"age_seconds": -3600}],
    ids=["forged", "unsigned", "stale-replay", "from-the-future"],
)
def test_forged_unsigned_and_stale_deliveries_are_refused_and_nothing_is_stored(sandbox, delivery):
    for receiver in _receiver(f"sqlite:///{_tmp_db()}"):
        answer = ion_send(sandbox, receiver, **delivery)
        assert answer["status"] == 401 and answer["body"] == {"error": "signature rejected"}
        assert receiver.inbox.backlog().pending == 0 and not receiver.emitted


def _tmp_db() -> str:
    import tempfile

    return f"{tempfile.mkdtemp()}/ledger.db"


def test_the_signature_scheme_is_configurable_header_encoding_prefix_and_signed_timestamp(sandbox, tmp_path):
    for receiver in _receiver(
        f"sqlite:///{tmp_path / 'l.db'}",
        signature_header="x-signature",
        signature_encoding="base64",
        timestamp_header="x-ion-timestamp",
    ):
        scheme = {"signature_header": "x-signature", "encoding": "base64", "prefix": "sha256="}
        ok = ion_send(sandbox, receiver, timestamp_header="x-ion-timestamp", **scheme)
        assert ok["status"] == 200 and ok["body"]["accepted"] == 1
        without_time = ion_send(sandbox, receiver, **scheme)
        old = ion_send(sandbox, receiver, timestamp_header="x-ion-timestamp", age_seconds=900, **scheme)
        hex_signed = ion_send(sandbox, receiver, timestamp_header="x-ion-timestamp", signature_header="x-signature")
        assert [a["status"] for a in (without_time, old, hex_signed)] == [401, 401, 401]
        # the timestamp is signed: the same body and signature with a fresh time is a forgery
        body = json.dumps({"event_id": 9, "resource": "RUN", "action": "UPDATE", "data": {"id": 1}}).encode()
        signature = base64.b64encode(hmac.new(ION_SECRET.encode(), b"100." + body, hashlib.sha256).digest()).decode()
        now = str(int(datetime.now(UTC).timestamp()))
        swapped = httpx.post(f"{receiver.url}/ion", content=body, headers={"x-signature": signature, "x-ion-timestamp": now})
        assert swapped.status_code == 401
        assert receiver.inbox.backlog().pending == 1


def test_oversized_malformed_and_unknown_deliveries_are_refused(sandbox, receiver):
    big = ion_send(sandbox, receiver, data={"id": 1, "notes": "x" * 5000})
    assert big["status"] == 413
    no_action = json.dumps({"event_id": 1, "resource": "RUN", "data": {"id": 1}, "timestamp": datetime.now(UTC).isoformat()})
    signature = hmac.new(ION_SECRET.encode(), no_action.encode(), hashlib.sha256).hexdigest()
    malformed = httpx.post(f"{receiver.url}/ion", content=no_action, headers={"x-ion-signature": signature})
    assert malformed.status_code == 400 and "action" in malformed.json()["error"]
    not_json = httpx.post(f"{receiver.url}/ion", content=b"{", headers={"x-ion-signature": hmac.new(ION_SECRET.encode(), b"{", hashlib.sha256).hexdigest()})
    assert not_json.status_code == 400
    assert httpx.post(f"{receiver.url}/netsuite", content=b"{}").status_code == 404
    assert receiver.inbox.backlog().pending == 0


def test_ramp_and_quickbooks_deliveries_are_verified_with_their_own_schemes(receiver):
    ramp = json.dumps(
        {"id": "evt-1", "type": "purchase_orders.updated", "created_at": "2025-04-01T12:15:00Z", "object": {"id": "po-9"}}
    ).encode()
    ramp_sig = hmac.new(RAMP_SECRET.encode(), ramp, hashlib.sha256).hexdigest()
    assert httpx.post(f"{receiver.url}/ramp", content=ramp, headers={"x-ramp-webhook-signature": ramp_sig}).status_code == 200
    assert httpx.post(f"{receiver.url}/ramp", content=ramp, headers={"x-ramp-webhook-signature": "0" * 64}).status_code == 401
    qbo = json.dumps(
        [
            {"specversion": "1.0", "id": "ce-1", "type": "qbo.bill.created.v1", "time": "2025-09-10T21:31:25.179851517Z", "intuitentityid": "77"},
            {"specversion": "1.0", "id": "ce-2", "type": "qbo.vendor.updated.v1", "time": "2025-09-10T21:31:26Z", "intuitentityid": "12"},
        ]
    ).encode()
    qbo_sig = base64.b64encode(hmac.new(QBO_TOKEN.encode(), qbo, hashlib.sha256).digest()).decode()
    answer = httpx.post(f"{receiver.url}/quickbooks", content=qbo, headers={"intuit-signature": qbo_sig})
    assert answer.status_code == 200 and answer.json()["accepted"] == 2
    stored = {(i.source, i.event_type, i.subject) for i in receiver.inbox.pending()}
    assert stored == {
        ("ramp", "purchase_orders.updated", "purchase_orders:po-9"),
        ("quickbooks", "qbo.bill.created.v1", "bill:77"),
        ("quickbooks", "qbo.vendor.updated.v1", "vendor:12"),
    }
    assert all(i.status is InboxStatus.pending for i in receiver.inbox.pending())


def test_prefect_yaml_triggers_are_valid_and_render_the_flow_parameters():
    from prefect.events import DeploymentEventTrigger

    from ion_sync.demo_webhooks import matches, render
    from ion_sync.deployments import load_deployments

    specs = load_deployments()
    triggered = {name: spec for name, spec in specs.items() if spec.triggers}
    assert "consumption-sync" in triggered
    for name, spec in triggered.items():
        flow_parameters = set(spec.load_flow().parameters.properties)
        for trigger in spec.triggers:
            assert DeploymentEventTrigger(**trigger).name
            assert set(trigger.get("parameters", {})) <= flow_parameters, name
    [trigger] = specs["consumption-sync"].triggers
    event = {"event": "ion.run.update.complete", "resource": {"prefect.resource.id": "ion.run.1001"}, "payload": {"object_id": "1001"}}
    assert matches(trigger, event["event"], event["resource"])
    assert not matches(trigger, "ion.run.update.in_progress", event["resource"])
    assert render(trigger["parameters"], event) == {"run_ids": [1001]}


def test_the_receiver_command_refuses_to_start_without_a_secret(monkeypatch):
    from typer.testing import CliRunner

    from ion_sync.cli import app

    for name in ("ION_WEBHOOK_SECRET", "RAMP_WEBHOOK_SECRET", "QUICKBOOKS_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["webhooks"])
    assert result.exit_code == 2 and "ION_WEBHOOK_SECRET" in result.output
    monkeypatch.setenv("ION_WEBHOOK_SECRET", "s3cret-value")
    monkeypatch.setenv("ION_WEBHOOK_SIGNATURE_ENCODING", "rot13")
    bad = CliRunner().invoke(app, ["webhooks"])
    assert bad.exit_code == 2 and "ION_WEBHOOK_SIGNATURE_ENCODING is invalid" in bad.output and "s3cret" not in bad.output
