"""The Ramp client against the Ramp simulator, every exchange checked against Ramp's OpenAPI
spec: token and its refresh, keyset pages, the rate budget, error_v2, create-once by number,
and webhook signature verification."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from connectors.errors import AuthError, DataError
from connectors.ramp import (
    RampClient,
    RampSettings,
    WebhookRejected,
    verify_ramp_webhook,
)
from sandbox.faults import FaultConfig
from sandbox.ramp import RampSimConfig, create_app
from sandbox.server import start
from tests.http import HTTP
from tests.ramp_spec import CheckedTransport, RampSpec

SPEC = RampSpec()
ENTITY = RampSimConfig().entity_id
ACME = "0b5e7c1a-1111-4a6e-9c1d-ac0e00000001"


def settings(**overrides: object) -> RampSettings:
    base = {
        "base_url": "http://ramp.test",
        "client_id": "ramp-sandbox-client",
        "client_secret": "ramp-sandbox-secret",
        "entity_id": ENTITY,
        "retry": {"initial_wait": 0.01, "max_wait": 0.5},
    }
    return RampSettings(**{**base, **overrides})  # type: ignore[arg-type]


class Ramp:
    """A simulator in process (or served on loopback, where a dropped connection is real)."""

    def __init__(self, config: RampSimConfig | None = None, *, served: bool = False) -> None:
        self.app = create_app(config or RampSimConfig(deliver_webhooks=False))
        self.sim = self.app.state.sim
        self.server = start(self.app) if served else None
        inner = httpx.AsyncHTTPTransport() if served else httpx.ASGITransport(app=self.app)
        self.transport = CheckedTransport(inner, SPEC)

    def client(self, **overrides: object) -> RampClient:
        base = {"base_url": self.server.url} if self.server else {}
        return RampClient(settings(**base, **overrides), transport=self.transport)


@pytest.fixture
async def ramp() -> AsyncIterator[Ramp]:
    world = Ramp()
    yield world
    assert world.transport.problems == [], "\n".join(world.transport.problems)


def po_body(number: str, **extra: object) -> dict[str, object]:
    return {
        "purchase_order_number": number,
        "currency": "USD",
        "entity_id": ENTITY,
        "vendor_id": ACME,
        "three_way_match_enabled": True,
        "memo": "test",
        "line_items": [{"description": "COMP-200", "unit_price": "2.50", "unit_quantity": 4}],
        **extra,
    }


async def test_vendors_page_with_start_and_next_and_every_exchange_fits_the_spec(ramp: Ramp) -> None:
    async with ramp.client(page_size=3) as client:
        pages = [[v.name for v in page] async for page in client.vendors()]
        assert (await client.vendor(ACME)).name == "Acme Metals"  # type: ignore[union-attr]
        assert await client.vendor("0b5e7c1a-9999-4a6e-9c1d-000000000000") is None
    assert pages == [["Acme Metals", "Orbital Parts", "Stellar Fasteners"], ["Nova Composites"]]
    assert "GET /developer/v1/vendors 200" in SPEC.checked and "POST /developer/v1/token 200" in SPEC.checked


async def test_purchase_order_in_cents_item_receipt_and_receipt_status(ramp: Ramp) -> None:
    async with ramp.client() as client:
        created = await client.create_purchase_order_once(po_body("ION-900"), check_first=False, created_after=None)
        po = await client.purchase_order(created.target_id)
        assert po is not None and po.amount and po.amount.amount == 1000 and po.line_items[0].unit_price.amount == 250  # type: ignore[union-attr]
        body = {
            "purchase_order_id": po.id,
            "item_receipt_number": "ION-R1-900",
            "received_at": "2026-11-21",
            "memo": "ION receipt 1",
            "item_receipt_line_items": [{"purchase_order_line_item_id": po.line_items[0].id, "unit_quantity": 4}],
        }
        receipt = await client.create_item_receipt_once(body, check_first=False)
        assert (
            not receipt.adopted and (await client.item_receipts_by_number(["ION-R1-900"]))["ION-R1-900"].id == receipt.target_id
        )
        assert (await client.purchase_order(po.id)).receipt_status == "FULLY_RECEIVED"  # type: ignore[union-attr]
        bill = ramp.sim.state.bill_purchase_order(po.id, paid=True)
        assert (await client.bill(bill["id"])).status == "PAID"  # type: ignore[union-attr]
        assert ramp.sim.state.three_way_match(po.id)["matched"]


async def test_error_v2_becomes_a_data_error_naming_the_field(ramp: Ramp) -> None:
    async with ramp.client() as client:
        with pytest.raises(DataError) as caught:
            await client.create_purchase_order_once(
                po_body("ION-901", entity_id="00000000-0000-0000-0000-000000000000"), check_first=False, created_after=None
            )
    assert caught.value.status == 422 and caught.value.field == "entity_id" and "not found" in str(caught.value)
    assert caught.value.code == "DEVELOPER_7001"


async def test_a_create_whose_response_was_dropped_is_adopted_not_repeated() -> None:
    ramp = Ramp(served=True)
    ramp.sim.injector.configure(FaultConfig(drop_after_commit_rate=1.0))  # every create commits, then the line drops
    async with ramp.client() as client:
        result = await client.create_purchase_order_once(po_body("ION-902"), check_first=False, created_after=None)
        again = await client.create_purchase_order_once(po_body("ION-902"), check_first=True, created_after=None)
    numbers = [po["purchase_order_number"] for po in ramp.sim.state.purchase_orders.values()]
    assert result.adopted and again.adopted and again.target_id == result.target_id and numbers == ["ION-902"]
    assert ramp.sim.injector.stats.injected["drop_after_commit"] == 1
    ramp.server.stop()  # type: ignore[union-attr]
    assert ramp.transport.problems == []


async def test_expired_token_is_refreshed_once_and_bad_credentials_fail_loudly(ramp: Ramp) -> None:
    async with ramp.client() as client:
        ramp.sim.tokens.expire_all()
        assert [v.name async for page in client.vendors() for v in page][:1] == ["Acme Metals"]
    assert ramp.sim.tokens.issued == 2
    with pytest.raises(AuthError, match="RAMP_CLIENT_SECRET"):
        async with ramp.client(client_secret="wrong"):
            pass


async def test_the_client_keeps_under_the_documented_rate_limit_without_a_single_429() -> None:
    """Ramp's timer restarts on every request (rate-limiting.mdx): a steady stream under 200
    per 10 s still hits the limit unless the client leaves a quiet window after each allowance."""
    ramp = Ramp(RampSimConfig(rate_limit_requests=20, rate_limit_window_seconds=0.5, deliver_webhooks=False))
    assert ramp.sim.config.rate_limit_mode == RampSimConfig().rate_limit_mode == "reset_on_request"
    async with ramp.client(rate_limit_requests=20, rate_limit_window_seconds=0.5, concurrency=10) as client:
        for _ in range(3):
            await asyncio.gather(*(client.purchase_order("missing") for _ in range(20)))
    assert ramp.sim.limiter.limited == 0 and ramp.sim.limiter.max_in_window <= 20
    assert sum(ramp.sim.requests.values()) == 60


async def test_a_burst_sharing_the_budget_completes_under_the_documented_limit_with_no_retry_after() -> None:
    """Another app spends the business's budget (the client believes it has all 200): the 429s
    carry no Retry-After and a retry inside the window restarts Ramp's timer, so the client goes
    quiet for a whole window; every request of the burst completes, none fails."""
    ramp = Ramp(RampSimConfig(rate_limit_requests=10, rate_limit_window_seconds=0.5, deliver_webhooks=False))
    async with ramp.client(rate_limit_requests=200, rate_limit_window_seconds=0.5, concurrency=10) as client:
        results = await asyncio.gather(*(client.purchase_order("missing") for _ in range(40)))
    assert results == [None] * 40 and ramp.sim.limiter.limited > 0


def signed(secret: str, payload: dict[str, object]) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload).encode()
    return {"X-Ramp-Webhook-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}, body


def event(created: datetime) -> dict[str, object]:
    return {
        "id": "evt-1",
        "type": "purchase_orders.updated",
        "created_at": created.isoformat(),
        "business_id": "b",
        "object": {"id": "po-1"},
    }


def test_webhook_signature_accepts_the_genuine_and_rejects_forged_unsigned_and_stale() -> None:
    now = datetime(2026, 11, 21, 12, tzinfo=UTC)
    headers, body = signed("ramp_sec_right", event(now - timedelta(minutes=1)))
    assert verify_ramp_webhook("ramp_sec_right", headers, body, now).subject == "po-1"
    assert verify_ramp_webhook("ramp_sec_right", {k.lower(): v for k, v in headers.items()}, body, now).id == "evt-1"
    with pytest.raises(WebhookRejected, match="forged"):
        verify_ramp_webhook("ramp_sec_other", headers, body, now)
    with pytest.raises(WebhookRejected, match="forged"):
        verify_ramp_webhook("ramp_sec_right", headers, body.replace(b"po-1", b"po-2"), now)
    with pytest.raises(WebhookRejected, match="unsigned"):
        verify_ramp_webhook("ramp_sec_right", {}, body, now)
    old_headers, old_body = signed("ramp_sec_right", event(now - timedelta(days=2)))
    with pytest.raises(WebhookRejected, match="stale"):
        verify_ramp_webhook("ramp_sec_right", old_headers, old_body, now)
    future_headers, future_body = signed("ramp_sec_right", event(now + timedelta(hours=1)))
    with pytest.raises(WebhookRejected, match="future"):
        verify_ramp_webhook("ramp_sec_right", future_headers, future_body, now)


async def test_simulator_webhooks_follow_the_challenge_and_sign_every_event(ramp: Ramp) -> None:
    async with ramp.client() as client:
        created = (
            await client._send(
                "POST",
                "/webhooks",
                write=True,
                json={"endpoint_url": "https://example.test/hook", "event_types": ["purchase_orders.created"]},
            )
        ).json()
        challenge = ramp.sim.state.outbox[-1]
        assert json.loads(challenge["body"])["type"] == "webhooks.verification" and created["status"] == "pending_verification"
        wrong = await client._http.post(f"/webhooks/{created['id']}/verify", json={"challenge": "nope"})
        assert wrong.status_code == 422 and wrong.json()["error_v2"]["error_code"]
        await client._send(
            "POST",
            f"/webhooks/{created['id']}/verify",
            write=True,
            json={"challenge": json.loads(challenge["body"])["challenge"]},
        )
        await client.create_purchase_order_once(po_body("ION-903"), check_first=False, created_after=None)
    delivery = ramp.sim.state.outbox[-1]
    verified = verify_ramp_webhook(created["secret"], delivery["headers"], delivery["body"].encode(), datetime.now(UTC))
    assert (
        verified.type == "purchase_orders.created" and verified.subject == ramp.sim.state.purchase_orders[verified.subject]["id"]
    )


def test_every_ramp_setting_and_deployment_is_documented() -> None:
    from ion_sync.deployments import PROJECT_ROOT, load_deployments

    readme = (PROJECT_ROOT / "README.md").read_text()
    for name in RampSettings.model_fields:
        if name != "retry":
            assert f"RAMP_{name}".upper() in readme, name
    ramp = {"ramp-purchase-order-sync", "ramp-approval-sync", "ramp-supplier-import", "ramp-receipt-sync"}
    assert ramp <= set(load_deployments()) and all(f"`{n}`" in readme for n in ramp)


async def test_every_operation_the_simulator_serves_answers_in_the_spec_shape() -> None:
    """Each route of the spec subset, called once (the client's own calls are checked in the
    tests above): requests and answers, successes and errors, against Ramp's schemas."""
    ramp = Ramp()
    spec = RampSpec()
    ramp.transport.spec = spec
    async with ramp.client(scopes=" ".join(RampSimConfig().allowed_scopes)) as client:
        send = client._http.request
        vendor = (
            await send(
                "POST",
                "/vendors",
                json={
                    "name": "Zeta Tools",
                    "country": "US",
                    "vendor_owner_id": RampSimConfig().user_id,
                    "business_vendor_contacts": {"email": "ap@zeta.example"},
                },
            )
        ).json()
        assert (await send("GET", f"/vendors/{vendor['id']}")).status_code == 200
        assert (await send("PATCH", f"/vendors/{vendor['id']}", json={"description": "cutting tools"})).json()[
            "description"
        ] == "cutting tools"
        assert (await send("GET", "/vendors", params={"page_size": 2, "is_active": "true"})).status_code == 200
        po = (
            await send("POST", "/purchase-orders", json=po_body("ION-950", promise_date="2026-12-01", net_payment_terms=30))
        ).json()
        listed = await send(
            "GET",
            "/purchase-orders",
            params={
                "creation_source": "DEVELOPER_API",
                "include_archived": "true",
                "from_created_at": "2026-01-01T00:00:00Z",
                "page_size": 5,
            },
        )
        assert [p["id"] for p in listed.json()["data"]] == [po["id"]]
        assert (await send("GET", f"/purchase-orders/{po['id']}")).json()["custom_form_collection_response"] is None
        receipt = (
            await send(
                "POST",
                "/item-receipts",
                json={
                    "purchase_order_id": po["id"],
                    "item_receipt_number": "IR-1",
                    "received_at": "2026-11-21",
                    "item_receipt_line_items": [{"purchase_order_line_item_id": po["line_items"][0]["id"]}],
                },
            )
        ).json()
        assert (await send("GET", f"/item-receipts/{receipt['id']}")).status_code == 200
        assert (await send("GET", "/item-receipts")).json()["page"]["next"] is None
        assert (await send("DELETE", f"/item-receipts/{receipt['id']}")).status_code == 204
        assert (await send("GET", f"/item-receipts/{receipt['id']}")).status_code == 404
        assert (await send("POST", f"/purchase-orders/{po['id']}/archive", json={"archived_reason": "test"})).status_code == 204
        bill = ramp.sim.state.bill_purchase_order(po["id"], paid=False)
        assert (await send("GET", f"/bills/{bill['id']}")).json()["status"] == "OPEN"
        assert (await send("GET", f"/entities/{ENTITY}")).json()["id"] == ENTITY
        assert (await send("GET", "/entities/00000000-0000-4000-8000-000000000000")).status_code == 404
        hook = (
            await send("POST", "/webhooks", json={"endpoint_url": "https://example.test/h", "event_types": ["bills.paid"]})
        ).json()
        assert [h["id"] for h in (await send("GET", "/webhooks")).json()] == [hook["id"]]
        assert (await send("GET", f"/webhooks/{hook['id']}")).json()["status"] == "pending_verification"
        challenge = json.loads(ramp.sim.state.outbox[-1]["body"])["challenge"]
        assert (await send("POST", f"/webhooks/{hook['id']}/verify", json={"challenge": challenge})).json() == {"success": True}
        assert (await send("DELETE", f"/webhooks/{hook['id']}")).status_code == 204
        unknown_entity = await send(
            "POST", "/purchase-orders", json=po_body("ION-951", entity_id="00000000-0000-4000-8000-000000000000")
        )
        assert unknown_entity.status_code == 422 and unknown_entity.json()["error_v2"]["error_code"] == "DEVELOPER_7001"
    assert ramp.transport.problems == [], "\n".join(ramp.transport.problems)
    assert spec.operations - spec.covered == set()


