"""`create_app`: the Arena simulator as one Starlette app (sandbox/README.md, "Arena simulator";
every field and rule with its source: sandbox/arena/SOURCES.md).

Every `/v1` route except login answers 415 without `content-type: application/json` (a file
upload: multipart/form-data), 401 without a live `arena_session_id`, 429 when the daily quota
is spent, and carries the quota headers (§1.3). Errors are `{"status": N, "errors": [{"code",
"message"}]}` (§1.4). Lists are `{"count": <rows in this page>, "results": [...]}` with
`offset`/`limit` (≤ 400).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Scope

from sandbox.arena import feedback
from sandbox.arena.admin import admin_routes
from sandbox.arena.config import ArenaSimConfig
from sandbox.arena.demo import seed_demo
from sandbox.arena.feedback import Payload, parse_multipart
from sandbox.arena.store import ArenaError, ArenaStore
from sandbox.arena.workspace import Workspace
from sandbox.faults import FaultInjector

Handler = Callable[[Workspace, Request, Payload], Awaitable[Any]]
JSON_ONLY = frozenset({"application/json"})
JSON_OR_UPLOAD = frozenset({"application/json", "multipart/form-data"})  # file POSTs [AR Endpoints/api_requests.md]
API = "/v1"


def error_response(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"status": status, "errors": [{"code": code, "message": message}]}, status_code=status, headers=headers)


def _page(workspace: Workspace, request: Request, rows: list[Any]) -> dict[str, Any]:
    try:
        offset = int(request.query_params.get("offset", 0))
        limit = int(request.query_params.get("limit", workspace.config.default_page_size))
    except ValueError:
        raise ArenaError(400, 3041, "The limit or offset parameter is invalid.") from None
    if limit < 1 or limit > workspace.config.max_page_size or offset < 0:  # max 400 [AR endpoint_get_items.md]
        raise ArenaError(400, 3041, "The limit or offset parameter is invalid.")  # [AR error_code_3000_to_3299.md]
    window = rows[offset : offset + limit]
    return {"count": len(window), "results": window}


def _filters(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}


def _quota_headers(workspace: Workspace, remaining: int | None = None) -> dict[str, str]:
    """On every response, login's included [AR api_licensing.md], [AR Endpoints/Access/endpoint_login.md]."""
    return {
        "X-Arena-Requests-Remaining": str(workspace.quota_remaining() if remaining is None else remaining),
        "X-Arena-Next-Request-Limit-Reset": workspace.quota_reset_at(),
    }


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _payload(request: Request) -> Payload:
    raw = await request.body()
    if _media_type(request) == "multipart/form-data":
        return parse_multipart(request.headers["content-type"], raw)
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise ArenaError(400, 400, "The format of the request is not valid. Please check the syntax.") from None
    if not isinstance(body, dict):
        raise ArenaError(400, 400, "The format of the request is not valid. Please check the syntax.")
    return Payload(json=body)


def endpoint(
    workspace: Workspace, handler: Handler, status: int = 200, accepts: frozenset[str] = JSON_ONLY
) -> Callable[[Request], Awaitable[Response]]:
    """A handler's answer as JSON with `status`, or the Response it built (quota headers added)."""

    async def serve(request: Request) -> Response:
        headers: dict[str, str] = {}
        try:
            if _media_type(request) not in accepts:  # 415 [AR api_errors.md]; still counted [AR api_licensing.md]
                workspace.take_quota()
                raise ArenaError(415, 415, "The content-type header must be application/json.")  # message: INFERENCE
            headers = _quota_headers(workspace, workspace.take_quota())
            workspace.authenticate(request.headers.get("arena_session_id"))
            payload = await _payload(request) if request.method in ("POST", "PUT") else Payload()
            result = await handler(workspace, request, payload)
        except ArenaError as exc:
            return error_response(exc.status, exc.code, exc.message, headers or _quota_headers(workspace))
        if isinstance(result, Response):
            result.headers.update(headers)
            return result
        return JSONResponse(result, status_code=status, headers=headers)

    return serve


