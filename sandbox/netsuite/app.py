"""Assembly of the NetSuite simulator's ASGI app (netsuite.md §1, §2 checklist).

Routes under `/services/rest/` go through `sandbox.faults.FaultInjector` (record and query
routes always; the token endpoint only if `faults_apply_to_token_endpoint`), then an inner
router whose endpoints authenticate (§1.2), run, and turn `NsError`s and crashes into the
§1.6 bodies. Admin routes (`admin.py`) sit outside the injector. Server time per route kind is
kept in `timings_ms` of `GET /_sandbox/stats`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from sandbox.faults import FaultConfig, FaultInjector

from . import admin, purchasing
from .auth import TOKEN_PATH, Authenticator, TokenError
from .config import NetSuiteSimConfig
from .errors import NsError, concurrency_error, error_response, for_status, unexpected_error
from .query_filter import FilterCompiler
from .receipts import po_transform
from .records import collection_endpoint, instance_endpoint, record_type
from .store import Store
from .suiteql import SuiteQL, suiteql_endpoint
from .transforms import transform_endpoint

log = logging.getLogger("sandbox.netsuite")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
RECORD_PREFIX = "/services/rest/record/"
QUERY_PREFIX = "/services/rest/query/"

Handler = Callable[["Simulator", Request], Awaitable[Response]]


class Simulator:
    """The simulated account: config, state, auth, faults and counters, shared by all routes."""

    def __init__(self, config: NetSuiteSimConfig) -> None:
        self.config = config
        self.store = Store(config)
        self.auth = Authenticator(config)
        self.filters = FilterCompiler(config.filter_date_formats)
        self.suiteql = SuiteQL(self)
        self.counters: dict[str, Counter[str]] = defaultdict(Counter)
        self.timings: dict[str, list[float]] = {}
        self.injector: FaultInjector  # set by create_app

    def base_url(self, request: Request) -> str:
        if self.config.public_base_url:
            return self.config.public_base_url.rstrip("/")
        return f"{request.url.scheme}://{request.url.netloc}"

    def count(self, name: str, key: str) -> None:
        self.counters[name][key] += 1

    def time(self, kind: str, seconds: float) -> None:
        slot = self.timings.setdefault(kind, [0, 0.0, 0.0])
        slot[0] += 1
        slot[1] += seconds
        slot[2] = max(slot[2], seconds)

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = self.injector.stats.as_dict()
        out.update(
            {
                "tokens_issued": self.auth.tokens_issued,
                "token_rejections": self.auth.token_rejections,
                "auth_failures": self.auth.auth_failures,
                "suiteql_queries": self.suiteql.queries,
                "suiteql_columns_read": sorted(self.suiteql.catalog.read),
                **{name: dict(counter) for name, counter in self.counters.items()},
                "timings_ms": {
                    kind: {"count": n, "mean": round(total * 1000 / n, 4), "max": round(peak * 1000, 4)}
                    for kind, (n, total, peak) in self.timings.items()
                },
            }
        )
        return out

    def reset_stats(self) -> None:
        self.injector.reset_stats()
        self.auth.reset_counters()
        self.suiteql.queries = 0
        self.suiteql.catalog.read.clear()
        # SQLite expires every prepared statement when an authorizer is set: queries cached since the
        # last reset are checked again, so their columns show in the next stats too
        self.suiteql.db.set_authorizer(self.suiteql.catalog)
        self.counters.clear()
        self.timings.clear()


def _api(sim: Simulator, kind: str | Callable[[Request], str], fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: authenticate, run, render NetSuite errors, time it."""

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        try:
            sim.auth.check(request, await request.body())
            response = await fn(sim, request)
        except NsError as err:
            response = error_response(err)
        except Exception:
            log.exception("unexpected error in %s %s", request.method, request.url.path)
            response = error_response(unexpected_error())
        sim.time(kind(request) if callable(kind) else kind, time.perf_counter() - started)
        return response

    return endpoint


