"""NetSuite's own published examples (examples/*.json, each with its Oracle URL) against our
client and our request bodies. No simulator: every response is Oracle's, served by an
httpx.MockTransport that also records what the client sent."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.errors import AuthError, DataError, RateLimitedError, TransientError
from connectors.netsuite import NetSuiteClient, NetSuiteSettings
from connectors.retry import RetryPolicy
from erp.netsuite.consumption import COMPLETION_REPLACE, completion_body
from erp.port.completions import CompletionPlan, ComponentLine

EXAMPLES = Path(__file__).parent / "examples"
HOST = "https://demo123.suitetalk.api.netsuite.com"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


class Recorder:
    """Answers each request with the next canned response and keeps the request."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)


def client(recorder: Recorder) -> NetSuiteClient:
    settings = NetSuiteSettings(
        account_id="demo123",
        base_url=HOST,
        auth="tba",
        consumer_key="ck",
        consumer_secret="cs",
        token_id="ti",
        token_secret="ts",
        retry=RetryPolicy(attempts=1),
    )
    return NetSuiteClient(settings, transport=httpx.MockTransport(recorder))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _with(recorder: Recorder, call: Any) -> Any:
    async with client(recorder) as ns:
        return await call(ns)


def test_suiteql_request_has_the_documented_shape_and_the_documented_response_parses() -> None:
    doc = example("suiteql")
    recorder = Recorder(
        httpx.Response(200, json=doc["response"]), httpx.Response(200, json={**doc["response"], "hasMore": False})
    )
    rows = run(_with(recorder, lambda ns: ns.suiteql_all(doc["request"]["body"]["q"])))
    sent = recorder.requests[0]
    assert sent.method == doc["request"]["method"] and sent.url.path == httpx.URL(doc["request"]["url"]).path
    assert sent.headers["Prefer"] == doc["request"]["headers"]["Prefer"]
    assert json.loads(sent.content) == doc["request"]["body"]
    assert set(sent.url.params) == {"limit", "offset"}
    # Items keep NetSuite's values (numbers as strings) without their `links`; hasMore pages on.
    assert rows[:3] == [
        {"email": "test@netsuite.com", "count": "143"},
        {"email": "test2@netsuite.com", "count": "144"},
        {"email": "test3@netsuite.com", "count": "145"},
    ]
    limit = int(sent.url.params["limit"])
    second = recorder.requests[1].url.params
    assert int(second["offset"]) % limit == 0 and int(second["offset"]) == limit  # offset divisible by limit (Collection Paging)
    assert limit <= example("collection_paging")["rules"]["max_limit"]


def test_bound_parameters_are_sent_as_the_documented_list_of_strings() -> None:
    doc = example("suiteql_bound_parameters")
    recorder = Recorder(
        httpx.Response(200, json={"links": [], "count": 0, "offset": 0, "totalResults": 0, "items": [], "hasMore": False})
    )
    run(_with(recorder, lambda ns: ns.suiteql_all(doc["request"]["body"]["q"], [-7, 0])))
    assert json.loads(recorder.requests[0].content) == doc["request"]["body"]


def test_create_answers_204_and_the_new_id_is_the_last_segment_of_location() -> None:
    doc = example("create_record")["response"]
    recorder = Recorder(httpx.Response(doc["status"], headers=doc["headers"]))
    body = {"externalId": "x-1", "companyName": "Glenrock General Hospital"}
    result = run(_with(recorder, lambda ns: ns.create_once("customer", body, external_id="x-1", check_first=False)))
    assert result.target_id == "647" and not result.adopted
    assert recorder.requests[0].url.path == "/services/rest/record/v1/customer"


def test_a_completion_transform_has_the_documented_url_body_and_replace_parameter() -> None:
    transform, replace = example("transform_record"), example("replace_sublist")
    location = f"{HOST}/services/rest/record/v1/workOrderCompletion/9001"
    recorder = Recorder(httpx.Response(transform["response"]["status"], headers={"Location": location}))
    plan = CompletionPlan(
        run_id=1002,
        key="ion:run:1002:completion",
        label="run 1002",
        end_time=datetime(2026, 11, 20, tzinfo=UTC),
        work_order="WO1002",
        item="SAT-500",
        location="2",
        quantity=1.0,
        numbers=(("SN-0001", 1.0),),
        components=(ComponentLine("RES-10", "2", 4.0, (("L-2211", 4.0),)), ComponentLine("GLUE-1", "2", 0.35)),
        memo="ION run 1002",
    )
    body = completion_body(plan, {"SAT-500": "504", "RES-10": "505", "GLUE-1": "509"}, {("505", "L-2211"): "801"})
    eid = body["externalId"]
    result = run(
        _with(
            recorder,
            lambda ns: ns.transform_once(
                "workOrder", "2002", "workOrderCompletion", body, external_id=eid, check_first=False, replace=COMPLETION_REPLACE
            ),
        )
    )
    assert result.target_id == "9001"
    sent = recorder.requests[0]
    documented = httpx.URL(transform["request"]["url"]).path  # /services/rest/record/v1/salesOrder/3/!transform/invoice
    assert sent.url.path == documented.replace("salesOrder/3", "workOrder/2002").replace("invoice", "workOrderCompletion")
    # `?replace=<sublist>`: the body's component lines replace the pre-filled ones (Replacing a Sublist).
    assert httpx.URL(replace["request"]["url"].replace("...", HOST)).params.keys() == sent.url.params.keys()
    assert sent.url.params["replace"] == "component"
    assert json.loads(sent.content) == body


