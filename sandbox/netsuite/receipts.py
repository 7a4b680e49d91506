"""Purchase-order transforms (netsuite.md §1.3 transform table, §1.5 "Item receipt from PO" and its
practitioner gotchas, §1.6 errors, §2 checklist item 5).

`POST /services/rest/record/v1/purchaseOrder/{id}/!transform/itemReceipt` is the only way to create
an item receipt. The transformed receipt starts pre-filled with the PO's open lines (not closed,
remaining = quantity − quantityReceived > 0), each keyed by `orderLine` (= the PO line's `line`).
The request's `item.items[]` lines are matched to them by `orderLine` (or, when it is absent and
`receipt_match_by_item` is on, by item); a matched line is received when `itemReceive` is true
(default `receipt_sent_line_receive_default`) with its `quantity` (default: the remaining
quantity). Pre-filled lines the request does not mention are received only when
`receipt_omitted_lines_receive` (INFERENCE, default False); `?replace=item` drops them always.
Errors (400 INVALID_CONTENT + `o:errorPath`): PO not receivable (pending approval, rejected,
closed: `createdFrom`), unknown/closed `orderLine`, item differing from the PO line, quantity
≤ 0 or above the remaining quantity (`item.items[n].quantity`), lot/serial items whose
`inventoryDetail.inventoryAssignment` (`receiptInventoryNumber`) does not add up, no line
received. Success: 204 + `Location`; the PO lines' `quantityReceived` and the PO status move
(B → D/E → F/G), and `inventorybalance` gets +quantity at each line's location.

`!transform/vendorBill` bills PO lines (`orderLine` + `quantity`; no lines sent = every line's
received-but-unbilled quantity) and moves `quantityBilled`; no inventory effect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from .errors import NsError, invalid_content
from .purchasing_store import EPS, LinkedLine, derive_po_status, po_lines
from .records import (
    check_date,
    check_external_id,
    check_text,
    duplicate_external_id,
    json_body,
    normalize,
    number,
    resolve_item,
    resolve_location,
    write_response,
)
from .schema import ITEM_RECEIPT, PURCHASE_ORDER_STATUS, VENDOR_BILL
from .store import DuplicateExternalId, iso_now
from .transforms import _inventory_detail, load_transform_source

if TYPE_CHECKING:
    from .app import Simulator

TARGETS = ("itemReceipt", "vendorBill")


async def po_transform(sim: Simulator, request: Request, target: str) -> Response:
    if target not in TARGETS:
        raise NsError(400, "INVALID_REQUEST", f"The transformation of purchaseOrder into {target} is not supported.")
    raw = await json_body(request)  # read the body first: no await between validation and commit
    po = load_transform_source(sim, "purchaseOrder", request.path_params["rid"])
    replace = "item" in {p.strip() for p in request.query_params.get("replace", "").split(",")}
    if target == "itemReceipt":
        data, warnings = normalize(sim, request, raw, ITEM_RECEIPT)
        body, lines = build_receipt(sim, po, data, replace)
    else:
        data, warnings = normalize(sim, request, raw, VENDOR_BILL)
        body, lines = build_bill(sim, po, data)
    po["status"] = "B"
    po["status"] = derive_po_status(po, sim.config)
    po["lastModifiedDate"] = body["lastModifiedDate"]
    try:
        tid = sim.store.purchasing.commit_linked(target, body, po, lines)
    except DuplicateExternalId as exc:
        raise duplicate_external_id(sim, target, body.get("externalId")) from exc
    sim.count("records_created", target)
    return write_response(sim, request, target, tid, warnings)


def _check_receivable(sim: Simulator, po: dict[str, Any], what: str) -> None:
    status = po["status"]
    if status in sim.config.unreceivable_po_statuses:
        raise invalid_content(
            f"The purchase order {po['tranId']} is {PURCHASE_ORDER_STATUS.get(status, status)} (status {status}); "
            f"it cannot be {what}.",
            "createdFrom",
        )


def _header(sim: Simulator, po: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    now = iso_now()
    body: dict[str, Any] = {
        "id": 0,
        "createdFrom": {"id": str(po["id"])},
        "entity": dict(po["entity"]),
        "subsidiary": {"id": "1"},
        "currency": dict(po.get("currency") or {"id": "1"}),
        "tranDate": check_date(data["tranDate"], "tranDate") if data.get("tranDate") is not None else now[:10],
        "createdDate": now,
        "lastModifiedDate": now,
    }
    external_id = check_external_id(sim, data.get("externalId"))
    if external_id is not None:
        body["externalId"] = external_id
    for key in ("memo", "tranId"):
        if data.get(key) is not None:
            body[key] = check_text(data[key], key)
    return body


def _order_line(
    sim: Simulator, raw: dict[str, Any], path: str, by_line: dict[int, dict[str, Any]], candidates: list[dict[str, Any]]
) -> dict[str, Any]:
    """The PO line a request line refers to (by `orderLine`, else by item)."""
    value = raw.get("orderLine")
    if value is not None:
        try:
            key = int(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            key = None
        if key is None or key not in by_line:
            raise invalid_content(f"Invalid orderLine {value!r}: the purchase order has no such line.", f"{path}.orderLine")
        return by_line[key]
    if sim.config.receipt_match_by_item and raw.get("item") is not None:
        info = resolve_item(sim, raw["item"], f"{path}.item")
        matches = [ln for ln in candidates if ln["item"]["id"] == str(info.id)]
        if len(matches) == 1:
            return matches[0]
        raise invalid_content(
            f"Cannot match the line of item {info.itemid}: {len(matches)} open purchase order lines carry it; send orderLine.",
            f"{path}.orderLine",
        )
    raise invalid_content("Please enter a value for orderLine.", f"{path}.orderLine")


def build_receipt(
    sim: Simulator, po: dict[str, Any], data: dict[str, Any], replace: bool
) -> tuple[dict[str, Any], list[LinkedLine]]:
    """Validate a normalized itemReceipt body against the PO (updating the PO's lines in place)."""
    _check_receivable(sim, po, "received")
    body = _header(sim, po, data)
    lines = po_lines(po)
    by_line = {int(ln["line"]): ln for ln in lines}
    prefilled = [
        ln for ln in lines if not ln.get("isClosed") and float(ln["quantity"]) - float(ln.get("quantityReceived") or 0) > EPS
    ]
    header_location = po.get("location")
    if data.get("location") is not None:
        header_location = {"id": str(resolve_location(sim, data["location"], "location").id)}
    if header_location:
        body["location"] = dict(header_location)

    seen: set[int] = set()
    chosen: list[tuple[dict[str, Any], dict[str, Any], str]] = []  # (po line, request line, path)
    for i, raw in enumerate((data.get("item") or {}).get("items") or []):
        path = f"item.items[{i}]"
        pl = _order_line(sim, raw, path, by_line, [ln for ln in prefilled if int(ln["line"]) not in seen])
        line_no = int(pl["line"])
        if line_no in seen:
            raise invalid_content(f"The order line {line_no} appears twice.", f"{path}.orderLine")
        seen.add(line_no)
        receive = raw.get("itemReceive", sim.config.receipt_sent_line_receive_default)
        if receive is None:
            receive = sim.config.receipt_sent_line_receive_default
        if not isinstance(receive, bool):
            raise invalid_content(f"Invalid boolean value {receive!r} for field itemReceive.", f"{path}.itemReceive")
        if receive:
            chosen.append((pl, raw, path))
    if sim.config.receipt_omitted_lines_receive and not replace:
        chosen += [(pl, {}, "") for pl in prefilled if int(pl["line"]) not in seen]

    received: list[LinkedLine] = []
    for pl, raw, path in chosen:
        received.append(_receive_line(sim, po, pl, raw, path, len(received) + 1))
    if not received and sim.config.receipt_reject_empty:
        raise invalid_content("You must enter at least one line item for this transaction.", "item")
    body["item"] = {"items": [ln.body for ln in received]}
    return body, received


def _receive_line(sim: Simulator, po: dict[str, Any], pl: dict[str, Any], raw: dict[str, Any], path: str, n: int) -> LinkedLine:
    line_no = int(pl["line"])
    p = path or f"item.items[orderLine={line_no}]"
    if pl.get("isClosed"):
        raise invalid_content(f"The order line {line_no} is closed; it cannot be received.", f"{p}.orderLine")
    item = sim.store.items[int(pl["item"]["id"])]
    if raw.get("item") is not None:
        given = resolve_item(sim, raw["item"], f"{p}.item")
        if given.id != item.id:
            raise invalid_content(f"The item {given.itemid} does not match order line {line_no} ({item.itemid}).", f"{p}.item")
    remaining = round(float(pl["quantity"]) - float(pl.get("quantityReceived") or 0), 9)
    if raw.get("quantity") is not None:
        quantity = number(raw["quantity"], f"{p}.quantity")
        if quantity <= 0:
            raise invalid_content(f"The quantity received must be greater than zero (got {quantity:g}).", f"{p}.quantity")
    else:
        quantity = remaining
        if quantity <= EPS:
            raise invalid_content(f"The order line {line_no} has been fully received.", f"{p}.quantity")
    if quantity - remaining > EPS:
        raise invalid_content(
            f"You cannot receive more than the remaining quantity of order line {line_no}: "
            f"{quantity:g} received, {max(remaining, 0):g} remaining ({pl['quantity']:g} ordered).",
            f"{p}.quantity",
        )
    location_ref = raw.get("location") or pl.get("location") or po.get("location")
    if location_ref is None:
        raise invalid_content("Please enter a value for Location.", f"{p}.location")
    location = resolve_location(sim, location_ref, f"{p}.location").id
    detail = _inventory_detail(sim, item, quantity, raw.get("inventoryDetail"), f"{p}.inventoryDetail", location)
    pl["quantityReceived"] = round(float(pl.get("quantityReceived") or 0) + quantity, 9)
    line_body: dict[str, Any] = {
        "line": n,
        "orderLine": line_no,
        "itemReceive": True,
        "item": {"id": str(item.id)},
        "itemName": item.itemid,
        "quantity": quantity,
        "location": {"id": str(location)},
        "rate": pl.get("rate"),
    }
    if detail is not None:
        line_body["inventoryDetail"] = detail
    return LinkedLine(line_no, item.id, quantity, location, pl.get("rate"), line_body)


def build_bill(sim: Simulator, po: dict[str, Any], data: dict[str, Any]) -> tuple[dict[str, Any], list[LinkedLine]]:
    """Validate a normalized vendorBill body against the PO (updating `quantityBilled` in place)."""
    _check_receivable(sim, po, "billed")
    body = _header(sim, po, data)
    body["status"] = "A"
    if data.get("dueDate") is not None:
        body["dueDate"] = check_date(data["dueDate"], "dueDate")
    lines = po_lines(po)
    by_line = {int(ln["line"]): ln for ln in lines}
    limit = sim.config.bill_limit
    sent = (data.get("item") or {}).get("items")
    if not sent:
        sent = [
            {"orderLine": ln["line"], "quantity": float(ln.get("quantityReceived") or 0) - float(ln.get("quantityBilled") or 0)}
            for ln in lines
            if float(ln.get("quantityReceived") or 0) - float(ln.get("quantityBilled") or 0) > EPS
        ]
    billed: list[LinkedLine] = []
    seen: set[int] = set()
    for i, raw in enumerate(sent):
        path = f"item.items[{i}]"
        pl = _order_line(sim, raw, path, by_line, lines)
        line_no = int(pl["line"])
        if line_no in seen:
            raise invalid_content(f"The order line {line_no} appears twice.", f"{path}.orderLine")
        seen.add(line_no)
        cap_base = float(pl["quantity"]) if limit == "ordered" else float(pl.get("quantityReceived") or 0)
        open_qty = round(cap_base - float(pl.get("quantityBilled") or 0), 9)
        quantity = number(raw["quantity"], f"{path}.quantity") if raw.get("quantity") is not None else open_qty
        if quantity <= 0 or quantity - open_qty > EPS:
            raise invalid_content(
                f"You cannot bill {quantity:g} on order line {line_no}: {max(open_qty, 0):g} can still be billed.",
                f"{path}.quantity",
            )
        rate = number(raw["rate"], f"{path}.rate") if raw.get("rate") is not None else float(pl.get("rate") or 0)
        pl["quantityBilled"] = round(float(pl.get("quantityBilled") or 0) + quantity, 9)
        item = sim.store.items[int(pl["item"]["id"])]
        billed.append(
            LinkedLine(
                line_no,
                item.id,
                quantity,
                None,
                rate,
                {
                    "line": len(billed) + 1,
                    "orderLine": line_no,
                    "item": {"id": str(item.id)},
                    "quantity": quantity,
                    "rate": rate,
                    "amount": round(quantity * rate, 6),
                },
            )
        )
    if not billed:
        raise invalid_content("You must enter at least one line item for this transaction.", "item")
    body["item"] = {"items": [ln.body for ln in billed]}
    body["total"] = round(sum(ln.body["amount"] for ln in billed), 6)
    return body, billed
