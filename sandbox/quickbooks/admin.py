"""Admin routes (sandbox/README.md "Admin routes" and the QuickBooks section); never faulted,
throttled or authenticated.

- `PUT/GET /_sandbox/faults`, `GET /_sandbox/stats`, `POST /_sandbox/stats/reset`, `POST /_sandbox/reset`
- `GET /_sandbox/entities/{Entity}`: every stored record of an entity, inactive ones included
- `PUT /_sandbox/limits {"requests_per_minute", "requests_per_second", "batch_requests_per_minute"}` (any subset)
- `PUT /_sandbox/config {...}`: change preference / rotation fields of the config at run time
- `POST /_sandbox/oauth/connect`: a new authorization code, as a user reconnecting the app would give
- `POST /_sandbox/oauth/clock {"advance_seconds": N}`: move the token clock forward (expiry, rotation)
- `POST /_sandbox/oauth/expire-access-tokens`: every access token issued so far now answers 401
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.faults import FaultConfig

from .entities import ENTITIES

if TYPE_CHECKING:
    from .app import Simulator

LIVE_CONFIG = {
    "purchase_orders_enabled",
    "class_tracking_per_line",
    "multicurrency_enabled",
    "rotation",
    "rotation_interval_seconds",
    "rotation_grace_seconds",
    "throttle_body",
    "retry_after_seconds",
    "check_line_amounts",
    "honour_requestid",
    "inventory_tracking",
    "sparse_line_merge",
    "max_minor_version",
}


def _sim(request: Request) -> Simulator:
    return request.app.state.sim


async def put_faults(request: Request) -> Response:
    try:
        config = FaultConfig.model_validate_json(await request.body() or b"{}")
    except ValidationError as exc:
        return JSONResponse({"error": "invalid FaultConfig", "details": exc.errors(include_url=False)}, status_code=422)
    _sim(request).injector.configure(config)
    return JSONResponse(config.model_dump(mode="json"))


async def get_faults(request: Request) -> Response:
    return JSONResponse(_sim(request).injector.config.model_dump(mode="json"))


async def get_stats(request: Request) -> Response:
    return JSONResponse(_sim(request).stats())


async def reset_stats(request: Request) -> Response:
    _sim(request).reset_stats()
    return JSONResponse(_sim(request).stats())


async def reset(request: Request) -> Response:
    sim = _sim(request)
    sim.reset()
    return JSONResponse({"reset": True, "seeded": sim.config.seed_demo})


async def entities(request: Request) -> Response:
    name = request.path_params["entity"]
    entity = ENTITIES.get(name.lower())
    if entity is None:
        return JSONResponse({"error": f"unknown entity {name!r}; one of {sorted(ENTITIES.values())}"}, status_code=404)
    items = _sim(request).store.all(entity)
    return JSONResponse({"entity": entity, "count": len(items), "items": items})


async def limits(request: Request) -> Response:
    throttle = _sim(request).throttle
    payload = await request.json()
    for name in ("requests_per_minute", "requests_per_second", "batch_requests_per_minute"):
        if name in payload:
            setattr(throttle, _attr(name), int(payload[name]))
    throttle.clear_windows()
    return JSONResponse(
        {"per_minute": throttle.per_minute, "per_second": throttle.per_second, "batch_per_minute": throttle.batch_per_minute}
    )


def _attr(name: str) -> str:
    return {
        "requests_per_minute": "per_minute",
        "requests_per_second": "per_second",
        "batch_requests_per_minute": "batch_per_minute",
    }[name]


async def config(request: Request) -> Response:
    sim = _sim(request)
    payload = await request.json()
    unknown = set(payload) - LIVE_CONFIG
    if unknown:
        return JSONResponse({"error": f"not changeable at run time: {sorted(unknown)}"}, status_code=422)
    sim.config = sim.config.model_copy(update=payload)
    sim.company.config = sim.oauth.config = sim.config
    return JSONResponse(sim.config.model_dump(mode="json"))


async def connect(request: Request) -> Response:
    return JSONResponse({"code": _sim(request).oauth.connect(), "realmId": _sim(request).config.realm_id})


async def clock(request: Request) -> Response:
    sim = _sim(request)
    sim.clock_offset += float((await request.json()).get("advance_seconds", 0))
    return JSONResponse({"offset_seconds": sim.clock_offset})


async def expire_access(request: Request) -> Response:
    _sim(request).oauth.expire_access_tokens()
    return JSONResponse({"expired": True})


ROUTES = [
    Route("/_sandbox/faults", put_faults, methods=["PUT"]),
    Route("/_sandbox/faults", get_faults, methods=["GET"]),
    Route("/_sandbox/stats", get_stats, methods=["GET"]),
    Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
    Route("/_sandbox/reset", reset, methods=["POST"]),
    Route("/_sandbox/entities/{entity}", entities, methods=["GET"]),
    Route("/_sandbox/limits", limits, methods=["PUT"]),
    Route("/_sandbox/config", config, methods=["PUT"]),
    Route("/_sandbox/oauth/connect", connect, methods=["POST"]),
    Route("/_sandbox/oauth/clock", clock, methods=["POST"]),
    Route("/_sandbox/oauth/expire-access-tokens", expire_access, methods=["POST"]),
]
