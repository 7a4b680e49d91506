"""Admin routes of the Arena simulator (sandbox/README.md); never faulted, never counted.

- `PUT/GET /_sandbox/faults`, `GET /_sandbox/stats`, `POST /_sandbox/stats/reset`, `POST /_sandbox/reset`
- `PUT /_sandbox/quota {"remaining": N}`: set what is left of today's request quota
- `POST /_sandbox/clock {"advance_minutes": M}`: move the workspace clock (session idle expiry)
- `POST /_sandbox/changes {number, title?, items: [{number, newRevisionNumber, bom?: [{number,
  quantity, refDes?, notes?}], lifecyclePhase?}], effective?}`: a change over working revisions
- `POST /_sandbox/changes/{guid}/effective`: approve it (revisions promoted, an event queued)
- `POST /_sandbox/seed/bulk-items {"count": N, "first_number": 1, "bom": [{number, quantity}],
  "routing": {"operations": K}}`: N released items `BULK-P<6 digits>` rev A with that BOM and, with
  `routing`, each a released routing item `<number>-RTG` whose K web-link files are its operations
  `Op <10·k> Operation <k>`, as the demo's routings (`demo.seed_bulk_items`); 201 `{numbers}`
- `GET /_sandbox/files`, `GET /_sandbox/requests`, `GET /_sandbox/events`: what the workspace holds
"""

from __future__ import annotations

import json
from collections.abc import Callable

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.arena.config import ArenaSimConfig
from sandbox.arena.demo import seed_bulk_items
from sandbox.arena.store import ArenaError, ArenaStore
from sandbox.arena.workspace import Workspace
from sandbox.faults import FaultConfig, FaultInjector


def admin_routes(
    *, config: ArenaSimConfig, store: ArenaStore, workspace: Workspace, faults: FaultInjector, reseed: Callable[[], None]
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

    def stats() -> dict[str, object]:
        return {**faults.stats.as_dict(), **workspace.counters, "quota_remaining": workspace.quota_remaining()}

    async def get_stats(_request: Request) -> Response:
        return JSONResponse(stats())

    async def reset_stats(_request: Request) -> Response:
        faults.reset_stats()
        for key in workspace.counters:
            workspace.counters[key] = 0
        return JSONResponse(stats())

    async def reset(_request: Request) -> Response:
        store.reset()
        reseed()
        return JSONResponse({"reset": True, "seeded": config.seed_demo})

    async def quota(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        with store.transaction():
            store.set_state("quota_remaining", int(body["remaining"]))
        return JSONResponse({"quota_remaining": workspace.quota_remaining()})

    async def clock(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        with store.transaction():
            offset = float(store.state("clock_offset", 0)) + 60 * float(body.get("advance_minutes", 0))
            store.set_state("clock_offset", offset)
        return JSONResponse({"now": store.now().isoformat()})

    async def create_change(request: Request) -> Response:
        try:
            change = workspace.create_change(json.loads(await request.body() or b"{}"))
        except ArenaError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        except (KeyError, ValueError) as exc:
            return JSONResponse({"error": f"bad change description: {exc}"}, status_code=422)
        return JSONResponse(change, status_code=201)

    async def make_effective(request: Request) -> Response:
        try:
            return JSONResponse(workspace.make_effective(request.path_params["guid"]))
        except ArenaError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)

    async def bulk_items(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        try:
            operations = int((body.get("routing") or {}).get("operations", 0))
            count, first = int(body["count"]), int(body.get("first_number", 1))
            numbers = seed_bulk_items(store, workspace, count, first, body.get("bom", []), operations)
        except ArenaError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        except (KeyError, ValueError) as exc:
            return JSONResponse({"error": f"bad bulk items description: {exc}"}, status_code=422)
        return JSONResponse({"numbers": numbers}, status_code=201)

    async def dump(request: Request) -> Response:
        kind = {"files": "file", "requests": "request", "events": "event"}[request.path_params["kind"]]
        with store.lock:
            rows = store.all(kind)
        return JSONResponse({"count": len(rows), "results": rows})

    return [
        Route("/_sandbox/faults", put_faults, methods=["PUT"]),
        Route("/_sandbox/faults", get_faults, methods=["GET"]),
        Route("/_sandbox/stats", get_stats, methods=["GET"]),
        Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/quota", quota, methods=["PUT"]),
        Route("/_sandbox/clock", clock, methods=["POST"]),
        Route("/_sandbox/changes", create_change, methods=["POST"]),
        Route("/_sandbox/changes/{guid}/effective", make_effective, methods=["POST"]),
        Route("/_sandbox/seed/bulk-items", bulk_items, methods=["POST"]),
        Route("/_sandbox/{kind:str}", dump, methods=["GET"]),
    ]
