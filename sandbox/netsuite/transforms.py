"""Work-order transforms (netsuite.md §1.3 transform table, §1.5 "Transform", §1.6 errors).

`POST /services/rest/record/v1/workOrder/{id}/!transform/workOrderCompletion` is the only way
to create a completion. The body is a workOrderCompletion (§1.3 field names); it is validated
the way NetSuite would answer (400 INVALID_CONTENT with `o:errorPath`): unknown item/location
references, non-positive completion quantity, negative component quantity, lot/serial items
whose inventory assignments do not add up to the line quantity, fractional serial quantities,
a closed work order. Several component lines may share an item (at different locations).
Success: 204 + absolute `Location` of the new record, the record and its SuiteQL rows stored,
`inventorybalance` moved (assembly + at the completion location, each component − at its line
location). `!transform/workOrderClose` closes the work order (status H).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from .errors import NsError, invalid_content, nonexistent_id
from .records import (
    check_date,
    check_external_id,
    check_text,
    duplicate_external_id,
    json_body,
    normalize,
    number,
    record_type,
    resolve_item,
    resolve_location,
    write_response,
)
from .schema import WORK_ORDER_CLOSE, WORK_ORDER_COMPLETION, WORK_ORDER_STATUS
from .store import CompletionPlan, ComponentLine, DuplicateExternalId, ItemInfo, iso_now

_EPS = 1e-9


async def transform_endpoint(sim: Simulator, request: Request) -> Response:
    source = record_type(request.path_params["rtype"])
    target = record_type(request.path_params["target"])
    if request.method != "POST":
        raise NsError(405, "INVALID_REQUEST", "Transforms are POST requests.")
    if source != "workOrder" or target not in ("workOrderCompletion", "workOrderClose"):
        raise NsError(400, "INVALID_REQUEST", f"The transformation of {source} into {target} is not supported.")
    work_order = load_transform_source(sim, "workOrder", request.path_params["rid"])
    raw = await json_body(request)
    if target == "workOrderClose":
        return _close(sim, request, work_order, raw)
    data, warnings = normalize(sim, request, raw, WORK_ORDER_COMPLETION)
    plan = build_completion(sim, work_order, data)
    try:
        cid = sim.store.create_completion(plan)
    except DuplicateExternalId as exc:
        raise duplicate_external_id(sim, "workOrderCompletion", plan.external_id) from exc
    sim.count("records_created", "workOrderCompletion")
    return write_response(sim, request, "workOrderCompletion", cid, warnings)


def load_transform_source(sim: Simulator, record_type: str, rid: str) -> dict[str, Any]:
    """The record a `!transform` starts from: internal id (or `eid:` when configured), else 404."""
    if rid.isdigit():
        found = sim.store.get(record_type, int(rid))
    elif rid.startswith("eid:") and sim.config.transform_accepts_eid_source:
        found = sim.store.get_by_external_id(record_type, rid[4:])
    else:
        found = None
    if found is None:
        raise nonexistent_id()
    return found


def _check_open(sim: Simulator, work_order: dict[str, Any]) -> None:
    if work_order["status"] in sim.config.closed_work_order_statuses:
        state = WORK_ORDER_STATUS.get(work_order["status"], work_order["status"])
        raise invalid_content(
            f"The work order {work_order['tranId']} is {state} (status {work_order['status']}); "
            "it cannot be completed.",
            "createdFrom",
        )


def build_completion(sim: Simulator, work_order: dict[str, Any], data: dict[str, Any]) -> CompletionPlan:
    """Validate a normalized completion body against the work order; raise the first error."""
    _check_open(sim, work_order)
    external_id = check_external_id(sim, data.get("externalId"))
    tran_date = check_date(data["tranDate"], "tranDate") if data.get("tranDate") is not None else iso_now()[:10]

    quantity: float | None = None
    for key in ("quantity", "completedQuantity"):
        if data.get(key) is None:
            continue
        value = number(data[key], key)
        if value <= 0:
            raise invalid_content(f"The completed quantity must be greater than zero (got {value:g}).", key)
        if quantity is not None and abs(value - quantity) > _EPS:
            raise invalid_content("completedQuantity must equal quantity.", key)
        quantity = value
    if quantity is None:
        raise invalid_content("Please enter a value for Quantity.", "quantity")

    assembly = sim.store.items[int(work_order["assemblyItem"]["id"])]
    if data.get("item") is not None:
        given = resolve_item(sim, data["item"], "item")
        if given.id != assembly.id:
            raise invalid_content(
                f"The item {given.itemid} is not the work order's assembly ({assembly.itemid}).", "item"
            )
    if data.get("location") is not None:
        location = resolve_location(sim, data["location"], "location").id
    elif work_order.get("location"):
        location = int(work_order["location"]["id"])
    else:
        raise invalid_content("Please enter a value for Location.", "location")
    if data.get("scrapQuantity") is not None and number(data["scrapQuantity"], "scrapQuantity") < 0:
        raise invalid_content("The scrap quantity cannot be negative.", "scrapQuantity")
    if data.get("isBackflush") is not None and not isinstance(data["isBackflush"], bool):
        raise invalid_content(f"Invalid boolean value {data['isBackflush']!r}.", "isBackflush")
    memo = check_text(data.get("memo"), "memo")
    if data.get("tranId") is not None:
        check_text(data["tranId"], "tranId")

    body: dict[str, Any] = {
        "id": 0,
        "tranDate": tran_date,
        "createdFrom": {"id": str(work_order["id"]), "refName": f"Work Order #{work_order['tranId']}"},
        "item": {"id": str(assembly.id)},
        "quantity": quantity,
        "completedQuantity": quantity,
        "orderQuantity": work_order["quantity"],
        "isBackflush": bool(data.get("isBackflush", False)),
        "location": {"id": str(location)},
        "subsidiary": {"id": "1"},
    }
    if data.get("tranId"):
        body["tranId"] = data["tranId"]
    if external_id is not None:
        body["externalId"] = external_id
    if memo is not None:
        body["memo"] = memo
    if data.get("scrapQuantity") is not None:
        body["scrapQuantity"] = data["scrapQuantity"]

    detail = _inventory_detail(sim, assembly, quantity, data.get("inventoryDetail"), "inventoryDetail", location)
    if detail is not None:
        body["inventoryDetail"] = detail

    components: list[ComponentLine] = []
    lines = (data.get("component") or {}).get("items") or []
    rendered_lines = []
    for i, line in enumerate(lines):
        comp = _component(sim, line, f"component.items[{i}]", location, i + 1)
        components.append(comp)
        rendered_lines.append(comp.body)
    if lines:
        body["component"] = {"items": rendered_lines}
    if data.get("operation"):
        body["operation"] = data["operation"]
    if not sim.config.allow_negative_inventory:
        _check_availability(sim, components)
    return CompletionPlan(
        work_order=work_order,
        external_id=external_id,
        tran_date=tran_date,
        quantity=quantity,
        location=location,
        assembly=assembly.id,
        body=body,
        components=components,
    )


def _component(sim: Simulator, line: dict[str, Any], path: str, default_location: int, line_number: int) -> ComponentLine:
    if line.get("item") is None:
        raise invalid_content("Please enter a value for Item.", f"{path}.item")
    item = resolve_item(sim, line["item"], f"{path}.item")
    if line.get("quantity") is None:
        raise invalid_content("Please enter a value for Quantity.", f"{path}.quantity")
    quantity = number(line["quantity"], f"{path}.quantity")
    if quantity < 0:
        raise invalid_content(f"The component quantity cannot be negative (got {quantity:g}).", f"{path}.quantity")
    cid = line.get("componentInventoryDetail")
    location = default_location  # the sublist has no location field: it lives in componentInventoryDetail
    if cid and cid.get("location") is not None:
        location = resolve_location(sim, cid["location"], f"{path}.componentInventoryDetail.location").id
    detail = _inventory_detail(sim, item, quantity, cid, f"{path}.componentInventoryDetail", location)
    body: dict[str, Any] = {"lineNumber": line_number, "item": {"id": str(item.id)}, "quantity": quantity}
    for key in ("quantityPer", "operationSequenceNumber"):
        if line.get(key) is not None:
            body[key] = line[key]
    body["componentInventoryDetail"] = detail or {"location": {"id": str(location)}, "quantity": quantity}
    return ComponentLine(item=item.id, quantity=quantity, location=location, body=body)


def _inventory_detail(
    sim: Simulator, item: ItemInfo, quantity: float, detail: dict[str, Any] | None, path: str, location: int
) -> dict[str, Any] | None:
    """Check lot/serial assignments of one line; return the canonical inventory detail."""
    detail = detail or {}
    if detail.get("quantity") is not None:
        dq = number(detail["quantity"], f"{path}.quantity")
        if abs(dq - quantity) > _EPS:
            raise invalid_content(
                f"The inventory detail quantity ({dq:g}) must equal the line quantity ({quantity:g}).", f"{path}.quantity"
            )
    assignments = (detail.get("inventoryAssignment") or {}).get("items") or []
    apath = f"{path}.inventoryAssignment"
    tracking = item.tracking
    if tracking == "serial" and not float(quantity).is_integer():
        qpath = "quantity" if path == "inventoryDetail" else path.rsplit(".", 1)[0] + ".quantity"
        raise invalid_content(f"The quantity of serialized item {item.itemid} must be a whole number (got {quantity:g}).", qpath)
    numbered = [a for a in assignments if a.get("receiptInventoryNumber") or a.get("issueInventoryNumber")]
    if tracking is None:
        if numbered:
            raise invalid_content(
                f"The item {item.itemid} is not lot or serial numbered; remove its inventory number assignments.", apath
            )
        if not detail:
            return None
        return {"location": {"id": str(location)}, "quantity": quantity}
    canonical = []
    seen: set[str] = set()
    total = 0.0
    for i, a in enumerate(assignments):
        apath_i = f"{apath}.items[{i}]"
        number_text = a.get("receiptInventoryNumber")
        if number_text is None and isinstance(a.get("issueInventoryNumber"), dict):
            number_text = a["issueInventoryNumber"].get("refName") or a["issueInventoryNumber"].get("id")
        if not isinstance(number_text, str) or not number_text.strip():
            raise invalid_content(
                f"Please enter a {tracking} number for item {item.itemid}.", f"{apath_i}.receiptInventoryNumber"
            )
        if a.get("quantity") is None:
            raise invalid_content("Please enter a value for Quantity.", f"{apath_i}.quantity")
        aq = number(a["quantity"], f"{apath_i}.quantity")
        if aq <= 0:
            raise invalid_content(f"The assigned quantity must be greater than zero (got {aq:g}).", f"{apath_i}.quantity")
        if tracking == "serial":
            if aq != 1:
                raise invalid_content(f"Each serial number carries quantity 1 (got {aq:g}).", f"{apath_i}.quantity")
            if number_text in seen:
                raise invalid_content(f"The serial number {number_text} is assigned twice.", f"{apath_i}.receiptInventoryNumber")
            seen.add(number_text)
        total += aq
        canonical.append({"receiptInventoryNumber": number_text, "quantity": aq})
    if abs(total - quantity) > _EPS:
        raise invalid_content(
            f"The total inventory detail quantity must be {quantity:g} for {tracking}-numbered item {item.itemid} "
            f"(assigned {total:g}).",
            apath,
        )
    return {"location": {"id": str(location)}, "quantity": quantity, "inventoryAssignment": {"items": canonical}}


def _check_availability(sim: Simulator, components: list[ComponentLine]) -> None:
    need: dict[tuple[int, int], float] = {}
    for i, comp in enumerate(components):
        key = (comp.item, comp.location)
        need[key] = need.get(key, 0.0) + comp.quantity
        if need[key] - sim.store.on_hand(*key) > _EPS:
            info = sim.store.items[comp.item]
            raise invalid_content(
                f"You have insufficient quantity of {info.itemid} at location {comp.location}.", f"component.items[{i}].quantity"
            )


def _close(sim: Simulator, request: Request, work_order: dict[str, Any], raw: Any) -> Response:
    data, warnings = normalize(sim, request, raw, WORK_ORDER_CLOSE)
    _check_open(sim, work_order)
    external_id = check_external_id(sim, data.get("externalId"))
    body: dict[str, Any] = {
        "id": 0,
        "tranDate": check_date(data["tranDate"], "tranDate") if data.get("tranDate") else iso_now()[:10],
        "createdFrom": {"id": str(work_order["id"]), "refName": f"Work Order #{work_order['tranId']}"},
    }
    if external_id is not None:
        body["externalId"] = external_id
    if data.get("memo") is not None:
        body["memo"] = check_text(data["memo"], "memo")
    try:
        xid = sim.store.close_work_order(work_order, body, external_id)
    except DuplicateExternalId as exc:
        raise duplicate_external_id(sim, "workOrderClose", external_id) from exc
    sim.count("records_created", "workOrderClose")
    return write_response(sim, request, "workOrderClose", xid, warnings)


if TYPE_CHECKING:
    from .app import Simulator
