"""Golden examples (`examples/*.json`, each copied from Arena's published API docs with its
source URL): our client reads each documented response, and each body it builds has the
documented shape. No simulator: the answers are the docs' own samples, served by a mock transport."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.arena import ArenaClient, ArenaSettings
from connectors.arena.bodies import item_file_fields, request_body, request_item_body
from connectors.arena.client import SESSIONS
from connectors.errors import AuthError, ContractError
from core.config import ArenaMappings
from plm.arena.engineering import (
    PartNumbers,
    ebom_lines,
    from_change_items,
    from_event_items,
    released,
)
from plm.arena.preflight import preflight_checks

EXAMPLES = Path(__file__).parent / "examples"
QUOTA = {"X-Arena-Requests-Remaining": "2", "X-Arena-Next-Request-Limit-Reset": "Fri, 02-May-2014 14:22:13 GMT-0700 (PDT)"}
INTEGRATION = "5N7Q9M7YLOZ6P8RATFCH"


def example(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    assert doc["source"].startswith("https://github.com/ptc-arena/arena-restapi-doc/blob/")
    return doc


def shape(value: Any) -> Any:
    """The JSON shape: keys and value types, recursively (lists by their first element)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def assert_shape_within(ours: Any, documented: Any, where: str = "body") -> None:
    """Every key we send is documented, with the documented type."""
    if isinstance(ours, dict):
        assert isinstance(documented, dict), f"{where}: documented as {documented}"
        for key, value in ours.items():
            assert key in documented, f"{where}.{key} is not in the documented body {sorted(documented)}"
            assert_shape_within(value, documented[key], f"{where}.{key}")
    else:
        assert ours == documented, f"{where}: we send {ours}, the docs show {documented}"


