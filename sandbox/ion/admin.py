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
- `POST /_sandbox/receipts` `{purchaseOrderId, items: [{purchaseOrderLineId, quantity, locationId,
  lotNumber?, serialNumber?}], receivedAt?}`: one receipt (ion.md §3.8), new part inventories,
  line receivedQuantity and statuses updated; over-receipts and canceled lines accepted on
  purpose. 201 `{id, receiptItemIds, partInventoryIds}`; 404 unknown PO; 422 bad JSON or a line
  not on that PO.
- `POST /_sandbox/sessions` `{runId, stepPosition?, userEmail, checkIn, checkOut?}`: one
  time-tracking session (§3.2); 201 `{id, runStepId, createdById}`; 404 unknown run.
- `POST /_sandbox/seed/bulk-stock` `{"rows": [[partNumber, quantity, locationId, status], ...]}`, or those
  rows one a line as `application/x-ndjson` (`sandbox.seed_rows`: a million in one transaction): on-hand
  part inventories for benchmarks (parts created rev A, untracked, when missing); 201.
- `POST /_sandbox/seed/bulk-inspections` `{"first_run_id": 100000, "count": N}`: on each of these
  runs a COMPLETE step "Inspect" recording two NUMBER fields (`procedures.seed_inspections`); 201 `{"runs": N}`.
- `POST /_sandbox/seed/bulk-receipts` `{"purchase_orders": N, "lines_per_po": L, "receipts_per_line":
  R, "quantity": q, "first_number": 1, "received_at": "2026-11-21T00:00:00Z"}`: benchmark POs
  `PO-B<6 digits>` and N x L x R receipts (see `purchasing_bulk.seed_bulk_receipts`); 201.
- `POST /_sandbox/seed/bulk-sessions` `{"count": N, "first_run_id": 100000, "user_email":
  "alice@factory.example", "updated_at": "2026-11-21T00:00:00Z"}`: one checked-out session on each
  of N bulk runs (see `labor_bulk.seed_bulk_sessions`); 201; 404 a run missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.faults import FaultConfig, FaultInjector