def test_the_simulator_posts_signed_events_to_an_active_subscription() -> None:
    """A real HTTP delivery: the receiving end gets the raw body and a signature it can verify."""
    import time

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    receiver = start(Starlette(routes=[Route("/ramp", hook, methods=["POST"])]))
    ramp = Ramp(RampSimConfig(deliver_webhooks=True), served=True)
    try:
        subscription = HTTP.post(
            f"{ramp.server.url}/_sandbox/webhooks",  # type: ignore[union-attr]
            json={"endpoint_url": f"{receiver.url}/ramp", "event_types": ["bills.paid"], "secret": "ramp_sec_x"},
        ).json()
        vendor_po = ramp.sim.state.create_purchase_order(po_body("ION-960"))
        bill = HTTP.post(f"{ramp.server.url}/_sandbox/purchase-orders/{vendor_po['id']}/bill", json={"paid": True}).json()  # type: ignore[union-attr]
        deadline = time.monotonic() + 30
        while (not received or ramp.sim.state.outbox[-1]["status"] is None) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        ramp.server.stop()  # type: ignore[union-attr]
        receiver.stop()
    [(headers, body)] = received
    event = verify_ramp_webhook("ramp_sec_x", headers, body, datetime.now(UTC))
    assert (event.type, event.subject) == ("bills.paid", bill["id"]) and subscription["status"] == "active"
    assert ramp.sim.state.outbox[-1]["status"] == 204


def test_the_spec_check_is_strict_so_a_field_ramp_does_not_have_is_caught() -> None:
    """A PO `approval_status` (which ApiPurchaseOrderResource lacks) fails the check every
    simulator answer passes."""
    po = Ramp().sim.state.create_purchase_order(po_body("ION-970"))
    assert SPEC.schema_problems("ApiPurchaseOrderResource", po) == []
    assert any(
        "approval_status" in p for p in SPEC.schema_problems("ApiPurchaseOrderResource", {**po, "approval_status": "APPROVED"})
    )


async def test_the_simulator_refuses_a_body_field_the_request_schema_does_not_name(ramp: Ramp) -> None:
    async with ramp.client() as client:
        with pytest.raises(DataError) as refused:
            await client.create_purchase_order_once(
                po_body("ION-980", approval_status="APPROVED"), check_first=False, created_after=None
            )
    assert refused.value.field == "approval_status" and ramp.sim.state.purchase_orders == {}
    ramp.transport.problems = [
        p for p in ramp.transport.problems if "approval_status" not in p
    ]  # the request itself was off-spec
