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
from ion_sync.webhooks.signatures import sign
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
from tests.http import HTTP

ION_SECRET = "whsec-ion-7f3a"
RAMP_SECRET = "ramp_sec_abc"
QBO_TOKEN = "qbo-verifier-token"


@dataclass
class Receiver:
    url: str
    inbox: Inbox
    emitted: list[StoredEvent]


def sources(**ion_settings: object) -> dict[str, WebhookSource]:
    return {
        "ion": WebhookSource("ion", IonWebhookSettings(secret=ION_SECRET, **ion_settings), parse_ion),
        "ramp": WebhookSource("ramp", RampWebhookSettings(secret=RAMP_SECRET), parse_ramp),
        "quickbooks": WebhookSource("quickbooks", QuickBooksWebhookSettings(secret=QBO_TOKEN), parse_quickbooks),
    }


def _receiver(database_url: str, settings: ReceiverSettings | None = None, **ion_settings: object) -> Iterator[Receiver]:
    ledger = Ledger(database_url)
    emitted: list[StoredEvent] = []
    app = create_app(
        ledger, sources(**ion_settings), settings=settings or ReceiverSettings(max_body_bytes=4096), emit=emitted.extend
    )
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
    answer = HTTP.post(f"{sandbox.ion.url}/_sandbox/webhooks/send", json=body, timeout=30)
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
        swapped = HTTP.post(f"{receiver.url}/ion", content=body, headers={"x-signature": signature, "x-ion-timestamp": now})
        assert swapped.status_code == 401
        assert receiver.inbox.backlog().pending == 1


def test_oversized_malformed_and_unknown_deliveries_are_refused(sandbox, receiver):
    big = ion_send(sandbox, receiver, data={"id": 1, "notes": "x" * 5000})
    assert big["status"] == 413
    no_action = json.dumps({"event_id": 1, "resource": "RUN", "data": {"id": 1}, "timestamp": datetime.now(UTC).isoformat()})
    signature = hmac.new(ION_SECRET.encode(), no_action.encode(), hashlib.sha256).hexdigest()
    malformed = HTTP.post(f"{receiver.url}/ion", content=no_action, headers={"x-ion-signature": signature})
    assert malformed.status_code == 400 and "action" in malformed.json()["error"]
    not_json = HTTP.post(
        f"{receiver.url}/ion",
        content=b"{",
        headers={"x-ion-signature": hmac.new(ION_SECRET.encode(), b"{", hashlib.sha256).hexdigest()},
    )
    assert not_json.status_code == 400
    assert HTTP.post(f"{receiver.url}/netsuite", content=b"{}").status_code == 404
    assert receiver.inbox.backlog().pending == 0


def test_ramp_and_quickbooks_deliveries_are_verified_with_their_own_schemes(receiver):
    ramp = json.dumps(
        {"id": "evt-1", "type": "purchase_orders.updated", "created_at": "2025-04-01T12:15:00Z", "object": {"id": "po-9"}}
    ).encode()
    ramp_sig = hmac.new(RAMP_SECRET.encode(), ramp, hashlib.sha256).hexdigest()
    assert HTTP.post(f"{receiver.url}/ramp", content=ramp, headers={"x-ramp-webhook-signature": ramp_sig}).status_code == 200
    assert HTTP.post(f"{receiver.url}/ramp", content=ramp, headers={"x-ramp-webhook-signature": "0" * 64}).status_code == 401
    qbo = json.dumps(
        [
            {
                "specversion": "1.0",
                "id": "ce-1",
                "type": "qbo.bill.created.v1",
                "time": "2025-09-10T21:31:25.179851517Z",
                "intuitentityid": "77",
            },
            {
                "specversion": "1.0",
                "id": "ce-2",
                "type": "qbo.vendor.updated.v1",
                "time": "2025-09-10T21:31:26Z",
                "intuitentityid": "12",
            },
        ]
    ).encode()
    qbo_sig = base64.b64encode(hmac.new(QBO_TOKEN.encode(), qbo, hashlib.sha256).digest()).decode()
    answer = HTTP.post(f"{receiver.url}/quickbooks", content=qbo, headers={"intuit-signature": qbo_sig})
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
    event = {
        "event": "ion.run.update.complete",
        "resource": {"prefect.resource.id": "ion.run.1001"},
        "payload": {"object_id": "1001"},
    }
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


# -- limits, refusals, concurrency, conflicts, slow senders -----------------------------------

