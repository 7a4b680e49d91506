"""`POST /graphql`: auth, request parsing, cached parse/validate, execution (ion.md §2.1, §2.5).

GraphQL errors (validation, unknown filter fields, bad variables, resolver errors) are
HTTP 200 with `errors[]` (§2.5); only a malformed HTTP body is a 400 and a bad token a 401.
A JSON array body is a batch (§2.1, historical; `IonSimConfig.allow_batch`). Execution and
JSON encoding run in a worker thread under the store lock, so the event loop stays free for
the fault injector and the admin routes while a large page is built.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import OrderedDict
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution import get_variable_values
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.ion.auth import SimCounters, TokenAuthority
from sandbox.ion.config import IonSimConfig
from sandbox.ion.executor import FastExecutor, execute_reference, uses_introspection
from sandbox.ion.resolvers import RequestContext
from sandbox.ion.store import IonStore

_CACHE_SIZE = 256


def trace_headers() -> dict[str, str]:
    """ION's gateway answers carry a Zipkin trace id, which Prismatic logs on errors (§1.2)."""
    return {"x-b3-trace-id": secrets.token_hex(8)}


def _explain(error: GraphQLError) -> GraphQLError:
    """Say plainly when a mutation is one the simulator does not implement (§8 subset)."""
    if error.message.startswith("Cannot query field") and "on type 'Mutation'" in error.message:
        return GraphQLError(
            f"{error.message} This mutation is not supported by the ION simulator.", error.nodes, error.source, error.positions
        )
    return error


class GraphQLService:
    """Parses, validates and executes operations against one store."""

    def __init__(self, schema: GraphQLSchema, store: IonStore, config: IonSimConfig, counters: SimCounters) -> None:
        self.schema = schema
        self.store = store
        self.config = config
        self.counters = counters
        self._documents: OrderedDict[str, tuple[DocumentNode | None, list[GraphQLError]]] = OrderedDict()
        self._documents_lock = threading.Lock()

    def prepare(self, query: str) -> tuple[DocumentNode | None, list[GraphQLError]]:
        """Parse and validate once per distinct query text (clients resend the same few)."""
        with self._documents_lock:
            cached = self._documents.get(query)
            if cached is not None:
                self._documents.move_to_end(query)
                return cached
        document: DocumentNode | None
        try:
            parsed = parse(query)
            errors = [_explain(error) for error in validate(self.schema, parsed)]
            document = parsed
        except GraphQLError as error:
            document, errors = None, [error]
        with self._documents_lock:
            self._documents[query] = (document, errors)
            if len(self._documents) > _CACHE_SIZE:
                self._documents.popitem(last=False)
        return document, errors

    def is_write(self, body: bytes) -> bool:
        """A write is a request whose operation is a mutation (FaultInjector's commit-then-lose faults)."""
        try:
            payload = json.loads(body)
            for item in payload if isinstance(payload, list) else [payload]:
                document, _ = self.prepare(item["query"])
                operation = get_operation_ast(document, item.get("operationName")) if document else None
                if operation is not None and operation.operation == OperationType.MUTATION:
                    return True
        except Exception:
            return False
        return False

    def execute(self, payload: Any) -> tuple[int, dict[str, Any]]:
        """One operation -> (HTTP status, response body)."""
        if not isinstance(payload, dict):
            return 400, {"errors": [{"message": "Each request must be a JSON object with a 'query'."}]}
        query = payload.get("query")
        if not isinstance(query, str) or not query.strip():
            return 400, {"errors": [{"message": "Must provide query string."}]}
        variables = payload.get("variables")
        if isinstance(variables, str):
            try:
                variables = json.loads(variables) if variables.strip() else None
            except ValueError:
                return 400, {"errors": [{"message": "Variables are invalid JSON."}]}
        if variables is not None and not isinstance(variables, dict):
            return 400, {"errors": [{"message": "Variables must be a JSON object."}]}
        operation_name = payload.get("operationName")
        self.counters.graphql_operations += 1
        document, errors = self.prepare(query)
        if document is None or errors:
            return self._errors(errors)
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f"Unknown operation named '{operation_name}'."
                if operation_name
                else "Must provide operation name if query contains multiple operations."
            )
            return self._errors([GraphQLError(message)])
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):
            return self._errors(coerced)
        with self.store.lock:
            context = RequestContext(self.store, self.config)
            if self.config.fast_executor and not uses_introspection(operation):
                fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
                result = FastExecutor(self.schema, fragments, operation, coerced, context).execute()
            else:
                result = execute_reference(self.schema, document, operation_name, variables, context)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            self.counters.graphql_errors += 1
            body["errors"] = [error.formatted for error in result.errors]
        return 200, body

    def _errors(self, errors: list[GraphQLError]) -> tuple[int, dict[str, Any]]:
        self.counters.graphql_errors += 1
        return 200, {"errors": [error.formatted for error in errors]}

    def handle(self, raw: bytes) -> tuple[int, bytes]:
        """HTTP body in, (status, JSON bytes) out; runs in a worker thread."""
        try:
            payload = json.loads(raw)
        except ValueError:
            status, body = 400, {"errors": [{"message": "POST body sent invalid JSON."}]}
        else:
            if isinstance(payload, list):
                if not self.config.allow_batch:
                    status, body = 400, {"errors": [{"message": "Batch GraphQL requests are not enabled."}]}
                else:
                    results = [self.execute(item) for item in payload]
                    status = 200 if any(s == 200 for s, _ in results) or not results else 400
                    body = [b for _, b in results]  # type: ignore[assignment]
            else:
                status, body = self.execute(payload)
        return status, json.dumps(body, separators=(",", ":"), ensure_ascii=False, check_circular=False).encode()


def graphql_endpoint(service: GraphQLService, tokens: TokenAuthority) -> Any:
    """The /graphql handler: 401 before anything else, then execute in a worker thread."""

    async def endpoint(request: Request) -> Response:
        message = tokens.check_header(request.headers.get("authorization"))
        if message is not None:
            tokens.counters.auth_rejections += 1
            return JSONResponse(
                {"message": message, "errors": [{"message": message}]},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="api-keys"', **trace_headers()},
            )
        raw = await request.body()
        status, body = await run_in_threadpool(service.handle, raw)
        return Response(body, status_code=status, media_type="application/json", headers=trace_headers())

    return endpoint
