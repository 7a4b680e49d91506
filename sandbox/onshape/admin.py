"""Admin routes of the Onshape simulator (sandbox/README.md); never faulted, never counted.

- `PUT/GET /_sandbox/faults`, `GET /_sandbox/stats`, `POST /_sandbox/stats/reset`, `POST /_sandbox/reset`
- `POST /_sandbox/releases {name, items: [{partNumber, revision, bom?: [{partNumber, quantity}]}], released?}`:
  a release package over a new version (released: its revisions made and the webhooks told)
- `POST /_sandbox/releases/{rpid}/release`: release a PENDING package
- `GET /_sandbox/comments`, `GET /_sandbox/deliveries`, `GET /_sandbox/webhooks`: what the company holds
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.faults import FaultInjector, fault_routes
from sandbox.onshape import notifications
from sandbox.onshape.config import OnshapeSimConfig
from sandbox.onshape.store import Company, OnshapeError


def admin_routes(
    config: OnshapeSimConfig, state: dict[str, Company], faults: FaultInjector, reseed: Callable[[], Company]
) -> list[Route]:
    async def reset(_request: Request) -> Response:
        reseed()
        return JSONResponse({"reset": True, "seeded": config.seed_demo})

    async def create_release(request: Request) -> Response:
        company = state["company"]
        try:
            body: dict[str, Any] = json.loads(await request.body() or b"{}")
            released = bool(body.get("released", True))
            with company.lock:
                package = company.release(str(body["name"]), list(body["items"]), released=False)
                made = company.make_released(package["id"]) if released else []
        except OnshapeError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        except (KeyError, ValueError, TypeError) as exc:
            return JSONResponse({"error": f"bad release description: {exc}"}, status_code=422)
        await notifications.announce_release(company, config, package, made)
        return JSONResponse(package, status_code=201)

    async def release(request: Request) -> Response:
        company = state["company"]
        try:
            with company.lock:
                made = company.make_released(request.path_params["rpid"])
                package = company.packages[request.path_params["rpid"]]
        except OnshapeError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        await notifications.announce_release(company, config, package, made)
        return JSONResponse(package)

    async def dump(request: Request) -> Response:
        company = state["company"]
        kind = request.path_params["kind"]
        with company.lock:
            rows = {
                "comments": company.comments,
                "deliveries": company.deliveries,
                "webhooks": list(company.webhooks.values()),
            }.get(kind)
        if rows is None:
            return JSONResponse({"error": f"nothing called {kind}"}, status_code=404)
        return JSONResponse({"count": len(rows), "results": list(rows)})

    return [
        *fault_routes(faults),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/releases", create_release, methods=["POST"]),
        Route("/_sandbox/releases/{rpid}/release", release, methods=["POST"]),
        Route("/_sandbox/{kind:str}", dump, methods=["GET"]),
    ]