SIGNING = {
    "ion": ("x-ion-signature", ION_SECRET, "hex"),
    "ramp": ("x-ramp-webhook-signature", RAMP_SECRET, "hex"),
    "quickbooks": ("intuit-signature", QBO_TOKEN, "base64"),
}


def signed_headers(source: str, body: bytes) -> dict[str, str]:
    header, secret, encoding = SIGNING[source]
    return {header: sign(secret.encode(), body, encoding)}


def ion_event(event_id: object = 1, **changes: object) -> dict:
    event = {"event_id": event_id, "resource": "RUN", "action": "UPDATE", "data": {"id": 1001, "status": "COMPLETE"}}
    return {**event, "timestamp": datetime.now(UTC).isoformat(), **changes}


def ramp_event(**changes: object) -> dict:
    return {
        "id": "evt-1",
        "type": "purchase_orders.updated",
        "created_at": "2025-04-01T12:15:00Z",
        "object": {"id": "po-9"},
        **changes,
    }


def cloud_event(**changes: object) -> dict:
    return {
        "specversion": "1.0",
        "id": "ce-1",
        "type": "qbo.bill.created.v1",
        "time": "2025-09-10T21:31:25Z",
        "intuitentityid": "77",
        **changes,
    }


def legacy_event(**entity: object) -> dict:
    entity = {"id": "77", "operation": "Create", "name": "Bill", "lastUpdated": "2025-09-10T21:31:25Z", **entity}
    return {"eventNotifications": [{"realmId": "9130", "dataChangeEvent": {"entities": [entity]}}]}


def with_raw(event: dict, raw: str) -> bytes:
    """The event's JSON with `raw` where data.raw would be: what json.dumps cannot write."""
    return json.dumps({**event, "data": {"id": 1, "raw": "RAW"}}).replace('"RAW"', raw).encode()


REFUSED: dict[str, tuple[str, object, int, str]] = {
    # sizes: one definition (ion_sync/webhooks/limits.py) from the inbox's column sizes
    "event id of 300 characters": ("ion", ion_event("e" * 300), 400, "event_id"),
    "status of 600 characters": ("ion", ion_event(data={"id": 1, "status": "S" * 600}), 400, "data.status"),
    "resource id of 1,000 characters": ("ion", ion_event(data={"id": "r" * 1000}), 400, "data.id"),
    "event id of 31 digits": ("ion", ion_event(10**30), 400, "event_id"),
    "Ramp type of 65 characters": ("ramp", ramp_event(type="a" * 60 + ".bcde"), 400, "type"),
    "CloudEvent id of 256 characters": ("quickbooks", [cloud_event(), cloud_event(id="c" * 256)], 400, "[1].id"),
    "QuickBooks entity name of 600 characters": (
        "quickbooks",
        legacy_event(name="N" * 600),
        400,
        "eventNotifications[0].dataChangeEvent.entities[0].name",
    ),
    "body over the size limit": ("ion", ion_event(data={"id": 1, "notes": "x" * 300_000}), 413, "body"),
    # what PostgreSQL cannot store
    "NUL in the event id": ("ion", ion_event("a\x00b"), 400, "event_id"),
    "NUL in a free-form field": ("ion", ion_event(data={"id": 1, "note": "x\x00"}), 400, "data.note"),
    "NUL in a key": ("ion", ion_event(data={"id": 1, "n\x00": 1}), 400, "data.n\\x00"),
    "unpaired surrogate": ("ion", ion_event(data={"id": 1, "note": "\ud800"}), 400, "data.note"),
    "NaN": ("ion", with_raw(ion_event(), "NaN"), 400, "body"),
    "number beyond float": ("ion", with_raw(ion_event(), "1e999"), 400, "body"),
    "integer of 5,000 digits": ("ion", with_raw(ion_event(), "9" * 5000), 400, "body"),
    # depth, checked before parsing
    "arrays 900 deep": ("ion", with_raw(ion_event(), "[" * 900 + "]" * 900), 400, "body"),
    "20,000 nested objects": ("ion", with_raw(ion_event(), '{"a":' * 20_000 + "1" + "}" * 20_000), 400, "body"),
    "100,000 escaped quotes, unterminated": ("ion", b'"' + b'\\"' * 100_000, 400, "body"),  # a linear scan, not a regex
    # ids
    "empty event id": ("ion", ion_event(""), 400, "event_id"),
    "blank event id": ("ion", ion_event("   "), 400, "event_id"),
    "empty Ramp id": ("ramp", ramp_event(id=""), 400, "id"),
    "empty CloudEvent id": ("quickbooks", [cloud_event(id="")], 400, "[0].id"),
    # types and shapes
    "event id true": ("ion", ion_event(True), 400, "event_id"),
    "object id a float": ("ion", ion_event(data={"id": 1.5}), 400, "data.id"),
    "data a string": ("ion", ion_event(data="run 1001"), 400, "data"),
    "status a number": ("ion", ion_event(data={"id": 1, "status": 5}), 400, "data.status"),
    "status with a dot": ("ion", ion_event(data={"id": 1, "status": "A.B"}), 400, "data.status"),
    "unknown action": ("ion", ion_event(action="EXPLODE"), 400, "action"),
    "an array for ION": ("ion", [ion_event()], 400, "body"),
    # not JSON
    "not UTF-8": ("ion", b"\xff\xfe{}", 400, "body"),
    "UTF-16": ("ion", json.dumps(ion_event()).encode("utf-16"), 400, "body"),
    "invalid JSON": ("ion", b'{"event_id": 1,', 400, "body"),
    "empty body": ("ion", b"", 400, "body"),
}


