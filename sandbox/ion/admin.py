"""Admin routes of the ION simulator (sandbox/README.md, "Admin routes" and "ION simulator").

Never subject to faults or auth. Common to every simulator: `PUT/GET /_sandbox/faults`,
`GET /_sandbox/stats`, `POST /_sandbox/stats/reset`, `POST /_sandbox/reset`. ION only:

- `POST /_sandbox/runs`: create one run from a `RunSpec` JSON (see `sandbox.ion.specs`):
  `{id?, title?, status, startTime?, endTime?, workOrder, produces: {partNumber, quantity,
  locationId, serialNumber?, lotNumber?}, installations: [{partNumber, perParent, locationId,
  serialNumber?, lotNumber?, quantity?}]}`. Bad data is accepted on purpose (negative or
  null quantities, null locations, unknown part numbers, which become ION parts); 201 with
  the ids created, 409 if the run id exists, 422 if the JSON does not fit the spec.
- `POST /_sandbox/seed/bulk-runs` `{"count": N, "installations_per_run": 20, "first_run_id":
  100000}`: benchmark runs (see `IonStore.seed_bulk_runs` for the exact data); 201.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.faults import FaultConfig, FaultInjector
from sandbox.ion.auth import SimCounters
from sandbox.ion.config import IonSimConfig
from sandbox.ion.specs import BulkRunsSpec, RunSpec
from sandbox.ion.store import ConflictError, IonStore


async def _parse(request: Request, model: type[BaseModel]) -> BaseModel | JSONResponse:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as error:
        return JSONResponse({"detail": error.errors(include_url=False, include_context=False)}, status_code=422)


def admin_routes(
    *,
    config: IonSimConfig,
    store: IonStore,
    faults: FaultInjector,
    counters: SimCounters,
    reseed: Callable[[], None],
) -> list[Route]:
    """The admin routes bound to one app's state."""

    async def get_faults(_request: Request) -> JSONResponse:
        return JSONResponse(faults.config.model_dump(mode="json"))

    async def put_faults(request: Request) -> JSONResponse:
        parsed = await _parse(request, FaultConfig)
        if isinstance(parsed, JSONResponse):
            return parsed
        assert isinstance(parsed, FaultConfig)
        faults.configure(parsed)
        return JSONResponse(parsed.model_dump(mode="json"))

    def stats() -> dict[str, Any]:
        return {**faults.stats.as_dict(), **counters.as_dict()}

    async def get_stats(_request: Request) -> JSONResponse:
        return JSONResponse(stats())

    async def reset_stats(_request: Request) -> JSONResponse:
        faults.reset_stats()
        counters.reset()
        return JSONResponse(stats())

    async def reset(_request: Request) -> JSONResponse:
        def drop_and_seed() -> None:
            with store.lock:
                store.reset()
                reseed()

        await run_in_threadpool(drop_and_seed)
        return JSONResponse({"reset": True, "seeded": config.seed_demo})

    async def create_run(request: Request) -> JSONResponse:
        parsed = await _parse(request, RunSpec)
        if isinstance(parsed, JSONResponse):
            return parsed
        assert isinstance(parsed, RunSpec)
        try:
            created = await run_in_threadpool(
                store.create_run, parsed, attribute_key=config.work_order_attribute_key
            )
        except ConflictError as error:
            return JSONResponse({"detail": str(error)}, status_code=409)
        return JSONResponse(created, status_code=201)

    async def bulk_runs(request: Request) -> JSONResponse:
        parsed = await _parse(request, BulkRunsSpec)
        if isinstance(parsed, JSONResponse):
            return parsed
        assert isinstance(parsed, BulkRunsSpec)
        started = time.perf_counter()
        try:
            created = await run_in_threadpool(
                store.seed_bulk_runs,
                parsed.count,
                parsed.installations_per_run,
                parsed.first_run_id,
                attribute_key=config.work_order_attribute_key,
                end_time_origin=config.bulk_end_time_origin,
                end_time_step_seconds=config.bulk_end_time_step_seconds,
            )
        except ConflictError as error:
            return JSONResponse({"detail": str(error)}, status_code=409)
        created["seconds"] = round(time.perf_counter() - started, 3)
        return JSONResponse(created, status_code=201)

    return [
        Route("/_sandbox/faults", get_faults, methods=["GET"]),
        Route("/_sandbox/faults", put_faults, methods=["PUT"]),
        Route("/_sandbox/stats", get_stats, methods=["GET"]),
        Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/runs", create_run, methods=["POST"]),
        Route("/_sandbox/seed/bulk-runs", bulk_runs, methods=["POST"]),
    ]
