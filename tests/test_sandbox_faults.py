"""sandbox/faults.py's behaviours, checked against the NetSuite simulator over real HTTP
(sandbox.server.start): injected errors commit nothing, drop/error-after-commit commit the
write but the client never learns it, a concurrency limit answers NetSuite's 429, and a hang
makes an impatient client time out."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sandbox.faults import FaultConfig
from sandbox.netsuite import NetSuiteSimConfig, create_app
from sandbox.server import RunningServer, start
from tests.http import HTTP

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
RECORD = "/services/rest/record/v1"
COMPLETION = {
    "externalId": "ion-run-1004",
    "tranDate": "2026-11-20",
    "quantity": 1,
    "completedQuantity": 1,
    "isBackflush": True,
    "location": {"id": "1"},
    "component": {"items": [{"item": {"id": "503"}, "quantity": 2, "componentInventoryDetail": {"location": {"id": "1"}}}]},
}
TRANSFORM = f"{RECORD}/workOrder/2004/!transform/workOrderCompletion?replace=component"  # only these lines


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def server(key: ec.EllipticCurvePrivateKey) -> Iterator[RunningServer]:
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    running = start(create_app(NetSuiteSimConfig(oauth2_public_key_pem=pem.decode())))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def bearer(server: RunningServer, key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": "ns-sandbox-client",
            "scope": "rest_webservices",
            "aud": f"{server.url}{TOKEN_PATH}",
            "iat": now,
            "exp": now + 3000,
        },
        key,
        algorithm="ES256",
        headers={"kid": "sandbox-cert"},
    )
    response = HTTP.post(
        f"{server.url}{TOKEN_PATH}",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def admin(server: RunningServer) -> Iterator[httpx.Client]:
    client = httpx.Client(base_url=server.url, timeout=30)
    assert client.post("/_sandbox/reset").status_code == 200
    assert client.put("/_sandbox/faults", json={}).status_code == 200
    client.post("/_sandbox/stats/reset")
    yield client
    client.put("/_sandbox/faults", json={"concurrency_limit": 5})
    client.close()


def set_faults(admin: httpx.Client, **fields: Any) -> None:
    config = FaultConfig(seed=7, **fields)
    response = admin.put("/_sandbox/faults", content=config.model_dump_json())
    assert response.status_code == 200 and admin.get("/_sandbox/faults").json() == config.model_dump(mode="json")


def stored_completions(admin: httpx.Client) -> list[dict[str, Any]]:
    return admin.get("/_sandbox/records/workOrderCompletion").json()["items"]


def comp300_at_hawthorne(admin: httpx.Client) -> float:
    rows = admin.get("/_sandbox/inventory").json()["items"]
    return next(r["quantityOnHand"] for r in rows if r["itemId"] == "COMP-300" and r["location"] == "1")


def test_default_concurrency_limit_comes_from_the_config(server: RunningServer) -> None:
    app_default = NetSuiteSimConfig().default_concurrency_limit
    fresh = start(create_app(NetSuiteSimConfig(default_concurrency_limit=3)))
    try:
        assert HTTP.get(f"{fresh.url}/_sandbox/faults").json()["concurrency_limit"] == 3
    finally:
        fresh.stop()
    assert app_default == 5


def test_injected_503_is_returned_and_nothing_is_committed(
    server: RunningServer, admin: httpx.Client, bearer: dict[str, str]
) -> None:
    set_faults(admin, error_rates={503: 1.0})
    response = HTTP.post(f"{server.url}{TRANSFORM}", json=COMPLETION, headers=bearer)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == 503 and body["o:errorDetails"][0]["o:errorCode"] == "UNEXPECTED_ERROR"
    assert body["o:errorDetails"][0]["detail"].startswith("An unexpected error occurred. Error ID: ")
    assert admin.get("/_sandbox/stats").json()["injected"] == {"status_503": 1}  # admin routes are never faulted
    set_faults(admin)
    assert stored_completions(admin) == []
    assert comp300_at_hawthorne(admin) == 100
    assert HTTP.get(f"{server.url}{RECORD}/workOrderCompletion/eid:ion-run-1004", headers=bearer).status_code == 404


def test_drop_after_commit_commits_but_the_client_sees_a_broken_response(
    server: RunningServer, admin: httpx.Client, bearer: dict[str, str]
) -> None:
    set_faults(admin, drop_after_commit_rate=1.0)
    read = HTTP.get(f"{server.url}{RECORD}/workOrder/2004", headers=bearer)  # reads are never dropped
    assert read.status_code == 200
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        HTTP.post(f"{server.url}{TRANSFORM}", json=COMPLETION, headers=bearer)
    set_faults(admin)
    assert len(stored_completions(admin)) == 1
    assert comp300_at_hawthorne(admin) == 98
    found = HTTP.get(f"{server.url}{RECORD}/workOrderCompletion/eid:ion-run-1004", headers=bearer)
    assert found.status_code == 200 and found.json()["createdFrom"]["id"] == "2004"
    retry = HTTP.post(f"{server.url}{TRANSFORM}", json=COMPLETION, headers=bearer)  # a blind retry is refused
    assert retry.status_code == 400 and retry.json()["o:errorDetails"][0]["o:errorPath"] == "externalId"
    assert admin.get("/_sandbox/stats").json()["injected"] == {"drop_after_commit": 1}


def test_error_after_commit_commits_and_answers_500(server: RunningServer, admin: httpx.Client, bearer: dict[str, str]) -> None:
    set_faults(admin, error_after_commit_rate=1.0)
    response = HTTP.post(f"{server.url}{TRANSFORM}", json=COMPLETION, headers=bearer)
    assert response.status_code == 500
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "UNEXPECTED_ERROR"
    set_faults(admin)
    assert [c["externalId"] for c in stored_completions(admin)] == ["ion-run-1004"]
    assert comp300_at_hawthorne(admin) == 98


def test_concurrency_limit_with_latency_answers_429(server: RunningServer, admin: httpx.Client, bearer: dict[str, str]) -> None:
    set_faults(admin, concurrency_limit=2, latency_ms=400)
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def call() -> None:
        response = HTTP.get(f"{server.url}{RECORD}/workOrder/2001", headers=bearer, timeout=10)
        with lock:
            results.append(response)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(200) >= 2 and statuses.count(429) >= 1 and set(statuses) <= {200, 429}
    rejected = next(r for r in results if r.status_code == 429).json()
    assert rejected["status"] == 429 and rejected["o:errorCode"] == "USER_ERROR"
    assert rejected["o:errorDetails"] == [
        {"detail": "Concurrent request limit exceeded. Request blocked.", "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED"}
    ]
    stats = admin.get("/_sandbox/stats").json()
    assert stats["concurrency_rejections"] == statuses.count(429) and stats["max_in_flight"] == 2


def test_timeout_rate_makes_an_impatient_client_time_out(
    server: RunningServer, admin: httpx.Client, bearer: dict[str, str]
) -> None:
    set_faults(admin, timeout_rate=1.0, hang_seconds=1.0)
    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        HTTP.post(f"{server.url}{TRANSFORM}", json=COMPLETION, headers=bearer, timeout=0.3)
    assert time.monotonic() - started < 1.0
    time.sleep(1.0)  # let the hung request finish: it never runs, so nothing is committed
    set_faults(admin)
    assert stored_completions(admin) == []
    assert admin.get("/_sandbox/stats").json()["injected"] == {"timeout": 1}


def test_a_request_whose_client_dies_mid_body_is_never_handled(
    server: RunningServer, admin: httpx.Client, bearer: dict[str, str]
) -> None:
    """A client SIGKILLed while sending its body: what arrived is not a request, so nothing is
    written or answered (a handled empty body once became a QuickBooks fault replayed to the retry)."""
    url = urlsplit(server.url)
    body = json.dumps(COMPLETION).encode()
    head = (
        f"POST {TRANSFORM} HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: {bearer['Authorization']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(head + body[: len(body) // 2])
    deadline = time.monotonic() + 10
    while admin.get("/_sandbox/stats").json()["incomplete"] == 0:
        assert time.monotonic() < deadline, admin.get("/_sandbox/stats").json()
        time.sleep(0.05)
    assert admin.get("/_sandbox/stats").json()["by_status"] == {}
    assert stored_completions(admin) == []