def test_the_completion_body_uses_only_the_browsers_field_names_and_shapes() -> None:
    schema = example("work_order_completion_schema")
    plan = CompletionPlan(
        run_id=1,
        key="ion:run:1:completion",
        label="run 1",
        end_time=datetime(2026, 11, 20, tzinfo=UTC),
        work_order="WO1",
        item="ASSY",
        location="1",
        quantity=2.0,
        numbers=(("LOT-A", 2.0),),
        components=(ComponentLine("COMP", "1", 3.0, (("LOT-B", 3.0),)),),
        memo="m",
    )
    body = completion_body(plan, {"ASSY": "1", "COMP": "2"}, {("2", "LOT-B"): "77"})
    assert set(body) <= set(schema["workOrderCompletion"])
    assert set(body["component"]) == {"items"} and set(body["inventoryDetail"]) <= set(
        schema["workOrderCompletion-inventoryDetail"]
    )
    [line] = body["component"]["items"]
    assert set(line) <= set(schema["workOrderCompletion-componentElement"])
    detail = line["componentInventoryDetail"]
    assert set(detail) <= set(schema["workOrderCompletion-component-componentInventoryDetail"])
    [assignment] = detail["inventoryAssignment"]["items"]
    assert set(assignment) <= set(schema["inventoryAssignmentElement"])
    # Consumed: an existing number, by reference; built: a new number, as text; never both on one line.
    assert assignment == {"issueInventoryNumber": {"id": "77"}, "quantity": 3.0}
    assert body["inventoryDetail"]["inventoryAssignment"]["items"] == [{"receiptInventoryNumber": "LOT-A", "quantity": 2.0}]
    # References are written {"id": ...} like the documented transform body's item.
    assert example("transform_record")["request"]["body"]["item"]["items"][0]["item"] == {"id": "3456"}
    assert body["location"] == {"id": "1"} and detail["location"] == {"id": "1"}


def test_a_record_read_parses_the_documented_response() -> None:
    doc = example("get_record_fields")["response"]
    recorder = Recorder(httpx.Response(doc["status"], headers=doc["headers"], json=doc["body"]))
    record = run(_with(recorder, lambda ns: ns.get("customer", "107")))
    assert record["companyName"] == "Glenrock General Hospital" and record["entityId"] == "Alan Rath"


@pytest.mark.parametrize("index", range(6))
def test_each_documented_error_becomes_the_right_failure(index: int) -> None:
    case = example("errors")["examples"][index]
    recorder = Recorder(*(httpx.Response(case["status"], json=case["body"]) for _ in range(3)))
    code = case["body"]["o:errorDetails"][0]["o:errorCode"]

    async def post(ns: NetSuiteClient) -> Any:
        return await ns.create_once("customer", {"externalId": "e"}, external_id="e", check_first=False)

    expected: dict[str, type[Exception]] = {
        "INVALID_LOGIN": AuthError,
        "INVALID_CONTENT": DataError,
        "NONEXISTENT_ID": DataError,
        "INVALID_REQUEST": DataError,
        "CONCURRENCY_LIMIT_EXCEEDED": RateLimitedError,
        "UNEXPECTED_ERROR": TransientError,
    }
    with pytest.raises(expected[code]) as raised:
        run(_with(recorder, post))
    if isinstance(raised.value, DataError):
        assert raised.value.code == code and raised.value.status == case["status"]
        assert raised.value.field == case["body"]["o:errorDetails"][0].get("o:errorPath")


def test_a_missing_record_reads_as_none() -> None:
    [not_found] = [c for c in example("errors")["examples"] if c["status"] == 404]
    recorder = Recorder(httpx.Response(404, json=not_found["body"]))
    assert run(_with(recorder, lambda ns: ns.get("customer", "eid:nope"))) is None