from sandbox.ion.auth import SimCounters
from sandbox.ion.config import IonSimConfig
from sandbox.ion.labor_bulk import BulkSessionsSpec, seed_bulk_sessions
from sandbox.ion.procedures import seed_inspections
from sandbox.ion.purchasing import Purchasing
from sandbox.ion.purchasing_bulk import BulkReceiptsSpec, seed_bulk_receipts
from sandbox.ion.specs import BulkInspectionsSpec, BulkRunsSpec, ReceiptSpec, RunSpec, SessionSpec
from sandbox.ion.store import ConflictError, IonStore
from sandbox.ion.timestamps import now_stored, to_stored
from sandbox.seed_rows import seed_rows


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
            created = await run_in_threadpool(store.create_run, parsed, attribute_key=config.work_order_attribute_key)
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

    async def bulk_inspections(request: Request) -> JSONResponse:
        parsed = await _parse(request, BulkInspectionsSpec)
        if isinstance(parsed, JSONResponse):
            return parsed
        assert isinstance(parsed, BulkInspectionsSpec)
        runs = await run_in_threadpool(seed_inspections, store, parsed.first_run_id, parsed.count)
        return JSONResponse({"runs": runs}, status_code=201)

    purchasing = Purchasing(store, config)

    def receive(spec: ReceiptSpec) -> JSONResponse:
        with store.lock:
            row = store.db.execute("SELECT 1 FROM purchase_orders WHERE id = ?", (spec.purchaseOrderId,)).fetchone()
            if row is None:
                return JSONResponse({"detail": f"PurchaseOrder {spec.purchaseOrderId} does not exist"}, status_code=404)
            for item in spec.items:
                owner = store.db.execute(
                    "SELECT purchase_order_id FROM purchase_order_lines WHERE id = ?", (item.purchaseOrderLineId,)
                ).fetchone()
                if owner is None or owner[0] != spec.purchaseOrderId:
                    detail = f"PurchaseOrderLine {item.purchaseOrderLineId} is not a line of PurchaseOrder {spec.purchaseOrderId}"
                    return JSONResponse({"detail": detail}, status_code=422)
            received_at = to_stored(spec.receivedAt) if spec.receivedAt else None
            receipt_id = purchasing.create_receipt({"receivedAt": received_at}, received_at)
            try:
                _, item_ids, inventory_ids = purchasing.add_items(
                    [{"receiptId": receipt_id, **item.model_dump()} for item in spec.items], received_at, strict=False
                )
            except GraphQLError as error:
                return JSONResponse({"detail": error.message}, status_code=422)
        return JSONResponse({"id": receipt_id, "receiptItemIds": item_ids, "partInventoryIds": inventory_ids}, status_code=201)

    async def create_receipt(request: Request) -> JSONResponse:
        parsed = await _parse(request, ReceiptSpec)
        if isinstance(parsed, JSONResponse):
            return parsed
        assert isinstance(parsed, ReceiptSpec)
        return await run_in_threadpool(receive, parsed)

    async def create_session(request: Request) -> JSONResponse:
        parsed = await _parse(request, SessionSpec)
        if isinstance(parsed, JSONResponse):
            return parsed
        assert isinstance(parsed, SessionSpec)
        spec = parsed
        try:
            created = await run_in_threadpool(
                purchasing.create_session,
                spec.runId,
                spec.stepPosition,
                spec.userEmail,
                to_stored(spec.checkIn),
                to_stored(spec.checkOut) if spec.checkOut else None,
            )
        except GraphQLError as error:
            return JSONResponse({"detail": error.message}, status_code=404)
        return JSONResponse(created, status_code=201)

    async def bulk_stock(request: Request) -> JSONResponse:
        try:
            rows = (
                (str(part), float(quantity), int(location), None, None, str(status))
                for part, quantity, location, status in await seed_rows(request)
            )
            started = time.perf_counter()
            created = await run_in_threadpool(store.insert_stock, rows, now_stored())
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"detail": 'body must be {"rows": [[partNumber, quantity, locationId, status], ...]}'}, 422)
        return JSONResponse({"part_inventories": created, "seconds": round(time.perf_counter() - started, 3)}, status_code=201)

    async def bulk_receipts(request: Request) -> JSONResponse:
        parsed = await _parse(request, BulkReceiptsSpec)
        if isinstance(parsed, JSONResponse):
            return parsed
        assert isinstance(parsed, BulkReceiptsSpec)
        started = time.perf_counter()
        try:
            created = await run_in_threadpool(seed_bulk_receipts, store, config, parsed)
        except ConflictError as error:
            return JSONResponse({"detail": str(error)}, status_code=409)
        created["seconds"] = round(time.perf_counter() - started, 3)
        return JSONResponse(created, status_code=201)

    async def bulk_sessions(request: Request) -> JSONResponse:
        parsed = await _parse(request, BulkSessionsSpec)
        if isinstance(parsed, JSONResponse):
            return parsed
        assert isinstance(parsed, BulkSessionsSpec)
        started = time.perf_counter()
        try:
            created = await run_in_threadpool(seed_bulk_sessions, purchasing, parsed)
        except GraphQLError as error:
            return JSONResponse({"detail": error.message}, status_code=404)
        created["seconds"] = round(time.perf_counter() - started, 3)
        return JSONResponse(created, status_code=201)

    return [
        Route("/_sandbox/receipts", create_receipt, methods=["POST"]),
        Route("/_sandbox/sessions", create_session, methods=["POST"]),
        Route("/_sandbox/faults", get_faults, methods=["GET"]),
        Route("/_sandbox/faults", put_faults, methods=["PUT"]),
        Route("/_sandbox/stats", get_stats, methods=["GET"]),
        Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/runs", create_run, methods=["POST"]),
        Route("/_sandbox/seed/bulk-runs", bulk_runs, methods=["POST"]),
        Route("/_sandbox/seed/bulk-receipts", bulk_receipts, methods=["POST"]),
        Route("/_sandbox/seed/bulk-sessions", bulk_sessions, methods=["POST"]),
        Route("/_sandbox/seed/bulk-stock", bulk_stock, methods=["POST"]),
        Route("/_sandbox/seed/bulk-inspections", bulk_inspections, methods=["POST"]),
    ]
