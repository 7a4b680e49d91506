"""Golden examples (`examples/*.json`, each copied from Duro's developer docs with its source URL):
the client sends the documented headers, reads the documented error bodies into our vocabulary,
pages the documented connection shape, and filters only by documented fields. No simulator:
the answers are the docs' own samples, served by a mock transport."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import FieldNode, parse
from graphql.language import OperationDefinitionNode, SelectionSetNode

from connectors.duro import DuroClient, DuroSettings
from connectors.duro.queries import COMPONENTS, Document
from connectors.errors import AuthError, RateLimitedError
from connectors.retry import RetryPolicy
from plm.duro.engineering import Numbering

EXAMPLES = Path(__file__).parent / "examples"


def example(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    sources = doc.get("sources") or [doc["source"]]
    assert all(s.startswith("https://docs.durohub.com/") for s in sources)
    return doc


def settings(**overrides: Any) -> DuroSettings:
    documented = example("request_headers")["headers"]
    values: dict[str, Any] = {
        "api_key": documented["x-api-key"],
        "organization": documented["x-organization"],
        "library": documented["x-library"],
        "retry": RetryPolicy(attempts=1),
        **overrides,
    }
    return DuroSettings(**values)


def serving(answer: dict[str, Any], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    return httpx.MockTransport(handle)


def selections(node: SelectionSetNode | None, path: list[str]) -> set[str]:
    """Field names selected under `path` in a selection set."""
    for name in path:
        field = next((s for s in (node.selections if node else []) if isinstance(s, FieldNode) and s.name.value == name), None)
        node = field.selection_set if field else None
    return {s.name.value for s in (node.selections if node else []) if isinstance(s, FieldNode)}


async def test_every_request_carries_the_documented_endpoint_and_headers():
    documented = example("request_headers")
    seen: list[httpx.Request] = []
    answer = {"data": {"component": {"findAll": {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}}}}
    async with DuroClient(settings(), transport=serving(answer, seen)) as duro:
        assert [page async for page in duro.components()] == [[]]
    request = seen[0]
    assert str(request.url) == documented["url"] == DuroSettings.model_fields["api_url"].default.__str__()
    assert request.method == documented["method"]
    for header, value in documented["headers"].items():
        assert request.headers[header] == value
    assert set(json.loads(request.content)) >= set(documented["body"])


async def test_the_documented_authorization_error_is_an_auth_error_naming_the_settings_not_the_key():
    seen: list[httpx.Request] = []
    key = "documented-but-secret"
    async with DuroClient(settings(api_key=key), transport=serving(example("error_forbidden")["response"], seen)) as duro:
        with pytest.raises(AuthError) as refused:
            await duro.read(COMPONENTS, {})
    assert "Not authorized to access Component" in str(refused.value)
    assert "DURO_API_KEY" in str(refused.value) and key not in str(refused.value)


async def test_the_documented_rate_limit_error_waits_its_retry_after():
    seen: list[httpx.Request] = []
    async with DuroClient(settings(), transport=serving(example("error_rate_limited")["response"], seen)) as duro:
        with pytest.raises(RateLimitedError) as limited:
            await duro.read(COMPONENTS, {})
    assert limited.value.retry_after == 60


async def test_paging_reads_only_what_the_documented_pagination_query_selects():
    documented = example("pagination")
    query = parse(documented["query"]).definitions[0]
    assert isinstance(query, OperationDefinitionNode)
    assert {"hasNextPage", "endCursor"} <= selections(query.selection_set, ["components", "pageInfo"])
    assert {"cursor", "node"} <= selections(query.selection_set, ["components", "edges"])
    ours = parse(COMPONENTS.text).definitions[0]
    assert isinstance(ours, OperationDefinitionNode)
    assert selections(ours.selection_set, ["component", "findAll", "pageInfo"]) == {"hasNextPage", "endCursor"}
    assert {"cursor", "node"} <= selections(ours.selection_set, ["component", "findAll", "edges"])
    # the documented answer, served where our namespaced query asks for it
    connection = documented["response"]["data"]["components"]
    seen: list[httpx.Request] = []
    answer = {"data": {"component": {"findAll": connection}}}
    async with DuroClient(settings(), transport=serving(answer, seen)) as duro:
        pages = [page async for page in duro.components()]
    assert pages == [[{"id": "cmp_1"}, {"id": "cmp_2"}]]
    assert json.loads(seen[0].content)["variables"]["pagination"] == {"first": 50}


@pytest.mark.parametrize("field", ["cpn", "eid"])
async def test_components_are_filtered_only_by_documented_filter_fields(field: str):
    documented = example("component_filter_input")["fields"]
    for filter in Numbering(field).filter(["COMP-200", "COMP-300"]):
        assert set(filter) <= set(documented), filter
        seen: list[httpx.Request] = []
        answer = {"data": {"component": {"findAll": {"edges": [], "pageInfo": {"hasNextPage": False}}}}}
        async with DuroClient(settings(), transport=serving(answer, seen)) as duro:
            _ = [page async for page in duro.components(filter)]
        assert json.loads(seen[0].content)["variables"]["filter"] == filter


def test_the_component_fields_ion_sync_reads_are_the_documented_ones():
    """`cpn`, `status { name }` (the advanced-filter example), `state` RELEASED / MODIFIED (its
    filter table); the default released status is one of the documented lifecycle statuses."""
    assert {"RELEASED", "MODIFIED"} == set(example("advanced_filter")["states"])
    fragment = parse(COMPONENTS.text).definitions[1]
    fields = {s.name.value for s in fragment.selection_set.selections if isinstance(s, FieldNode)}  # type: ignore[attr-defined]
    assert {"id", "name", "cpn", "status", "state", "eid"} <= fields
    assert set(DuroSettings.model_fields["released_statuses"].get_default(call_default_factory=True)) <= set(
        example("revision_scheme")["status_order"]
    )


def test_documents_parse_and_mutations_are_marked():
    from connectors.duro import queries

    documents = [v for v in vars(queries).values() if isinstance(v, Document)]
    assert {d.name for d in documents if d.is_mutation} == {"CreateChangeOrder", "AddChangeOrderItems"}
