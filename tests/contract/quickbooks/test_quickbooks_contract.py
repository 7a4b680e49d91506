"""Golden examples from Intuit's published docs and official clients (`examples/`, each file
names its source): our client parses each documented response, and each request body we build
has the documented shape. No simulator: the HTTP layer is `httpx.MockTransport`."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from connectors.errors import AuthError, DataError, RateLimitedError
from connectors.quickbooks import (
    QuickBooksClient,
    QuickBooksSettings,
    quote,
    request_id,
)
from connectors.quickbooks.errors import QuickBooksDataError
from erp.quickbooks.rules import (
    SetupIds,
    inventory_item_body,
    plan_purchase_order,
    purchase_order_body,
    purchase_order_update,
)
from ion_sync.webhooks.sources import parse_quickbooks

EXAMPLES = Path(__file__).parent / "examples"
REALM = "123146096291789"
SETUP = SetupIds(accounts_payable="33", income="79", inventory_asset="81", inventory_expense="80", fees="90")


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


class MemoryTokens:
    """`TokenStore` in memory."""

    def __init__(self) -> None:
        self.value: dict[str, Any] | None = None

    def load(self) -> dict[str, Any] | None:
        return self.value

    def rotate(self, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]) -> dict[str, Any] | None:
        new = change(self.value)
        if new is not None:
            self.value = new
        return self.value


def token_server(seen: list[httpx.Request], answer: dict[str, Any] | None = None, status: int = 200) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=answer or example("token_refresh")["response"])

    return httpx.MockTransport(handle)


def client(api: Callable[[httpx.Request], httpx.Response], *, tokens: list[httpx.Request] | None = None) -> QuickBooksClient:
    settings = QuickBooksSettings(
        realm_id=REALM,
        client_id="app-id",
        client_secret="app-secret",
        refresh_token="RT1-start",  # type: ignore[arg-type]
        retry={"attempts": 1},
        throttle_wait_seconds=0,  # type: ignore[arg-type]
    )
    return QuickBooksClient(
        settings,
        MemoryTokens(),
        transport=httpx.MockTransport(api),
        token_transport=token_server([] if tokens is None else tokens),
    )


def run(api: Callable[[httpx.Request], httpx.Response], call: Callable[[QuickBooksClient], Any]) -> Any:
    async def go() -> Any:
        async with client(api) as qbo:
            return await call(qbo)

    return asyncio.run(go())


def answering(body: Any, status: int = 200, seen: list[httpx.Request] | None = None) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=body)

    return handle


def shape(value: Any) -> Any:
    """The JSON type skeleton of a value (numbers as one type)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, (int, float)) else type(value).__name__


def same_shape_where_shared(ours: Any, documented: Any, path: str = "") -> list[str]:
    """Where a key exists in both, its JSON type must match (recursively)."""
    if isinstance(ours, dict) and isinstance(documented, dict):
        return [
            p for k in ours.keys() & documented.keys() for p in same_shape_where_shared(ours[k], documented[k], f"{path}.{k}")
        ]
    if isinstance(ours, list) and isinstance(documented, list):
        return same_shape_where_shared(ours[0], documented[0], f"{path}[0]") if ours and documented else []
    return [] if shape(ours) == shape(documented) else [f"{path}: ours {shape(ours)}, documented {shape(documented)}"]


# -- responses parsed by our client -----------------------------------------------------------


def test_the_documented_purchase_order_create_answer_is_read_as_the_saved_entity():
    seen: list[httpx.Request] = []
    saved = run(
        answering(example("purchaseorder_create")["response"], seen=seen),
        lambda qbo: qbo.save("PurchaseOrder", {"DocNumber": "1007"}, requestid="r-1"),
    )
    assert (saved["Id"], saved["SyncToken"], saved["TotalAmt"]) == ("259", "0", 25.0)
    assert saved["Line"][0]["Id"] == "1"
    request = seen[0]
    assert request.url.path == f"/v3/company/{REALM}/purchaseorder"
    assert request.url.params["requestid"] == "r-1" and request.url.params["minorversion"] == "75"
    assert request.headers["Authorization"] == "Bearer sample_access_token"


def test_the_documented_query_answer_is_found_by_doc_number():
    golden = example("purchaseorder_query")
    seen: list[httpx.Request] = []
    found = run(answering(golden["response"], seen=seen), lambda qbo: qbo.find_by("PurchaseOrder", "DocNumber", ["1007"]))
    assert list(found) == ["1007"] and found["1007"]["Id"] == "259"
    assert seen[0].headers["Content-Type"] == "application/text"
    assert seen[0].content.decode() == "SELECT * FROM PurchaseOrder WHERE DocNumber IN ('1007') STARTPOSITION 1 MAXRESULTS 1000"