def test_input_the_receiver_can_refuse_gets_a_4xx_naming_the_field_and_nothing_is_stored(database_url):
    from starlette.testclient import TestClient

    ledger = Ledger(database_url)
    emitted: list[StoredEvent] = []
    inbox = Inbox(ledger)
    with TestClient(create_app(ledger, sources(), emit=emitted.extend)) as client:
        answers = {}
        for name, (source, event, _, _) in REFUSED.items():
            body = event if isinstance(event, bytes) else json.dumps(event).encode()
            answer = client.post(f"/webhooks/{source}", content=body, headers=signed_headers(source, body))
            answers[name] = (answer.status_code, answer.json().get("field"))
    assert answers == {name: (status, field) for name, (_, _, status, field) in REFUSED.items()}
    assert inbox.backlog().pending == 0 and inbox.conflicts() == [] and emitted == []
    ledger.close()


def test_values_at_every_limit_are_stored_alike_on_both_ledgers(database_url):
    from starlette.testclient import TestClient

    ledger = Ledger(database_url)
    deliveries = [
        (
            "ion",
            ion_event(
                "e" * 255,
                resource="R" * 40,
                action="DELETE",
                data={"id": "i" * 128, "status": "S" * 40, "note": "\u00e9\U0001f600" * 1000},
            ),
        ),
        ("ion", ion_event(2**63 - 1, data={"id": -(2**63)})),
        ("ramp", ramp_event(id="r" * 255, type="a" * 62 + ".b", object={"id": "o" * 128})),
        ("quickbooks", [cloud_event(id="c" * 255, type="qbo." + "b" * 58 + ".v", intuitentityid="7" * 128)]),
        ("quickbooks", legacy_event(name="N" * 40, operation="O" * 40, id="7" * 128)),
        ("ion", with_raw(ion_event(3), "[" * 30 + "]" * 30)),  # 32 levels with the body and data
    ]
    with TestClient(create_app(ledger, sources(), emit=None)) as client:
        for source, event in deliveries:
            body = event if isinstance(event, bytes) else json.dumps(event).encode()
            answer = client.post(f"/webhooks/{source}", content=body, headers=signed_headers(source, body))
            assert (answer.status_code, answer.json()["accepted"]) == (200, 1), answer.text
    stored = Inbox(ledger).pending()
    assert [(len(i.event_id), len(i.event_type), len(i.subject or "")) for i in stored] == [
        (255, 88, 169),
        (19, 10, 24),
        (255, 64, 191),
        (255, 64, 187),
        (32, 85, 169),
        (1, 10, 5),
    ]
    assert stored[0].payload["data"]["note"] == "\u00e9\U0001f600" * 1000
    ledger.close()


def test_concurrent_copies_of_each_event_are_accepted_and_emitted_exactly_once(database_url):
    """20 events, 5 copies each, posted at once from 10 threads to the running receiver."""
    import random
    import time
    from concurrent.futures import ThreadPoolExecutor

    for receiver in _receiver(database_url):
        bodies = [json.dumps(ion_event(f"evt-{i}", data={"id": i, "status": "COMPLETE"})).encode() for i in range(20)]
        copies = [body for body in bodies for _ in range(5)]
        random.shuffle(copies)
        with httpx.Client(timeout=30) as client, ThreadPoolExecutor(max_workers=10) as pool:
            url = f"{receiver.url}/ion"
            answers = list(pool.map(lambda b, url=url: client.post(url, content=b, headers=signed_headers("ion", b)), copies))
        assert {a.status_code for a in answers} == {200}
        assert (sum(a.json()["accepted"] for a in answers), sum(a.json()["duplicates"] for a in answers)) == (20, 80)
        deadline = time.monotonic() + 10  # events are emitted after the answer
        while len(receiver.emitted) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(s.event.event_id for s in receiver.emitted) == sorted(f"evt-{i}" for i in range(20))
        assert receiver.inbox.backlog().pending == 20


