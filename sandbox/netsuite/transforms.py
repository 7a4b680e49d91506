"""Work-order transforms (netsuite.md §1.3 transform table, §1.5 "Transform", §1.6 errors).

`POST /services/rest/record/v1/workOrder/{id}/!transform/workOrderCompletion` is the only way
to create a completion. The body is a workOrderCompletion (§1.3 field names); it is validated
the way NetSuite would answer (400 INVALID_CONTENT with `o:errorPath`): unknown item/location
references, non-positive completion quantity, negative component quantity, lot/serial items
whose inventory assignments do not add up to the line quantity, fractional serial quantities,
a closed work order. Several component lines may share an item (at different locations).
The transform starts pre-filled from the work order (§1.3, §1.5): its BOM's component lines
(`config.bill_of_materials`, INFERENCE) for the completed quantity; the body's component lines
are added to those, unless the request says `?replace=component`, which replaces them (Oracle,
"Replacing a Sublist", section_1545297048: non-keyed sublist lines sent are added to the
defaults; with `replace` all lines are removed and replaced by the request's). A consumed lot or
serial is `issueInventoryNumber` (a reference to an existing inventoryNumber of that item; Oracle
section_4687606595: issue for stock that leaves inventory, receipt for stock that enters it, never
both); a built assembly's is `receiptInventoryNumber` (text), which creates the inventoryNumber.
Success: 204 + absolute `Location` of the new record, the record and its SuiteQL rows stored,
`inventorybalance` moved (assembly + at the completion location, each component − at its line
location). `!transform/workOrderClose` closes the work order (status H).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from .errors import NsError, invalid_content, invalid_field_value, nonexistent_id
from .records import (
    check_date,
    check_external_id,
    check_text,
    duplicate_external_id,
    json_body,
    normalize,
    number,
    record_type,
    ref_key,
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
    replace = {name.strip() for name in request.query_params.get("replace", "").split(",") if name.strip()}
    plan = build_completion(sim, work_order, data, replace_components="component" in replace)
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
            f"The work order {work_order['tranId']} is {state} (status {work_order['status']}); it cannot be completed.",
            "createdFrom",
        )


def build_completion(
    sim: Simulator, work_order: dict[str, Any], data: dict[str, Any], *, replace_components: bool = False
) -> CompletionPlan:
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
            raise invalid_content(f"The item {given.itemid} is not the work order's assembly ({assembly.itemid}).", "item")
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

    # Fields of the stored record, every name from the REST API Browser's workOrderCompletion
    # [NS-BROWSER schemas/workOrderCompletion.md] (tests/contract/netsuite/examples/
    # work_order_completion_schema.json); values: createdFrom = the work order, orderQuantity =
    # its quantity, tranDate defaulting to today, location to the work order's (INFERENCE: NetSuite's
    # defaults), subsidiary "1" (INFERENCE: the demo account has one subsidiary).
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

    components = [] if replace_components else _prefilled(sim, assembly, quantity, location)
    lines = (data.get("component") or {}).get("items") or []
    for i, line in enumerate(lines):
        components.append(_component(sim, line, f"component.items[{i}]", location, len(components) + 1))
    if components:
        body["component"] = {"items": [comp.body for comp in components]}
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
        received_numbers=tuple(
            a["receiptInventoryNumber"] for a in (detail or {}).get("inventoryAssignment", {}).get("items", [])
        ),
    )


def _prefilled(sim: Simulator, assembly: ItemInfo, quantity: float, location: int) -> list[ComponentLine]:
    """The component lines the transform starts with: the work order's BOM for `quantity`."""
    if not sim.config.completion_prefills_components:
        return []
    by_itemid = {info.itemid: info for info in sim.store.items.values()}
    lines = []
    for n, (itemid, per) in enumerate(sim.config.bill_of_materials.get(assembly.itemid, {}).items(), start=1):
        item = by_itemid[itemid]
        line_quantity = per * quantity
        body = {
            "lineNumber": n,
            "item": {"id": str(item.id)},
            "quantity": line_quantity,
            "quantityPer": per,
            "componentInventoryDetail": {"location": {"id": str(location)}, "quantity": line_quantity},
        }
        lines.append(ComponentLine(item=item.id, quantity=line_quantity, location=location, body=body))
    return lines


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
    detail = _inventory_detail(sim, item, quantity, cid, f"{path}.componentInventoryDetail", location, issue=True)
    body: dict[str, Any] = {"lineNumber": line_number, "item": {"id": str(item.id)}, "quantity": quantity}
    for key in ("quantityPer", "operationSequenceNumber"):
        if line.get(key) is not None:
            body[key] = line[key]
    body["componentInventoryDetail"] = detail or {"location": {"id": str(location)}, "quantity": quantity}
    return ComponentLine(item=item.id, quantity=quantity, location=location, body=body)