def test_the_documented_class_answer_and_delete_answer_parse():
    created = run(
        answering(example("class_create")["response"]), lambda qbo: qbo.save("Class", {"Name": "France"}, requestid="c")
    )
    assert created["FullyQualifiedName"] == "France" and created["Id"] == "5000000000000007280"
    deleted = example("purchaseorder_delete")["response"]
    assert run(answering(deleted), lambda qbo: qbo.read("PurchaseOrder", "125"))["status"] == "Deleted"


def test_documented_batch_faults_map_item_by_item():
    golden = example("batch")["response"]["BatchItemResponse"]

    def api(request: httpx.Request) -> httpx.Response:
        ids = [item["bId"] for item in json.loads(request.content)["BatchItemRequest"]]
        answers = [{**answer, "bId": bid} for bid, answer in zip(ids, golden[:3], strict=True)]
        return httpx.Response(200, json={"BatchItemResponse": list(reversed(answers)), "time": "x"})  # order not assumed (A11)

    results = run(api, lambda qbo: qbo.batch("Vendor", [("create", {"DisplayName": f"V{i}"}) for i in range(3)], key="k"))
    assert [r.error.code for r in results if isinstance(r.error, DataError)] == ["6240", "610", "5010"]
    assert all(r.entity is None for r in results)


def test_documented_error_bodies_become_the_right_errors():
    fault = example("fault_validation")
    with pytest.raises(QuickBooksDataError) as refused:
        run(answering(fault["response"], fault["status"]), lambda qbo: qbo.save("Vendor", {}, requestid="v"))
    assert refused.value.code == "6240" and "already exists" in str(refused.value)

    unauthorized = example("fault_401")
    with pytest.raises(AuthError, match="Token expired"):
        run(answering(unauthorized["response"], 401), lambda qbo: qbo.read("Vendor", "1"))

    throttle = example("throttle_429")

    def xml(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, text=throttle["body"], headers={"Content-Type": throttle["content_type"]})

    with pytest.raises(RateLimitedError):
        run(xml, lambda qbo: qbo.read("Vendor", "1"))


def test_the_documented_token_answer_is_kept_and_invalid_grant_asks_to_reconnect():
    tokens: list[httpx.Request] = []
    store = MemoryTokens()
    settings = QuickBooksSettings(realm_id=REALM, client_id="app-id", client_secret="app-secret", refresh_token="RT1-start")  # type: ignore[arg-type]

    async def connect(transport: httpx.MockTransport) -> None:
        async with QuickBooksClient(settings, store, transport=httpx.MockTransport(answering({})), token_transport=transport):
            pass

    asyncio.run(connect(token_server(tokens)))
    assert store.value is not None
    assert store.value["refresh_token"] == "sample_refresh_token" and store.value["access_token"] == "sample_access_token"
    request = tokens[0]
    assert str(request.url) == "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"app-id:app-secret").decode()
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Accept"] == "application/json"
    assert parse_qs(request.content.decode()) == {"grant_type": ["refresh_token"], "refresh_token": ["RT1-start"]}

    refused = example("token_invalid_grant")
    store.value = None
    with pytest.raises(AuthError, match="invalid_grant"):
        asyncio.run(connect(token_server([], refused["response"], refused["status"])))
    assert store.value is not None and store.value["status"] == "invalid_grant"


def test_both_documented_webhook_payloads_parse():
    golden = example("webhooks")
    (cloud,) = parse_quickbooks(json.dumps(golden["cloudevents"]).encode())
    assert (cloud.event_id, cloud.kind, cloud.object_id) == ("88cd52aa-33b6-4351-9aa4-47572edbd068", "account", "1234")
    (legacy,) = parse_quickbooks(json.dumps(golden["legacy"]).encode())
    assert legacy.object_id == "1234" and legacy.event_id


# -- request bodies we build, against the documented ones --------------------------------------


