"""The Duro GraphQL client: API-key headers, Relay paging, Duro's errors in our vocabulary.

One endpoint, `POST https://api.durohub.com/graphql`, with `x-api-key`, `x-organization` and
`x-library` on every request (a key belongs to one library). GraphQL answers its errors in
the body, `{"errors": [{"message", "path", "extensions": {"code", "classification",
"retryAfter"}}]}`, whatever the HTTP status; both are read:

| Duro says                                        | ion-sync raises                        |
|--------------------------------------------------|----------------------------------------|
| HTTP 429, or `extensions.code` RATE_LIMITED      | RateLimitedError (wait `retryAfter`)   |
| HTTP 5xx, INTERNAL_SERVER_ERROR, timeout         | TransientError (`uncertain` on writes) |
| HTTP 401/403, UNAUTHENTICATED, FORBIDDEN         | AuthError naming the DURO_* settings   |
| a stale `expectedVersion` (`version_conflict_codes`) | StaleVersion: read again, then retry |
| GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED | ContractError (our document is wrong)  |
| any other error (validation, not found, …)       | DataError with Duro's message and path |
| no `data`, or not the shape asked for            | ContractError                          |

Reads are retried on transient errors; a write is sent once (its caller finds out whether it
landed). Facts and their sources: connectors/duro/README.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from connectors.duro import queries
from connectors.duro.queries import Document
from connectors.duro.settings import DuroSettings
from connectors.errors import AuthError, ContractError, DataError, RateLimitedError, TransientError
from connectors.retry import retrying
from connectors.tls import tls

AUTH_CODES = frozenset({"UNAUTHENTICATED", "UNAUTHORIZED", "FORBIDDEN"})
AUTH_CLASSIFICATIONS = frozenset({"AuthenticationError", "AuthorizationError"})
SCHEMA_CODES = frozenset({"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"})
SERVER_CODES = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})


class StaleVersion(TransientError):
    """The record changed since it was read (its `expectedVersion` is stale): read it again.
    Nothing was written, so retrying after a fresh read is safe."""


class DuroClient:
    """`async with DuroClient(settings) as duro: async for page in duro.components(): ...`."""

    def __init__(self, settings: DuroSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.requests = 0
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout_seconds),
            verify=tls(),
            transport=transport,
            headers={
                "x-api-key": settings.api_key.get_secret_value(),
                "x-organization": settings.organization,
                "x-library": settings.library,
                "content-type": "application/json",
            },
        )

    async def __aenter__(self) -> DuroClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    # --- one request --------------------------------------------------------------------------

    async def _post(self, doc: Document, variables: dict[str, Any]) -> dict[str, Any]:
        what = f"Duro {doc.name}"
        write = doc.is_mutation
        try:
            response = await self._http.post(
                self.settings.url, json={"query": doc.text, "variables": variables, "operationName": doc.name}
            )
        except httpx.TimeoutException:
            raise TransientError(f"{what}: timed out", uncertain=write) from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"{what}: connection failed ({type(exc).__name__})",
                uncertain=write and not isinstance(exc, httpx.ConnectError),
            ) from None
        self.requests += 1
        body = _body(response)
        status = response.status_code
        errors = body.get("errors") if isinstance(body, dict) else None
        if status == 429:
            raise RateLimitedError(f"{what}: rate limited (HTTP 429)", retry_after=_retry_after(response, errors))
        if status >= 500:
            raise TransientError(f"{what}: server error HTTP {status} {_messages(errors)}".rstrip(), uncertain=write)
        if status in (401, 403):
            raise self._auth_error(what, f"HTTP {status} {_messages(errors)}".rstrip())
        if errors:
            raise self._classify(what, errors, write, response)
        if status >= 300 or not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise ContractError(f"{what}: expected {{data}}, got HTTP {status} {str(body)[:200]}")
        return body["data"]

    def _classify(self, what: str, errors: Any, write: bool, response: httpx.Response) -> Exception:
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        extensions: dict[str, Any] = first["extensions"] if isinstance(first.get("extensions"), dict) else {}
        code = str(extensions.get("code") or "")
        message = f"{what}: {_messages(errors)}"
        if code == "RATE_LIMITED":
            return RateLimitedError(message, retry_after=_retry_after(response, errors))
        if code in SERVER_CODES:
            return TransientError(message, uncertain=write)
        if code in AUTH_CODES or extensions.get("classification") in AUTH_CLASSIFICATIONS:
            return self._auth_error(what, _messages(errors))
        if code in self.settings.version_conflict_codes:
            return StaleVersion(f"{message}: the record changed since it was read; read it again")
        if code in SCHEMA_CODES:
            return ContractError(f"{message}: this Duro API does not accept ion-sync's {what} document")
        path = first.get("path")
        field = ".".join(str(p) for p in path) if isinstance(path, list) else None
        return DataError(message, code=code or None, field=field)

    def _auth_error(self, what: str, detail: str) -> AuthError:
        return AuthError(
            f"{what}: Duro refused the credentials ({detail}): check DURO_API_KEY, DURO_ORGANIZATION and "
            f"DURO_LIBRARY (a key belongs to one library: {self.settings.library})"
        )

    async def read(self, doc: Document, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """A query, retried on transient errors (never on auth, data or contract errors)."""
        async for attempt in retrying(self.settings.retry):
            with attempt:
                return await self._post(doc, variables or {})
        raise AssertionError("unreachable")  # pragma: no cover

    async def write(self, doc: Document, variables: dict[str, Any]) -> dict[str, Any]:
        """A mutation, sent once: only the caller knows how to check whether it landed."""
        return await self._post(doc, variables)

    async def pages(self, doc: Document, variables: dict[str, Any] | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page of a connection: `pagination: {first, after}` until `hasNextPage` is false."""
        after: str | None = None
        while True:
            pagination: dict[str, Any] = {"first": self.settings.page_size}
            if after:
                pagination["after"] = after
            data = await self.read(doc, {**(variables or {}), "pagination": pagination})
            connection = _at(data, doc.connection, doc.name)
            edges, info = connection.get("edges"), connection.get("pageInfo")
            if not isinstance(edges, list) or not isinstance(info, dict):
                raise ContractError(f"Duro {doc.name}: expected a connection with edges and pageInfo")
            yield [edge["node"] for edge in edges]
            after = info.get("endCursor")
            if not info.get("hasNextPage"):
                return
            if not after:
                raise ContractError(f"Duro {doc.name}: hasNextPage without an endCursor")

    async def all(self, doc: Document, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [node async for page in self.pages(doc, variables) for node in page]

    # --- the calls ion-sync makes ----------------------------------------------------------------

    def components(self, filter: dict[str, Any] | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        """Components of the library, a page at a time (`ComponentFilterInput`: cpns, eid, categoryType, …)."""
        return self.pages(queries.COMPONENTS, {"filter": filter or {}})

    async def component(self, component_id: str) -> dict[str, Any] | None:
        """One component with its revision history and its children (one BOM level)."""
        data = await self.read(queries.COMPONENT_WITH_CHILDREN, {"id": component_id})
        found = _at(data, ("component",), "ComponentWithChildren").get("findOne")
        if found is not None and not isinstance(found, dict):
            raise ContractError("Duro ComponentWithChildren: findOne is not an object")
        return found

    def change_orders(self, filter: dict[str, Any] | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        return self.pages(queries.CHANGE_ORDERS, {"filter": filter or {}})

    async def create_change_order(self, name: str, description: str) -> dict[str, Any]:
        """A new change order; Duro makes it a draft (nothing is submitted for review)."""
        data = await self.write(queries.CREATE_CHANGE_ORDER, {"input": {"name": name, "description": description}})
        return _mutated(data, "create", queries.CREATE_CHANGE_ORDER)

    async def add_change_order_items(self, change_order_id: str, component_ids: list[str], version: int) -> dict[str, Any]:
        """Put components on a change order read at `version` (a stale version raises StaleVersion)."""
        data = await self.write(
            queries.ADD_CHANGE_ORDER_ITEMS,
            {"changeOrderId": change_order_id, "input": {"componentIds": component_ids, "expectedVersion": version}},
        )
        return _mutated(data, "addItems", queries.ADD_CHANGE_ORDER_ITEMS)


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _messages(errors: Any) -> str:
    if not isinstance(errors, list):
        return ""
    parts = []
    for error in errors:
        if isinstance(error, dict):
            code = (error.get("extensions") or {}).get("code") if isinstance(error.get("extensions"), dict) else None
            parts.append(f"[{code}] {error.get('message')}" if code else str(error.get("message")))
    return "; ".join(parts)


def _retry_after(response: httpx.Response, errors: Any) -> float | None:
    """`extensions.retryAfter` (seconds, Duro's documented field), else the Retry-After header."""
    for error in errors if isinstance(errors, list) else []:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and isinstance(extensions.get("retryAfter"), int | float):
            return float(extensions["retryAfter"])
    with contextlib.suppress(TypeError, ValueError):
        return float(response.headers["retry-after"])
    return None


def _at(data: dict[str, Any], path: tuple[str, ...], what: str) -> dict[str, Any]:
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        raise ContractError(f"Duro {what}: no {'.'.join(path)} in the answer")
    return node


def _mutated(data: dict[str, Any], operation: str, doc: Document) -> dict[str, Any]:
    return _at(data, ("changeOrders", operation), doc.name)
