"""`create_app`: the Odoo simulator as one Starlette app (sandbox/README.md "Odoo simulator";
every route, field and rule with its source: sandbox/odoo/SOURCES.md).

- `POST /json/2/<model>/<method>` (19+): `Authorization: bearer <key>`, optional `X-Odoo-Database`,
  a JSON object of named parameters plus `ids` and `context`; 200 with the method's value, or
  4xx/5xx with `{name, message, arguments, context, debug}` [ODOO-JSON2].
- `POST /jsonrpc` (every version; deprecated in 19): services `common` (`version`, `login`,
  `authenticate`) and `object` (`execute_kw`); always HTTP 200, errors as `error: {code: 200,
  message: "Odoo Server Error", data: {name, message, arguments, context, debug}}` [ODOO-RPC], [ODOO-HTTP].
- `GET /web/version` (19+): `{"version_info": [...], "version": "19.0"}` [ODOO-JSON2].
Each call is one transaction: a failing call's changes are rolled back.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from sandbox.faults import FaultConfig, FaultInjector
from sandbox.odoo.config import OdooSimConfig
from sandbox.odoo.demo import bulk_purchase_orders, bulk_work_orders, seed
from sandbox.odoo.methods import READS, Odoo
from sandbox.odoo.orm import OdooException

API_PREFIXES = ("/json/2/", "/jsonrpc", "/web/version")


class Database:
    """The live database: a failing call restores the records as they were before it (rollback),
    a succeeding one keeps its changes (commit) [ODOO-JSON2 Transaction]."""

    def __init__(self, config: OdooSimConfig) -> None:
        self.config = config
        self.odoo = self._fresh()

    def _fresh(self) -> Odoo:
        odoo = Odoo(self.config)
        if self.config.seed_demo:
            seed(odoo)
        return odoo

    def reset(self) -> None:
        self.odoo = self._fresh()

    def run(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any], context: dict[str, Any]) -> Any:
        if method in READS:
            return self.odoo.call(model, method, ids, kwargs, context)
        orm = self.odoo.orm
        saved = copy.deepcopy(orm.records), dict(orm.next_id)
        try:
            return self.odoo.call(model, method, ids, kwargs, context)
        except BaseException:
            orm.records, orm.next_id = saved  # rolled back: the call changed nothing
            raise


def _error_object(exc: OdooException, context: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": exc.name,
        "message": exc.message,
        "arguments": [exc.message],
        "context": context or {},
        "debug": f"Traceback (most recent call last):\n{exc.name}: {exc.message}\n",
    }


def _version_info(version: int) -> list[Any]:
    return [version, 0, 0, "final", 0, ""]


def create_app(config: OdooSimConfig | None = None) -> Starlette:
    config = config or OdooSimConfig()
    db = Database(config)
    injector: FaultInjector

    def json2_error(exc: OdooException, status: int | None = None) -> Response:
        code = (
            status
            or config.json2_status.get(exc.name)
            or (404 if exc.name.endswith("NotFound") else 422 if exc.name.endswith("UnprocessableEntity") else 500)
        )
        return JSONResponse(_error_object(exc), status_code=code)

    async def json2(request: Request) -> Response:
        if not config.json2:
            return PlainTextResponse("Not Found", status_code=404)  # the route exists from 19.0 [ODOO-JSON2]
        authorization = request.headers.get("authorization", "")
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or key != config.api_key:
            return json2_error(OdooException("werkzeug.exceptions.Unauthorized", "Invalid apikey"), 401)
        database = request.headers.get("x-odoo-database")
        if database is not None and database != config.database:
            return json2_error(
                OdooException("werkzeug.exceptions.NotFound", f"database {database!r} not found"), 404
            )  # INFERENCE
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            return json2_error(OdooException("werkzeug.exceptions.BadRequest", f"could not parse the body as json: {exc}"), 400)
        if not isinstance(body, dict):
            return json2_error(
                OdooException("werkzeug.exceptions.BadRequest", "could not parse the body, expecting a json object"), 400
            )
        ids, context = body.pop("ids", None), body.pop("context", None) or {}
        try:
            result = db.run(request.path_params["model"], request.path_params["method"], ids, body, context)
        except OdooException as exc:
            return json2_error(exc)
        return JSONResponse(result)

    async def jsonrpc(request: Request) -> Response:
        try:
            payload = json.loads(await request.body())
            params = payload["params"]
            service, method, args = params["service"], params["method"], list(params.get("args") or [])
        except (ValueError, KeyError, TypeError):
            return JSONResponse(
                {"jsonrpc": "2.0", "id": None, "error": {"code": 400, "message": "Invalid JSON-RPC request", "data": {}}}
            )
        request_id = payload.get("id")
        try:
            if config.version >= 19:
                db.odoo.deprecated_rpc_calls += 1
            result = _rpc(service, method, args)
        except OdooException as exc:
            error = {"code": 200, "message": "Odoo Server Error", "data": _error_object(exc)}
            if exc.name.endswith("NotFound"):
                error.update(code=404, message="404: Not Found")
            return JSONResponse({"jsonrpc": "2.0", "id": request_id, "error": error})
        return JSONResponse({"jsonrpc": "2.0", "id": request_id, "result": result})

    def _rpc(service: str, method: str, args: list[Any]) -> Any:
        if service == "common" and method == "version":
            v = config.version
            return {
                "server_version": f"{v}.0",
                "server_version_info": _version_info(v),
                "server_serie": f"{v}.0",
                "protocol_version": 1,
            }
        if service == "common" and method in ("login", "authenticate"):
            database, login, password = [*args, None, None, None][:3]
            return config.uid if (database, login, password) == (config.database, config.username, config.api_key) else False
        if service == "object" and method == "execute_kw":
            if len(args) < 6:
                raise OdooException("builtins.TypeError", "execute_kw() missing required positional arguments")
            database, uid, password, model, name, positional = args[:6]
            kwargs = dict(args[6]) if len(args) > 6 and args[6] else {}
            if (database, uid, password) != (config.database, config.uid, config.api_key):
                raise OdooException("odoo.exceptions.AccessDenied", "Access Denied")
            context = kwargs.pop("context", None) or {}
            ids, rest = _split_args(name, list(positional))
            kwargs |= _positional(name, rest)
            return db.run(model, name, ids, kwargs, context)
        raise OdooException("werkzeug.exceptions.NotFound", f"unknown service or method {service}.{method}")

    async def version(request: Request) -> Response:
        if not config.json2:
            return PlainTextResponse("Not Found", status_code=404)
        return JSONResponse({"version_info": _version_info(config.version), "version": f"{config.version}.0"})

    async def put_faults(request: Request) -> Response:
        injector.configure(FaultConfig.model_validate(await request.json()))
        return JSONResponse(injector.config.model_dump())

    async def get_faults(request: Request) -> Response:
        return JSONResponse(injector.config.model_dump())

    async def stats(request: Request) -> Response:
        return JSONResponse({**injector.stats.as_dict(), "deprecated_rpc_calls": db.odoo.deprecated_rpc_calls})

    async def reset_stats(request: Request) -> Response:
        injector.reset_stats()
        db.odoo.deprecated_rpc_calls = 0
        return JSONResponse({})

    async def reset(request: Request) -> Response:
        db.reset()
        return JSONResponse({})

    async def records(request: Request) -> Response:
        model = request.path_params["model"]
        return JSONResponse({"items": list(db.odoo.orm.records.get(model, {}).values())})

    async def admin_call(request: Request) -> Response:
        """An Odoo user's call, never subject to faults (arranging a scenario: a buyer edits a PO)."""
        body = await request.json()
        try:
            result = db.run(
                request.path_params["model"],
                request.path_params["method"],
                body.pop("ids", None),
                body,
                body.pop("context", None) or {},
            )
        except OdooException as exc:
            return JSONResponse(_error_object(exc), status_code=422)
        return JSONResponse({"result": result})

    async def seed_bulk_work_orders(request: Request) -> Response:
        body = await request.json()
        if not config.mrp_installed:
            return JSONResponse({"error": "the Manufacturing app is not installed"}, status_code=409)
        return JSONResponse({"names": bulk_work_orders(db.odoo, int(body.get("count", 1)))})

    async def seed_bulk_purchase_orders(request: Request) -> Response:
        body = await request.json()
        try:
            names = bulk_purchase_orders(
                db.odoo,
                int(body["count"]),
                int(body.get("lines_per_po", 1)),
                float(body.get("quantity", 1)),
                int(body.get("first_number", 1)),
            )
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse({"created": len(names), "numbers": names[:1] + names[-1:]})

    routes = [
        Route("/_sandbox/seed/bulk-work-orders", seed_bulk_work_orders, methods=["POST"]),
        Route("/_sandbox/seed/bulk-purchase-orders", seed_bulk_purchase_orders, methods=["POST"]),
        Route("/json/2/{model}/{method}", json2, methods=["POST"]),
        Route("/jsonrpc", jsonrpc, methods=["POST"]),
        Route("/web/version", version, methods=["GET"]),
        Route("/_sandbox/faults", put_faults, methods=["PUT"]),
        Route("/_sandbox/faults", get_faults, methods=["GET"]),
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/records/{model}", records, methods=["GET"]),
        Route("/_sandbox/call/{model}/{method}", admin_call, methods=["POST"]),
    ]
    app = Starlette(routes=routes)

    def is_api(scope: Scope) -> bool:
        return str(scope.get("path", "")).startswith(API_PREFIXES)

    def is_write(scope: Scope, body: bytes) -> bool:
        path = str(scope.get("path", ""))
        if path.startswith("/json/2/"):
            return path.rsplit("/", 1)[-1] not in READS
        if path == "/jsonrpc":
            try:
                params = json.loads(body)["params"]
                return params["method"] == "execute_kw" and params["args"][4] not in READS
            except (ValueError, KeyError, IndexError, TypeError):
                return False
        return False

    def error_response(status: int, request: Request) -> Response:
        """An injected 500 from JSON-2 is Odoo's own error object (rolled back); other statuses
        are a proxy's plain answer, as is anything not 200 on /jsonrpc (INFERENCE)."""
        if status == 500 and request.url.path.startswith("/json/2/"):
            return JSONResponse(
                _error_object(OdooException("werkzeug.exceptions.InternalServerError", "internal server error")), status_code=500
            )
        return PlainTextResponse(f"{status} injected", status_code=status)

    injector = FaultInjector(
        app,
        is_api=is_api,
        is_write=is_write,
        error_response=error_response,
        concurrency_response=lambda request: PlainTextResponse("429 too many requests", status_code=429),
    )
    return injector  # type: ignore[return-value]


def _split_args(method: str, positional: list[Any]) -> tuple[list[int] | None, list[Any]]:
    """execute_kw takes the ids as the first positional argument, except for @api.model methods [ODOO-RPC-DEPR] Object service."""
    from sandbox.odoo.methods import MODEL_METHODS

    if method in MODEL_METHODS:
        return None, positional
    return (list(positional[0]) if positional else []), positional[1:]


POSITIONAL = {  # the ORM signatures, parameters in order [ODOO-ORM]
    "search_read": ["domain", "fields", "offset", "limit", "order"],
    "search": ["domain", "offset", "limit", "order"],
    "search_count": ["domain"],
    "read": ["fields"],
    "create": ["vals_list"],
    "write": ["vals"],
    "fields_get": ["allfields", "attributes"],
    "load": ["fields", "data"],
}


def _positional(method: str, values: list[Any]) -> dict[str, Any]:
    names = POSITIONAL.get(method, [])
    if len(values) > len(names):
        raise OdooException(
            "builtins.TypeError", f"{method}() takes {len(names)} positional arguments but {len(values)} were given"
        )
    return dict(zip(names, values, strict=False))
