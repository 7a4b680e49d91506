"""Record service routes (netsuite.md §1.3-§1.6): list with `q=`/paging, GET by id or
`eid:`, work-order create / PATCH / `PUT eid:` upsert, and shared value checks.

Responses follow §1.4: collections are reference lists (`links`, `items[{links, id}]`, `count`,
`offset`, `hasMore`, `totalResults`); a record renders references as `{links, id, refName}` and
sublists/subrecords as links unless `expandSubResources=true`. Writes answer 204 with an
absolute `Location` (§1.5). workOrderCompletion/workOrderClose records can only come from a
transform (`transforms.py`).
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .errors import MALFORMED_DETAIL, NsError, invalid_content, invalid_field_value, nonexistent_id
from .schema import FILTER_FIELDS, STATUS_NAMES, WORK_ORDER, WORK_ORDER_STATUS, Normalizer, Spec, canonical_type
from .store import DuplicateExternalId, ItemInfo, LocationInfo, iso_now, work_order_body

if TYPE_CHECKING:
    from .app import Simulator

SINGULAR = "application/vnd.oracle.resource+json; type=singular"
COLLECTION = "application/vnd.oracle.resource+json; type=collection"
_SUBRESOURCES = {"inventoryDetail", "componentInventoryDetail"}
# Reference fields of the purchasing records -> the record type they point to (§1.3).
_REF_TARGETS = {
    "entity": "vendor",
    "employee": "employee",
    "terms": "term",
    "currency": "currency",
    "department": "department",
    "class": "classification",
}


# ---------------------------------------------------------------------- request helpers


def record_type(name: str) -> str:
    rtype = canonical_type(name)
    if rtype is None:
        raise NsError(404, "NONEXISTENT_ID", f"Record type '{name}' does not exist.")
    return rtype


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return await request.json()
    except ValueError as exc:
        raise NsError(400, "INVALID_REQUEST", MALFORMED_DETAIL) from exc


def normalizer(sim: Simulator, request: Request) -> Normalizer:
    mode = request.headers.get("x-netsuite-propertynamevalidation", "").strip().lower()
    if mode not in ("ignore", "warning", "error"):
        mode = sim.config.property_name_validation_default
    return Normalizer(mode, sim.config.property_names_case_insensitive, sim.config.unknown_property_error_code)


def normalize(sim: Simulator, request: Request, body: Any, spec: Spec) -> tuple[dict[str, Any], list[str]]:
    norm = normalizer(sim, request)
    return norm.object(body, spec, ""), norm.warnings


def write_response(sim: Simulator, request: Request, rtype: str, rid: int, warnings: list[str]) -> Response:
    headers = {"Location": record_url(sim.base_url(request), rtype, rid)}
    if warnings:
        headers[sim.config.warning_header] = " | ".join(warnings)[:4000]
    return Response(status_code=204, headers=headers)


def record_url(base: str, rtype: str, rid: Any) -> str:
    return f"{base}/services/rest/record/v1/{rtype}/{rid}"


def paging(request: Request, default: int, maximum: int, ceiling: int) -> tuple[int, int]:
    def read(name: str, fallback: int) -> int:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return fallback
        try:
            return int(raw)
        except ValueError as exc:
            raise NsError(400, "INVALID_PARAMETER", f"The {name} parameter must be an integer.", query_param=name) from exc

    limit, offset = read("limit", default), read("offset", 0)
    if not 1 <= limit <= maximum:
        raise NsError(400, "INVALID_PARAMETER", f"The limit must be between 1 and {maximum}.", query_param="limit")
    if offset < 0 or offset % limit:
        raise NsError(400, "INVALID_PARAMETER", "The offset must be a multiple of the limit.", query_param="offset")
    if offset >= ceiling:
        raise NsError(400, "INVALID_PARAMETER", f"No more than {ceiling} results can be paged.", query_param="offset")
    return limit, offset


# ---------------------------------------------------------------------- value checks


def number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise invalid_content(f"Invalid number value {value!r} for field {path}.", path)
    return float(value)


def check_date(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise invalid_content(f"Invalid date value {value!r}; use YYYY-MM-DD.", path)
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise invalid_content(f"Invalid date value {value!r}; use YYYY-MM-DD.", path) from exc


def check_text(value: Any, path: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise invalid_content(f"Invalid text value {value!r} for field {path}.", path)
    return value


def check_external_id(sim: Simulator, value: Any, path: str = "externalId") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise invalid_content(f"Invalid externalId {value!r}: a non-empty string is expected.", path)
    pattern = sim.config.external_id_pattern
    if pattern and not re.match(pattern, value):
        raise invalid_content(f"Invalid externalId {value!r}: only letters, digits, '_' and '-' are allowed.", path)
    return value


def ref_key(value: Any, path: str) -> tuple[str, str]:
    """('id', '12') or ('externalId', 'X') from a written reference."""
    if isinstance(value, dict):
        if value.get("id") not in (None, ""):
            return "id", str(value["id"])
        if value.get("externalId") not in (None, ""):
            return "externalId", str(value["externalId"])
    raise invalid_content(f'Invalid reference for field {path}: use {{"id": ...}} or {{"externalId": ...}}.', path)


def resolve_item(sim: Simulator, value: Any, path: str) -> ItemInfo:
    kind, key = ref_key(value, path)
    store = sim.store
    info = (store.items.get(int(key)) if key.isdigit() else None) if kind == "id" else store.items_by_eid.get(key)
    if info is None:
        raise invalid_field_value(key, path, sim.config.invalid_reference_error_code)
    return info


def resolve_location(sim: Simulator, value: Any, path: str) -> LocationInfo:
    kind, key = ref_key(value, path)
    store = sim.store
    loc = (store.locations.get(int(key)) if key.isdigit() else None) if kind == "id" else store.locations_by_eid.get(key)
    if loc is None:
        raise invalid_field_value(key, path, sim.config.invalid_reference_error_code)
    return loc


def duplicate_external_id(sim: Simulator, rtype: str, external_id: str | None) -> NsError:
    return NsError(
        400,
        sim.config.duplicate_external_id_error_code,
        f"Error while accessing a resource. This record already exists: a {rtype} record with externalId "
        f"'{external_id}' exists (external IDs are unique per record type).",
        path="externalId",
    )


# ---------------------------------------------------------------------- rendering


class Renderer:
    """Turns canonical stored bodies into REST representations with links and refNames."""

    def __init__(self, sim: Simulator, base: str) -> None:
        self.sim = sim
        self.base = base
        self.status_names = WORK_ORDER_STATUS

    def ref(self, field: str, value: dict[str, Any]) -> dict[str, Any]:
        rid = str(value["id"])
        store = self.sim.store
        out: dict[str, Any] = {}
        target, name = None, value.get("refName")
        if field in ("location", "toLocation", "adjLocation", "parent"):
            loc = store.locations.get(int(rid)) if rid.isdigit() else None
            target, name = "location", loc.name if loc else name
        elif field in ("item", "assemblyItem"):
            info = store.items.get(int(rid)) if rid.isdigit() else None
            target, name = (info.rtype, info.itemid) if info else ("item", name)
        elif field == "createdFrom":
            target = (store.purchasing.transaction_type(int(rid)) if rid.isdigit() else None) or "workOrder"
            if name is None and target != "workOrder" and rid.isdigit():
                name = store.purchasing.name_of(target, int(rid))
        elif field in _REF_TARGETS:
            target = _REF_TARGETS[field]
            if name is None and rid.isdigit():
                name = store.purchasing.name_of(target, int(rid))
        elif field == "subsidiary":
            name = name or "Parent Company"
            target = "subsidiary"
        if target:
            out["links"] = [{"rel": "self", "href": record_url(self.base, target, rid)}]
        else:
            out["links"] = []
        out["id"] = rid
        if name:
            out["refName"] = name
        return out

    def value(self, field: str, value: Any, href: str, expand: bool) -> Any:
        if isinstance(value, dict):
            if "items" in value and isinstance(value["items"], list):
                link = {"links": [{"rel": "self", "href": f"{href}/{field}"}]}
                if not expand:
                    return link
                items = [self.obj(line, f"{href}/{field}", True) for line in value["items"]]
                return {**link, "items": items, "count": len(items), "hasMore": False, "offset": 0, "totalResults": len(items)}
            if field in _SUBRESOURCES:
                if not expand:
                    return {"links": [{"rel": "self", "href": f"{href}/{field}"}]}
                return {"links": [], **self.obj(value, f"{href}/{field}", True)}
            if "id" in value:
                return self.ref(field, value)
            return self.obj(value, href, expand)
        if field in ("status", "orderStatus") and isinstance(value, str):
            return {"id": value, "refName": self.status_names.get(value, value)}
        return value

    def obj(self, body: dict[str, Any], href: str, expand: bool) -> dict[str, Any]:
        return {k: self.value(k, v, href, expand) for k, v in body.items() if v is not None}

    def record(self, rtype: str, body: dict[str, Any], expand: bool) -> dict[str, Any]:
        href = record_url(self.base, rtype, body["id"])
        self.status_names = STATUS_NAMES.get(rtype, WORK_ORDER_STATUS)
        out: dict[str, Any] = {"links": [{"rel": "self", "href": href}]}
        for key, val in body.items():
            if val is None:
                continue
            out[key] = str(val) if key == "id" else self.value(key, val, href, expand)
        return out


# ---------------------------------------------------------------------- endpoints


async def collection_endpoint(sim: Simulator, request: Request) -> Response:
    rtype = record_type(request.path_params["rtype"])
    if request.method == "GET":
        return list_records(sim, request, rtype)
    if request.method == "POST":
        return await create_record(sim, request, rtype)
    raise NsError(405, "INVALID_REQUEST", f"{request.method} is not supported on a record collection.")


def list_records(sim: Simulator, request: Request, rtype: str) -> Response:
    cfg = sim.config
    limit, offset = paging(request, cfg.collection_default_limit, cfg.collection_max_limit, cfg.collection_max_results)
    q = request.query_params.get("q")
    where, params = sim.filters.compile(q, FILTER_FIELDS.get(rtype, set())) if q and q.strip() else (None, [])
    ids, total = sim.store.list_ids(rtype, where, params, limit, offset)
    total = min(total, cfg.collection_max_results)
    base = sim.base_url(request)
    coll = f"{base}/services/rest/record/v1/{rtype}"

    def href(off: int) -> str:
        query: dict[str, str | int] = {"limit": limit, "offset": off}
        if q:
            query = {"q": q, **query}
        return f"{coll}?{urlencode(query)}"

    has_more = offset + len(ids) < total
    links = []
    if offset > 0:
        links += [{"rel": "prev", "href": href(max(offset - limit, 0))}, {"rel": "first", "href": href(0)}]
    if has_more:
        links += [{"rel": "next", "href": href(offset + limit)}, {"rel": "last", "href": href(((total - 1) // limit) * limit)}]
    links.append({"rel": "self", "href": href(offset)})
    items = [{"links": [{"rel": "self", "href": record_url(base, rtype, rid)}], "id": str(rid)} for rid in ids]
    body = {"links": links, "count": len(items), "hasMore": has_more, "items": items, "offset": offset, "totalResults": total}
    return JSONResponse(body, media_type=COLLECTION)


def find_record(sim: Simulator, rtype: str, rid: str) -> dict[str, Any] | None:
    if rid.startswith("eid:"):
        return sim.store.get_by_external_id(rtype, rid[4:])
    if rid.isdigit():
        return sim.store.get(rtype, int(rid))
    return None


async def instance_endpoint(sim: Simulator, request: Request) -> Response:
    rtype = record_type(request.path_params["rtype"])
    rid = request.path_params["rid"]
    if request.method == "GET":
        body = find_record(sim, rtype, rid)
        if body is None:
            raise nonexistent_id()
        expand = request.query_params.get("expandSubResources", "").lower() == "true"
        return JSONResponse(Renderer(sim, sim.base_url(request)).record(rtype, body, expand), media_type=SINGULAR)
    if rtype != "workOrder":
        if rtype in ("workOrderCompletion", "workOrderClose") and request.method in ("PUT", "POST"):
            raise _transform_only(rtype)
        raise NsError(405, "INVALID_REQUEST", f"The simulator does not support {request.method} on {rtype} records.")
    if request.method == "PATCH":
        existing = find_record(sim, rtype, rid)
        if existing is None:
            raise nonexistent_id()
        data, warnings = normalize(sim, request, await json_body(request), WORK_ORDER)
        updated = apply_work_order(sim, data, existing)
        _save_work_order(sim, updated, create=False)
        return write_response(sim, request, rtype, updated["id"], warnings)
    if request.method == "PUT":
        if not rid.startswith("eid:"):
            raise NsError(400, "INVALID_REQUEST", "Upsert (PUT) needs an external id in the URL: .../eid:<externalId>.")
        external_id = check_external_id(sim, rid[4:], "externalId")
        data, warnings = normalize(sim, request, await json_body(request), WORK_ORDER)
        data["externalId"] = external_id
        existing = find_record(sim, rtype, rid)
        updated = apply_work_order(sim, data, existing)
        wid = _save_work_order(sim, updated, create=existing is None)
        return write_response(sim, request, rtype, wid, warnings)
    raise NsError(405, "INVALID_REQUEST", f"The simulator does not support {request.method} on {rtype} records.")


def _transform_only(rtype: str) -> NsError:
    return NsError(
        400,
        "USER_ERROR",
        f"A {rtype} record can only be created by transforming a work order: "
        f"POST /services/rest/record/v1/workOrder/{{id}}/!transform/{rtype}.",
    )


async def create_record(sim: Simulator, request: Request, rtype: str) -> Response:
    if rtype in ("workOrderCompletion", "workOrderClose"):
        raise _transform_only(rtype)
    if rtype != "workOrder":
        raise NsError(405, "INVALID_REQUEST", f"The simulator does not support creating {rtype} records.")
    data, warnings = normalize(sim, request, await json_body(request), WORK_ORDER)
    body = apply_work_order(sim, data, None)
    wid = _save_work_order(sim, body, create=True)
    return write_response(sim, request, rtype, wid, warnings)


def apply_work_order(sim: Simulator, data: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    """Validate `data` (normalized) and merge it over `existing` (None = create)."""
    now = iso_now()
    if existing is None:
        if data.get("assemblyItem") is None:
            raise invalid_content("Please enter a value for Assembly.", "assemblyItem")
        if data.get("quantity") is None:
            raise invalid_content("Please enter a value for Quantity.", "quantity")
        body = work_order_body(0, "", 0, 0, None, "B", now[:10], now)
    else:
        body = dict(existing)
        body["lastModifiedDate"] = now
    if data.get("assemblyItem") is not None:
        info = resolve_item(sim, data["assemblyItem"], "assemblyItem")
        if not info.is_assembly:
            raise invalid_field_value(info.id, "assemblyItem", sim.config.invalid_reference_error_code)
        body["assemblyItem"] = {"id": str(info.id)}
    if data.get("quantity") is not None:
        qty = number(data["quantity"], "quantity")
        if qty <= 0:
            raise invalid_content("The quantity must be greater than zero.", "quantity")
        body["quantity"] = qty
    if "location" in data:
        body["location"] = {"id": str(resolve_location(sim, data["location"], "location").id)} if data["location"] else None
    if data.get("status") is not None:
        letter = data["status"].get("id") if isinstance(data["status"], dict) else data["status"]
        if letter not in WORK_ORDER_STATUS:
            raise invalid_field_value(letter, "status", "INVALID_CONTENT")
        body["status"] = letter
    for key in ("tranId", "memo"):
        if key in data:
            body[key] = check_text(data[key], key)
    for key in ("tranDate", "startDate", "endDate"):
        if data.get(key) is not None:
            body[key] = check_date(data[key], key)
    if "externalId" in data:
        body["externalId"] = check_external_id(sim, data["externalId"])
    return body


def _save_work_order(sim: Simulator, body: dict[str, Any], *, create: bool) -> int:
    try:
        if create:
            wid = sim.store.create_work_order(body)
            sim.count("records_created", "workOrder")
            return wid
        sim.store.update_work_order(body)
        return int(body["id"])
    except DuplicateExternalId as exc:
        raise duplicate_external_id(sim, "workOrder", body.get("externalId")) from exc
