"""The Onshape client and simulator against Onshape's own published examples (examples/, each
with its URL; README.md here): no shared misunderstanding between them can pass.

- the request signature equals what the docs' own `createSignature` (Node.js, run by
  signature_oracle.js) computes for the docs' example keys;
- the docs' 429 answer is a RateLimitedError waiting its Retry-After; its 200 headers update
  the rate-limit budget; a 307 is followed and signed again for the new URL; 402 stops;
- the docs' webhook registration bodies are accepted by the simulator, and its example
  notifications are parsed by the receiver.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.errors import AuthError, RateLimitedError
from connectors.onshape import AnnualLimitReached, OnshapeClient, OnshapeSettings
from connectors.onshape.signing import authorization
from connectors.retry import RetryPolicy
from ion_sync.webhooks.sources import parse_onshape
from sandbox.onshape import OnshapeSimConfig, create_app

EXAMPLES = Path(__file__).parent / "examples"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def settings(**overrides: Any) -> OnshapeSettings:
    values: dict[str, Any] = {
        "api_url": "https://cad.onshape.com/api/v16",
        "access_key": "abcdefghi0123456789jkl",
        "secret_key": "abcdefghijklmnopqrstuvwxzy0123456789abcdefghijkl",
        "company_id": "000000000000000000000000",
        "retry": RetryPolicy(attempts=1),
    }
    return OnshapeSettings(**(values | overrides))


@pytest.mark.parametrize("case", example("request_signature")["cases"], ids=lambda c: f"{c['method']} {c['url']}")
def test_the_signature_is_the_one_onshapes_documented_function_computes(case: dict[str, Any]):
    keys = example("request_signature")
    request = httpx.Request(case["method"], case["url"], headers={"Content-Type": case["contentType"]})
    signed = authorization(keys["accessKey"], keys["secretKey"], request, case["nonce"], case["date"])
    assert signed == case["authorization"]


async def test_the_simulator_accepts_a_signed_request_and_refuses_a_tampered_one():
    config = OnshapeSimConfig()
    app = create_app(config)
    good = settings(api_url="http://sim/api/v16", access_key=config.access_key, secret_key=config.secret_key)

    async def call(transport: httpx.AsyncBaseTransport) -> Any:
        async with OnshapeClient(good, transport=transport) as onshape:
            return await onshape.session_info()

    assert (await call(httpx.ASGITransport(app=app)))["id"]

    class Tamper(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            request.url = request.url.copy_add_param("extra", "1")  # signed without it
            return await httpx.ASGITransport(app=app).handle_async_request(request)

    with pytest.raises(AuthError, match="ONSHAPE_ACCESS_KEY"):
        await call(Tamper())


async def test_the_documented_429_is_rate_limited_for_its_retry_after_and_200_headers_set_the_budget():
    documented = example("rate_limited")
    answers = iter(
        [
            httpx.Response(200, headers=documented["ok_headers"], json={"id": "me"}),
            httpx.Response(documented["status"], headers=documented["headers"], json={"message": "Too many requests"}),
        ]
    )
    transport = httpx.MockTransport(lambda _request: next(answers))
    async with OnshapeClient(settings(), transport=transport) as onshape:
        await onshape.session_info()
        assert onshape.rate_limit_remaining == 3000
        with pytest.raises(RateLimitedError) as limited:
            await onshape.session_info()
    assert limited.value.retry_after == 450


async def test_a_307_is_followed_and_signed_again_for_the_new_url():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(307, headers={"Location": "https://other.onshape.com/api/v16/users/sessioninfo?redirected=1"})
        return httpx.Response(200, json={"id": "me"})

    keys = settings()
    async with OnshapeClient(keys, transport=httpx.MockTransport(answer)) as onshape:
        assert (await onshape.session_info())["id"] == "me"
    redirected = seen[1]
    assert redirected.url.host == "other.onshape.com"
    assert keys.secret_key is not None
    expected = authorization(
        "abcdefghi0123456789jkl",
        keys.secret_key.get_secret_value(),
        redirected,
        redirected.headers["On-Nonce"],
        redirected.headers["Date"],
    )
    assert redirected.headers["Authorization"] == expected
    assert redirected.headers["On-Nonce"] != seen[0].headers["On-Nonce"]


async def test_402_the_annual_limit_stops_without_retrying():
    calls = 0

    def answer(_request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(402, json={"message": "API limits reached", "status": 402, "code": 0, "moreInfoUrl": ""})

    async with OnshapeClient(settings(retry=RetryPolicy(attempts=3)), transport=httpx.MockTransport(answer)) as onshape:
        with pytest.raises(AnnualLimitReached, match="annual API call limit"):
            await onshape.session_info()
    assert calls == 1


@pytest.mark.parametrize("name", ["register_workflow_group", "register_createversion"])
async def test_the_simulator_accepts_the_documented_registration_bodies(name: str):
    config = OnshapeSimConfig(deliver_webhooks=False)
    app = create_app(config)
    body = json.loads(
        json.dumps(example(name)["body"])
        .replace('"companyId": "000000000000000000000000"', f'"companyId": "{config.company_id}"')
        .replace('"documentId": "000000000000000000000000"', '"documentId": "d0c0000000000000000000a1"')
    )
    keys = settings(api_url="http://sim/api/v16", access_key=config.access_key, secret_key=config.secret_key)
    async with OnshapeClient(keys, transport=httpx.ASGITransport(app=app)) as onshape:
        webhook = await onshape.create_webhook(body)
    assert webhook.events == body["events"]


@pytest.mark.parametrize("name", ["webhook_register", "webhook_ping", "model_lifecycle_changed", "document_statechange"])
def test_the_receiver_parses_the_documented_notifications(name: str):
    body = example(name)["body"]
    [event] = parse_onshape(json.dumps(body).encode())
    assert event.event_id == body["messageId"]
    assert event.event_type == body["event"].removeprefix("onshape.")
    assert event.occurred_at is not None
