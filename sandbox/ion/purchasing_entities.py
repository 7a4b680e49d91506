"""How the purchasing and time-tracking types map to SQL (ion.md §3.2, §3.5-§3.8, §3.12, §3.14).

Same `Entity` machinery as runs and inventories (`sandbox.ion.store`): a SELECT that names
columns as GraphQL fields, the filterable fields with their SQL expression and kind, the sort
columns, and a post-processing step for derived fields (isOpen, editable, estimated costs).
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.ion.store import Entity

_STAMPS = "etag AS _etag, created AS _created, updated AS _updated"
_DATES = {"_created": ("created", "dt"), "_updated": ("updated", "dt")}
_SORT_STAMPS = {"CREATED": "created", "UPDATED": "updated"}

#: attribute owner (the `attribute_values.owner` column) -> the parent id field of its GraphQL type
ATTRIBUTE_OWNERS = {
    "purchaseOrder": "purchaseOrderId",
    "purchaseOrderLine": "purchaseOrderLineId",
    "supplier": "supplierId",
}
OPEN_PO_STATES = frozenset({"DRAFT", "REQUESTED", "APPROVED", "ORDERED"})


def _purchase_order_post(row: dict[str, Any]) -> dict[str, Any]:
    cost = row["estimatedCost"] = None if row["estimatedCost"] is None else round(row["estimatedCost"], 10)
    cost = cost or 0.0
    row["estimatedTotalCost"] = round(cost + row.pop("fixedFees") + cost * row.pop("percentFees") / 100.0, 10)
    row["paid"] = bool(row["paid"])
    row["isOpen"] = row["status"] in OPEN_PO_STATES
    row["approved"] = row["status"] in ("APPROVED", "ORDERED", "RECEIVED")
    row["editable"] = "true" if row["status"] == "DRAFT" else "false"
    return row


def _line_post(row: dict[str, Any]) -> dict[str, Any]:
    qty, cost = row["quantity"], row["cost"]
    row["estimatedCost"] = None if qty is None or cost is None else round(qty * cost, 10)
    row["inventoryQuantity"] = row["receivedQuantity"]
    row["paid"] = bool(row["paid"])
    row["isOpen"] = row["status"] in ("DRAFT", "ORDERED")
    row["editable"] = "true" if row.pop("purchaseOrderStatus") == "DRAFT" else "false"
    return row


def _attribute_post(row: dict[str, Any]) -> dict[str, Any]:
    row["options"] = json.loads(row["options"])
    row[ATTRIBUTE_OWNERS[row["owner"]]] = row["ownerId"]
    return row


PURCHASE_ORDERS = Entity(
    table="purchase_orders",
    select=(
        "SELECT id, status, description, supplier_id AS supplierId, currency_id AS currencyId,"
        " ship_to_location_id AS shipToLocationId, bill_to_location_id AS billToLocationId,"
        " ordered_at AS orderedAt, need_date AS needDate, estimated_arrival_date AS estimatedArrivalDate, paid,"
        " (SELECT SUM(l.quantity * l.cost) FROM purchase_order_lines l"
        "   WHERE l.purchase_order_id = purchase_orders.id AND l.canceled = 0) AS estimatedCost,"
        " (SELECT COALESCE(SUM(f.value), 0) FROM purchase_order_fees f"
        "   WHERE f.purchase_order_id = purchase_orders.id AND f.type IS NOT 'PERCENT') AS fixedFees,"
        " (SELECT COALESCE(SUM(f.value), 0) FROM purchase_order_fees f"
        "   WHERE f.purchase_order_id = purchase_orders.id AND f.type = 'PERCENT') AS percentFees,"
        f" {_STAMPS} FROM purchase_orders"
    ),
    filters={
        "id": ("id", "id"),
        "status": ("status", "enum"),
        "supplierId": ("supplier_id", "id"),
        "currencyId": ("currency_id", "id"),
        "shipToLocationId": ("ship_to_location_id", "id"),
        "orderedAt": ("ordered_at", "dt"),
        **_DATES,
    },
    sorts={"ID": "id", "STATUS": "status", "SUPPLIER_ID": "supplier_id", "ORDERED_AT": "ordered_at", **_SORT_STAMPS},
    post=_purchase_order_post,
)

PURCHASE_ORDER_LINES = Entity(
    table="purchase_order_lines",
    select=(
        "SELECT id, purchase_order_id AS purchaseOrderId, part_id AS partId, status, description, position,"
        " cost, quantity, received_quantity AS receivedQuantity, need_date AS needDate,"
        " estimated_arrival_date AS estimatedArrivalDate, paid,"
        " (SELECT p.status FROM purchase_orders p WHERE p.id = purchase_order_id) AS purchaseOrderStatus,"
        f" {_STAMPS} FROM purchase_order_lines"
    ),
    filters={
        "id": ("id", "id"),
        "purchaseOrderId": ("purchase_order_id", "id"),
        "partId": ("part_id", "id"),
        "status": ("status", "enum"),
        "quantity": ("quantity", "num"),
        "receivedQuantity": ("received_quantity", "num"),
        **_DATES,
    },
    sorts={"ID": "id", "PURCHASE_ORDER_ID": "purchase_order_id", "POSITION": "position", "STATUS": "status", **_SORT_STAMPS},
    post=_line_post,
)

PURCHASE_ORDER_FEES = Entity(
    table="purchase_order_fees",
    select=f"SELECT id, purchase_order_id AS purchaseOrderId, name, value, type, {_STAMPS} FROM purchase_order_fees",
    filters={"id": ("id", "id"), "purchaseOrderId": ("purchase_order_id", "id")},
    sorts={"ID": "id"},
)

SUPPLIERS = Entity(
    table="suppliers",
    select=(
        "SELECT id, name, description, phone_number AS phoneNumber, address, email, contact_name AS contactName,"
        f" {_STAMPS} FROM suppliers"
    ),
    filters={"id": ("id", "id"), "name": ("name", "str"), "email": ("email", "str"), **_DATES},
    sorts={"ID": "id", "NAME": "name", **_SORT_STAMPS},
)

RECEIPTS = Entity(
    table="receipts",
    select=f"SELECT id, received_at AS receivedAt, received_by_id AS receivedById, {_STAMPS} FROM receipts",
    filters={"id": ("id", "id"), "receivedAt": ("received_at", "dt"), "receivedById": ("received_by_id", "id"), **_DATES},
    sorts={"ID": "id", "RECEIVED_AT": "received_at", **_SORT_STAMPS},
)

RECEIPT_ITEMS = Entity(
    table="receipt_items",
    select=(
        "SELECT id, receipt_id AS receiptId, purchase_order_line_id AS purchaseOrderLineId,"
        f" part_inventory_id AS partInventoryId, quantity, {_STAMPS} FROM receipt_items"
    ),
    filters={
        "id": ("id", "id"),
        "receiptId": ("receipt_id", "id"),
        "purchaseOrderLineId": ("purchase_order_line_id", "id"),
        "partInventoryId": ("part_inventory_id", "id"),
        **_DATES,
    },
    sorts={"ID": "id", "RECEIPT_ID": "receipt_id", **_SORT_STAMPS},
)

RUN_STEPS = Entity(
    table="run_steps",
    select=f"SELECT id, run_id AS runId, title, position, status, {_STAMPS} FROM run_steps",
    filters={"id": ("id", "id"), "runId": ("run_id", "id"), "status": ("status", "enum")},
    sorts={"ID": "id", "POSITION": "position"},
)

SESSIONS = Entity(
    table="sessions",
    select=(
        "SELECT id, run_step_id AS runStepId, created_by_id AS createdById, check_in AS checkIn,"
        f" check_out AS checkOut, {_STAMPS} FROM sessions"
    ),
    filters={
        "id": ("id", "id"),
        "runStepId": ("run_step_id", "id"),
        "runId": ("(SELECT s.run_id FROM run_steps s WHERE s.id = run_step_id)", "id"),
        "createdById": ("created_by_id", "id"),
        "checkIn": ("check_in", "dt"),
        "checkOut": ("check_out", "dt"),
        **_DATES,
    },
    sorts={"ID": "id", "CHECK_IN": "check_in", "CHECK_OUT": "check_out", **_SORT_STAMPS},
)

ATTRIBUTES_SELECT = (
    "SELECT id, owner, owner_id AS ownerId, key, value, type, options, etag AS Etag, created AS Created,"
    " updated AS Updated FROM attribute_values"
)
ATTRIBUTE_POST = _attribute_post
USERS_SELECT = "SELECT id, name, email FROM users"
CURRENCIES_SELECT = "SELECT id, type, etag AS _etag FROM currencies"