def _token_endpoint(sim: Simulator) -> Callable[[Request], Awaitable[Response]]:
    async def token(request: Request) -> Response:
        if request.method != "POST":
            return JSONResponse({"error": "invalid_request", "error_description": "POST only."}, status_code=405)
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        try:
            body = sim.auth.issue_token(form, request)
        except TokenError as err:
            return JSONResponse(
                {"error": err.error, "error_description": err.description}, status_code=sim.config.oauth2_error_status
            )
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    return token


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    err = NsError(404, "NONEXISTENT_ID", "The requested resource does not exist.")
    await error_response(err)(scope, receive, send)


def _instance_kind(request: Request) -> str:
    return "record_get" if request.method == "GET" else "record_write"


def _collection_kind(request: Request) -> str:
    return "record_list" if request.method == "GET" else "record_write"


async def _collection(sim: Simulator, request: Request) -> Response:
    """Record collections: purchasing writes go to `purchasing.py`, the rest to `records.py`."""
    rtype = record_type(request.path_params["rtype"])
    if request.method != "GET" and purchasing.handles(rtype):
        return await purchasing.collection_write(sim, request, rtype)
    return await collection_endpoint(sim, request)


async def _instance(sim: Simulator, request: Request) -> Response:
    rtype = record_type(request.path_params["rtype"])
    if request.method != "GET" and purchasing.handles(rtype):
        return await purchasing.instance_write(sim, request, rtype, request.path_params["rid"])
    return await instance_endpoint(sim, request)


async def _transform(sim: Simulator, request: Request) -> Response:
    """`!transform`: purchaseOrder → itemReceipt/vendorBill (`receipts.py`), workOrder → `transforms.py`."""
    if request.method == "POST" and record_type(request.path_params["rtype"]) == "purchaseOrder":
        return await po_transform(sim, request, record_type(request.path_params["target"]))
    return await transform_endpoint(sim, request)


def create_app(config: NetSuiteSimConfig | None = None) -> Starlette:
    """Build the simulator: seeded SQLite state, auth, fault injection and admin routes."""
    config = config or NetSuiteSimConfig()
    sim = Simulator(config)

    async def suiteql(sim: Simulator, request: Request) -> Response:
        if request.method != "POST":
            raise NsError(405, "INVALID_REQUEST", "SuiteQL queries are POST requests.")
        return await suiteql_endpoint(sim, request)

    api = Router(
        routes=[
            Route(TOKEN_PATH, _token_endpoint(sim), methods=ALL_METHODS),
            Route("/services/rest/record/v1/{rtype}", _api(sim, _collection_kind, _collection), methods=ALL_METHODS),
            Route("/services/rest/record/v1/{rtype}/{rid}", _api(sim, _instance_kind, _instance), methods=ALL_METHODS),
            Route(
                "/services/rest/record/v1/{rtype}/{rid}/!transform/{target}",
                _api(sim, "transform", _transform),
                methods=ALL_METHODS,
            ),
            Route("/services/rest/query/v1/suiteql", _api(sim, "suiteql", suiteql), methods=ALL_METHODS),
        ],
        default=_not_found,
    )

    def is_api(scope: Scope) -> bool:
        path: str = scope["path"]
        if path.startswith(RECORD_PREFIX) or path.startswith(QUERY_PREFIX):
            return True
        return config.faults_apply_to_token_endpoint and path == TOKEN_PATH

    def is_write(scope: Scope, body: bytes) -> bool:
        return scope["method"] in WRITE_METHODS and scope["path"].startswith(RECORD_PREFIX)

    title = config.concurrency_error_title
    injector = FaultInjector(
        api,
        is_api=is_api,
        is_write=is_write,
        error_response=lambda status, request: error_response(for_status(status, title)),
        concurrency_response=lambda request: error_response(concurrency_error(title)),
    )
    injector.configure(FaultConfig(concurrency_limit=config.default_concurrency_limit))
    sim.injector = injector

    app = Starlette(routes=[*admin.ROUTES, Route("/services/rest/{rest:path}", injector)])
    app.state.sim = sim
    return app
