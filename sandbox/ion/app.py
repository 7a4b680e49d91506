"""`create_app`: the ION simulator as one Starlette app (sandbox/README.md, "ION simulator").

Routes: the Keycloak token endpoint on both realm paths (ion.md §1.1, §9 item 3), `POST
/graphql` (§2), and the admin routes. Only /graphql sits behind `sandbox.faults.FaultInjector`,
as a gateway would: injected 5xx/429 answers are gateway-style JSON `{"message": ...}`
(ION publishes no rate limit, §2.6, so a concurrency rejection is a plain 429), and a
"write" is an operation that is a mutation. The app's parts are on `app.state` (store,
config, faults, counters, tokens, service) for in-process benchmarks.
"""

from __future__ import annotations

from http import HTTPStatus

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response
from starlette.types import Scope

from sandbox.faults import FaultInjector
from sandbox.ion.admin import admin_routes
from sandbox.ion.auth import TOKEN_PATHS, SimCounters, TokenAuthority, token_endpoint
from sandbox.ion.config import IonSimConfig
from sandbox.ion.demo import seed_demo
from sandbox.ion.endpoint import GraphQLService, graphql_endpoint, trace_headers
from sandbox.ion.plm_demo import seed_plm_demo
from sandbox.ion.purchasing_demo import seed_purchasing_demo
from sandbox.ion.schema import build_ion_schema
from sandbox.ion.store import IonStore
from sandbox.ion.webhooks import webhook_routes

GRAPHQL_PATH = "/graphql"

_GATEWAY_MESSAGES = {
    429: "Too Many Requests",
    500: "Internal server error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Endpoint request timed out",
}


def gateway_error(config: IonSimConfig, status: int) -> Response:
    """An error answered by the gateway in front of ION, not by GraphQL."""
    try:
        message = _GATEWAY_MESSAGES.get(status) or HTTPStatus(status).phrase
    except ValueError:
        message = "Error"
    headers = trace_headers()
    if status in (429, 503) and config.retry_after_seconds is not None:
        headers["Retry-After"] = str(config.retry_after_seconds)
    return JSONResponse({"message": message}, status_code=status, headers=headers)


def create_app(config: IonSimConfig | None = None) -> Starlette:
    """Build a simulated ION tenant; seeds the demo factory into an empty database."""
    config = config or IonSimConfig()
    store = IonStore(config.database)

    def reseed() -> None:
        if config.seed_demo:
            seed_demo(store, config.work_order_attribute_key)
            seed_purchasing_demo(store, config)
            seed_plm_demo(store)

    if store.is_empty():
        reseed()
    counters = SimCounters()
    tokens = TokenAuthority(config, counters)
    schema = build_ion_schema(
        config.datetime_utc_suffix,
        config.attribute_options_format,
        range_operators=config.range_operators,
        run_attributes=config.run_attributes,
        installed_per_parent_field=config.installed_per_parent_field,
    )
    service = GraphQLService(schema, store, config, counters)

    def is_api(scope: Scope) -> bool:
        return bool(scope["path"] == GRAPHQL_PATH)

    def is_write(_scope: Scope, body: bytes) -> bool:
        return service.is_write(body)

    faults = FaultInjector(
        request_response(graphql_endpoint(service, tokens)),
        is_api=is_api,
        is_write=is_write,
        error_response=lambda status, _request: gateway_error(config, status),
        concurrency_response=lambda _request: gateway_error(config, 429),
    )
    faults.configure(config.faults)
    token = token_endpoint(tokens)
    routes = [
        *(Route(path, token, methods=["POST"]) for path in TOKEN_PATHS),
        Route(GRAPHQL_PATH, faults, methods=["POST"]),
        *admin_routes(config=config, store=store, faults=faults, counters=counters, reseed=reseed),
        *webhook_routes(),
    ]
    app = Starlette(routes=routes)
    app.state.config = config
    app.state.store = store
    app.state.faults = faults
    app.state.counters = counters
    app.state.tokens = tokens
    app.state.service = service
    return app


__all__ = ["create_app", "gateway_error"]