def _inventory_detail(
    sim: Simulator,
    item: ItemInfo,
    quantity: float,
    detail: dict[str, Any] | None,
    path: str,
    location: int,
    *,
    issue: bool = False,
) -> dict[str, Any] | None:
    """Check lot/serial assignments of one line; return the canonical inventory detail.
    `issue`: the line takes stock out (a consumed component), so numbers are existing
    inventoryNumber records named by `issueInventoryNumber`."""
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
        number_text, field = _assigned_number(sim, item, a, apath_i, issue=issue)
        if a.get("quantity") is None:
            raise invalid_content("Please enter a value for Quantity.", f"{apath_i}.quantity")
        aq = number(a["quantity"], f"{apath_i}.quantity")
        if aq <= 0:
            raise invalid_content(f"The assigned quantity must be greater than zero (got {aq:g}).", f"{apath_i}.quantity")
        if tracking == "serial":
            if aq != 1:
                raise invalid_content(f"Each serial number carries quantity 1 (got {aq:g}).", f"{apath_i}.quantity")
            if number_text in seen:
                raise invalid_content(f"The serial number {number_text} is assigned twice.", f"{apath_i}.{field}")
            seen.add(number_text)
        total += aq
        if field == "issueInventoryNumber":
            canonical.append({"issueInventoryNumber": {"id": str(a[field]["id"]), "refName": number_text}, "quantity": aq})
        else:
            canonical.append({"receiptInventoryNumber": number_text, "quantity": aq})
    if abs(total - quantity) > _EPS:
        raise invalid_content(
            f"The total inventory detail quantity must be {quantity:g} for {tracking}-numbered item {item.itemid} "
            f"(assigned {total:g}).",
            apath,
        )
    return {"location": {"id": str(location)}, "quantity": quantity, "inventoryAssignment": {"items": canonical}}


def _assigned_number(sim: Simulator, item: ItemInfo, assignment: dict[str, Any], path: str, *, issue: bool) -> tuple[str, str]:
    """(number, field) of one inventory assignment, or the error NetSuite answers."""
    issued, received = assignment.get("issueInventoryNumber"), assignment.get("receiptInventoryNumber")
    if issued is not None and received is not None:
        raise invalid_content("Set either issueInventoryNumber or receiptInventoryNumber, not both.", path)
    if issued is not None:
        kind, key = ref_key(issued, f"{path}.issueInventoryNumber")
        found = sim.store.inventory_number(int(key)) if kind == "id" and key.isdigit() else None
        if found is None or found[1] != item.id:
            raise invalid_field_value(key, f"{path}.issueInventoryNumber", sim.config.invalid_reference_error_code)
        return found[0], "issueInventoryNumber"
    if issue and received is not None and not sim.config.component_accepts_receipt_number:
        raise invalid_content(
            f"Select the existing {item.tracking} number of consumed item {item.itemid} with issueInventoryNumber.",
            f"{path}.receiptInventoryNumber",
        )
    if not isinstance(received, str) or not received.strip():
        field = "issueInventoryNumber" if issue else "receiptInventoryNumber"
        raise invalid_content(f"Please enter a {item.tracking} number for item {item.itemid}.", f"{path}.{field}")
    return received, "receiptInventoryNumber"


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