async def login(request: Request) -> Response:
    """Not counted against the quota, but answered with its headers [AR api_licensing.md]."""
    workspace: Workspace = request.app.state.workspace
    headers = _quota_headers(workspace)
    if _media_type(request) != "application/json":  # the login doc's request header
        return error_response(415, 415, "The content-type header must be application/json.", headers)
    try:
        body = json.loads(await request.body() or b"{}")
        return JSONResponse(workspace.login(body), headers=headers)
    except ValueError:
        return error_response(400, 400, "The format of the request is not valid. Please check the syntax.", headers)
    except ArenaError as exc:
        return error_response(exc.status, exc.code, exc.message, headers)


async def logout(request: Request) -> Response:
    """200 with no JSON; 401 for a token that is not live [AR Endpoints/Access/endpoint_logout.md]."""
    workspace: Workspace = request.app.state.workspace
    try:
        workspace.logout(request.headers.get("arena_session_id"))
    except ArenaError as exc:
        return error_response(exc.status, exc.code, exc.message)
    return Response(status_code=200, headers=_quota_headers(workspace))


async def _items(ws: Workspace, r: Request, _b: Payload) -> Any:
    return _page(ws, r, ws.list_items(_filters(r)))


async def _item(ws: Workspace, r: Request, _b: Payload) -> Any:
    item, revision = ws.resolve(r.path_params["guid"])
    return ws.item_view(item, revision)


async def _revisions(ws: Workspace, r: Request, _b: Payload) -> Any:
    rows = ws.revisions_view(r.path_params["guid"])
    return {"count": len(rows), "results": rows}


async def _bom(ws: Workspace, r: Request, _b: Payload) -> Any:
    rows = ws.bom_view(r.path_params["guid"])
    return {"count": len(rows), "results": rows}


async def _files(ws: Workspace, r: Request, _b: Payload) -> Any:
    rows = feedback.list_item_files(ws, r.path_params["guid"])
    return {"count": len(rows), "results": rows}


async def _create_file(ws: Workspace, r: Request, body: Payload) -> Any:
    """An upload: 201, no JSON, the GUID in X-Arena-ItemFileAssociation-Guid; JSON: the association."""
    association, uploaded = feedback.create_item_file(ws, r.path_params["guid"], body)
    if uploaded:
        return Response(status_code=201, headers={"X-Arena-ItemFileAssociation-Guid": association["guid"]})
    return JSONResponse(association, status_code=201)


async def _changes(ws: Workspace, r: Request, _b: Payload) -> Any:
    return _page(ws, r, ws.list_changes(_filters(r)))


async def _change(ws: Workspace, r: Request, _b: Payload) -> Any:
    return ws.change_view(ws.change(r.path_params["guid"]), full=True)


async def _change_items(ws: Workspace, r: Request, _b: Payload) -> Any:
    rows = ws.change_items_view(r.path_params["guid"])
    return {"count": len(rows), "results": rows}


async def _events(ws: Workspace, r: Request, _b: Payload) -> Any:
    return _page(ws, r, ws.list_events(r.path_params["integration"], _filters(r)))


async def _event_items(ws: Workspace, r: Request, _b: Payload) -> Any:
    rows = ws.event_items_view(r.path_params["integration"], r.path_params["guid"], r.query_params.get("reconciled"))
    return _page(ws, r, rows)


async def _reconcile(ws: Workspace, r: Request, body: Payload) -> Any:
    return ws.reconcile_event(r.path_params["integration"], r.path_params["guid"], body.json)


async def _integration(ws: Workspace, r: Request, _b: Payload) -> Any:
    return ws.integration_view(r.path_params["integration"])


async def _requests(ws: Workspace, r: Request, _b: Payload) -> Any:
    return _page(ws, r, feedback.list_requests(ws, _filters(r)))


async def _create_request(ws: Workspace, _r: Request, body: Payload) -> Any:
    return feedback.create_request(ws, body.json)


async def _request(ws: Workspace, r: Request, _b: Payload) -> Any:
    return feedback.request_view(feedback.find_request(ws, r.path_params["guid"]))


