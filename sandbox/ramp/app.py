"""Assembly of the Ramp simulator's ASGI app (ramp.md B1-B8, from `ramp-openapi.json`).

`/developer/v1/token` issues client-credentials tokens. Every other `/developer/v1/...` route
goes through `sandbox.faults.FaultInjector`, then the rate limiter (200 per 10 s, the timer
restarting on each request: rate-limiting.mdx; 429),
then authentication and the route's scope, and answers errors as `error_v2` bodies with an
`x-trace-id` header. Events are signed and kept in an outbox, and POSTed to active webhook
subscriptions in the background. Admin routes (`/_sandbox/...`) are never faulted or limited.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import Scope

from sandbox.faults import FaultInjector
from sandbox.ramp.auth import TokenAuthority
from sandbox.ramp.config import RampSimConfig
from sandbox.ramp.demo import seed_demo
from sandbox.ramp.errors import RampError, error_response, invalid
from sandbox.ramp.ratelimit import RateLimiter
from sandbox.ramp.state import RampState

API = "/developer/v1"
TOKEN_PATH = f"{API}/token"
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}

Handler = Callable[["RampSimulator", Request], Awaitable[Any]]


class RampSimulator:
    """Config, state, tokens, limits and counters shared by every route."""

    def __init__(self, config: RampSimConfig) -> None:
        self.config = config
        self.state = RampState(config)
        self.tokens = TokenAuthority(config)
        self.limiter = RateLimiter(config)
        self.requests: Counter[str] = Counter()
        self.injector: FaultInjector  # set by create_app
        self._delivery: asyncio.Task[None] | None = None
        self.reseed()

    def reseed(self) -> None:
        self.state.reset()
        if self.config.seed_demo:
            seed_demo(self.state, self.config)

    def base_url(self, request: Request) -> str:
        return (self.config.public_base_url or f"{request.url.scheme}://{request.url.netloc}").rstrip("/")

    def stats(self) -> dict[str, Any]:
        return {
            **self.injector.stats.as_dict(),
            "tokens_issued": self.tokens.issued,
            "token_rejections": self.tokens.rejections,
            "rate_limited": self.limiter.limited,
            "max_in_window": self.limiter.max_in_window,
            "requests_by_route": dict(self.requests),
        }

    def reset_stats(self) -> None:
        self.injector.reset_stats()
        self.tokens.issued = self.tokens.rejections = 0
        self.limiter.reset()
        self.requests.clear()

    def deliver_soon(self) -> None:
        """Send undelivered outbox entries (one sender at a time, in order)."""
        if not self.config.deliver_webhooks or (self._delivery and not self._delivery.done()):
            return
        if any(entry["status"] is None for entry in self.state.outbox):
            self._delivery = asyncio.get_running_loop().create_task(self._deliver())

    async def _deliver(self) -> None:
        async with httpx.AsyncClient(timeout=self.config.webhook_timeout_seconds) as client:
            while pending := [e for e in self.state.outbox if e["status"] is None]:
                for entry in pending:
                    try:
                        answer = await client.post(entry["url"], content=entry["body"], headers=entry["headers"])
                        entry["status"] = answer.status_code
                    except httpx.HTTPError as exc:
                        entry["status"] = f"failed: {type(exc).__name__}"


def _sim(request: Request) -> RampSimulator:
    return request.app.state.sim


def api(scope: str | None, handler: Handler, status: int = 200) -> Callable[[Request], Awaitable[Response]]:
    """Rate limit, authenticate, run, render (a dict as JSON; None as 204)."""

    async def endpoint(request: Request) -> Response:
        sim = _sim(request)
        caller = request.headers.get("authorization") or (request.client.host if request.client else "")
        if not sim.limiter.allow(caller):
            headers = {"Retry-After": str(sim.config.retry_after_seconds)} if sim.config.retry_after_seconds else None
            return error_response(429, "Rate limit exceeded: 200 requests per 10 seconds.", None, headers)
        route = request.scope.get("route")
        sim.requests[f"{request.method} {route.path if route else request.url.path}"] += 1
        try:
            sim.tokens.authorize(request, scope)
            result = await handler(sim, request)
        except RampError as error:
            return error.response()
        finally:
            sim.deliver_soon()
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result, status_code=status)

    return endpoint


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise RampError(400, "Request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise RampError(400, "Request body must be a JSON object.")
    return body


def _flag(request: Request, name: str) -> bool | None:
    """A boolean query parameter (spec: `type: boolean`); anything but true/false is 422: INFERENCE."""
    value = request.query_params.get(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise invalid(name, "Not a valid boolean.")
    return value.lower() == "true"


def _when(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(name, "Not a valid datetime.") from None


def _created_between(request: Request, item: dict[str, Any]) -> bool:
    created = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
    since, until = _when(request, "from_created_at"), _when(request, "to_created_at")
    return (since is None or created >= since) and (until is None or created <= until)


def paginate(sim: RampSimulator, request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Keyset pages (B2): `start` = id of the previous page's last item; `page.next` a full URL."""
    config = sim.config
    raw = request.query_params.get("page_size")
    try:
        size = int(raw) if raw is not None else config.default_page_size
    except ValueError:
        raise invalid("page_size", "Not a valid integer.") from None
    if not config.min_page_size <= size <= config.max_page_size:  # error-handling.mdx's own example (B2)
        raise invalid("page_size", f"Value must be between {config.min_page_size} and {config.max_page_size}")
    start = request.query_params.get("start")
    offset = 0
    if start:
        ids = [item["id"] for item in items]
        if start not in ids:  # INFERENCE: how Ramp answers an unknown `start` is not published
            raise invalid("start", f"Unknown start id {start}.")
        offset = ids.index(start) + 1
    page = items[offset : offset + size]
    next_url = None
    if offset + size < len(items) and page:
        params = {k: v for k, v in request.query_params.items() if k != "start"}
        params.update({"page_size": str(size), "start": page[-1]["id"]})
        next_url = f"{sim.base_url(request)}{request.url.path}?{urlencode(params)}"
    return {"data": page, "page": {"next": next_url}}


