"""`create_app`: the Duro simulator, one Starlette app (sandbox/README.md, "Duro simulator";
every field and rule with its source: sandbox/duro/SOURCES.md).

`POST /graphql` with `x-api-key`, `x-organization` and `x-library` (a key belongs to one
library); answers `{"data": …}` or `{"errors": [{"message", "path", "extensions": {"code",
"classification"}}]}`. Faults (sandbox/faults.py) answer in the same shape; a rate limit
carries `extensions.retryAfter`.
"""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from typing import Any

from graphql import ExecutionResult, GraphQLError, GraphQLSchema, OperationType, build_schema, execute, parse, validate
from graphql.language import DocumentNode, OperationDefinitionNode
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response
from starlette.types import Scope

from sandbox.duro.config import DuroSimConfig
from sandbox.duro.demo import seed_change, seed_demo
from sandbox.duro.library import DuroError, Library
from sandbox.faults import FaultConfig, FaultInjector

AUTHENTICATION = "AuthenticationError"
AUTHORIZATION = "AuthorizationError"


def build() -> GraphQLSchema:
    return build_schema((files("sandbox.duro") / "schema.graphql").read_text(encoding="utf-8"))


def root(library: Library) -> dict[str, Any]:
    """Namespaced operations (`component.findAll`, `changeOrders.get`, …) as plain callables:
    graphql-core's default resolver calls a callable value with `(info, **args)`."""

    def update(_info: Any, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        before = copy.deepcopy(library.components)
        try:
            return [library.update_component(change, n) for n, change in enumerate(inputs)]
        except DuroError:
            library.components = before  # all or nothing
            raise

    return {
        "component": {
            "findOne": lambda _i, id: library.component_view(library.components[id]) if id in library.components else None,
            "findAll": lambda _i, filter=None, pagination=None: library.page(library.find_components(filter), pagination),
            "update": update,
        },
        "changeOrders": {
            "get": lambda _i, filter=None, pagination=None: {
                "connection": library.page(library.find_change_orders(filter), pagination)
            },
            "create": lambda _i, input: library.change_order_view(library.create_change_order(input)),
            "addItems": lambda _i, changeOrderId, input: library.change_order_view(library.add_items(changeOrderId, input)),
            "submitForReview": lambda _i, id: library.change_order_view(library.submit_for_review(id)),
        },
    }


def errors_response(errors: list[dict[str, Any]], status: int) -> Response:
    return JSONResponse({"errors": errors}, status_code=status)


def plain(value: Any) -> Any:
    """A view without the fields GraphQL resolves lazily (callables), for the admin routes."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return next((o for o in operations if name is None or (o.name and o.name.value == name)), None)


def is_mutation(body: bytes) -> bool:
    try:
        payload = json.loads(body or b"{}")
        operation = _operation(parse(payload["query"]), payload.get("operationName"))
    except (ValueError, KeyError, TypeError, GraphQLError):
        return False
    return operation is not None and operation.operation is OperationType.MUTATION


def _graphql_error(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    if isinstance(original, DuroError):
        shaped = original.as_graphql()
        shaped.setdefault("path", error.path)
        return shaped
    return {"message": error.message, "path": error.path, "extensions": {"code": "BAD_USER_INPUT"}}


def create_app(config: DuroSimConfig | None = None) -> Starlette:
    config = config or DuroSimConfig()
    library = Library(config)
    schema = build()
    operations = root(library)

    def reseed() -> None:
        library.reset()
        if config.seed_demo:
            seed_demo(library)

    reseed()

    def refuse(message: str, code: str, classification: str | None = None) -> Response:
        return errors_response([DuroError(message, code, classification=classification).as_graphql()], config.error_http_status)

    async def graphql(request: Request) -> Response:
        if request.headers.get("x-api-key") != config.api_key:
            return refuse("Invalid or missing API key", "UNAUTHENTICATED", AUTHENTICATION)
        if request.headers.get("x-organization") != config.organization or request.headers.get("x-library") != config.library:
            return refuse("Not authorized to access this organization or library", "FORBIDDEN", AUTHORIZATION)
        try:
            payload = json.loads(await request.body() or b"{}")
            query = payload["query"]
            variables = payload.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return errors_response(
                [{"message": "Body must be JSON {query, variables}", "extensions": {"code": "BAD_REQUEST"}}], 400
            )
        try:
            document = parse(query)
        except GraphQLError as exc:
            return refuse(exc.message, "GRAPHQL_PARSE_FAILED")
        problems = validate(schema, document)
        if problems:
            errors = [{"message": p.message, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}} for p in problems]
            return errors_response(errors, config.error_http_status)
        with library.lock:
            result = execute(schema, document, operations, variable_values=variables, operation_name=payload.get("operationName"))
        assert isinstance(result, ExecutionResult), "the simulator's resolvers are synchronous"
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [_graphql_error(e) for e in result.errors]
        return JSONResponse(body, status_code=config.error_http_status if result.errors else 200)

    def fault(status: int, _request: Request) -> Response:
        if status == 429:
            error = {
                "message": "Rate limit exceeded",
                "extensions": {"code": "RATE_LIMITED", "retryAfter": config.rate_limit_retry_after},
            }
        else:
            error = {"message": f"Injected fault: HTTP {status}", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        return errors_response([error], status)

    def is_api(_scope: Scope) -> bool:
        return True

    def is_write(_scope: Scope, body: bytes) -> bool:
        return is_mutation(body)

    faults = FaultInjector(
        request_response(graphql),
        is_api=is_api,
        is_write=is_write,
        error_response=fault,
        concurrency_response=lambda r: fault(429, r),
    )
    faults.configure(config.faults)

    async def put_faults(request: Request) -> Response:
        try:
            faults.configure(FaultConfig.model_validate_json(await request.body() or b"{}"))
        except ValidationError as exc:
            return JSONResponse({"error": "invalid FaultConfig", "details": exc.errors(include_url=False)}, status_code=422)
        return JSONResponse(faults.config.model_dump(mode="json"))

    async def get_faults(_request: Request) -> Response:
        return JSONResponse(faults.config.model_dump(mode="json"))

    def stats() -> dict[str, Any]:
        return {**faults.stats.as_dict(), **library.counters}

    async def get_stats(_request: Request) -> Response:
        return JSONResponse(stats())

    async def reset_stats(_request: Request) -> Response:
        faults.reset_stats()
        for key in library.counters:
            library.counters[key] = 0
        return JSONResponse(stats())

    async def reset(_request: Request) -> Response:
        reseed()
        return JSONResponse({"reset": True, "seeded": config.seed_demo})

    async def change_orders(request: Request) -> Response:
        """POST {name, description?, releases: {cpn: {revisionValue, children?, status?}}, approve?}: a change
        order over those components, submitted and (unless approve=false) approved; GET: all of them."""
        if request.method == "GET":
            with library.lock:
                return JSONResponse({"results": [plain(co) for co in library.find_change_orders(None)]})
        try:
            return JSONResponse(plain(seed_change(library, json.loads(await request.body()))), status_code=201)
        except (KeyError, ValueError, StopIteration, DuroError) as exc:
            return JSONResponse({"error": f"bad change order: {exc}"}, status_code=422)

    app = Starlette(
        routes=[
            Route("/graphql", faults, methods=["POST"]),
            Route("/_sandbox/faults", put_faults, methods=["PUT"]),
            Route("/_sandbox/faults", get_faults, methods=["GET"]),
            Route("/_sandbox/stats", get_stats, methods=["GET"]),
            Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
            Route("/_sandbox/reset", reset, methods=["POST"]),
            Route("/_sandbox/change-orders", change_orders, methods=["GET", "POST"]),
        ]
    )
    app.state.config = config
    app.state.library = library
    app.state.faults = faults
    return app
