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

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.faults import FaultConfig, FaultInjector
from sandbox.onshape import notifications
from sandbox.onshape.config import OnshapeSimConfig
from sandbox.onshape.store import Company, OnshapeError


def admin_routes(
    config: OnshapeSimConfig, state: dict[str, Company], faults: FaultInjector, reseed: Callable[[], Company]
) -> list[Route]:
    async def put_faults(request: Request) -> Response:
        try:
            fault_config = FaultConfig.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            return JSONResponse({"error": "invalid FaultConfig", "details": exc.errors(include_url=False)}, status_code=422)
        faults.configure(fault_config)
        return JSONResponse(fault_config.model_dump(mode="json"))

    async def get_faults(_request: Request) -> Response:
        return JSONResponse(faults.config.model_dump(mode="json"))

    async def get_stats(_request: Request) -> Response:
        return JSONResponse(faults.stats.as_dict())

    async def reset_stats(_request: Request) -> Response:
        faults.reset_stats()
        return JSONResponse(faults.stats.as_dict())

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
        Route("/_sandbox/faults", put_faults, methods=["PUT"]),
        Route("/_sandbox/faults", get_faults, methods=["GET"]),
        Route("/_sandbox/stats", get_stats, methods=["GET"]),
        Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/releases", create_release, methods=["POST"]),
        Route("/_sandbox/releases/{rpid}/release", release, methods=["POST"]),
        Route("/_sandbox/{kind:str}", dump, methods=["GET"]),
    ]