def test_a_redelivery_with_another_payload_is_answered_409_and_kept_for_a_person(receiver, monkeypatch):
    from typer.testing import CliRunner

    from ion_sync.cli import app

    first, other = json.dumps(ramp_event(id="evt-7")).encode(), json.dumps(ramp_event(id="evt-7", object={"id": "po-2"})).encode()
    assert HTTP.post(f"{receiver.url}/ramp", content=first, headers=signed_headers("ramp", first)).json()["accepted"] == 1
    for _ in range(2):
        conflict = HTTP.post(f"{receiver.url}/ramp", content=other, headers=signed_headers("ramp", other))
        assert conflict.status_code == 409 and conflict.json()["conflicts"] == ["evt-7"] and conflict.json()["accepted"] == 0
    assert HTTP.post(f"{receiver.url}/ramp", content=first, headers=signed_headers("ramp", first)).json()["duplicates"] == 1
    [kept] = receiver.inbox.pending("ramp")
    assert kept.payload["object"] == {"id": "po-9"} and [s.inbox_id for s in receiver.emitted] == [kept.id]
    [recorded] = receiver.inbox.conflicts("ramp")
    assert recorded.payload["object"] == {"id": "po-2"}
    monkeypatch.setenv("ION_SYNC_DATABASE_URL", receiver.inbox.ledger.url)
    listed = CliRunner().invoke(app, ["webhook-conflicts"])
    assert (
        listed.exit_code == 0
        and "ramp event evt-7" in listed.output
        and "po-2" in listed.output
        and "1 unresolved" in listed.output
    )
    assert CliRunner().invoke(app, ["webhook-conflicts", "--resolve", str(recorded.id)]).exit_code == 0
    assert receiver.inbox.conflicts() == []


def test_slow_senders_are_cut_off_while_a_normal_delivery_succeeds(tmp_path):
    """The CLI's uvicorn settings: a body that dribbles in is refused with 408 after the body
    timeout; a request head that never finishes is closed after the head timeout."""
    import socket
    import threading
    import time

    import uvicorn

    from ion_sync.webhooks.server import server_config
    from sandbox.server import free_port

    ledger = Ledger(f"sqlite:///{tmp_path / 'l.db'}")
    settings = ReceiverSettings(body_timeout_seconds=1, head_timeout_seconds=1)
    port = free_port()
    config = server_config(create_app(ledger, sources(), settings=settings), settings, "127.0.0.1", port)
    assert (config.timeout_keep_alive, config.limit_concurrency) == (5, 100)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        slow = socket.create_connection(("127.0.0.1", port), timeout=10)
        no_head = socket.create_connection(("127.0.0.1", port), timeout=10)
        no_head.sendall(b"POST /webhooks/ion HTTP/1.1\r\nhost: x\r\n")
        slow.sendall(b"POST /webhooks/ion HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\nx-ion-signature: 00\r\n\r\n{")
        started = time.monotonic()
        body = json.dumps(ion_event(5)).encode()
        normal: list[httpx.Response] = []
        sender = threading.Thread(
            target=lambda: normal.append(
                HTTP.post(f"http://127.0.0.1:{port}/webhooks/ion", content=body, headers=signed_headers("ion", body), timeout=10)
            )
        )
        sender.start()  # a normal delivery while the slow one is held
        for _ in range(3):  # dribbling, then stalling
            time.sleep(0.1)
            slow.sendall(b" ")
            no_head.sendall(b"x")
        answer = b"".join(iter(lambda: slow.recv(4096), b""))  # up to the server closing the connection
        sender.join()
        assert answer.startswith(b"HTTP/1.1 408") and b'"field":"body"' in answer and time.monotonic() - started < 5
        assert normal[0].status_code == 200 and normal[0].json()["accepted"] == 1
        assert no_head.recv(4096) == b"" and time.monotonic() - started < 5  # closed, no request started
        slow.close()
        no_head.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        ledger.close()
