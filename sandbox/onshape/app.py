"""`create_app`: the Onshape simulator as one Starlette app (sandbox/README.md, "Onshape
simulator"; each route, field and rule with its source: sandbox/onshape/SOURCES.md).

Every `/api` (or `/api/v<N>`) route answers 401 unless signed or authorized as Onshape
accepts, 429 with `Retry-After` past a rate window, 402 past the annual call allowance, and
carries `X-Rate-Limit-Remaining`. Errors are `{"message", "status", "code", "moreInfoUrl"}`.
Lists are BTListResponse `{href, items, next, previous}`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from sandbox.faults import FaultInjector
from sandbox.onshape import bom, notifications
from sandbox.onshape.admin import admin_routes
from sandbox.onshape.auth import Authenticator
from sandbox.onshape.config import OnshapeSimConfig
from sandbox.onshape.demo import seed_demo
from sandbox.onshape.store import Company, OnshapeError, iso

Handler = Callable[[Request], Awaitable[Any]]
VERSIONED = re.compile(r"^/api/v\d+(?=/)")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"message": message, "status": status, "code": 0, "moreInfoUrl": ""}
    return JSONResponse(body, status_code=status, headers=headers)


class Limits:
    """Per-endpoint rate windows (429 + Retry-After) and the annual allowance (402) [docs: errors, limits]."""

    def __init__(self, config: OnshapeSimConfig) -> None:
        self.config = config
        self.windows: dict[str, tuple[float, int]] = {}
        self.counted = 0  # calls answered 2xx/3xx: what counts toward the annual limit

    def take(self, endpoint: str) -> tuple[int | None, int | None]:
        """(remaining in this window, seconds to wait) for one call to `endpoint`."""
        limit = self.config.rate_limit_per_window
        if limit is None:
            return None, None
        now = time.monotonic()
        start, used = self.windows.get(endpoint, (now, 0))
        if now - start >= self.config.rate_limit_window_seconds:
            start, used = now, 0
        if used >= limit:
            return 0, max(1, int(self.config.rate_limit_window_seconds - (now - start)) + 1)
        self.windows[endpoint] = (start, used + 1)
        return limit - used - 1, None


def _page(request: Request, rows: list[Any], *, default: int, maximum: int) -> dict[str, Any]:
    """BTListResponse over `rows`; `next` carries `offset` (INFERENCE for lists that document none)."""
    try:
        offset = int(request.query_params.get("offset", 0))
        limit = int(request.query_params.get("limit", default))
    except ValueError:
        raise OnshapeError(400, "offset and limit must be integers") from None
    if offset < 0 or not 1 <= limit <= maximum:
        raise OnshapeError(400, f"limit must be between 1 and {maximum}")
    window = rows[offset : offset + limit]
    more = offset + limit < len(rows)
    return {
        "href": str(request.url),
        "items": window,
        "next": str(request.url.include_query_params(offset=offset + limit, limit=limit)) if more else None,
        "previous": str(request.url.include_query_params(offset=max(0, offset - limit), limit=limit)) if offset else None,
    }


def _bool(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise OnshapeError(400, f"{name} must be true or false")
    return value.lower() == "true"


def _element_type(value: str | None, name: str, *, required: bool) -> int | None:
    if value is None or value == "":
        if required:
            raise OnshapeError(400, f"{name} is required")
        return None
    try:
        return int(value)
    except ValueError:
        raise OnshapeError(400, f"{name} must be an integer element type") from None


def create_app(config: OnshapeSimConfig | None = None) -> Unversioned:
    config = config or OnshapeSimConfig()
    state: dict[str, Company] = {}
    auth = Authenticator(config)
    limits = Limits(config)

    def reseed() -> Company:
        company = Company(config.company_id)
        if config.seed_demo:
            seed_demo(company, config)
        state["company"] = company
        return company

    reseed()

    def company() -> Company:
        return state["company"]

    def endpoint(handler: Handler, name: str) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            try:
                auth.check(request)
            except OnshapeError as exc:
                return error_response(exc.status, exc.message)
            if config.annual_call_limit is not None and limits.counted >= config.annual_call_limit:
                return error_response(402, "API limits have been reached")
            remaining, wait = limits.take(name)
            headers = {"X-Rate-Limit-Remaining": str(remaining if remaining is not None else 3000)}
            if wait is not None:
                return error_response(429, "Too many requests", {**headers, "Retry-After": str(wait)})
            try:
                with company().lock:
                    result = await handler(request)
            except OnshapeError as exc:
                return error_response(exc.status, exc.message, headers)
            limits.counted += 1
            if isinstance(result, Response):
                result.headers.update(headers)
                return result
            return JSONResponse(result, headers=headers)

        return serve

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise OnshapeError(415, "Invalid JSON") from None  # 415: "unsupported data types or invalid JSON"
        if not isinstance(body, dict):
            raise OnshapeError(400, "The request body must be a JSON object")
        return body

    async def session_info(_r: Request) -> Any:
        return {"id": "5a1b2c3d4e5f60718293a4c6", "name": "ion-sync integration", "email": "ion-sync@factory.example"}

    async def companies(r: Request) -> Any:
        row = {"id": config.company_id, "name": config.company_name, "admin": config.company_admin}
        return _page(r, [row], default=20, maximum=20)

    def own_company(cid: str) -> Company:
        if cid != config.company_id:
            raise OnshapeError(404, f"Company {cid} not found")
        return company()

    async def enumerate_revisions(r: Request) -> Any:
        c = own_company(r.path_params["cid"])
        if not config.company_admin:
            raise OnshapeError(403, "This API can only be called by company admins")
        after_text = r.query_params.get("after", "2000-01-01T00:00:00Z")
        try:
            after = datetime.fromisoformat(after_text.replace("Z", "+00:00"))
            after = after if after.tzinfo else after.replace(tzinfo=UTC)  # no offset: UTC (INFERENCE)
        except ValueError:
            raise OnshapeError(400, f"after is not a date-time: {after_text}") from None
        element_type = _element_type(r.query_params.get("elementType"), "elementType", required=False)
        latest_only = _bool(r, "latestOnly", False)
        rows = [
            rev
            for rev in c.revisions
            if datetime.fromisoformat(rev["createdAt"].replace("Z", "+00:00")) >= after
            and (element_type in (None, -1) or rev["elementType"] == element_type)
            and (not latest_only or rev["nextRevisionId"] is None)
        ]
        return _page(r, rows, default=20, maximum=100)

    async def history(r: Request) -> Any:
        c = own_company(r.path_params["cid"])
        element_type = _element_type(r.query_params.get("elementType"), "elementType", required=True)
        number = r.path_params["pnum"]
        rows = [rev for rev in c.revisions_of(number) if element_type == -1 or rev["elementType"] == element_type]
        return {"href": str(r.url), "items": rows, "partNumber": number, "next": None}

    async def latest(r: Request) -> Any:
        if r.path_params["cd"] not in ("c", "d"):
            raise OnshapeError(400, "cd must be c or d")
        if r.path_params["cd"] == "c":
            c = own_company(r.path_params["cdid"])
        else:
            c = company()
            if r.path_params["cdid"] != c.document_id:
                raise OnshapeError(404, "Document not found")
        element_type = _element_type(r.query_params.get("et"), "et", required=True)
        rows = [rev for rev in c.revisions_of(r.path_params["pnum"]) if element_type == -1 or rev["elementType"] == element_type]
        return rows[-1] if rows else Response(status_code=204)

    async def get_bom(r: Request) -> Any:
        c = company()
        p = r.path_params
        if p["did"] != c.document_id:
            raise OnshapeError(404, "Document not found")
        if p["wvm"] not in ("w", "v", "m"):
            raise OnshapeError(400, "wvm must be one of w, v, m")
        if p["wvm"] == "m":
            raise OnshapeError(404, "Microversion not found")  # microversions are not simulated
        if p["wvm"] == "w" and p["wvmid"] != c.workspace_id:
            raise OnshapeError(404, "Workspace not found")
        version_id = c.versions[-1]["id"] if p["wvm"] == "w" else c.version(p["wvmid"])["id"]
        element = next((part for part in c.parts.values() if part.element_id == p["eid"]), None)
        if element is None:
            raise OnshapeError(404, "Element not found")
        if element.element_type != 1:
            raise OnshapeError(400, "The element is not an assembly")
        if not (config.bom_table_exists or _bool(r, "generateIfAbsent", False)):
            raise OnshapeError(404, "BOM does not exist for this assembly")  # spec: generateIfAbsent
        if c.bom_at(element.element_id, version_id) is None:
            raise OnshapeError(404, "The assembly has no content at this version")
        return bom.render(
            c, element.element_id, version_id, indented=_bool(r, "indented", True), multi_level=_bool(r, "multiLevel", False)
        )

    async def document(r: Request) -> Any:
        c = company()
        if r.path_params["did"] != c.document_id:
            raise OnshapeError(404, "Document not found")
        return {
            "id": c.document_id,
            "name": c.document_name,
            "defaultWorkspace": {"id": c.workspace_id, "name": "Main"},
            "owner": {"id": config.company_id, "name": config.company_name},
        }

    async def parts(r: Request) -> Any:
        c = company()
        p = r.path_params
        if p["did"] != c.document_id:
            raise OnshapeError(404, "Document not found")
        if (p["wvm"] == "w" and p["wvmid"] != c.workspace_id) or p["wvm"] not in ("w", "v"):
            raise OnshapeError(404, "Workspace or version not found")
        version_id = c.versions[-1]["id"] if p["wvm"] == "w" else c.version(p["wvmid"])["id"]
        rows = []
        for part in c.parts.values():
            if part.part_id is None:
                continue  # an assembly: not a part of a Part Studio
            revision = c.revision_at(part.number, version_id)
            rows.append(
                {
                    "partId": part.part_id,
                    "name": part.name,
                    "partNumber": part.number,
                    "revision": revision["revision"] if revision else None,
                    "state": "RELEASED" if revision else "IN_PROGRESS",
                    "elementId": part.element_id,
                }
            )
        return rows

    async def release_package(r: Request) -> Any:
        package = company().packages.get(r.path_params["rpid"])
        if package is None:
            raise OnshapeError(404, "Release package not found")
        return package

    async def list_comments(r: Request) -> Any:
        c = company()
        did, eid = r.query_params.get("did", ""), r.query_params.get("eid", "")
        if did != c.document_id:
            raise OnshapeError(404, "Document not found")
        rows = [x for x in c.comments if not eid or x.get("elementId") == eid]
        return _page(r, rows, default=20, maximum=200)

    async def create_comment(r: Request) -> Any:
        c = company()
        body = await body_of(r)
        if body.get("documentId") != c.document_id:
            raise OnshapeError(404 if body.get("documentId") else 400, "documentId must name a document you can access")
        if not isinstance(body.get("message"), str) or not body["message"].strip():
            raise OnshapeError(400, "message must not be empty")
        if body.get("versionId"):
            c.version(body["versionId"])
        if body.get("elementId") and not any(p.element_id == body["elementId"] for p in c.parts.values()):
            raise OnshapeError(404, "Element not found")
        comment = {
            "id": c.new_id("cc"),
            "message": body["message"],
            "documentId": c.document_id,
            "versionId": body.get("versionId"),
            "workspaceId": body.get("workspaceId"),
            "elementId": body.get("elementId"),
            "createdAt": iso(c.tick()),
            "href": "",
            "viewRef": f"https://cad.onshape.com/documents/{c.document_id}",
        }
        comment["href"] = f"/api/comments/{comment['id']}"
        c.comments.append(comment)
        return comment

    async def create_webhook(r: Request) -> Any:
        c = company()
        info = notifications.register(c, await body_of(r))
        asyncio.get_running_loop().create_task(notifications.trial(c, config, info))
        return info

    async def list_webhooks(r: Request) -> Any:
        rows = [w for w in company().webhooks.values() if r.query_params.get("company") in (None, "", w.get("companyId"))]
        return _page(r, rows, default=20, maximum=20)

    async def get_webhook(r: Request) -> Any:
        webhook = company().webhooks.get(r.path_params["webhookid"])
        if webhook is None:
            raise OnshapeError(404, "Webhook not found")
        return webhook

    async def delete_webhook(r: Request) -> Any:
        c = company()
        webhook = c.webhooks.pop(r.path_params["webhookid"], None)
        if webhook is None:
            raise OnshapeError(404, "Webhook not found")
        if not _bool(r, "blockNotification", False):
            body = notifications.message(c, webhook, "webhook.unregister", {})
            asyncio.get_running_loop().create_task(notifications.deliver(c, config, webhook, body))
        return {}

    async def ping_webhook(r: Request) -> Any:
        c = company()
        webhook = await get_webhook(r)
        body = notifications.message(c, webhook, "webhook.ping", {})
        asyncio.get_running_loop().create_task(notifications.deliver(c, config, webhook, body))
        return Response(status_code=200)

    def e(handler: Handler, name: str) -> Callable[[Request], Awaitable[Response]]:
        return endpoint(handler, name)

    api = [  # each route's source: sandbox/onshape/SOURCES.md
        Route("/users/sessioninfo", e(session_info, "sessionInfo")),
        Route("/companies", e(companies, "findCompany")),
        Route("/revisions/companies/{cid}", e(enumerate_revisions, "enumerateRevisions")),
        Route("/revisions/companies/{cid}/partnumber/{pnum}", e(history, "getRevisionHistoryInCompanyByPartNumber")),
        Route("/revisions/{cd}/{cdid}/p/{pnum}/latest", e(latest, "getLatestInDocumentOrCompany")),
        Route("/assemblies/d/{did}/{wvm}/{wvmid}/e/{eid}/bom", e(get_bom, "getBillOfMaterials")),
        Route("/releasepackages/{rpid}", e(release_package, "getReleasePackage")),
        Route("/documents/{did}", e(document, "getDocument")),
        Route("/parts/d/{did}/{wvm}/{wvmid}", e(parts, "getPartsWMV")),
        Route("/comments", e(list_comments, "getComments"), methods=["GET"]),
        Route("/comments", e(create_comment, "createComment"), methods=["POST"]),
        Route("/webhooks", e(list_webhooks, "getWebhooks"), methods=["GET"]),
        Route("/webhooks", e(create_webhook, "createWebhook"), methods=["POST"]),
        Route("/webhooks/{webhookid}", e(get_webhook, "getWebhook"), methods=["GET"]),
        Route("/webhooks/{webhookid}", e(delete_webhook, "unregisterWebhook"), methods=["DELETE"]),
        Route("/webhooks/{webhookid}/ping", e(ping_webhook, "pingWebhook"), methods=["POST"]),
    ]

    def fault(status: int, _request: Request) -> Response:
        headers = {"Retry-After": str(config.fault_retry_after_seconds)} if status in (429, 503) else None
        return error_response(status, f"Injected fault: HTTP {status}", headers)

    faults = FaultInjector(
        Starlette(routes=api),
        is_api=lambda _scope: True,
        is_write=lambda scope, _body: scope["method"] in ("POST", "DELETE"),
        error_response=fault,
        concurrency_response=lambda r: fault(429, r),
    )
    faults.configure(config.faults)
    app = Starlette(routes=[Mount("/api", app=faults), *admin_routes(config, state, faults, reseed)])
    app.state.config = config
    app.state.faults = faults
    app.state.state = state
    return Unversioned(app)


class Unversioned:
    """`/api/v16/...` is `/api/...` (the spec's server is /api/v16; the docs' examples use v6 and
    v14): the path is routed without the version, and signed as sent (`raw_path` is untouched)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "path": VERSIONED.sub("/api", scope["path"])}
        await self.app(scope, receive, send)


__all__ = ["create_app"]