def plan(**overrides: Any) -> Any:
    node = {
        "id": 1007,
        "description": "Pump for Cool Cars",
        "orderedAt": "2015-07-28T10:00:00Z",
        "_updated": "2015-07-28T10:00:00Z",
        "supplier": {"name": "Hicks Hardware"},
        "currency": None,
        "shipToLocation": None,
        "fees": [],
        "purchaseOrderLines": [
            {
                "id": 1,
                "position": 1,
                "quantity": 1,
                "cost": 25,
                "part": {"partNumber": "Pump", "revision": "A"},
                "attributes": [],
            },
            {"id": 2, "position": 2, "quantity": 1, "cost": 5, "description": "Freight", "part": None, "attributes": []},
        ],
        **overrides,
    }
    built, problems = plan_purchase_order(node, class_attribute=None, expense_attribute=None)
    assert not problems
    return built


def our_purchase_order() -> dict[str, Any]:
    return purchase_order_body(plan(), SETUP, vendor_id="41", items={"Pump Rev A": "11"}, accounts={}, classes={})


def test_our_purchase_order_has_the_documented_create_shape():
    documented = example("purchaseorder_create")["request"]
    ours = our_purchase_order()
    assert {"VendorRef", "APAccountRef", "Line"} <= ours.keys()  # required on create (A7)
    assert "TotalAmt" not in ours  # read-only: QuickBooks computes it (A7)
    item_line = ours["Line"][0]
    assert item_line["DetailType"] == "ItemBasedExpenseLineDetail" and "Id" not in item_line
    assert same_shape_where_shared(ours, documented) == []
    assert set(item_line["ItemBasedExpenseLineDetail"]) <= set(documented["Line"][0]["ItemBasedExpenseLineDetail"]) | {"ClassRef"}
    account_line = ours["Line"][1]
    assert account_line["DetailType"] == "AccountBasedExpenseLineDetail"
    account_ref = account_line["AccountBasedExpenseLineDetail"]["AccountRef"]
    assert "value" in account_ref and same_shape_where_shared(account_ref, documented["APAccountRef"]) == []  # name optional


def test_our_update_of_the_documented_purchase_order_is_sparse_and_keeps_its_line():
    current = example("purchaseorder_create")["response"]["PurchaseOrder"]
    body = purchase_order_update(current, our_purchase_order())
    sparse_example = example("batch")["request"]["BatchItemRequest"][2]["SalesReceipt"]
    wire = {**body, "Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True}  # as QuickBooksClient.update sends it
    assert same_shape_where_shared(wire, sparse_example) == []
    pump, freight = wire["Line"]
    assert pump["Id"] == "1"  # the documented line continues: same Id, its other fields kept
    assert pump["ItemBasedExpenseLineDetail"]["CustomerRef"] == {"name": "Cool Cars", "value": "3"}
    assert pump["ProjectRef"] == {"value": "39298034"}
    assert "Id" not in freight  # a line QuickBooks does not have: new (A7)


def test_our_inventory_item_has_the_documented_fields():
    documented = example("item_inventory_create")["request"]
    ours = inventory_item_body("Pump Rev A", "Pump", "a pump", SETUP, "2015-01-01")
    assert set(documented) <= set(ours)
    assert set(ours) - set(documented) == {"Sku", "Description", "PurchaseDesc"}  # documented Item fields (A8)
    assert same_shape_where_shared(ours, documented) == []


def test_our_batch_request_has_the_documented_shape():
    seen: list[httpx.Request] = []
    answer = {"BatchItemResponse": [{"bId": "0", "Vendor": {"Id": "1"}}], "time": "x"}
    run(
        answering(answer, seen=seen),
        lambda qbo: qbo.batch("Vendor", [("create", {"DisplayName": "Smith Family Store"})], key="k"),
    )
    sent = json.loads(seen[0].content)
    documented = example("batch")["request"]
    assert same_shape_where_shared(sent, documented) == []
    assert sent["BatchItemRequest"][0] == documented["BatchItemRequest"][0] | {"bId": "0"}
    assert seen[0].url.path.endswith("/batch") and len(seen[0].url.params["requestid"]) <= 36  # A3: 36 on batch
    assert all(len(item["bId"]) <= 10 for item in sent["BatchItemRequest"])  # A3: bIds of 10 with a requestid


def test_query_literals_escape_exactly_what_is_documented():
    for value, literal in example("query_escaping")["literals"].items():
        assert quote(value) == literal
    for undocumented in ("back\\slash", 'a "quoted" name', "two\nlines"):
        with pytest.raises(DataError) as refused:
            quote(undocumented, field="Vendor.DisplayName")
        assert refused.value.field == "Vendor.DisplayName" and "no documented escape" in str(refused.value)


def test_request_ids_fit_every_documented_limit():
    assert len(request_id("ion:purchaseOrder:1@abc", "create")) <= 36  # 50 for entities, 36 for batch (A3)
