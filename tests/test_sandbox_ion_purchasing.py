"""The ION simulator's purchasing, receiving and time-tracking surface (sandbox/README.md, ion.md §2.4, §3.2, §3.5-§3.8, §3.12, §3.14)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from sandbox.ion import IonSimConfig, create_app

TOKEN_PATH = "/realms/api-keys/protocol/openid-connect/token"
CREDENTIALS = {"grant_type": "client_credentials", "client_id": "ion-sync-sandbox", "client_secret": "sandbox-secret"}
HEX32 = re.compile(r"^[0-9a-f]{32}$")

PO_QUERY = """
query POs($filters: PurchaseOrdersInputFilters, $first: Int, $after: String) {
  purchaseOrders(filters: $filters, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor totalCount }
    edges { node {
      id _etag _created _updated status orderedAt estimatedCost estimatedTotalCost isOpen editable
      supplier { id name attributes { key value } }
      currency { id type }
      shipToLocation { id name }
      fees { id name value type }
      attributes { key value type options Etag }
      purchaseOrderLines { id _etag status position quantity cost receivedQuantity part { id partNumber }
                           attributes { key value type options Etag } }
    } }
  }
}
"""

RECEIPTS_QUERY = """
query Receipts($filters: ReceiptsInputFilters) {
  receipts(filters: $filters) {
    pageInfo { totalCount }
    edges { node {
      id receivedAt _created _updated
      receiptItems { id quantity purchaseOrderLineId purchaseOrderLine { id purchaseOrder { id } }
        partInventory { id locationId location { id name } serialNumber lotNumber part { partNumber trackingType } } }
    } }
  }
}
"""

SESSIONS_QUERY = """
query Sessions($filters: SessionsInputFilters, $last: Int) {
  sessions(filters: $filters, last: $last) {
    pageInfo { totalCount }
    edges { node { id _etag checkIn checkOut runStep { id runId position run { id attributes { key value } } } createdBy { id email } } }
  }
}
"""


class Ion:
    def __init__(self, client: httpx.AsyncClient, app: Any) -> None:
        self.client = client
        self.app = app
        self.token = ""

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {self.token}"}
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = await self.post(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> str:
        body = await self.post(query, variables)
        assert body.get("errors"), body
        return str(body["errors"][0]["message"])


@asynccontextmanager
async def _ion(config: IonSimConfig | None = None) -> AsyncIterator[Ion]:
    app = create_app(config or IonSimConfig())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ion.test") as client:
        ion = Ion(client, app)
        ion.token = (await client.post(TOKEN_PATH, data=CREDENTIALS)).json()["access_token"]
        yield ion


@pytest.fixture
async def ion() -> AsyncIterator[Ion]:
    async with _ion() as client_ion:
        yield client_ion


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


def _attrs(node: dict[str, Any]) -> dict[str, Any]:
    return {a["key"]: a["value"] for a in node["attributes"]}


async def _po(ion: Ion, po_id: int) -> dict[str, Any]:
    query = """query($id: ID!) { purchaseOrder(id: $id) { id _etag _updated status orderedAt
      attributes { key value Etag } purchaseOrderLines { id _etag status quantity receivedQuantity attributes { key value Etag } } } }"""
    return (await ion.data(query, {"id": po_id}))["purchaseOrder"]  # type: ignore[no-any-return]


# --- demo data and queries ----------------------------------------------------------------------


async def test_demo_purchase_orders_match_netsuite_naming(ion: Ion) -> None:
    pos = _nodes((await ion.data(PO_QUERY))["purchaseOrders"])
    assert [(p["id"], _attrs(p)["Netsuite PO Number"], p["status"], p["supplier"]["name"]) for p in pos] == [
        (1, "PO5001", "ORDERED", "Acme Metals"),
        (2, "PO5002", "ORDERED", "Orbital Parts"),
    ]
    lines = {
        p["id"]: [
            (
                line["part"]["partNumber"],
                line["quantity"],
                line["cost"],
                line["receivedQuantity"],
                line["status"],
                _attrs(line)["Netsuite Line Number"],
            )
            for line in p["purchaseOrderLines"]
        ]
        for p in pos
    }
    assert lines == {
        1: [("COMP-200", 100.0, 2.5, 60.0, "ORDERED", "1"), ("COMP-300", 50.0, 4.0, 50.0, "RECEIVED", "2")],
        2: [("RES-10", 200.0, 0.1, 100.0, "ORDERED", "1"), ("BRKT-7", 40.0, 1.2, 0.0, "ORDERED", "2")],
    }
    first = pos[0]
    assert (first["currency"]["type"], first["shipToLocation"], first["isOpen"], first["editable"]) == (
        "USD",
        {"id": 1, "name": "Hawthorne"},
        True,
        "false",
    )
    assert first["fees"] == [{"id": 1, "name": "Freight", "value": 25.0, "type": "FIXED"}]
    assert (first["estimatedCost"], first["estimatedTotalCost"]) == (450.0, 475.0)
    assert pos[1]["estimatedCost"] == pytest.approx(68.0)
    assert _attrs(first["supplier"]) == {"Payment Terms": "Net 30", "Netsuite Vendor Id": "301"}
    department = next(a for a in first["attributes"] if a["key"] == "Department")
    assert department["type"] == "SELECT" and json.loads(department["options"]) == ["Production", "Engineering", "Operations"]
    assert (_attrs(first)["Department"], _attrs(first)["Class"], _attrs(first)["NetSuite Location"]) == (
        "Production",
        "Hardware",
        "Hawthorne",
    )
    for node in (first, *first["purchaseOrderLines"], *first["attributes"]):
        assert HEX32.match(node.get("_etag") or node["Etag"])
    assert first["orderedAt"] == "2026-11-18T16:00:00+00:00" and first["_updated"] == "2026-11-19T14:00:00+00:00"


async def test_purchase_order_and_line_filters_and_paging(ion: Ion) -> None:
    async def ids(field: str, filters: dict[str, Any]) -> list[int]:
        query = (
            f"query($f: {field[0].upper() + field[1:]}InputFilters) {{ {field}(filters: $f) {{ edges {{ node {{ id }} }} }} }}"
        )
        return [n["id"] for n in _nodes((await ion.data(query, {"f": filters}))[field])]

    assert await ids("purchaseOrders", {"status": {"eq": "ORDERED"}}) == [1, 2]
    assert await ids("purchaseOrders", {"status": {"in": ["DRAFT", "RECEIVED"]}}) == []
    assert await ids("purchaseOrders", {"_updated": {"gt": "2026-11-19T14:30:00Z"}}) == [2]
    assert await ids("purchaseOrders", {"supplierId": {"eq": 1}}) == [1]
    assert await ids("purchaseOrderLines", {"purchaseOrderId": {"eq": 2}}) == [3, 4]
    assert await ids("purchaseOrderLines", {"status": {"eq": "RECEIVED"}}) == [2]
    assert await ids("purchaseOrderLines", {"receivedQuantity": {"gt": 0}, "id": {"neq": 2}}) == [1, 3]
    page = (await ion.data(PO_QUERY, {"first": 1}))["purchaseOrders"]
    assert page["pageInfo"]["hasNextPage"] and page["pageInfo"]["totalCount"] == 2
    second = (await ion.data(PO_QUERY, {"first": 1, "after": page["pageInfo"]["endCursor"]}))["purchaseOrders"]
    assert [n["id"] for n in _nodes(second)] == [2] and not second["pageInfo"]["hasNextPage"]
    line = (await ion.data("{ purchaseOrderLine(id: 3) { id purchaseOrder { id status } part { partNumber trackingType } } }"))[
        "purchaseOrderLine"
    ]
    assert line == {
        "id": 3,
        "purchaseOrder": {"id": 2, "status": "ORDERED"},
        "part": {"partNumber": "RES-10", "trackingType": "LOT"},
    }


async def test_demo_receipts_partial_and_lot(ion: Ion) -> None:
    receipts = _nodes((await ion.data(RECEIPTS_QUERY))["receipts"])
    assert [(r["id"], r["receivedAt"]) for r in receipts] == [(1, "2026-11-19T14:00:00+00:00"), (2, "2026-11-19T15:30:00+00:00")]
    items = [
        (
            i["purchaseOrderLine"]["purchaseOrder"]["id"],
            i["purchaseOrderLineId"],
            i["quantity"],
            i["partInventory"]["part"]["partNumber"],
            i["partInventory"]["location"]["id"],
            i["partInventory"]["lotNumber"],
        )
        for r in receipts
        for i in r["receiptItems"]
    ]
    assert items == [(1, 1, 60.0, "COMP-200", 2, None), (1, 2, 50.0, "COMP-300", 2, None), (2, 3, 100.0, "RES-10", 11, "L-2211")]
    assert receipts[1]["receiptItems"][0]["partInventory"]["part"]["trackingType"] == "LOT"
    later = (await ion.data(RECEIPTS_QUERY, {"filters": {"receivedAt": {"gte": "2026-11-19T15:00:00Z"}}}))["receipts"]
    assert [n["id"] for n in _nodes(later)] == [2]
    one = (await ion.data("{ receipt(id: 1) { id purchaseOrderLines { id } partInventories { quantity } receivedBy { id } } }"))[
        "receipt"
    ]
    assert one == {
        "id": 1,
        "purchaseOrderLines": [{"id": 1}, {"id": 2}],
        "partInventories": [{"quantity": 50.0}, {"quantity": 87.0}],
        "receivedBy": {"id": 1},
    }


async def test_suppliers_query_and_attribute_filter(ion: Ion) -> None:
    data = await ion.data(
        '{ suppliers(filters: {name: {eq: "Orbital Parts"}}) { edges { node { id name email Attributes(filters: {key: {in: ["Payment Terms"]}}) { key value type } } } } }'
    )
    assert _nodes(data["suppliers"]) == [
        {
            "id": 2,
            "name": "Orbital Parts",
            "email": "billing@orbital-parts.example",
            "Attributes": [{"key": "Payment Terms", "value": "Net 45", "type": "SELECT"}],
        }
    ]
    names = [n["name"] for n in _nodes((await ion.data("{ suppliers { edges { node { name } } } }"))["suppliers"])]
    assert names == ["Acme Metals", "Orbital Parts", "Stellar Fasteners"]


async def test_sessions_open_closed_by_run_and_by_update_time(ion: Ion) -> None:
    async def ids(filters: dict[str, Any] | None, last: int | None = None) -> list[int]:
        return [n["id"] for n in _nodes((await ion.data(SESSIONS_QUERY, {"filters": filters, "last": last}))["sessions"])]

    assert await ids(None) == [1, 2, 3, 4, 5, 6]
    assert await ids({"checkOut": {"eq": None}}) == [6]
    assert await ids({"checkOut": {"neq": None}}) == [1, 2, 3, 4, 5]
    assert await ids({"checkOut": {"gt": "2026-11-20T08:30:00Z", "lte": "2026-11-20T09:00:00Z"}}) == [3, 4]
    assert await ids({"runId": {"eq": 1002}}) == [3, 4]
    assert await ids({"_updated": {"gte": "2026-11-20T09:00:00Z"}}) == [3, 5, 6]
    assert await ids(None, last=2) == [5, 6]
    open_session = _nodes((await ion.data(SESSIONS_QUERY, {"filters": {"id": {"eq": 6}}}))["sessions"])[0]
    assert open_session["runStep"] == {
        "id": 6,
        "runId": 1003,
        "position": 2,
        "run": {"id": 1003, "attributes": [{"key": "NetSuite Work Order", "value": "WO1003"}]},
    }
    assert open_session["createdBy"] == {"id": 3, "email": "bob@factory.example"}
    users = {n["createdBy"]["email"] for n in _nodes((await ion.data(SESSIONS_QUERY))["sessions"])}
    assert users == {"alice@factory.example", "bob@factory.example"}


# --- mutations (§2.4 etags) -------------------------------------------------------------------------

CREATE_SUPPLIER = (
    "mutation($i: CreateSupplierInput!) { createSupplier(input: $i) { supplier { id _etag name attributes { key Etag } } } }"
)
UPDATE_SUPPLIER = "mutation($i: UpdateSupplierInput!) { updateSupplier(input: $i) { supplier { id _etag name contactName } } }"
UPDATE_SUPPLIER_ATTR = "mutation($i: UpdateSupplierAttributeInput!) { updateSupplierAttribute(input: $i) { supplierAttribute { key value Etag supplierId } } }"
CREATE_PO = "mutation($i: CreatePurchaseOrderInput!) { createPurchaseOrder(input: $i) { purchaseOrder { id _etag status supplier { name } currency { type } } } }"
UPDATE_PO = "mutation($i: UpdatePurchaseOrderInput!) { updatePurchaseOrder(input: $i) { purchaseOrder { id _etag status orderedAt description purchaseOrderLines { id status } } } }"
CREATE_LINE = "mutation($i: CreatePurchaseOrderLineInput!) { createPurchaseOrderLine(input: $i) { purchaseOrderLine { id _etag status position quantity cost part { partNumber } } } }"
UPDATE_LINE = "mutation($i: UpdatePurchaseOrderLineInput!) { updatePurchaseOrderLine(input: $i) { purchaseOrderLine { id _etag status quantity cost } } }"
DELETE_LINE = "mutation($id: ID!, $etag: String!) { deletePurchaseOrderLine(id: $id, etag: $etag) { id } }"
UPDATE_PO_ATTR = "mutation($i: UpdatePurchaseOrderAttributeInput!) { updatePurchaseOrderAttribute(input: $i) { purchaseOrderAttribute { key value Etag purchaseOrderId } } }"
UPDATE_LINE_ATTR = "mutation($i: UpdatePurchaseOrderLineAttributeInput!) { updatePurchaseOrderLineAttribute(input: $i) { purchaseOrderLineAttribute { key value Etag purchaseOrderLineId } } }"
CREATE_RECEIPT = "mutation($i: CreateReceiptInput!) { createReceipt(input: $i) { receipt { id _etag receivedAt } } }"
ADD_ITEMS = """mutation($i: [AddItemToReceiptInput]) { addItemsToReceipt(input: $i) { receipt { id receiptItems { id quantity
  purchaseOrderLine { id status receivedQuantity } partInventory { id quantity status locationId lotNumber serialNumber } } } } }"""
UPDATE_SESSION = "mutation($i: UpdateSessionInput!) { updateSession(input: $i) { session { id _etag checkIn checkOut } } }"


async def test_create_and_update_supplier_with_etags(ion: Ion) -> None:
    created = (await ion.data(CREATE_SUPPLIER, {"i": {"name": "Nova Alloys", "email": "ap@nova.example"}}))["createSupplier"][
        "supplier"
    ]
    assert created["id"] == 4 and HEX32.match(created["_etag"])
    assert [a["key"] for a in created["attributes"]] == ["Payment Terms", "Netsuite Vendor Id"]
    updated = (await ion.data(UPDATE_SUPPLIER, {"i": {"id": 4, "etag": created["_etag"], "contactName": "Ana"}}))[
        "updateSupplier"
    ]["supplier"]
    assert updated["contactName"] == "Ana" and updated["name"] == "Nova Alloys" and updated["_etag"] != created["_etag"]
    assert "etag" in await ion.error(UPDATE_SUPPLIER, {"i": {"id": 4, "etag": created["_etag"], "name": "X"}})
    assert "does not exist" in await ion.error(UPDATE_SUPPLIER, {"i": {"id": 99, "etag": "0" * 32}})
    terms = await ion.data(
        UPDATE_SUPPLIER_ATTR,
        {"i": {"supplierId": 4, "key": "Payment Terms", "value": "Net 60", "etag": created["attributes"][0]["Etag"]}},
    )
    assert terms["updateSupplierAttribute"]["supplierAttribute"]["value"] == "Net 60"
    assert "Invalid option 'Net 90'" in await ion.error(
        UPDATE_SUPPLIER_ATTR,
        {"i": {"supplierId": 4, "key": "Payment Terms", "value": "Net 90", "etag": created["attributes"][0]["Etag"]}},
    )


async def test_purchase_order_lifecycle_lines_and_editability(ion: Ion) -> None:
    po = (await ion.data(CREATE_PO, {"i": {"supplierId": 3, "currencyId": 1, "shipToLocationId": 1, "description": "ION-only"}}))[
        "createPurchaseOrder"
    ]["purchaseOrder"]
    assert (po["id"], po["status"], po["supplier"]["name"], po["currency"]["type"]) == (3, "DRAFT", "Stellar Fasteners", "USD")
    assert "Supplier 77 does not exist" in await ion.error(CREATE_PO, {"i": {"supplierId": 77}})
    first = (await ion.data(CREATE_LINE, {"i": {"purchaseOrderId": 3, "partId": 102, "quantity": 10, "cost": 2.0}}))[
        "createPurchaseOrderLine"
    ]["purchaseOrderLine"]
    second = (await ion.data(CREATE_LINE, {"i": {"purchaseOrderId": 3, "partId": 109, "quantity": 5, "cost": 1.0}}))[
        "createPurchaseOrderLine"
    ]["purchaseOrderLine"]
    assert (first["id"], first["status"], first["position"], second["position"], second["part"]["partNumber"]) == (
        5,
        "DRAFT",
        1,
        2,
        "GLUE-1",
    )
    changed = (await ion.data(UPDATE_LINE, {"i": {"id": 5, "etag": first["_etag"], "quantity": 12}}))["updatePurchaseOrderLine"][
        "purchaseOrderLine"
    ]
    assert changed["quantity"] == 12.0 and changed["_etag"] != first["_etag"]
    assert "etag" in await ion.error(UPDATE_LINE, {"i": {"id": 5, "etag": first["_etag"], "quantity": 13}})
    assert "etag" in await ion.error(DELETE_LINE, {"id": 6, "etag": "f" * 32})
    assert (await ion.data(DELETE_LINE, {"id": 6, "etag": second["_etag"]}))["deletePurchaseOrderLine"] == {"id": 6}
    current = await _po(ion, 3)
    assert "etag" in await ion.error(UPDATE_PO, {"i": {"id": 3, "etag": po["_etag"], "status": "ORDERED"}})
    ordered = (await ion.data(UPDATE_PO, {"i": {"id": 3, "etag": current["_etag"], "status": "ORDERED"}}))["updatePurchaseOrder"][
        "purchaseOrder"
    ]
    assert (
        ordered["status"] == "ORDERED"
        and ordered["orderedAt"]
        and ordered["purchaseOrderLines"] == [{"id": 5, "status": "ORDERED"}]
    )
    line = (await _po(ion, 3))["purchaseOrderLines"][0]
    assert "only a DRAFT purchase order" in await ion.error(UPDATE_LINE, {"i": {"id": 5, "etag": line["_etag"], "quantity": 20}})
    assert "only a DRAFT purchase order" in await ion.error(
        CREATE_LINE, {"i": {"purchaseOrderId": 3, "partId": 102, "quantity": 1}}
    )
    eta = await ion.data(UPDATE_LINE, {"i": {"id": 5, "etag": line["_etag"], "estimatedArrivalDate": "2026-12-01T00:00:00Z"}})
    canceled = await ion.data(
        UPDATE_LINE, {"i": {"id": 5, "etag": eta["updatePurchaseOrderLine"]["purchaseOrderLine"]["_etag"], "status": "CANCELED"}}
    )
    assert canceled["updatePurchaseOrderLine"]["purchaseOrderLine"]["status"] == "CANCELED"
    assert (await _po(ion, 3))["status"] == "CANCELED"  # rollup: every line canceled


async def test_delete_purchase_order_with_etag_unless_received(ion: Ion) -> None:
    delete = "mutation($id: ID!, $etag: String!) { deletePurchaseOrder(id: $id, etag: $etag) { id } }"
    po = (await ion.data(CREATE_PO, {"i": {"supplierId": 1}}))["createPurchaseOrder"]["purchaseOrder"]
    await ion.data(CREATE_LINE, {"i": {"purchaseOrderId": po["id"], "partId": 102, "quantity": 1}})
    assert "etag" in await ion.error(delete, {"id": po["id"], "etag": po["_etag"]})  # the new line touched the PO
    assert (await ion.data(delete, {"id": po["id"], "etag": (await _po(ion, po["id"]))["_etag"]}))["deletePurchaseOrder"] == {
        "id": 3
    }
    assert (
        await ion.data(
            "{ purchaseOrder(id: 3) { id } purchaseOrderLines(filters: {purchaseOrderId: {eq: 3}}) { pageInfo { totalCount } } }"
        )
    ) == {"purchaseOrder": None, "purchaseOrderLines": {"pageInfo": {"totalCount": 0}}}
    assert "has receipts" in await ion.error(delete, {"id": 1, "etag": (await _po(ion, 1))["_etag"]})


async def test_header_edit_and_back_to_draft_for_line_changes(ion: Ion) -> None:
    po = await _po(ion, 2)
    draft = (await ion.data(UPDATE_PO, {"i": {"id": 2, "etag": po["_etag"], "status": "DRAFT", "description": "edit"}}))[
        "updatePurchaseOrder"
    ]["purchaseOrder"]
    assert (draft["status"], draft["description"]) == ("DRAFT", "edit")
    assert [line["status"] for line in draft["purchaseOrderLines"]] == ["DRAFT", "DRAFT"]
    line = (await _po(ion, 2))["purchaseOrderLines"][1]
    await ion.data(UPDATE_LINE, {"i": {"id": 4, "etag": line["_etag"], "quantity": 45}})
    back = await _po(ion, 2)
    again = (await ion.data(UPDATE_PO, {"i": {"id": 2, "etag": back["_etag"], "status": "ORDERED"}}))["updatePurchaseOrder"][
        "purchaseOrder"
    ]
    assert again["orderedAt"] == "2026-11-18T16:00:00+00:00"  # kept from the first ordering
    assert [(line["status"], line["quantity"]) for line in (await _po(ion, 2))["purchaseOrderLines"]] == [
        ("ORDERED", 200.0),
        ("ORDERED", 45.0),
    ]


async def test_purchase_order_attributes_select_options_unknown_keys_and_etags(ion: Ion) -> None:
    po = await _po(ion, 1)
    etags = {a["key"]: a["Etag"] for a in po["attributes"]}
    ok = await ion.data(
        UPDATE_PO_ATTR, {"i": {"purchaseOrderId": 1, "key": "Class", "value": "Flight Programs", "etag": etags["Class"]}}
    )
    attribute = ok["updatePurchaseOrderAttribute"]["purchaseOrderAttribute"]
    assert (attribute["key"], attribute["value"], attribute["purchaseOrderId"]) == ("Class", "Flight Programs", 1) and attribute[
        "Etag"
    ] != etags["Class"]
    message = await ion.error(
        UPDATE_PO_ATTR, {"i": {"purchaseOrderId": 1, "key": "Class", "value": "Orbit", "etag": attribute["Etag"]}}
    )
    assert "Invalid option 'Orbit'" in message and "Flight Programs" in message
    assert "Unknown PurchaseOrder attribute key 'Buyer'" in await ion.error(
        UPDATE_PO_ATTR, {"i": {"purchaseOrderId": 1, "key": "Buyer", "value": "x", "etag": attribute["Etag"]}}
    )
    assert "etag" in await ion.error(
        UPDATE_PO_ATTR, {"i": {"purchaseOrderId": 1, "key": "Class", "value": "R&D", "etag": etags["Class"]}}
    )
    after = await _po(ion, 1)
    assert after["_etag"] != po["_etag"] and after["_updated"] > po["_updated"]  # child writes touch the parent (config)
    by_parent = await ion.data(
        UPDATE_PO_ATTR, {"i": {"purchaseOrderId": 1, "key": "Project Code", "value": "P-77", "etag": after["_etag"]}}
    )
    assert by_parent["updatePurchaseOrderAttribute"]["purchaseOrderAttribute"]["value"] == "P-77"
    cleared = await ion.data(
        UPDATE_PO_ATTR, {"i": {"purchaseOrderId": 1, "key": "Class", "value": None, "etag": attribute["Etag"]}}
    )
    assert cleared["updatePurchaseOrderAttribute"]["purchaseOrderAttribute"]["value"] is None


async def test_purchase_order_line_attributes(ion: Ion) -> None:
    line = (await _po(ion, 1))["purchaseOrderLines"][0]
    etags = {a["key"]: a["Etag"] for a in line["attributes"]}
    done = await ion.data(
        UPDATE_LINE_ATTR, {"i": {"purchaseOrderLineId": 1, "key": "Tax Code", "value": "EXEMPT", "etag": etags["Tax Code"]}}
    )
    assert done["updatePurchaseOrderLineAttribute"]["purchaseOrderLineAttribute"]["purchaseOrderLineId"] == 1
    assert "Invalid option 'VAT'" in await ion.error(
        UPDATE_LINE_ATTR, {"i": {"purchaseOrderLineId": 1, "key": "Tax Code", "value": "VAT", "etag": etags["Tax Code"]}}
    )
    assert "Unknown PurchaseOrderLine attribute key" in await ion.error(
        UPDATE_LINE_ATTR, {"i": {"purchaseOrderLineId": 1, "key": "Nope", "value": "1", "etag": etags["Tax Code"]}}
    )
    assert "etag" in await ion.error(
        UPDATE_LINE_ATTR, {"i": {"purchaseOrderLineId": 1, "key": "Tax Code", "value": "EXEMPT", "etag": etags["Tax Code"]}}
    )
    assert "does not exist" in await ion.error(
        UPDATE_LINE_ATTR, {"i": {"purchaseOrderLineId": 99, "key": "Tax Code", "value": "EXEMPT", "etag": "x"}}
    )


async def test_receiving_updates_received_quantity_status_and_rolls_up(ion: Ion) -> None:
    receipt = (await ion.data(CREATE_RECEIPT, {"i": {"receivedAt": "2026-11-21T10:00:00Z"}}))["createReceipt"]["receipt"]
    assert receipt["id"] == 3 and receipt["receivedAt"] == "2026-11-21T10:00:00+00:00"
    items = [{"receiptId": 3, "purchaseOrderLineId": 1, "quantity": 40, "locationId": 2}]
    received = (await ion.data(ADD_ITEMS, {"i": items}))["addItemsToReceipt"]["receipt"]
    item = received["receiptItems"][0]
    assert item["purchaseOrderLine"] == {"id": 1, "status": "RECEIVED", "receivedQuantity": 100.0}
    assert (item["partInventory"]["quantity"], item["partInventory"]["status"], item["partInventory"]["locationId"]) == (
        40.0,
        "AVAILABLE",
        2,
    )
    assert (await _po(ion, 1))["status"] == "RECEIVED"  # every line received
    lot = [
        {"receiptId": 3, "purchaseOrderLineId": 3, "quantity": 50, "locationId": 11, "lotNumber": "L-3001"},
        {"receiptId": 3, "purchaseOrderLineId": 3, "quantity": 25, "locationId": 11, "lotNumber": "L-3002"},
    ]
    more = (await ion.data(ADD_ITEMS, {"i": lot}))["addItemsToReceipt"]["receipt"]["receiptItems"]
    assert [(i["quantity"], i["partInventory"]["lotNumber"], i["purchaseOrderLine"]["receivedQuantity"]) for i in more[1:]] == [
        (50.0, "L-3001", 175.0),
        (25.0, "L-3002", 175.0),
    ]
    assert (await _po(ion, 2))["status"] == "ORDERED"
    assert "must be positive" in await ion.error(
        ADD_ITEMS, {"i": [{"receiptId": 3, "purchaseOrderLineId": 4, "quantity": -1, "locationId": 2}]}
    )
    assert "does not exist" in await ion.error(ADD_ITEMS, {"i": [{"receiptId": 99, "purchaseOrderLineId": 4, "quantity": 1}]})
    updated = _nodes((await ion.data(RECEIPTS_QUERY, {"filters": {"_updated": {"gt": "2026-11-20T00:00:00Z"}}}))["receipts"])
    assert [r["id"] for r in updated] == [3]


async def test_over_receipt_can_be_refused_by_config() -> None:
    async with _ion(IonSimConfig(allow_over_receipt=False)) as ion:
        await ion.data(CREATE_RECEIPT, {"i": {}})
        message = await ion.error(ADD_ITEMS, {"i": [{"receiptId": 3, "purchaseOrderLineId": 2, "quantity": 1, "locationId": 2}]})
        assert "Over-receipt on PurchaseOrderLine 2" in message


async def test_update_session_with_etag(ion: Ion) -> None:
    session = _nodes((await ion.data(SESSIONS_QUERY, {"filters": {"id": {"eq": 6}}}))["sessions"])[0]
    closed = (await ion.data(UPDATE_SESSION, {"i": {"id": 6, "etag": session["_etag"], "checkOut": "2026-11-20T10:30:00Z"}}))[
        "updateSession"
    ]["session"]
    assert closed["checkOut"] == "2026-11-20T10:30:00+00:00" and closed["_etag"] != session["_etag"]
    assert "etag" in await ion.error(UPDATE_SESSION, {"i": {"id": 6, "etag": session["_etag"], "checkOut": None}})
    assert [n["id"] for n in _nodes((await ion.data(SESSIONS_QUERY, {"filters": {"checkOut": {"eq": None}}}))["sessions"])] == []


async def test_unknown_mutation_is_not_supported(ion: Ion) -> None:
    assert "not supported" in await ion.error("mutation { deleteEverything { id } }")


# --- admin routes ---------------------------------------------------------------------------------


async def test_admin_receipt_is_partial_lot_tracked_and_permissive(ion: Ion) -> None:
    body = {
        "purchaseOrderId": 2,
        "receivedAt": "2026-11-21T09:00:00Z",
        "items": [
            {"purchaseOrderLineId": 4, "quantity": 15, "locationId": 2},
            {"purchaseOrderLineId": 3, "quantity": 150, "locationId": 2, "lotNumber": "L-9"},
        ],
    }
    response = await ion.client.post("/_sandbox/receipts", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id"] == 3 and len(created["receiptItemIds"]) == 2 and len(created["partInventoryIds"]) == 2
    lines = {line["id"]: (line["receivedQuantity"], line["status"]) for line in (await _po(ion, 2))["purchaseOrderLines"]}
    assert lines == {3: (250.0, "RECEIVED"), 4: (15.0, "ORDERED")}  # over-receipt accepted on the admin route
    receipt = (await ion.data("{ receipt(id: 3) { receivedAt receiptItems { partInventory { lotNumber location { id } } } } }"))[
        "receipt"
    ]
    assert receipt["receivedAt"] == "2026-11-21T09:00:00+00:00"
    assert [i["partInventory"]["lotNumber"] for i in receipt["receiptItems"]] == [None, "L-9"]
    assert (await ion.client.post("/_sandbox/receipts", json={**body, "purchaseOrderId": 42})).status_code == 404
    wrong = await ion.client.post("/_sandbox/receipts", json={**body, "purchaseOrderId": 1})
    assert wrong.status_code == 422 and "not a line of PurchaseOrder 1" in wrong.json()["detail"]
    assert (await ion.client.post("/_sandbox/receipts", json={"purchaseOrderId": 1, "items": []})).status_code == 422


async def test_admin_sessions_create_steps_users_and_filter(ion: Ion) -> None:
    body = {
        "runId": 1004,
        "stepPosition": 3,
        "userEmail": "casey@ion-sync.example",
        "checkIn": "2026-11-20T11:00:00Z",
        "checkOut": "2026-11-20T11:20:00Z",
    }
    response = await ion.client.post("/_sandbox/sessions", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id"] == 7
    again = (await ion.client.post("/_sandbox/sessions", json={**body, "checkOut": None})).json()
    assert again["runStepId"] == created["runStepId"] and again["createdById"] == created["createdById"]
    nodes = _nodes((await ion.data(SESSIONS_QUERY, {"filters": {"runId": {"eq": 1004}}}))["sessions"])
    assert [(n["id"], n["checkOut"], n["runStep"]["position"], n["createdBy"]["email"]) for n in nodes] == [
        (7, "2026-11-20T11:20:00+00:00", 3, "casey@ion-sync.example"),
        (8, None, 3, "casey@ion-sync.example"),
    ]
    assert (await ion.client.post("/_sandbox/sessions", json={**body, "runId": 5})).status_code == 404
    assert (await ion.client.post("/_sandbox/sessions", json={"runId": 1001})).status_code == 422


async def test_reset_restores_purchasing_demo(ion: Ion) -> None:
    await ion.data(CREATE_SUPPLIER, {"i": {"name": "Temp"}})
    assert (await ion.client.post("/_sandbox/reset")).status_code == 200
    data = await ion.data(
        "{ suppliers { pageInfo { totalCount } } receipts { pageInfo { totalCount } } sessions { pageInfo { totalCount } } }"
    )
    assert data == {
        "suppliers": {"pageInfo": {"totalCount": 3}},
        "receipts": {"pageInfo": {"totalCount": 2}},
        "sessions": {"pageInfo": {"totalCount": 6}},
    }


# --- configuration and performance -------------------------------------------------------------------


async def test_config_options_as_list_and_attribute_etag_only() -> None:
    async with _ion(IonSimConfig(attribute_options_format="list", attribute_etag="attribute")) as ion:
        po = await _po(ion, 1)
        options = (await ion.data("{ purchaseOrder(id: 1) { attributes { key options } } }"))["purchaseOrder"]["attributes"]
        assert {a["key"]: a["options"] for a in options}["NetSuite Location"] == ["Hawthorne", "Long Beach"]
        assert "etag" in await ion.error(
            UPDATE_PO_ATTR, {"i": {"purchaseOrderId": 1, "key": "Project Code", "value": "X", "etag": po["_etag"]}}
        )


async def test_editability_can_be_relaxed_by_config() -> None:
    async with _ion(IonSimConfig(enforce_line_editability=False)) as ion:
        line = (await _po(ion, 1))["purchaseOrderLines"][0]
        changed = await ion.data(UPDATE_LINE, {"i": {"id": 1, "etag": line["_etag"], "quantity": 120}})
        assert changed["updatePurchaseOrderLine"]["purchaseOrderLine"]["quantity"] == 120.0


async def test_fast_executor_matches_graphql_core_on_purchasing() -> None:
    queries = [(PO_QUERY, {"first": 5}), (RECEIPTS_QUERY, None), (SESSIONS_QUERY, {"filters": {"checkOut": {"neq": None}}})]
    results = []
    for fast in (True, False):
        async with _ion(IonSimConfig(fast_executor=fast)) as ion:
            results.append([await ion.post(q, v) for q, v in queries])
    strip = re.compile(r'"(_etag|Etag)": "[0-9a-f]{32}"')
    assert [strip.sub("", json.dumps(r)) for r in results[0]] == [strip.sub("", json.dumps(r)) for r in results[1]]


async def test_purchasing_pages_cost_a_fixed_number_of_sql_queries(ion: Ion) -> None:
    for n in range(20):
        receipt = (await ion.data(CREATE_RECEIPT, {"i": {}}))["createReceipt"]["receipt"]["id"]
        await ion.data(
            ADD_ITEMS,
            {"i": [{"receiptId": receipt, "purchaseOrderLineId": 4, "quantity": 1, "locationId": 2, "lotNumber": f"L{n}"}]},
        )
    statements: list[str] = []
    db: sqlite3.Connection = ion.app.state.store.db
    db.set_trace_callback(statements.append)
    try:
        receipts = (await ion.data(RECEIPTS_QUERY))["receipts"]
        pos = (await ion.data(PO_QUERY))["purchaseOrders"]
    finally:
        db.set_trace_callback(None)
    assert receipts["pageInfo"]["totalCount"] == 22 and len(_nodes(pos)) == 2
    assert len(statements) <= 15, statements  # 6 for the receipts page, 9 for the PO page, whatever the row count
