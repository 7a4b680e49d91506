"""Admin routes (sandbox/README.md "Admin routes" and the NetSuite section); never faulted,
never authenticated.

- `PUT/GET /_sandbox/faults`, `GET /_sandbox/stats`, `POST /_sandbox/stats/reset`, `POST /_sandbox/reset`
- `GET /_sandbox/records/{type}[?limit=&offset=]`: stored records of a type, fully expanded
  (completions with their component lines and inventory detail)
- `GET /_sandbox/inventory`: the `inventorybalance` rows with item/location names
- `POST /_sandbox/seed/bulk-work-orders {"count": N}`: WO-B000001.. and items BULK-C01..C20
- `POST /_sandbox/seed/purchasing`: the purchasing demo data (idempotent; `seed_purchasing` does it at start-up)
- `POST /_sandbox/seed/bulk-balances {"rows": [[itemid, location id, quantity], ...]}`, or those rows one a
  line as `application/x-ndjson` (`sandbox.seed_rows`): on-hand balances for benchmarks, items created
  when missing (`NetSuiteStore.bulk_balances`)
- `POST /_sandbox/seed/bulk-purchase-orders {"count": N, "lines_per_po": L, "quantity": Q, "first_number": 1,
  "received": R, "billed": B}` (R, B per line on one item receipt and one vendor bill per PO; 0: none):
  PO-B000001.. for benchmarks (`purchasing_bulk.py`)
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.faults import FaultConfig
from sandbox.seed_rows import seed_rows

from .purchasing_bulk import BulkPurchaseOrdersSpec, TranIdClash, seed_bulk_purchase_orders
from .records import Renderer
from .schema import canonical_type

if TYPE_CHECKING:
    from .app import Simulator


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
    sim.store.reset()
    return JSONResponse({"reset": True, "seeded": sim.config.seed_demo})


async def dump_records(request: Request) -> Response:
    sim = _sim(request)
    rtype = canonical_type(request.path_params["rtype"])
    if rtype is None:
        return JSONResponse({"error": f"unknown record type {request.path_params['rtype']!r}"}, status_code=404)
    try:
        limit = int(request.query_params["limit"]) if "limit" in request.query_params else None
        offset = int(request.query_params.get("offset", "0"))
    except ValueError:
        return JSONResponse({"error": "limit and offset must be integers"}, status_code=400)
    bodies, total = sim.store.dump(rtype, limit, offset)
    renderer = Renderer(sim, sim.base_url(request))
    items = [renderer.record(rtype, body, expand=True) for body in bodies]
    return JSONResponse({"recordType": rtype, "totalResults": total, "count": len(items), "items": items})


async def inventory(request: Request) -> Response:
    sim = _sim(request)
    store = sim.store
    rows = []
    for item, location, on_hand, available in store.balances():
        info, loc = store.items.get(item), store.locations.get(location)
        rows.append(
            {
                "item": str(item),
                "itemId": info.itemid if info else None,
                "location": str(location),
                "locationName": loc.name if loc else None,
                "quantityOnHand": on_hand,
                "quantityAvailable": available,
            }
        )
    return JSONResponse({"items": rows})


async def bulk_work_orders(request: Request) -> Response:
    sim = _sim(request)
    try:
        payload = await request.json()
        count = int(payload["count"])
        if count < 0:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"error": 'body must be {"count": N} with N >= 0'}, status_code=400)
    started = time.perf_counter()
    result = sim.store.bulk_work_orders(count)
    return JSONResponse({**result, "seconds": round(time.perf_counter() - started, 3)})


async def bulk_balances(request: Request) -> Response:
    try:
        rows = ((str(item), int(location), float(quantity)) for item, location, quantity in await seed_rows(request))
        started = time.perf_counter()
        result = _sim(request).store.bulk_balances(rows)
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"error": 'body must be {"rows": [[itemid, location id, quantity], ...]}'}, status_code=400)
    return JSONResponse({**result, "seconds": round(time.perf_counter() - started, 3)})


async def seed_purchasing(request: Request) -> Response:
    seeded = _sim(request).store.purchasing.seed_demo()
    return JSONResponse({"seeded": seeded})


async def bulk_purchase_orders(request: Request) -> Response:
    try:
        spec = BulkPurchaseOrdersSpec.model_validate_json(await request.body() or b"{}")
    except ValidationError as exc:
        return JSONResponse(
            {"error": "invalid bulk-purchase-orders body", "details": exc.errors(include_url=False, include_context=False)},
            status_code=422,
        )
    started = time.perf_counter()
    try:
        result = seed_bulk_purchase_orders(_sim(request).store, spec)
    except TranIdClash as exc:
        return JSONResponse({"error": str(exc)}, status_code=409)
    return JSONResponse({**result, "seconds": round(time.perf_counter() - started, 3)})


ROUTES = [
    Route("/_sandbox/faults", put_faults, methods=["PUT"]),
    Route("/_sandbox/faults", get_faults, methods=["GET"]),
    Route("/_sandbox/stats", get_stats, methods=["GET"]),
    Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
    Route("/_sandbox/reset", reset, methods=["POST"]),
    Route("/_sandbox/records/{rtype}", dump_records, methods=["GET"]),
    Route("/_sandbox/inventory", inventory, methods=["GET"]),
    Route("/_sandbox/seed/bulk-work-orders", bulk_work_orders, methods=["POST"]),
    Route("/_sandbox/seed/purchasing", seed_purchasing, methods=["POST"]),
    Route("/_sandbox/seed/bulk-balances", bulk_balances, methods=["POST"]),
    Route("/_sandbox/seed/bulk-purchase-orders", bulk_purchase_orders, methods=["POST"]),
]