# -- vendors ---------------------------------------------------------------------------------------


async def list_vendors(sim: RampSimulator, request: Request) -> dict[str, Any]:
    name = (request.query_params.get("name") or "").lower()
    active = _flag(request, "is_active")
    items = [
        v
        for v in sim.state.vendors.values()
        if name in v["name"].lower() and (active is None or v["is_active"] == active) and _created_between(request, v)
    ]
    return paginate(sim, request, items)


async def create_vendor(sim: RampSimulator, request: Request) -> dict[str, Any]:
    return sim.state.create_vendor(await _json(request))


async def get_vendor(sim: RampSimulator, request: Request) -> dict[str, Any]:
    return {**sim.state.vendor(request.path_params["vendor_id"]), "custom_form_collection_response": None}


async def patch_vendor(sim: RampSimulator, request: Request) -> dict[str, Any]:
    body = await _json(request)
    body.pop("name", None)  # not updatable through the API (ApiVendorUpdateRequestBody)
    return sim.state.update_vendor(request.path_params["vendor_id"], body)


# -- purchase orders -------------------------------------------------------------------------------


async def list_purchase_orders(sim: RampSimulator, request: Request) -> dict[str, Any]:
    q = request.query_params
    archived = _flag(request, "include_archived") or False
    three_way = _flag(request, "three_way_match_enabled")
    items = [
        po
        for po in sim.state.purchase_orders.values()
        if (archived or po["archived_at"] is None)
        and (three_way is None or po["three_way_match_enabled"] == three_way)
        and all(q.get(f) is None or po[f] == q[f] for f in ("creation_source", "receipt_status", "entity_id"))
        and _created_between(request, po)
    ]
    return paginate(sim, request, items)


async def create_purchase_order(sim: RampSimulator, request: Request) -> dict[str, Any]:
    return sim.state.create_purchase_order(await _json(request))


async def get_purchase_order(sim: RampSimulator, request: Request) -> dict[str, Any]:
    return {**sim.state.purchase_order(request.path_params["purchase_order_id"]), "custom_form_collection_response": None}


async def archive_purchase_order(sim: RampSimulator, request: Request) -> None:
    sim.state.archive(request.path_params["purchase_order_id"])


# -- business entities (the one entity of the simulated business) -----------------------------------


async def get_entity(sim: RampSimulator, request: Request) -> dict[str, Any]:
    """`ApiEntityResource` (spec `GET /developer/v1/entities/{entity_id}`, scope entities:read)."""
    config = sim.config
    if request.path_params["entity_id"] != config.entity_id:
        raise RampError(404, "Not found")
    return {
        "id": config.entity_id,
        "entity_name": config.entity_name,
        "currency": config.entity_currency,
        "is_primary": True,
        "accounts": [],
        "location_ids": [],
    }


# -- item receipts, bills ----------------------------------------------------------------------------


async def list_item_receipts(sim: RampSimulator, request: Request) -> dict[str, Any]:
    return paginate(sim, request, list(sim.state.item_receipts.values()))


async def create_item_receipt(sim: RampSimulator, request: Request) -> dict[str, Any]:
    return sim.state.create_item_receipt(await _json(request))


async def get_item_receipt(sim: RampSimulator, request: Request) -> dict[str, Any]:
    receipt = sim.state.item_receipts.get(request.path_params["item_receipt_id"])
    if receipt is None:
        raise RampError(404, "Not found")
    return receipt


async def delete_item_receipt(sim: RampSimulator, request: Request) -> None:
    sim.state.delete_item_receipt(request.path_params["item_receipt_id"])


async def get_bill(sim: RampSimulator, request: Request) -> dict[str, Any]:
    return sim.state.bill(request.path_params["bill_id"])


# -- webhooks ----------------------------------------------------------------------------------------


