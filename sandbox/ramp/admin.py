"""Admin routes of the Ramp simulator (sandbox/README.md, "Ramp simulator"); never faulted,
limited or authenticated.

Common: `PUT/GET /_sandbox/faults`, `GET /_sandbox/stats`, `POST /_sandbox/stats/reset`,
`POST /_sandbox/reset`. Ramp only (what a finance team does in Ramp's UI):
- `POST /_sandbox/purchase-orders/{id}/bill {"paid": false}`: an invoice for the whole PO
  (`bills.created`, and `bills.paid` if paid); `POST /_sandbox/bills/{id}/pay`;
- `GET /_sandbox/purchase-orders/{id}/three-way-match`: do PO, item receipts and bill agree;
- `GET /_sandbox/records/{vendors|purchase-orders|item-receipts|bills}`: everything stored;
- `POST /_sandbox/vendors` (a vendor, as the API creates it) and `PATCH /_sandbox/vendors/{id}`
  (also `name`, which the API cannot change);
- `POST /_sandbox/webhooks {endpoint_url, event_types, secret?}`: an active subscription
  without the challenge round trip; `GET /_sandbox/webhooks/deliveries`: the signed outbox;
- `POST /_sandbox/tokens/expire`: every issued token expires now.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.faults import FaultConfig
from sandbox.ramp.errors import RampError

RECORDS = {"vendors": "vendors", "purchase-orders": "purchase_orders", "item-receipts": "item_receipts", "bills": "bills"}


def _route(path: str, method: str, handler: Callable[[Any, Request], Awaitable[Any]], status: int = 200) -> Route:
    async def endpoint(request: Request) -> Response:
        sim = request.app.state.sim
        try:
            result = await handler(sim, request)
        except RampError as error:
            return error.response()
        finally:
            sim.deliver_soon()
        return JSONResponse(result, status_code=status)

    return Route(path, endpoint, methods=[method])


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    return await request.json() if raw else {}


async def put_faults(sim: Any, request: Request) -> Any:
    try:
        config = FaultConfig.model_validate_json(await request.body() or b"{}")
    except ValidationError as exc:
        raise RampError(422, f"invalid FaultConfig: {exc.errors(include_url=False)}") from None
    sim.injector.configure(config)
    return config.model_dump(mode="json")


async def get_faults(sim: Any, _request: Request) -> Any:
    return sim.injector.config.model_dump(mode="json")


async def get_stats(sim: Any, _request: Request) -> Any:
    return sim.stats()


async def reset_stats(sim: Any, _request: Request) -> Any:
    sim.reset_stats()
    return sim.stats()


async def reset(sim: Any, _request: Request) -> Any:
    sim.reseed()
    return {"reset": True, "seeded": sim.config.seed_demo}


async def bill(sim: Any, request: Request) -> Any:
    return sim.state.bill_purchase_order(request.path_params["po_id"], paid=bool((await _body(request)).get("paid")))


async def pay(sim: Any, request: Request) -> Any:
    return sim.state.pay_bill(request.path_params["bill_id"])


async def match(sim: Any, request: Request) -> Any:
    return sim.state.three_way_match(request.path_params["po_id"])


async def records(sim: Any, request: Request) -> Any:
    kind = RECORDS.get(request.path_params["kind"])
    if kind is None:
        raise RampError(404, f"unknown record kind; one of {', '.join(RECORDS)}")
    return {"items": list(getattr(sim.state, kind).values())}


async def create_vendor(sim: Any, request: Request) -> Any:
    body = {"country": "US", "vendor_owner_id": sim.config.user_id, "business_vendor_contacts": {"email": "ap@vendor.example"}}
    return sim.state.create_vendor({**body, **await _body(request)})


async def update_vendor(sim: Any, request: Request) -> Any:
    return sim.state.update_vendor(request.path_params["vendor_id"], await _body(request))


async def subscribe(sim: Any, request: Request) -> Any:
    body = await _body(request)
    return sim.state.create_subscription(body, active=True, secret=body.get("secret"))


async def deliveries(sim: Any, _request: Request) -> Any:
    return {"items": sim.state.outbox}


async def expire_tokens(sim: Any, _request: Request) -> Any:
    sim.tokens.expire_all()
    return {"expired": len(sim.tokens.tokens)}


def admin_routes() -> list[Route]:
    return [
        _route("/_sandbox/faults", "PUT", put_faults),
        _route("/_sandbox/faults", "GET", get_faults),
        _route("/_sandbox/stats", "GET", get_stats),
        _route("/_sandbox/stats/reset", "POST", reset_stats),
        _route("/_sandbox/reset", "POST", reset),
        _route("/_sandbox/purchase-orders/{po_id}/bill", "POST", bill, 201),
        _route("/_sandbox/purchase-orders/{po_id}/three-way-match", "GET", match),
        _route("/_sandbox/bills/{bill_id}/pay", "POST", pay),
        _route("/_sandbox/records/{kind}", "GET", records),
        _route("/_sandbox/vendors", "POST", create_vendor, 201),
        _route("/_sandbox/vendors/{vendor_id}", "PATCH", update_vendor),
        _route("/_sandbox/webhooks", "POST", subscribe, 201),
        _route("/_sandbox/webhooks/deliveries", "GET", deliveries),
        _route("/_sandbox/tokens/expire", "POST", expire_tokens),
    ]
