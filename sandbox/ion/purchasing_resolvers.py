"""Resolvers of the purchasing and time-tracking types and of the mutations (ion.md §3.2, §3.5-§3.8, §3.12, §3.14).

Root lists reuse the run machinery (`resolvers._list_resolver`: filters and sort to SQL, Relay
slices); relations go through the request's `RelationLoader`, so a page of purchase orders with
their lines, parts, attributes and receipts costs a fixed handful of queries. Mutations call
`sandbox.ion.purchasing.Purchasing`, then answer the object re-read after the write (with the
request's caches dropped, since they may predate it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.ion.purchasing_entities import (
    PURCHASE_ORDER_LINES,
    PURCHASE_ORDERS,
    RECEIPT_ITEMS,
    RECEIPTS,
    SESSIONS,
    SUPPLIERS,
)
from sandbox.ion.relations import RelationLoader
from sandbox.ion.resolvers import (
    BatchLoader,
    RequestContext,
    _id,
    _list_resolver,
    _part_of,
)

Row = dict[str, Any]


def relations(info: GraphQLResolveInfo) -> RelationLoader:
    return info.context.relations


def _seen(kind: str) -> Callable[[BatchLoader, list[Row]], None]:
    """A `_list_resolver` hook recording a page's rows in the relation loader."""

    def record(loader: BatchLoader, rows: list[Row]) -> None:
        loader.relations.saw(kind, rows)

    return record


def _get(kind: str) -> Callable[..., Row | None]:
    def resolve(_source: Any, info: GraphQLResolveInfo, id: Any) -> Row | None:
        return relations(info).one(kind, _id(id), kind, "id")

    return resolve


def _user(source: Row, info: GraphQLResolveInfo, field: str, kind: str) -> Row | None:
    user_id = source.get(field)
    config = info.context.config
    if user_id == config.user_id:
        return {"id": config.user_id, "name": config.user_name, "email": config.user_email}
    return relations(info).one("User", user_id, kind, field)


def _attributes(owner: str, kind: str) -> Callable[..., list[Row]]:
    def resolve(source: Row, info: GraphQLResolveInfo, filters: dict[str, Any] | None = None) -> list[Row]:
        rows = relations(info).many("Attribute", kind, source["id"], "owner_id", "ownerId", owner=owner)
        key_filter = (filters or {}).get("key") or {}
        if "eq" in key_filter:
            rows = [r for r in rows if r["key"] == key_filter["eq"]]
        if "neq" in key_filter:
            rows = [r for r in rows if r["key"] != key_filter["neq"]]
        if key_filter.get("in") is not None:
            rows = [r for r in rows if r["key"] in key_filter["in"]]
        return rows

    return resolve


def _receipt_lines(source: Row, info: GraphQLResolveInfo) -> list[Row]:
    loader = relations(info)
    items = loader.many("ReceiptItem", "Receipt", source["id"], "receipt_id", "receiptId")
    lines = (loader.one("PurchaseOrderLine", i["purchaseOrderLineId"], "ReceiptItem", "purchaseOrderLineId") for i in items)
    return list({line["id"]: line for line in lines if line is not None}.values())


def _receipt_inventories(source: Row, info: GraphQLResolveInfo) -> list[Row]:
    items = relations(info).many("ReceiptItem", "Receipt", source["id"], "receipt_id", "receiptId")
    found = (info.context.loader.inventory(i["partInventoryId"]) for i in items)
    return [row for row in found if row is not None]


# --- mutations --------------------------------------------------------------------------------


def _fresh(info: GraphQLResolveInfo) -> RelationLoader:
    """Drop the request's caches after a write; later fields read the new state."""
    ctx: RequestContext = info.context
    ctx.reset_loaders()
    return ctx.relations