class Docs:
    """A mock Arena answering with the documented samples; it records every request."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []
        self.routes: list[tuple[str, str, Callable[[httpx.Request], httpx.Response]]] = []

    def on(self, method: str, pattern: str, status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.routes.append(
            (
                method,
                pattern,
                lambda _r: httpx.Response(
                    status, headers={**QUOTA, **(headers or {})}, **({"json": body} if body is not None else {})
                ),
            )
        )

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path = request.url.path.removeprefix("/v1")
        for method, pattern, answer in self.routes:
            if request.method == method and re.fullmatch(pattern, path):
                return answer(request)
        return httpx.Response(404, json={"status": 404, "errors": [{"code": 404, "message": f"no sample for {path}"}]})

    def client(self, **overrides: Any) -> ArenaClient:
        settings = ArenaSettings(
            api_url="https://api.arenasolutions.com/v1",
            email="user@customer.com",
            password="xxxx",
            workspace_id=123456789,
            integration_guid=INTEGRATION,
            quota_reserve=0,
            **overrides,
        )
        SESSIONS.by_key.clear()
        return ArenaClient(settings, transport=httpx.MockTransport(self.handle))


@pytest.fixture
def docs() -> Docs:
    docs = Docs()
    docs.on("POST", "/login", body=example("login")["response"])
    docs.on("PUT", "/logout")
    return docs


def run(docs: Docs, scenario: Callable[[ArenaClient], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        async with docs.client() as arena:
            return await scenario(arena)

    return asyncio.run(go())


def test_login_sends_the_documented_body_and_reads_the_session_and_quota(docs):
    docs.on("GET", "/items", body=example("get_items")["response"])
    run(docs, lambda arena: arena.all("/items"))
    login = docs.seen[0]
    assert login.headers["content-type"] == "application/json"
    assert shape(json.loads(login.content)) == shape(example("login")["request"])
    assert docs.seen[1].headers["arena_session_id"] == example("login")["response"]["arena_session_id"]
    assert docs.seen[1].headers["content-type"] == "application/json"
    assert docs.seen[-1].method == "PUT" and docs.seen[-1].url.path == "/v1/logout"


def test_the_documented_login_error_names_the_settings_to_check(docs):
    refused = Docs()
    refused.on("POST", "/login", 400, example("login")["error"])
    with pytest.raises(AuthError, match=r"\[4001\] The username, password or workspace ID is not valid"):
        run(refused, lambda arena: arena.all("/items"))


def test_documented_items_bom_and_quota_headers_are_read(docs):
    docs.on("GET", "/items", body=example("get_items")["response"])
    docs.on("GET", "/items/[A-Z0-9]+/bom", body=example("get_bom")["response"])

    async def scenario(arena: ArenaClient) -> Any:
        return await arena.all("/items"), await arena.bom("VDXGLBCCLSBSBQMM0SJU"), arena.quota

    items, bom, quota = run(docs, scenario)
    found, _skipped = released(items, ["In Production"], PartNumbers())
    assert [(i.number, i.revision, i.assembly) for i in found] == [("830-00001", "D", True)]
    first = ebom_lines(bom, PartNumbers())[0]
    assert (first.number, first.quantity) == (bom[0]["item"]["number"], float(bom[0]["quantity"]))
    assert (quota.remaining, quota.reset) == (2, QUOTA["X-Arena-Next-Request-Limit-Reset"])


def test_documented_event_queue_is_read_oldest_first_and_acknowledged_as_documented(docs):
    events = example("get_events")["response"]
    docs.on("GET", f"/outboundintegrations/{INTEGRATION}/events", body={**events, "results": events["results"][::-1]})
    docs.on("GET", f"/outboundintegrations/{INTEGRATION}/events/[A-Z0-9]+/items", body=example("get_event_items")["response"])
    docs.on("PUT", f"/outboundintegrations/{INTEGRATION}/events/[A-Z0-9]+", body=example("put_event")["response"])

    async def scenario(arena: ArenaClient) -> Any:
        pending = await arena.pending_events()
        items = await arena.event_items(pending[0]["guid"])
        return pending, items, await arena.reconcile_event(pending[0]["guid"])

    pending, items, acknowledged = run(docs, scenario)
    assert [e["change"]["number"] for e in pending] == ["ECO-000022", "ECO-000023", "ECO-000024"]
    affected = from_event_items(items)
    assert (affected[0]["effective"]["number"], affected[0]["effective"]["lifecyclePhase"]["name"]) == (
        "180-00008",
        "In Production",
    )
    assert acknowledged["status"] == "RECONCILED"
    put = docs.seen[-2]
    assert json.loads(put.content) == example("put_event")["request"]
    assert docs.seen[2].url.params["reconciled"] == "false"


def test_documented_change_items_give_the_new_revision_its_lifecycle_phase(docs):
    docs.on("GET", "/changes", body=example("get_changes")["response"])
    docs.on("GET", "/changes/[A-Z0-9]+/items", body=example("get_change_items")["response"])

    async def scenario(arena: ArenaClient) -> Any:
        changes = await arena.all("/changes")
        return changes, await arena.change_items(changes[0]["guid"])

    changes, items = run(docs, scenario)
    assert changes[0]["lifecycleStatus"]["type"]
    affected = from_change_items(items)
    assert "lifecyclePhase" not in items[0]["newItemRevision"]  # why from_change_items adds it
    assert (affected[0]["effective"]["revisionNumber"], affected[0]["effective"]["lifecyclePhase"]["name"]) == (
        "B",
        "In Production",
    )
    assert affected[0]["superseded"]["revisionStatus"] == "SUPERSEDED"


def test_a_file_with_content_is_uploaded_as_documented_and_its_guid_read_from_the_header(docs):
    documented = example("upload_file_to_item")
    docs.on("POST", "/items/[A-Z0-9]+/files", 201, headers={"X-Arena-ItemFileAssociation-Guid": "ASBUDWFRATPYJAGV"})
    fields = item_file_fields(
        title="As-built of SAT-500 rev B serial SN-0001",
        description="3 lines",
        file_format="json",
        category_guid="WEYHMCDDMTCM5O08WPWY",
    )
    guid = run(
        docs,
        lambda arena: arena.upload_item_file("VDXGZ7GGDUDUDRYLY132", fields, "ion-asbuilt-7.json", b"{}", "application/json"),
    )
    assert guid == "ASBUDWFRATPYJAGV"
    upload = docs.seen[1]
    assert upload.headers["content-type"].startswith("multipart/form-data; boundary=")
    parts = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {upload.headers['content-type']}\r\n\r\n".encode() + upload.content
    )
    sent = {p.get_param("name", header="content-disposition"): p for p in parts.iter_parts()}
    text = {name: part.get_content().strip() for name, part in sent.items() if part.get_filename() is None}
    assert set(text) <= set(documented["request"]["text_attributes"]), "every text attribute is a documented one"
    assert text["file.storageMethodName"] == "FILE" and text["file.edition"] == "1"
    assert sent[documented["request"]["file_attribute"]].get_filename() == "ion-asbuilt-7.json"


def test_an_upload_answer_without_the_association_header_is_a_contract_error(docs):
    docs.on("POST", "/items/[A-Z0-9]+/files", 201)
    fields = item_file_fields(title="t", description="d", file_format="json")
    with pytest.raises(ContractError, match="X-Arena-ItemFileAssociation-Guid"):
        run(docs, lambda arena: arena.upload_item_file("VDXGZ7GGDUDUDRYLY132", fields, "a.json", b"{}", "application/json"))


def test_documented_item_files_are_read(docs):
    docs.on("GET", "/items/[A-Z0-9]+/files", body=example("get_item_files")["response"])
    files = run(docs, lambda arena: arena.item_files("VDXGZ7GGDUDUDRYLY132"))
    assert (files[0]["guid"], files[0]["file"]["name"], files[0]["file"]["title"]) == (
        "N5O7Q9SYH0W6I7OW",
        "OrcadCapture.DSN",
        "OrCAD Schematic File",
    )


def test_a_change_request_and_its_item_are_sent_in_the_documented_shape(docs):
    created, added = example("create_request"), example("add_request_item")
    docs.on("POST", "/requests", 201, created["response"])
    docs.on("POST", "/requests/[A-Z0-9]+/items", 201, added["response"])
    docs.on("GET", "/requests", body=example("get_requests")["response"])
    docs.on("GET", "/requests/[A-Z0-9]+/items", body=example("get_request_items")["response"])
    body = request_body(
        category_guid="HZJ2LYJAX0JTCVAHHI66",
        prefix="ECR-",
        title="[ION NCR 1] Solder bridge",
        problem="Found: solder bridge",
        requested_action="Production dispositioned it as REWORK",
    )
    item = request_item_body("1J3M5I3UHK3BUCLB5AED", "Built in ION as SAT-500 rev B")

    async def scenario(arena: ArenaClient) -> Any:
        request = await arena.create_request(body)
        line = await arena.add_request_item(request["guid"], item)
        return request, line, await arena.find_requests("EveryRoad"), await arena.request_items(request["guid"])

    request, line, found, items = run(docs, scenario)
    assert_shape_within(shape(body), shape(created["request"]))
    assert {"category", "numberSequencePrefix", "title", "problem", "requestedAction"} <= set(body)
    assert shape(item) == shape(added["request"])
    assert json.loads(docs.seen[1].content) == body and json.loads(docs.seen[2].content) == item
    assert (request["guid"], request["lifecycleStatus"]["type"]) == ("SAUDW9UL8BUTCVRBA53C", "UNSUBMITTED")
    assert line["item"]["number"] == "770-00001"
    assert docs.seen[3].url.params["title"] == "EveryRoad*"  # a prefix search needs the trailing `*`
    assert [f["number"] for f in found] == ["ECR-000002", "ECR-000001"] and items[0]["item"]["guid"]


def test_preflight_reads_the_documented_settings_and_names_a_fix_for_a_wrong_category(docs):
    docs.on("GET", "/settings/requests/categories/HZJ2LYJAX0JTCVAHHI66", body=example("get_request_category")["response"])
    docs.on(
        "GET",
        "/settings/requests/categories/[A-Z0-9]+",
        400,
        {"status": 400, "errors": [{"code": 3011, "message": 'The guid "X" is not valid.'}]},
    )
    docs.on("GET", "/settings/requests/categories", body={"count": 1, "results": [example("get_request_category")["response"]]})
    docs.on("GET", "/settings/requests/numbersequenceprefixes", body=example("get_request_number_prefixes")["response"])
    docs.on("GET", f"/outboundintegrations/{INTEGRATION}", body=example("get_integration")["response"])
    docs.on("GET", "/items", body=example("get_items")["response"])
    good = ArenaMappings(
        parts={"830-00001": "PCBA-300"}, request_category_guid="HZJ2LYJAX0JTCVAHHI66", request_number_prefix="ECR-"
    )
    checks = asyncio.run(preflight_checks(docs.client, good))
    assert [c.name for c in checks if not c.ok] == []
    assert next(c for c in checks if c.name == "NCR request category").detail.startswith("Engineering Change Request")

    wrong = asyncio.run(preflight_checks(docs.client, good.model_copy(update={"request_category_guid": "NOSUCHCATEGORY000001"})))
    failed = next(c for c in wrong if c.name == "NCR request category")
    assert not failed.ok and "Engineering Change Request = HZJ2LYJAX0JTCVAHHI66" in failed.fix