async def _request_items(ws: Workspace, r: Request, _b: Payload) -> Any:
    rows = feedback.request_items(ws, r.path_params["guid"])
    return {"count": len(rows), "results": rows}


async def _add_request_item(ws: Workspace, r: Request, body: Payload) -> Any:
    return feedback.add_request_item(ws, r.path_params["guid"], body.json)


async def _request_categories(ws: Workspace, r: Request, _b: Payload) -> Any:
    return feedback.request_category_view(ws, r.path_params.get("guid"))


async def _request_prefixes(ws: Workspace, _r: Request, _b: Payload) -> Any:
    rows = feedback.request_prefixes_view(ws)
    return {"count": len(rows), "results": rows}


async def _file_categories(ws: Workspace, r: Request, _b: Payload) -> Any:
    return feedback.file_category_view(ws, r.path_params.get("guid"))


def create_app(config: ArenaSimConfig | None = None) -> Starlette:
    """Build a simulated Arena workspace; seeds the demo product into an empty database."""
    config = config or ArenaSimConfig()
    store = ArenaStore(config.database)
    workspace = Workspace(store, config)

    def reseed() -> None:
        if config.seed_demo:
            seed_demo(store, config, workspace)

    if store.is_empty():
        reseed()

    def e(handler: Handler, status: int = 200, accepts: frozenset[str] = JSON_ONLY) -> Callable[[Request], Awaitable[Response]]:
        return endpoint(workspace, handler, status, accepts)

    events = "/outboundintegrations/{integration}/events"
    api = [  # each route's source: sandbox/arena/SOURCES.md
        Route("/items", e(_items)),
        Route("/items/{guid}", e(_item)),
        Route("/items/{guid}/revisions", e(_revisions)),
        Route("/items/{guid}/bom", e(_bom)),
        Route("/items/{guid}/files", e(_files), methods=["GET"]),
        Route("/items/{guid}/files", e(_create_file, 201, JSON_OR_UPLOAD), methods=["POST"]),
        Route("/changes", e(_changes)),
        Route("/changes/{guid}", e(_change)),
        Route("/changes/{guid}/items", e(_change_items)),
        Route("/outboundintegrations/{integration}", e(_integration)),
        Route(events, e(_events)),
        Route(events + "/{guid}/items", e(_event_items)),
        Route(events + "/{guid}", e(_reconcile), methods=["PUT"]),
        Route("/requests", e(_requests), methods=["GET"]),
        Route("/requests", e(_create_request, 201), methods=["POST"]),
        Route("/requests/{guid}", e(_request), methods=["GET"]),
        Route("/requests/{guid}/items", e(_request_items), methods=["GET"]),
        Route("/requests/{guid}/items", e(_add_request_item, 201), methods=["POST"]),
        Route("/settings/requests/categories", e(_request_categories)),
        Route("/settings/requests/categories/{guid}", e(_request_categories)),
        Route("/settings/requests/numbersequenceprefixes", e(_request_prefixes)),
        Route("/settings/files/categories", e(_file_categories)),
        Route("/settings/files/categories/{guid}", e(_file_categories)),
    ]
    inner = Starlette(routes=api)

    def is_api(_scope: Scope) -> bool:
        return True  # login and logout are routed before this mount: never faulted

    def is_write(scope: Scope, _body: bytes) -> bool:
        return scope["method"] in ("POST", "PUT")

    def fault(status: int, _request: Request) -> Response:
        return error_response(status, 3000 if status >= 500 else status, f"Injected fault: HTTP {status}.")

    faults = FaultInjector(
        inner, is_api=is_api, is_write=is_write, error_response=fault, concurrency_response=lambda _r: fault(429, _r)
    )
    faults.configure(config.faults)
    routes = [
        Route(f"{API}/login", login, methods=["POST"]),
        Route(f"{API}/logout", logout, methods=["PUT"]),
        Mount(API, app=faults),
        *admin_routes(config=config, store=store, workspace=workspace, faults=faults, reseed=reseed),
    ]
    app = Starlette(routes=routes)
    app.state.config = config
    app.state.store = store
    app.state.workspace = workspace
    app.state.faults = faults
    return app


__all__ = ["create_app"]
