"""`create_app`: the Arena simulator as one Starlette app (sandbox/README.md, "Arena simulator").

Every `/v1` route except login answers 415 without `content-type: application/json`, 401
without a live `arena_session_id`, 429 when the daily quota is spent, and carries the quota
headers (§1.3). Errors are `{"status": N, "errors": [{"code", "message"}]}` (§1.4). Lists
are `{"count": <rows in this page>, "results": [...]}` with `offset`/`limit` (≤ 400).
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

from sandbox.arena.admin import admin_routes
from sandbox.arena.config import ArenaSimConfig
from sandbox.arena.demo import seed_demo
from sandbox.arena.store import ArenaError, ArenaStore
from sandbox.arena.workspace import Workspace
from sandbox.faults import FaultInjector

Handler = Callable[[Workspace, Request, dict[str, Any]], Awaitable[Any]]
API = "/v1"


def error_response(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"status": status, "errors": [{"code": code, "message": message}]}, status_code=status,
                        headers=headers)


def _page(workspace: Workspace, request: Request, rows: list[Any]) -> dict[str, Any]:
    try:
        offset = int(request.query_params.get("offset", 0))
        limit = int(request.query_params.get("limit", workspace.config.default_page_size))
    except ValueError:
        raise ArenaError(400, 3000, "offset and limit must be integers.") from None
    if limit < 1 or limit > workspace.config.max_page_size or offset < 0:
        raise ArenaError(400, 3000, f"limit must be between 1 and {workspace.config.max_page_size}.")
    window = rows[offset : offset + limit]
    return {"count": len(window), "results": window}


def _filters(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}


def endpoint(workspace: Workspace, handler: Handler, status: int = 200) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        headers: dict[str, str] = {}
        try:
            if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
                workspace.take_quota()
                raise ArenaError(415, 415, "The content-type header must be application/json.")
            remaining = workspace.take_quota()
            headers = {"X-Arena-Requests-Remaining": str(remaining),
                       "X-Arena-Next-Request-Limit-Reset": workspace.quota_reset_at()}
            workspace.authenticate(request.headers.get("arena_session_id"))
            body: dict[str, Any] = {}
            if request.method in ("POST", "PUT"):
                raw = await request.body()
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    raise ArenaError(400, 3000, "The request body is not valid JSON.") from None
            result = await handler(workspace, request, body)
        except ArenaError as exc:
            if not headers:
                headers = {"X-Arena-Requests-Remaining": str(workspace.quota_remaining()),
                           "X-Arena-Next-Request-Limit-Reset": workspace.quota_reset_at()}
            return error_response(exc.status, exc.code, exc.message, headers)
        return JSONResponse(result, status_code=status, headers=headers)

    return serve


async def login(request: Request) -> Response:
    workspace: Workspace = request.app.state.workspace
    try:
        body = json.loads(await request.body() or b"{}")
        return JSONResponse(workspace.login(body))
    except ValueError:
        return error_response(400, 3000, "The request body is not valid JSON.")
    except ArenaError as exc:
        return error_response(exc.status, exc.code, exc.message)


async def logout(request: Request) -> Response:
    workspace: Workspace = request.app.state.workspace
    try:
        workspace.logout(request.headers.get("arena_session_id"))
    except ArenaError as exc:
        return error_response(exc.status, exc.code, exc.message)
    return Response(status_code=200)


async def _items(ws: Workspace, r: Request, _b: dict[str, Any]) -> Any:
    return _page(ws, r, ws.list_items(_filters(r)))


async def _item(ws: Workspace, r: Request, _b: dict[str, Any]) -> Any:
    item, revision = ws.resolve(r.path_params["guid"])
    return ws.item_view(item, revision)


async def _revisions(ws: Workspace, r: Request, _b: dict[str, Any]) -> Any:
    rows = ws.revisions_view(r.path_params["guid"])
    return {"count": len(rows), "results": rows}


async def _bom(ws: Workspace, r: Request, _b: dict[str, Any]) -> Any:
    rows = ws.bom_view(r.path_params["guid"])
    return {"count": len(rows), "results": rows}


async def _files(ws: Workspace, r: Request, _b: dict[str, Any]) -> Any:
    return _page(ws, r, ws.list_files(r.path_params["guid"]))


async def _create_file(ws: Workspace, r: Request, body: dict[str, Any]) -> Any:
    return ws.create_file(r.path_params["guid"], body)


async def _changes(ws: Workspace, r: Request, _b: dict[str, Any]) -> Any:
    return _page(ws, r, ws.list_changes(_filters(r)))


async def _change(ws: Workspace, r: Request, _b: dict[str, Any]) -> Any:
    return ws.change_view(ws.change(r.path_params["guid"]), full=True)


async def _change_items(ws: Workspace, r: Request, _b: dict[str, Any]) -> Any:
    rows = ws.change_items_view(r.path_params["guid"])
    return {"count": len(rows), "results": rows}


async def _events(ws: Workspace, r: Request, _b: dict[str, Any]) -> Any:
    return _page(ws, r, ws.list_events(r.path_params["integration"], _filters(r)))


async def _event_items(ws: Workspace, r: Request, _b: dict[str, Any]) -> Any:
    rows = ws.event_items_view(r.path_params["integration"], r.path_params["guid"], r.query_params.get("reconciled"))
    return _page(ws, r, rows)


async def _reconcile(ws: Workspace, r: Request, body: dict[str, Any]) -> Any:
    return ws.reconcile_event(r.path_params["integration"], r.path_params["guid"], body)


async def _requests(ws: Workspace, r: Request, _b: dict[str, Any]) -> Any:
    return _page(ws, r, ws.list_requests(_filters(r)))


async def _create_request(ws: Workspace, _r: Request, body: dict[str, Any]) -> Any:
    return ws.create_request(body)


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

    def e(handler: Handler, status: int = 200) -> Callable[[Request], Awaitable[Response]]:
        return endpoint(workspace, handler, status)

    events = "/outboundintegrations/{integration}/events"
    api = [
        Route("/items", e(_items)),
        Route("/items/{guid}", e(_item)),
        Route("/items/{guid}/revisions", e(_revisions)),
        Route("/items/{guid}/bom", e(_bom)),
        Route("/items/{guid}/files", e(_files), methods=["GET"]),
        Route("/items/{guid}/files", e(_create_file, 201), methods=["POST"]),
        Route("/changes", e(_changes)),
        Route("/changes/{guid}", e(_change)),
        Route("/changes/{guid}/items", e(_change_items)),
        Route(events, e(_events)),
        Route(events + "/{guid}/items", e(_event_items)),
        Route(events + "/{guid}", e(_reconcile), methods=["PUT"]),
        Route("/requests", e(_requests), methods=["GET"]),
        Route("/requests", e(_create_request, 201), methods=["POST"]),
    ]
    inner = Starlette(routes=api)

    def is_api(_scope: Scope) -> bool:
        return True  # login and logout are routed before this mount: never faulted

    def is_write(scope: Scope, _body: bytes) -> bool:
        return scope["method"] in ("POST", "PUT")

    def fault(status: int, _request: Request) -> Response:
        return error_response(status, 3000 if status >= 500 else status, f"Injected fault: HTTP {status}.")

    faults = FaultInjector(inner, is_api=is_api, is_write=is_write, error_response=fault,
                           concurrency_response=lambda _r: fault(429, _r))
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
