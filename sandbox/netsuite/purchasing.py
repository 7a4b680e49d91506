"""Record-service writes of the purchasing loop (netsuite.md §1.3, §1.5 "Create"/"Update"/
"External IDs", §1.6 errors).

- `purchaseOrder`: `POST` create and `PATCH /purchaseOrder/{id}` (header fields, `status`
  {"id": "H"} closes the PO and all its lines, lines matched by `line`; lines without `line` are
  appended; `?replace=item` replaces the sublist, refusing to drop a line that was received or
  billed). The status letter is re-derived from the lines unless it is P/A/C/H (§1.3).
- `DELETE /purchaseOrder/{id}`: 204, unless receipts/bills were made from it (400 USER_ERROR);
  the deletion is listed in SuiteQL `deletedrecord` (INFERENCE).
- Custom fields `custbody*` (header) and `custcol*` (line) are accepted and stored as sent
  (lower-cased ids), e.g. a project code or tax code for the PO attribute maps.
- `timeBill`: `POST` create → 204 + `Location`, `PATCH /timeBill/{id|eid:X}` to correct it,
  `PUT /timeBill/eid:X` upsert; `externalId` unique per type (400 DUP_RCRD); `hours` as
  "H:MM" or a decimal string (or a number, `time_bill_numeric_hours`).
- `itemReceipt` / `vendorBill` only come from `!transform` (`receipts.py`); vendors, employees
  and reference records are read-only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from .errors import NsError, invalid_content, invalid_field_value, nonexistent_id
from .purchasing_store import EPS, derive_po_status, po_lines, po_total
from .records import (
    check_date,
    check_external_id,
    check_text,
    duplicate_external_id,
    find_record,
    json_body,
    normalize,
    number,
    ref_key,
    resolve_item,
    resolve_location,
    write_response,
)
from .schema import PURCHASE_ORDER, PURCHASE_ORDER_STATUS, TIME_BILL
from .store import DuplicateExternalId, iso_now

if TYPE_CHECKING:
    from .app import Simulator

WRITABLE = {"purchaseOrder", "timeBill"}
TRANSFORM_ONLY = {"itemReceipt": "itemReceipt", "vendorBill": "vendorBill"}
READ_ONLY = {"vendor", "employee", "department", "classification", "term", "currency"}
_HMM = re.compile(r"^(\d+):([0-5]\d)$")
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


def _transform_only(rtype: str) -> NsError:
    return NsError(
        400,
        "USER_ERROR",
        f"A {rtype} record can only be created by transforming a purchase order: "
        f"POST /services/rest/record/v1/purchaseOrder/{{id}}/!transform/{rtype}.",
    )


def handles(rtype: str) -> bool:
    return rtype in WRITABLE or rtype in TRANSFORM_ONLY or rtype in READ_ONLY


async def collection_write(sim: Simulator, request: Request, rtype: str) -> Response:
    if request.method != "POST":
        raise NsError(405, "INVALID_REQUEST", f"{request.method} is not supported on a record collection.")
    if rtype in TRANSFORM_ONLY:
        raise _transform_only(rtype)
    if rtype == "purchaseOrder":
        data, warnings = normalize(sim, request, await json_body(request), PURCHASE_ORDER)
        body = apply_purchase_order(sim, data, None, replace_lines=True)
        pid = _save_po(sim, body, create=True)
        sim.count("records_created", rtype)
        return write_response(sim, request, rtype, pid, warnings)
    if rtype == "timeBill":
        data, warnings = normalize(sim, request, await json_body(request), TIME_BILL)
        body, hours = apply_time_bill(sim, data, None)
        tid = _save_time_bill(sim, body, hours, create=True)
        sim.count("records_created", rtype)
        return write_response(sim, request, rtype, tid, warnings)
    raise NsError(405, "INVALID_REQUEST", f"The simulator does not support creating {rtype} records.")


async def instance_write(sim: Simulator, request: Request, rtype: str, rid: str) -> Response:
    if rtype in TRANSFORM_ONLY and request.method in ("PUT", "POST"):
        raise _transform_only(rtype)
    if rtype == "purchaseOrder" and request.method == "PATCH":
        raw = await json_body(request)
        existing = find_record(sim, rtype, rid)
        if existing is None:
            raise nonexistent_id()
        data, warnings = normalize(sim, request, raw, PURCHASE_ORDER)
        replace = "item" in {p.strip() for p in request.query_params.get("replace", "").split(",")}
        body = apply_purchase_order(sim, data, existing, replace_lines=replace)
        _save_po(sim, body, create=False)
        return write_response(sim, request, rtype, body["id"], warnings)
    if rtype == "purchaseOrder" and request.method == "DELETE":
        existing = find_record(sim, rtype, rid)
        if existing is None:
            raise nonexistent_id()
        if not sim.store.purchasing.delete_purchase_order(existing, iso_now()):
            raise NsError(
                400,
                "USER_ERROR",
                "This record cannot be deleted because it has dependent records (item receipts or vendor bills).",
            )
        return Response(status_code=204)
    if rtype == "timeBill" and request.method in ("PATCH", "PUT"):
        raw = await json_body(request)
        data, warnings = normalize(sim, request, raw, TIME_BILL)
        existing = find_record(sim, rtype, rid)
        if request.method == "PATCH" and existing is None:
            raise nonexistent_id()
        if request.method == "PUT":
            if not rid.startswith("eid:"):
                raise NsError(400, "INVALID_REQUEST", "Upsert (PUT) needs an external id in the URL: .../eid:<externalId>.")
            data["externalId"] = check_external_id(sim, rid[4:])
        body, hours = apply_time_bill(sim, data, existing)
        tid = _save_time_bill(sim, body, hours, create=existing is None)
        if existing is None:
            sim.count("records_created", rtype)
        return write_response(sim, request, rtype, tid, warnings)
    raise NsError(405, "INVALID_REQUEST", f"The simulator does not support {request.method} on {rtype} records.")


# ---------------------------------------------------------------------- purchase orders


def _status_letter(value: Any) -> str:
    letter = value.get("id") if isinstance(value, dict) else value
    if letter not in PURCHASE_ORDER_STATUS:
        raise invalid_field_value(letter, "status", "INVALID_CONTENT")
    return str(letter)


def _entity(sim: Simulator, rtype: str, value: Any, path: str) -> dict[str, str]:
    kind, key = ref_key(value, path)
    body = sim.store.get(rtype, int(key)) if kind == "id" and key.isdigit() else None
    if kind == "externalId":
        body = sim.store.get_by_external_id(rtype, key)
    if body is None or body.get("isInactive"):
        raise invalid_field_value(key, path, sim.config.invalid_reference_error_code)
    return {"id": str(body["id"])}


def apply_purchase_order(
    sim: Simulator, data: dict[str, Any], existing: dict[str, Any] | None, *, replace_lines: bool
) -> dict[str, Any]:
    """Validate a normalized PO body and merge it over `existing` (None = create)."""
    now = iso_now()
    if existing is None:
        if data.get("entity") is None:
            raise invalid_content("Please enter a value for Vendor.", "entity")
        body: dict[str, Any] = {
            "id": 0,
            "tranId": "",
            "subsidiary": {"id": "1"},
            "currency": {"id": "1"},
            "tranDate": now[:10],
            "status": "B",
            "createdDate": now,
            "item": {"items": []},
        }
    else:
        body = {**existing, "item": {"items": [dict(ln) for ln in po_lines(existing)]}}
    body["lastModifiedDate"] = now
    if data.get("entity") is not None:
        body["entity"] = _entity(sim, "vendor", data["entity"], "entity")
    for key, rtype in (("department", "department"), ("class", "classification"), ("currency", "currency")):
        if key in data:
            body[key] = _entity(sim, rtype, data[key], key) if data[key] else None
    if "location" in data:
        body["location"] = {"id": str(resolve_location(sim, data["location"], "location").id)} if data["location"] else None
    for key in ("tranId", "memo"):
        if key in data:
            body[key] = check_text(data[key], key)
    for key in ("tranDate", "dueDate"):
        if data.get(key) is not None:
            body[key] = check_date(data[key], key)
    if "externalId" in data:
        body["externalId"] = check_external_id(sim, data["externalId"])
    body.update({k: v for k, v in data.items() if k.startswith("custbody")})  # custom fields, kept as sent
    if "item" in data:
        body["item"] = {"items": _merge_lines(sim, po_lines(body), data["item"]["items"], body, replace_lines)}
    if data.get("status") is not None:
        letter = _status_letter(data["status"])
        if letter == "H":
            for ln in po_lines(body):
                ln["isClosed"] = True
        body["status"] = letter
        if letter not in ("P", "A", "C", "H"):
            body["status"] = "B"  # re-derived below
    elif body.get("status") not in ("P", "A", "C", "H"):
        body["status"] = "B"
    if body["status"] == "H" and any(not ln.get("isClosed") for ln in po_lines(body)):
        body["status"] = "B"  # a line was re-opened
    if not po_lines(body):
        raise invalid_content("You must enter at least one line item for this transaction.", "item")
    body["status"] = derive_po_status(body, sim.config)
    body["total"] = po_total(body)
    return body


def _merge_lines(
    sim: Simulator, current: list[dict[str, Any]], sent: list[dict[str, Any]], header: dict[str, Any], replace: bool
) -> list[dict[str, Any]]:
    by_line = {int(ln["line"]): ln for ln in current}
    out: dict[int, dict[str, Any]] = {} if replace else dict(by_line)
    next_line = max(by_line, default=0) + 1
    for i, raw in enumerate(sent):
        path = f"item.items[{i}]"
        if raw.get("line") is not None:
            line_no = int(number(raw["line"], f"{path}.line"))
            base = dict(by_line.get(line_no) or {})
            if not base and not replace:
                raise invalid_content(f"The line {line_no} does not exist on this purchase order.", f"{path}.line")
        else:
            line_no, base = next_line, {}
        next_line = max(next_line, line_no + 1)
        out[line_no] = _line(sim, raw, base, line_no, header, path)
    if replace:
        for line_no, old in by_line.items():
            if line_no not in out and (
                float(old.get("quantityReceived") or 0) > EPS or float(old.get("quantityBilled") or 0) > EPS
            ):
                raise invalid_content(
                    f"The line {line_no} has been received or billed and cannot be removed; close it instead.", "item"
                )
    return [out[k] for k in sorted(out)]


def _line(
    sim: Simulator, raw: dict[str, Any], base: dict[str, Any], line_no: int, header: dict[str, Any], path: str
) -> dict[str, Any]:
    line = {"line": line_no, "quantityReceived": 0.0, "quantityBilled": 0.0, "isClosed": False, **base}
    line["line"] = line_no
    if raw.get("item") is not None:
        info = resolve_item(sim, raw["item"], f"{path}.item")
        if base and float(base.get("quantityReceived") or 0) > EPS and str(info.id) != base["item"]["id"]:
            raise invalid_content("The item of a received line cannot be changed.", f"{path}.item")
        line["item"] = {"id": str(info.id)}
    elif not base:
        raise invalid_content("Please enter a value for Item.", f"{path}.item")
    if raw.get("quantity") is not None:
        qty = number(raw["quantity"], f"{path}.quantity")
        if qty <= 0:
            raise invalid_content("The quantity must be greater than zero.", f"{path}.quantity")
        if qty < float(line.get("quantityReceived") or 0) - EPS:
            raise invalid_content(
                f"The quantity ({qty:g}) cannot be less than the quantity received ({line['quantityReceived']:g}).",
                f"{path}.quantity",
            )
        line["quantity"] = qty
    elif not base:
        raise invalid_content("Please enter a value for Quantity.", f"{path}.quantity")
    if raw.get("rate") is not None:
        line["rate"] = number(raw["rate"], f"{path}.rate")
    line.setdefault("rate", 0.0)
    if "location" in raw:
        line["location"] = {"id": str(resolve_location(sim, raw["location"], f"{path}.location").id)} if raw["location"] else None
    elif not base and header.get("location"):
        line["location"] = dict(header["location"])
    if raw.get("isClosed") is not None:
        if not isinstance(raw["isClosed"], bool):
            raise invalid_content(f"Invalid boolean value {raw['isClosed']!r}.", f"{path}.isClosed")
        line["isClosed"] = raw["isClosed"]
    for key in ("description", "expectedReceiptDate"):
        if key in raw:
            line[key] = check_text(raw[key], f"{path}.{key}")
    for key, rtype in (("department", "department"), ("class", "classification")):
        if raw.get(key) is not None:
            line[key] = _entity(sim, rtype, raw[key], f"{path}.{key}")
    line.update({k: v for k, v in raw.items() if k.startswith("custcol")})  # custom fields, kept as sent
    line["amount"] = round(float(line["quantity"]) * float(line["rate"]), 6)
    return line


def _save_po(sim: Simulator, body: dict[str, Any], *, create: bool) -> int:
    try:
        return sim.store.purchasing.save_purchase_order(body, create=create)
    except DuplicateExternalId as exc:
        raise duplicate_external_id(sim, "purchaseOrder", body.get("externalId")) from exc


# ---------------------------------------------------------------------- time bills


def parse_hours(sim: Simulator, value: Any) -> float:
    """'1:30' -> 1.5, '1.5' -> 1.5 (INFERENCE, §1.3 / §3 open question)."""
    hours: float | None = None
    if isinstance(value, str):
        text = value.strip()
        if m := _HMM.match(text):
            hours = int(m.group(1)) + int(m.group(2)) / 60
        elif _DECIMAL.match(text):
            hours = float(text)
    elif sim.config.time_bill_numeric_hours and isinstance(value, (int, float)) and not isinstance(value, bool):
        hours = float(value)
    if hours is None:
        raise invalid_content(f"Invalid duration {value!r} for field hours: use 'H:MM' or a decimal number of hours.", "hours")
    if hours <= 0:
        raise invalid_content("The duration must be greater than zero.", "hours")
    cap = sim.config.time_bill_max_hours
    if cap is not None and hours > cap + EPS:
        raise invalid_content(f"The duration cannot exceed {cap:g} hours.", "hours")
    return round(hours, 6)


def apply_time_bill(sim: Simulator, data: dict[str, Any], existing: dict[str, Any] | None) -> tuple[dict[str, Any], float]:
    now = iso_now()
    if existing is None:
        for key, label in (("employee", "Employee"), ("tranDate", "Date"), ("hours", "Duration")):
            if data.get(key) is None:
                raise invalid_content(f"Please enter a value for {label}.", key)
        body: dict[str, Any] = {"id": 0, "subsidiary": {"id": "1"}, "isBillable": False, "createdDate": now}
    else:
        body = dict(existing)
    body["lastModifiedDate"] = now
    if data.get("employee") is not None:
        body["employee"] = _entity(sim, "employee", data["employee"], "employee")
    if data.get("tranDate") is not None:
        body["tranDate"] = check_date(data["tranDate"], "tranDate")
    if data.get("hours") is not None:
        parse_hours(sim, data["hours"])
        body["hours"] = data["hours"] if isinstance(data["hours"], str) else f"{float(data['hours']):g}"
    if "item" in data:
        body["item"] = {"id": str(resolve_item(sim, data["item"], "item").id)} if data["item"] else None
    if "location" in data:
        body["location"] = {"id": str(resolve_location(sim, data["location"], "location").id)} if data["location"] else None
    for key, rtype in (("department", "department"), ("class", "classification")):
        if key in data:
            body[key] = _entity(sim, rtype, data[key], key) if data[key] else None
    if "customer" in data:  # no customer records are simulated: any reference is kept as sent
        body["customer"] = {"id": ref_key(data["customer"], "customer")[1]} if data["customer"] else None
    if "memo" in data:
        body["memo"] = check_text(data["memo"], "memo")
    for key in ("isBillable", "isProductive", "isUtilized"):
        if data.get(key) is not None:
            if not isinstance(data[key], bool):
                raise invalid_content(f"Invalid boolean value {data[key]!r}.", key)
            body[key] = data[key]
    if data.get("rate") is not None:
        body["rate"] = number(data["rate"], "rate")
    for key in ("timeType", "approvalStatus"):
        if data.get(key) is not None:
            body[key] = data[key].get("id") if isinstance(data[key], dict) else data[key]
    if "externalId" in data:
        body["externalId"] = check_external_id(sim, data["externalId"])
    return body, parse_hours(sim, body["hours"])


def _save_time_bill(sim: Simulator, body: dict[str, Any], hours: float, *, create: bool) -> int:
    try:
        return sim.store.purchasing.save_time_bill(body, hours, create=create)
    except DuplicateExternalId as exc:
        raise duplicate_external_id(sim, "timeBill", body.get("externalId")) from exc


__all__ = ["collection_write", "handles", "instance_write"]