def _public(subscription: dict[str, Any], *, secret: bool = False) -> dict[str, Any]:
    hidden = {"challenge"} | (set() if secret else {"secret", "additional_headers"})
    return {k: v for k, v in subscription.items() if k not in hidden}


async def list_webhooks(sim: RampSimulator, request: Request) -> list[dict[str, Any]]:
    return [_public(s) for s in sim.state.subscriptions.values()]


async def create_webhook(sim: RampSimulator, request: Request) -> dict[str, Any]:
    return _public(sim.state.create_subscription(await _json(request)), secret=True)


async def get_webhook(sim: RampSimulator, request: Request) -> dict[str, Any]:
    subscription = sim.state.subscriptions.get(request.path_params["webhook_id"])
    if subscription is None:
        raise RampError(404, "Not found")
    return _public(subscription)


async def delete_webhook(sim: RampSimulator, request: Request) -> None:
    if sim.state.subscriptions.pop(request.path_params["webhook_id"], None) is None:
        raise RampError(404, "Not found")


async def verify_webhook(sim: RampSimulator, request: Request) -> dict[str, Any]:
    body = await _json(request)
    sim.state.verify_subscription(request.path_params["webhook_id"], str(body.get("challenge") or ""))
    return {"success": True}


def api_routes() -> list[Route]:
    v = API
    return [
        Route(f"{v}/vendors", api("vendors:read", list_vendors), methods=["GET"]),
        Route(f"{v}/vendors", api("vendors:write", create_vendor), methods=["POST"]),
        Route(f"{v}/vendors/{{vendor_id}}", api("vendors:read", get_vendor), methods=["GET"]),
        Route(f"{v}/vendors/{{vendor_id}}", api("vendors:write", patch_vendor), methods=["PATCH"]),
        Route(f"{v}/purchase-orders", api("purchase_orders:read", list_purchase_orders), methods=["GET"]),
        Route(f"{v}/purchase-orders", api("purchase_orders:write", create_purchase_order, 201), methods=["POST"]),
        Route(f"{v}/purchase-orders/{{purchase_order_id}}", api("purchase_orders:read", get_purchase_order), methods=["GET"]),
        Route(
            f"{v}/purchase-orders/{{purchase_order_id}}/archive",
            api("purchase_orders:write", archive_purchase_order),
            methods=["POST"],
        ),
        Route(f"{v}/item-receipts", api("item_receipts:read", list_item_receipts), methods=["GET"]),
        Route(f"{v}/item-receipts", api("item_receipts:write", create_item_receipt, 201), methods=["POST"]),
        Route(f"{v}/item-receipts/{{item_receipt_id}}", api("item_receipts:read", get_item_receipt), methods=["GET"]),
        Route(f"{v}/item-receipts/{{item_receipt_id}}", api("item_receipts:write", delete_item_receipt), methods=["DELETE"]),
        Route(f"{v}/bills/{{bill_id}}", api("bills:read", get_bill), methods=["GET"]),
        Route(f"{v}/entities/{{entity_id}}", api("entities:read", get_entity), methods=["GET"]),
        Route(f"{v}/webhooks", api(None, list_webhooks), methods=["GET"]),
        Route(f"{v}/webhooks", api(None, create_webhook, 201), methods=["POST"]),
        Route(f"{v}/webhooks/{{webhook_id}}", api(None, get_webhook), methods=["GET"]),
        Route(f"{v}/webhooks/{{webhook_id}}", api(None, delete_webhook), methods=["DELETE"]),
        Route(f"{v}/webhooks/{{webhook_id}}/verify", api(None, verify_webhook), methods=["POST"]),
    ]


def create_app(config: RampSimConfig | None = None) -> Starlette:
    from sandbox.ramp.admin import admin_routes

    config = config or RampSimConfig()
    sim = RampSimulator(config)
    inner = Router(routes=api_routes())

    def is_api(scope: Scope) -> bool:
        path = str(scope["path"])
        return path.startswith(API) and (path != TOKEN_PATH or config.faults_apply_to_token_endpoint)

    sim.injector = FaultInjector(
        inner,
        is_api=is_api,
        is_write=lambda scope, _body: scope["method"] in WRITE_METHODS,
        error_response=lambda status, _request: error_response(
            status, "Injected fault" if status != 429 else "Rate limit exceeded."
        ),
        concurrency_response=lambda _request: error_response(429, "Rate limit exceeded."),
    )
    sim.injector.configure(config.faults)

    async def token(request: Request) -> Response:
        return await sim.tokens.token_endpoint(request)

    routes = [
        *admin_routes(),
        Route(TOKEN_PATH, token, methods=["POST"])
        if not config.faults_apply_to_token_endpoint
        else Route(TOKEN_PATH, sim.injector),
        Route(f"{API}/{{rest:path}}", sim.injector, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
    ]
    app = Starlette(routes=routes)
    app.state.sim = sim
    inner.routes.append(Route(TOKEN_PATH, token, methods=["POST"]))
    return app


__all__ = ["RampSimulator", "create_app"]
