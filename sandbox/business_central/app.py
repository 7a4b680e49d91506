"""Assembly of the Business Central simulator's ASGI app (SOURCES.md).

`POST /{tenant}/oauth2/v2.0/token` issues Entra-style client-credentials tokens; API routes
under `/v2.0/{tenant}/{environment}/api/…` go through `sandbox.faults.FaultInjector`, the
principal's request budget, bearer auth, then the handler; `BcError`s render as BC's error
envelope. Admin routes (`/_sandbox/…`) sit outside the injector."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections import Counter, deque
from typing import Any
from urllib.parse import parse_qs, urlencode

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from sandbox.faults import FaultConfig, FaultInjector

from . import bulk
from .company import Company
from .config import BusinessCentralSimConfig
from .demo import seed_demo
from .entities import SETS, EntitySet
from .errors import BcError, error_response, for_status, invalid, not_found
from .odata import matches, order, parse_filter
from .store import Store
from .webhooks import Webhooks

log = logging.getLogger("sandbox.business_central")
SEGMENT = re.compile(r"^([A-Za-z][A-Za-z0-9]*)(?:\(([^)]*)\))?$")
LIVE_CONFIG = {
    "receive_and_invoice_errors_when_nothing_invoiced",
    "default_receive_quantity",
    "etag_status",
    "webhook_resources",
    "deliver_webhooks",
    "custom_api_installed",
    "retry_after_seconds",
    "requests_per_window",
    "window_seconds",
}


class Simulator:
    def __init__(self, config: BusinessCentralSimConfig) -> None:
        self.config = config
        self.store = Store(config.database)
        self.webhooks = Webhooks(config, self.store)
        self.company = Company(config, self.store, self.webhooks.changed)
        self.tokens: dict[str, float] = {}
        self.requests: deque[float] = deque()
        self.counters: Counter[str] = Counter()
        self.injector: FaultInjector  # set by create_app
        if self.store.is_empty():
            self.reset()

    def reset(self) -> None:
        self.store.clear()
        self.tokens.clear()
        self.requests.clear()
        if self.config.seed_demo:
            seed_demo(self.company)

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = self.injector.stats.as_dict()
        hooks = self.webhooks
        out.update(webhooks_delivered=hooks.delivered, webhooks_failed=hooks.failed, handshakes=hooks.handshakes, **self.counters)
        return out

    def admit(self) -> bool:
        """The principal's sliding window [BC-LIMITS-USER]."""
        now = time.monotonic()
        while self.requests and self.requests[0] <= now - self.config.window_seconds:
            self.requests.popleft()
        if len(self.requests) >= self.config.requests_per_window:
            self.counters["throttled"] += 1
            return False
        self.requests.append(now)
        return True

    # -- auth [BC-S2S-SETUP] ------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        if request.path_params["tenant"] != self.config.tenant_id:
            return JSONResponse(
                {"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."}, status_code=400
            )
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if form.get("client_id") != self.config.client_id or form.get("client_secret") != self.config.client_secret:
            return JSONResponse(
                {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."},
                status_code=401,
            )
        if form.get("scope") != self.config.scope:
            return JSONResponse(
                {"error": "invalid_scope", "error_description": "AADSTS70011: The provided value for scope is not valid."},
                status_code=400,
            )
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.time() + self.config.token_ttl_seconds
        self.counters["tokens_issued"] += 1
        return JSONResponse({"token_type": "Bearer", "expires_in": self.config.token_ttl_seconds, "access_token": token})

    def authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        return self.tokens.get(token, 0) > time.time()

    # -- API ------------------------------------------------------------------------------

    async def api(self, request: Request) -> Response:
        if not self.admit():
            headers = {"Retry-After": str(self.config.retry_after_seconds)} if self.config.retry_after_seconds else None
            return error_response(
                429, "TooManyRequests", "Too many requests in the last 5 minutes.", headers
            )  # INFERENCE wording
        if not self.authorized(request):
            return error_response(401, "Authentication_InvalidCredentials", "The server has rejected the client credentials.")
        try:
            return await self._route(request)
        except BcError as error:
            return error_response(error.status, error.code, error.message)
        except Exception:
            log.exception("unexpected error in %s %s", request.method, request.url.path)
            return error_response(500, "Internal_ServerError", "An unexpected error occurred.")

    async def _route(self, request: Request) -> Response:
        parts = request.url.path.split("/")[2:]  # after /v2.0/
        if len(parts) < 4 or parts[0] != self.config.tenant_id or parts[1] != self.config.environment or parts[2] != "api":
            raise BcError(404, "BadRequest_ResourceNotFound", "The environment does not exist.")  # INFERENCE wording
        rest = parts[3:]
        if rest[:3] == ["microsoft", "runtime", "beta"] and rest[4:] == ["webhookSupportedResources"]:
            # [BC-WEBHOOKS]: the environment's list of webhook resources (filter not simulated)
            return JSONResponse({"value": [{"resource": f"v2.0/{name}"} for name in self.config.webhook_resources]})
        custom = rest[:3] == [self.config.custom_api_publisher, self.config.custom_api_group, self.config.custom_api_version]
        if custom and self.config.custom_api_installed:
            rest = rest[3:]
        elif rest[:1] == ["v2.0"]:
            rest = rest[1:]
        else:
            raise BcError(404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{'/'.join(rest[:3])}'.")
        if rest and (rest[0] == "subscriptions" or rest[0].startswith("subscriptions(")):
            return await self._subscriptions(request, rest)
        if rest == ["companies"]:
            return JSONResponse({"value": [{"id": self.config.company_id, "name": self.config.company_name}]})
        company = SEGMENT.match(rest[0]) if rest else None
        if not company or company.group(1) != "companies" or (company.group(2) or "").lower() != self.config.company_id.lower():
            raise BcError(404, "BadRequest_NotFound", "The company does not exist.")  # INFERENCE wording
        return await self._entities(request, rest[1:], custom)

    async def _entities(self, request: Request, segments: list[str], custom: bool) -> Response:
        if not segments:
            raise invalid("Bad Request - Error in query syntax.")
        parent: dict[str, Any] | None = None
        entity_set: EntitySet | None = None
        entity_id: str | None = None
        for index, segment in enumerate(segments):
            if segment.startswith("Microsoft.NAV."):
                if entity_set is None or entity_id is None or index != len(segments) - 1 or request.method != "POST":
                    raise invalid("A bound action is called with POST on one entity.")
                self.counters[f"action_{segment.removeprefix('Microsoft.NAV.')}"] += 1
                self.company.action(entity_set, entity_id, segment.removeprefix("Microsoft.NAV."))
                return Response(status_code=204)
            found = SEGMENT.match(segment)
            name = found.group(1) if found else ""
            if not found or name not in SETS or SETS[name].custom != custom:
                raise BcError(404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{segment}'.")
            if entity_set is not None:
                if entity_id is None or entity_set.lines != name:
                    raise BcError(404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{segment}'.")
                parent = self.company.get(entity_set, entity_id)
            entity_set, entity_id = SETS[name], (found.group(2) or None)
        assert entity_set is not None
        body = await _body(request) if request.method in ("POST", "PATCH") else {}
        if entity_id is None:
            if request.method == "GET":
                return self._collection(request, entity_set, parent)
            if request.method == "POST":
                created = self.company.create(entity_set, body, parent)
                self.counters[f"{entity_set.name}_created"] += 1
                return JSONResponse(self.company.render(entity_set, created), status_code=201)
            raise BcError(
                405, "BadRequest_MethodNotAllowed", f"'{request.method}' requests for '{entity_set.name}' are not allowed."
            )
        entity_id = entity_id.strip("'")
        if parent is not None and self.company.get(entity_set, entity_id)[entity_set.parent_field] != parent["id"]:
            raise not_found(entity_set.name)
        if request.method == "GET":
            return JSONResponse(self._expanded(request, entity_set, self.company.get(entity_set, entity_id)))
        if request.method == "PATCH":
            updated = self.company.update(entity_set, entity_id, body, request.headers.get("if-match"))
            return JSONResponse(self.company.render(entity_set, updated))
        if request.method == "DELETE":
            self.company.delete(entity_set, entity_id, request.headers.get("if-match"))
            return Response(status_code=204)
        raise BcError(
            405, "BadRequest_MethodNotAllowed", f"'{request.method}' requests for one '{entity_set.name}' are not allowed."
        )

    def _expanded(self, request: Request, entity_set: EntitySet, entity: dict[str, Any]) -> dict[str, Any]:
        select = set(request.query_params["$select"].split(",")) if "$select" in request.query_params else None
        shown = self.company.render(entity_set, entity, select)
        expand = request.query_params.get("$expand")
        if expand:
            if expand != entity_set.lines:
                raise invalid(f"Could not find a property named '{expand}' on type '{entity_set.name}'.")
            lines = SETS[expand]
            rows = sorted(self.company.rows(lines, entity["id"]), key=lambda r: r.get("sequence", 0))
            shown[expand] = [self.company.render(lines, row) for row in rows]
        return shown

    def _collection(self, request: Request, entity_set: EntitySet, parent: dict[str, Any] | None) -> Response:
        """Server-driven pages [BC-PAGING]: at most `odata.maxpagesize` (and 20,000) per page, the
        rest behind `@odata.nextLink` with a `$skiptoken` (its form: INFERENCE)."""
        params = request.query_params
        fields = set(entity_set.fields)
        rows = [
            r
            for r in self.company.rows(entity_set, parent["id"] if parent else None)
            if matches(r, parse_filter(params.get("$filter")), fields)
        ]
        rows = order(rows, params.get("$orderby"), fields)
        if "$top" in params:
            rows = rows[: int(params["$top"])]
        skip = int(params.get("$skiptoken") or 0)
        size = self.config.max_page_size
        prefer = re.search(r"odata\.maxpagesize=(\d+)", request.headers.get("prefer", ""))
        if prefer:
            size = min(size, int(prefer.group(1)))
        page = rows[skip : skip + size]
        body: dict[str, Any] = {"value": [self._expanded(request, entity_set, row) for row in page]}
        if skip + size < len(rows):
            query = {k: v for k, v in params.items() if k != "$skiptoken"} | {"$skiptoken": str(skip + size)}
            body["@odata.nextLink"] = f"{request.url.replace(query=urlencode(query))}"
        headers = {"Preference-Applied": f"odata.maxpagesize={size}"} if prefer else None
        return JSONResponse(body, headers=headers)

    async def _subscriptions(self, request: Request, rest: list[str]) -> Response:
        hooks = self.webhooks
        found = SEGMENT.match(rest[0])
        subscription_id = (found.group(2) or "").strip("'") if found else ""
        if len(rest) != 1:
            raise BcError(404, "BadRequest_ResourceNotFound", "Resource not found.")
        if not subscription_id:
            if request.method == "GET":
                return JSONResponse({"value": [hooks.render(s) for s in hooks.live()]})
            if request.method == "POST":
                return JSONResponse(hooks.render(await hooks.create(await _body(request))), status_code=201)
        elif request.method == "GET":
            return JSONResponse(hooks.render(hooks.get(subscription_id)))
        elif request.method == "PATCH":
            renewed = await hooks.renew(subscription_id, await _body(request), request.headers.get("if-match"))
            return JSONResponse(hooks.render(renewed))
        elif request.method == "DELETE":
            hooks.delete(subscription_id)
            return Response(status_code=204)
        raise BcError(405, "BadRequest_MethodNotAllowed", "Method not allowed on subscriptions.")


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise invalid("Invalid Request Body") from None
    if not isinstance(body, dict):
        raise invalid("Invalid Request Body")
    return body


# -- admin --------------------------------------------------------------------------------


def _admin_routes(sim: Simulator) -> list[Route]:
    async def put_faults(request: Request) -> Response:
        try:
            config = FaultConfig.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            return JSONResponse({"error": "invalid FaultConfig", "details": exc.errors(include_url=False)}, status_code=422)
        sim.injector.configure(config)
        return JSONResponse(config.model_dump(mode="json"))

    async def get_faults(request: Request) -> Response:
        return JSONResponse(sim.injector.config.model_dump(mode="json"))

    async def stats(request: Request) -> Response:
        return JSONResponse(sim.stats())

    async def reset_stats(request: Request) -> Response:
        sim.injector.reset_stats()
        sim.counters.clear()
        sim.webhooks.delivered = sim.webhooks.failed = sim.webhooks.handshakes = 0
        return JSONResponse(sim.stats())

    async def reset(request: Request) -> Response:
        sim.reset()
        return JSONResponse({"reset": True, "seeded": sim.config.seed_demo})

    async def entities(request: Request) -> Response:
        name = request.path_params["entity"]
        rows = sim.company.rows(SETS[name]) if name in SETS else sim.store.all(name)
        return JSONResponse({"value": [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]})

    async def put_config(request: Request) -> Response:
        body = await _body(request)
        unknown = set(body) - LIVE_CONFIG
        if unknown:
            return JSONResponse({"error": f"not changeable at run time: {sorted(unknown)}"}, status_code=422)
        merged = BusinessCentralSimConfig.model_validate(sim.config.model_dump() | body)
        for name in body:
            setattr(sim.config, name, getattr(merged, name))
        return JSONResponse({name: getattr(sim.config, name) for name in LIVE_CONFIG})

    async def expire_subscriptions(request: Request) -> Response:
        """Every subscription now expires in `seconds` (default 0): renewal tests."""
        seconds = float((await _body(request)).get("seconds", 0))
        moment = time.time() + seconds
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
        for subscription in sim.store.all("subscriptions"):
            subscription["expirationDateTime"] = stamp
            sim.store.put("subscriptions", subscription)
        return JSONResponse({"expires": stamp})

    async def bulk_production_orders(request: Request) -> Response:
        try:
            spec = bulk.BulkProductionOrders.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
        return JSONResponse(bulk.production_orders(sim.company, spec), status_code=201)

    async def bulk_purchase_orders(request: Request) -> Response:
        try:
            spec = bulk.BulkPurchaseOrders.model_validate_json(await request.body() or b"{}")
            return JSONResponse(bulk.purchase_orders(sim.company, spec), status_code=201)
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)

    return [
        Route("/_sandbox/seed/bulk-production-orders", bulk_production_orders, methods=["POST"]),
        Route("/_sandbox/seed/bulk-purchase-orders", bulk_purchase_orders, methods=["POST"]),
        Route("/_sandbox/faults", put_faults, methods=["PUT"]),
        Route("/_sandbox/faults", get_faults, methods=["GET"]),
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/entities/{entity}", entities, methods=["GET"]),
        Route("/_sandbox/config", put_config, methods=["PUT"]),
        Route("/_sandbox/subscriptions/expire", expire_subscriptions, methods=["POST"]),
    ]


def create_app(config: BusinessCentralSimConfig | None = None) -> Starlette:
    """Build the simulator: seeded SQLite state, Entra tokens, the request budget, faults, admin routes."""
    config = config or BusinessCentralSimConfig()
    sim = Simulator(config)

    def is_write(scope: Scope, body: bytes) -> bool:
        return scope["method"] in ("POST", "PATCH", "DELETE")

    async def api(scope: Scope, receive: Receive, send: Send) -> None:
        response = await sim.api(Request(scope, receive))
        await response(scope, receive, send)

    injector = FaultInjector(
        api,
        is_api=lambda scope: scope["path"].startswith("/v2.0/"),
        is_write=is_write,
        error_response=lambda status, request: for_status(status, config.retry_after_seconds),
        concurrency_response=lambda request: for_status(429, config.retry_after_seconds),
    )
    injector.configure(FaultConfig())
    sim.injector = injector
    app = Starlette(
        routes=[
            *_admin_routes(sim),
            Route("/{tenant}/oauth2/v2.0/token", sim.token, methods=["POST"]),
            Route("/v2.0/{rest:path}", injector, methods=["GET", "POST", "PATCH", "DELETE"]),
        ]
    )
    app.state.sim = sim
    return app