def _mutation(kind: str, payload_key: str, write: Callable[[Any, dict[str, Any]], int]) -> Callable[..., Row]:
    def resolve(_source: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
        object_id = write(info.context.purchasing, input)
        return {payload_key: _fresh(info).one(kind, object_id, kind, "id")}

    return resolve


def _attribute_mutation(owner: str, payload_key: str) -> Callable[..., Row]:
    def resolve(_source: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
        attribute_id = info.context.purchasing.update_attribute(owner, input)
        return {payload_key: _fresh(info).one("Attribute", attribute_id, "Attribute", "id")}

    return resolve


def _delete_line(_source: Any, info: GraphQLResolveInfo, id: Any, etag: str) -> Row:
    deleted = info.context.purchasing.delete_line(_id(id), etag)
    _fresh(info)
    return {"id": deleted}


def _delete_po(_source: Any, info: GraphQLResolveInfo, id: Any, etag: str) -> Row:
    deleted = info.context.purchasing.delete_purchase_order(_id(id), etag)
    _fresh(info)
    return {"id": deleted}


def _add_items(_source: Any, info: GraphQLResolveInfo, input: list[dict[str, Any]] | None = None) -> Row:
    receipt_id, _items, _inventories = info.context.purchasing.add_items([i for i in input or [] if i is not None])
    return {"receipt": _fresh(info).one("Receipt", receipt_id, "Receipt", "id")}


PURCHASING_RESOLVERS: dict[str, dict[str, Callable[..., Any]]] = {
    "Query": {
        "purchaseOrder": _get("PurchaseOrder"),
        "purchaseOrders": _list_resolver(PURCHASE_ORDERS, _seen("PurchaseOrder")),
        "purchaseOrderLine": _get("PurchaseOrderLine"),
        "purchaseOrderLines": _list_resolver(PURCHASE_ORDER_LINES, _seen("PurchaseOrderLine")),
        "receipt": _get("Receipt"),
        "receipts": _list_resolver(RECEIPTS, _seen("Receipt")),
        "receiptItems": _list_resolver(RECEIPT_ITEMS, _seen("ReceiptItem")),
        "supplier": _get("Supplier"),
        "suppliers": _list_resolver(SUPPLIERS, _seen("Supplier")),
        "session": _get("Session"),
        "sessions": _list_resolver(SESSIONS, _seen("Session")),
    },
    "PurchaseOrder": {
        "supplier": lambda s, info: relations(info).one("Supplier", s["supplierId"], "PurchaseOrder", "supplierId"),
        "currency": lambda s, info: relations(info).one("Currency", s["currencyId"], "PurchaseOrder", "currencyId"),
        "shipToLocation": lambda s, info: info.context.store.locations.get(s["shipToLocationId"]),
        "billToLocation": lambda s, info: info.context.store.locations.get(s["billToLocationId"]),
        "fees": lambda s, info: relations(info).many(
            "PurchaseOrderFee", "PurchaseOrder", s["id"], "purchase_order_id", "purchaseOrderId"
        ),
        "purchaseOrderLines": lambda s, info: relations(info).many(
            "PurchaseOrderLine", "PurchaseOrder", s["id"], "purchase_order_id", "purchaseOrderId"
        ),
        "attributes": _attributes("purchaseOrder", "PurchaseOrder"),
        "Attributes": _attributes("purchaseOrder", "PurchaseOrder"),
    },
    "PurchaseOrderLine": {
        "purchaseOrder": lambda s, info: relations(info).one(
            "PurchaseOrder", s["purchaseOrderId"], "PurchaseOrderLine", "purchaseOrderId"
        ),
        "part": lambda s, info: None if s["partId"] is None else _part_of(s, info),
        "receiptItems": lambda s, info: relations(info).many(
            "ReceiptItem", "PurchaseOrderLine", s["id"], "purchase_order_line_id", "purchaseOrderLineId"
        ),
        "attributes": _attributes("purchaseOrderLine", "PurchaseOrderLine"),
        "Attributes": _attributes("purchaseOrderLine", "PurchaseOrderLine"),
    },
    "Supplier": {
        "attributes": _attributes("supplier", "Supplier"),
        "Attributes": _attributes("supplier", "Supplier"),
    },
    "Receipt": {
        "receivedBy": lambda s, info: _user(s, info, "receivedById", "Receipt"),
        "receiptItems": lambda s, info: relations(info).many("ReceiptItem", "Receipt", s["id"], "receipt_id", "receiptId"),
        "receivedParts": lambda s, info: relations(info).many("ReceiptItem", "Receipt", s["id"], "receipt_id", "receiptId"),
        "purchaseOrderLines": _receipt_lines,
        "partInventories": _receipt_inventories,
    },
    "ReceiptItem": {
        "receipt": lambda s, info: relations(info).one("Receipt", s["receiptId"], "ReceiptItem", "receiptId"),
        "purchaseOrderLine": lambda s, info: relations(info).one(
            "PurchaseOrderLine", s["purchaseOrderLineId"], "ReceiptItem", "purchaseOrderLineId"
        ),
        "partInventory": lambda s, info: info.context.loader.inventory(s["partInventoryId"]),
    },
    "RunStep": {
        "run": lambda s, info: relations(info).one("Run", s["runId"], "RunStep", "runId"),
    },
    "Session": {
        "runStep": lambda s, info: relations(info).one("RunStep", s["runStepId"], "Session", "runStepId"),
        "createdBy": lambda s, info: _user(s, info, "createdById", "Session"),
    },
    "Mutation": {
        "createSupplier": _mutation("Supplier", "supplier", lambda p, i: p.create_supplier(i)),
        "updateSupplier": _mutation("Supplier", "supplier", lambda p, i: p.update_supplier(i)),
        "updateSupplierAttribute": _attribute_mutation("supplier", "supplierAttribute"),
        "createPurchaseOrder": _mutation("PurchaseOrder", "purchaseOrder", lambda p, i: p.create_purchase_order(i)),
        "updatePurchaseOrder": _mutation("PurchaseOrder", "purchaseOrder", lambda p, i: p.update_purchase_order(i)),
        "deletePurchaseOrder": _delete_po,
        "updatePurchaseOrderAttribute": _attribute_mutation("purchaseOrder", "purchaseOrderAttribute"),
        "createPurchaseOrderFee": _mutation("PurchaseOrderFee", "purchaseOrderFee", lambda p, i: p.create_fee(i)),
        "createPurchaseOrderLine": _mutation("PurchaseOrderLine", "purchaseOrderLine", lambda p, i: p.create_line(i)),
        "updatePurchaseOrderLine": _mutation("PurchaseOrderLine", "purchaseOrderLine", lambda p, i: p.update_line(i)),
        "deletePurchaseOrderLine": _delete_line,
        "updatePurchaseOrderLineAttribute": _attribute_mutation("purchaseOrderLine", "purchaseOrderLineAttribute"),
        "createReceipt": _mutation("Receipt", "receipt", lambda p, i: p.create_receipt(i)),
        "addItemsToReceipt": _add_items,
        "updateSession": _mutation("Session", "session", lambda p, i: p.update_session(i)),
    },
}
