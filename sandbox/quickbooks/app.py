"""Assembly of the QuickBooks Online simulator's ASGI app (quickbooks.md A1-A11).

API routes under `/v3/company/{realmId}/` go through `sandbox.faults.FaultInjector`, then the
throttle (A5), then bearer auth (A2), then the handler; `QboFault`s render as Fault bodies.
Writes honour `requestid` (A3): the first answer to a request id is saved and replayed
verbatim for any retry. The token endpoint and admin routes sit outside the injector.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from sandbox.faults import FaultConfig, FaultInjector

from . import admin
from .config import QuickBooksSimConfig
from .demo import seed_demo
from .entities import ENTITIES, Company
from .errors import QboFault, auth_failure, fault_response, for_status, now_text, throttled
from .oauth import TOKEN_PATH, OAuthServer
from .query import lookup, matches, parse
from .store import Store
from .throttle import Throttle

log = logging.getLogger("sandbox.quickbooks")
API_PREFIX = "/v3/company/"


class Simulator:
    """The simulated company: config, state, tokens, limits, faults and counters."""

    def __init__(self, config: QuickBooksSimConfig) -> None:
        self.config = config
        self.store = Store(config.database)
        self.company = Company(config, self.store)
        self.clock_offset = 0.0
        self.oauth = OAuthServer(config, self.store, self.clock)
        self.throttle = Throttle(config.requests_per_minute, config.requests_per_second, config.batch_requests_per_minute)
        self.counters: Counter[str] = Counter()
        self.injector: FaultInjector  # set by create_app
        if self.store.is_empty():  # a database from an earlier start keeps its company and tokens
            self.reset()

    def clock(self) -> float:
        return time.time() + self.clock_offset

    def reset(self) -> None:
        self.store.clear()
        self.oauth.access.clear()
        self.oauth.seed()
        if self.config.seed_demo:
            seed_demo(self.company)
        self.throttle.reset()

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = self.injector.stats.as_dict()
        out.update(
            {
                "throttled": self.throttle.throttled,
                "token_refreshes": self.oauth.refreshes,
                "token_rotations": self.oauth.rotations,
                "invalid_grants": self.oauth.invalid_grants,
                **dict(self.counters),
            }
        )
        return out

    def reset_stats(self) -> None:
        self.injector.reset_stats()
        self.throttle.throttled = 0
        self.oauth.refreshes = self.oauth.rotations = self.oauth.invalid_grants = 0
        self.counters.clear()

    # -- operations -----------------------------------------------------------------------

    def query(self, text: str) -> dict[str, Any]:
        query = parse(text)
        entity = next((name for name in ENTITIES.values() if name.lower() == query.entity.lower()), None)
        if entity is None:
            raise QboFault("4001", f"QueryValidationError: Property {query.entity} not found for Entity")
        self.company._check_plan(entity)
        rows = [row for row in self.store.all(entity) if matches(row, query)]
        if query.count:
            return {"totalCount": len(rows)}
        for name, desc in reversed(query.order):
            rows.sort(key=lambda row: (lookup(row, name) is None, str(lookup(row, name) or "")), reverse=desc)
        limit = min(query.max_results or self.config.default_query_results, self.config.max_query_results)
        page = rows[query.start - 1 : query.start - 1 + limit]
        result: dict[str, Any] = {"startPosition": query.start, "maxResults": len(page)}
        if page:
            result[entity] = page
        return result

    def batch(self, body: Any) -> dict[str, Any]:
        items = body.get("BatchItemRequest") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise QboFault("2020", "Required parameter BatchItemRequest is missing in the request")
        self.counters["batch_requests"] += 1
        if len(items) > self.config.max_batch_items:
            raise QboFault("1040", f"Batch size exceeds allowed limit: {len(items)} > {self.config.max_batch_items}")
        responses = []
        for item in items:
            bid = item.get("bId") if isinstance(item, dict) else None
            try:
                if "Query" in item:
                    responses.append({"bId": bid, "QueryResponse": self.query(str(item["Query"]))})
                    continue
                entity = next((name for name in ENTITIES.values() if name in item), None)
                if entity is None:
                    raise QboFault("2020", "Required param missing: no entity in the batch item")
                operation = str(item.get("operation") or "create")
                stored = self.company.write(entity, item[entity], operation=operation)
                self.counters[f"{entity.lower()}_{operation}s"] += 1
                responses.append({"bId": bid, entity: stored})
            except QboFault as fault:
                responses.append({"bId": bid, "Fault": fault.body()})
        return {"BatchItemResponse": responses, "time": now_text()}


def _entity(name: str) -> str:
    entity = ENTITIES.get(name.lower())
    if entity is None:
        raise QboFault("500", f"Unsupported Operation: {name}", status=400)
    return entity


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise QboFault("2020", "Request has invalid or unsupported property (not JSON)") from None


async def _dispatch(sim: Simulator, request: Request) -> Response:
    realm = request.path_params["realm"]
    if realm != sim.config.realm_id:
        fault = QboFault(
            "3100",
            "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
            status=403,
            type_="AuthorizationFault",
        )
        return fault_response(fault)
    rest = request.path_params["rest"].strip("/")
    parts = rest.split("/")
    raw = await request.body()
    params = request.query_params
    _check_minor_version(sim.config, params.get("minorversion"))
    if parts == ["query"]:
        text = params.get("query") if request.method == "GET" else raw.decode("utf-8", "replace")
        return JSONResponse({"QueryResponse": sim.query(text or ""), "time": now_text()})
    if parts == ["preferences"]:
        return JSONResponse({"Preferences": _preferences(sim.config), "time": now_text()})
    if request.method == "GET" and len(parts) == 2:
        entity = _entity(parts[0])
        return JSONResponse({entity: sim.company.read(entity, parts[1]), "time": now_text()})
    if request.method != "POST" or len(parts) != 1:
        raise QboFault("500", f"Unsupported Operation: {request.method} {rest}")
    requestid = params.get("requestid")
    batch = parts == ["batch"]
    if requestid:
        limit = sim.config.batch_requestid_max_length if batch else sim.config.requestid_max_length
        if len(requestid) > limit:
            raise QboFault(
                "6000", f"Business Validation Error: You cannot enter more than {limit} characters in the request_id field"
            )
        saved = sim.store.replay(requestid) if sim.config.honour_requestid else None
        if saved:
            sim.counters["requestid_replays"] += 1
            return JSONResponse(saved[1], status_code=saved[0])
    status, body = 200, {}
    try:
        if batch:
            body = sim.batch(_json_body(raw))
        else:
            entity = _entity(parts[0])
            operation = params.get("operation") or ("update" if _json_body(raw).get("Id") else "create")
            allow_dup = "allowduplicatedocnum" in (params.get("include") or "")
            stored = sim.company.write(entity, _json_body(raw), operation=operation, allow_duplicate_doc=allow_dup)
            sim.counters[f"{entity.lower()}_{operation}s"] += 1
            body = {entity: stored, "time": now_text()}
    except QboFault as fault:
        status, body = fault.status, {"Fault": fault.body(), "time": now_text()}
    if requestid:
        sim.store.remember(requestid, status, body)
    return JSONResponse(body, status_code=status)


def _preferences(config: QuickBooksSimConfig) -> dict[str, Any]:
    """`GET /preferences` (python-quickbooks `PrefMixin`). Field names: python-quickbooks
    `objects/preferences.py` (AccountingInfoPrefs.ClassTrackingPerTxn/TrackDepartments,
    CurrencyPrefs.HomeCurrency/MultiCurrencyEnabled, ProductAndServicesPrefs.ForPurchase/
    QuantityOnHand, VendorAndPurchasesPrefs.POCustomField); ClassTrackingPerLine and
    MultiCurrencyEnabled: quickbooks.md A7; UseCustomTxnNumbers: A7 DocNumber."""
    return {
        "AccountingInfoPrefs": {
            "ClassTrackingPerLine": config.class_tracking_per_line,
            "ClassTrackingPerTxn": False,
            "TrackDepartments": False,
        },
        "CurrencyPrefs": {"MultiCurrencyEnabled": config.multicurrency_enabled, "HomeCurrency": {"value": config.home_currency}},
        "ProductAndServicesPrefs": {"ForPurchase": True, "QuantityOnHand": config.inventory_tracking},
        "VendorAndPurchasesPrefs": {"UseCustomTxnNumbers": True, "POCustomField": []},
        "domain": "QBO",
        "SyncToken": "0",
    }


def _check_minor_version(config: QuickBooksSimConfig, value: str | None) -> None:
    """A1: none means 75 and below 75 is ignored (Intuit blog 2025-01-21); newer than the service
    knows is refused (INFERENCE, `max_minor_version`)."""
    if value is None:
        return
    if not value.isdigit():
        raise QboFault("500", f"Unsupported Operation: minorversion {value!r} is not a number")  # INFERENCE
    if int(value) > config.max_minor_version:
        raise QboFault("500", f"Unsupported Operation: minorversion {value} is not supported")  # INFERENCE


def _api(sim: Simulator) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        batch = request.path_params["rest"].strip("/") == "batch"
        if not sim.throttle.admit(batch):
            return throttled(sim.config.throttle_body, sim.config.retry_after_seconds)
        problem = sim.oauth.bearer_problem(request.headers.get("authorization", ""))
        if problem:
            return auth_failure(problem)
        try:
            return await _dispatch(sim, request)
        except QboFault as fault:
            return fault_response(fault)
        except Exception:
            log.exception("unexpected error in %s %s", request.method, request.url.path)
            return fault_response(QboFault("10000", "An application error has occurred", status=500, type_="SystemFault"))

    return endpoint


def create_app(config: QuickBooksSimConfig | None = None) -> Starlette:
    """Build the simulator: seeded SQLite state, OAuth, throttling, fault injection, admin routes."""
    config = config or QuickBooksSimConfig()
    sim = Simulator(config)
    api = Router(routes=[Route("/v3/company/{realm}/{rest:path}", _api(sim), methods=["GET", "POST"])])

    async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
        await fault_response(QboFault("500", "Unsupported Operation", status=404))(scope, receive, send)

    api.default = not_found

    def is_write(scope: Scope, body: bytes) -> bool:
        return scope["method"] == "POST" and not scope["path"].rstrip("/").endswith("/query")

    injector = FaultInjector(
        api,
        is_api=lambda scope: scope["path"].startswith(API_PREFIX),
        is_write=is_write,
        error_response=lambda status, request: for_status(status),
        concurrency_response=lambda request: throttled(config.throttle_body, config.retry_after_seconds),
    )
    injector.configure(FaultConfig())
    sim.injector = injector
    app = Starlette(
        routes=[
            *admin.ROUTES,
            Route(TOKEN_PATH, sim.oauth.token_endpoint, methods=["GET", "POST"]),
            Route("/v3/{rest:path}", injector, methods=["GET", "POST"]),
        ]
    )
    app.state.sim = sim
    return app
