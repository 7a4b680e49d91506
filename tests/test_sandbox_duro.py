"""The Duro simulator refuses what Duro refuses (sandbox/duro/SOURCES.md): a wrong key, a key
used for another library, a stale expectedVersion, a change to a component past Design, items
on a change order that is no longer a draft, a bad cursor or page size, a query Duro's schema
does not have; and it pages like a Relay connection."""

from __future__ import annotations

from typing import Any

import pytest

from tests.duro_helpers import duro_app, post

COMPONENTS = """query($filter: ComponentFilterInput, $pagination: PaginationInput) {
  component { findAll(filter: $filter, pagination: $pagination) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id cpn eid version status { name } } } } } }"""
UPDATE = """mutation($inputs: [UpdateComponentInput!]!) { component { update(inputs: $inputs) { id version name } } }"""
CREATE = """mutation($input: CreateChangeOrderInput!) { changeOrders { create(input: $input) { id version status } } }"""
ADD = """mutation($id: ID!, $input: AddChangeOrderItemsInput!) {
  changeOrders { addItems(changeOrderId: $id, input: $input) { id version affectedItems { components { id } } } } }"""
SUBMIT = """mutation($id: ID!) { changeOrders { submitForReview(id: $id) { id status version } } }"""


@pytest.fixture(scope="module")
def app() -> Any:
    return duro_app()


def code(response: Any) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


def components(app: Any, **variables: Any) -> dict[str, Any]:
    body = post(app, COMPONENTS, variables).json()
    assert "errors" not in body, body
    return dict(body["data"]["component"]["findAll"])


def by_eid(app: Any, eid: str) -> dict[str, Any]:
    return dict(components(app, filter={"eid": eid})["edges"][0]["node"])


def test_a_wrong_key_is_unauthenticated_and_another_library_is_forbidden(app: Any):
    wrong = post(app, COMPONENTS, headers={"x-api-key": "nope"})
    assert code(wrong) == "UNAUTHENTICATED" and wrong.json()["errors"][0]["extensions"]["classification"] == "AuthenticationError"
    other = post(app, COMPONENTS, headers={"x-library": "@factory/other"})
    assert code(other) == "FORBIDDEN" and other.json()["errors"][0]["extensions"]["classification"] == "AuthorizationError"
    assert code(post(app, COMPONENTS, headers={"x-organization": "@elsewhere"})) == "FORBIDDEN"


def test_components_page_by_cursor_until_has_next_page_is_false(app: Any):
    seen: list[str] = []
    after = None
    while True:
        page = components(app, pagination={"first": 3, **({"after": after} if after else {})})
        seen += [edge["node"]["eid"] for edge in page["edges"]]
        assert page["totalCount"] == 8
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 8


def test_a_bad_cursor_or_page_size_is_refused(app: Any):
    assert code(post(app, COMPONENTS, {"pagination": {"first": 2, "after": "not-a-cursor"}})) == "BAD_USER_INPUT"
    assert code(post(app, COMPONENTS, {"pagination": {"first": 1000}})) == "BAD_USER_INPUT"


def test_a_field_duro_does_not_have_is_a_validation_error(app: Any):
    assert code(post(app, "{ component { findAll { edges { node { partNumber } } } } }")) == "GRAPHQL_VALIDATION_FAILED"
    assert code(post(app, "{ component {")) == "GRAPHQL_PARSE_FAILED"


def test_a_stale_expected_version_is_refused_and_changes_nothing():
    app = duro_app()
    antenna = by_eid(app, "ANT-30")  # in Design: editable without a change order
    first = post(app, UPDATE, {"inputs": [{"id": antenna["id"], "expectedVersion": antenna["version"], "name": "Antenna v2"}]})
    assert first.json()["data"]["component"]["update"][0]["version"] == antenna["version"] + 1
    stale = post(app, UPDATE, {"inputs": [{"id": antenna["id"], "expectedVersion": antenna["version"], "name": "lost update"}]})
    assert code(stale) == "VERSION_CONFLICT"
    assert stale.json()["errors"][0]["path"][-1] == "expectedVersion"
    assert by_eid(app, "ANT-30")["version"] == antenna["version"] + 1


def test_a_released_component_changes_only_through_a_change_order():
    app = duro_app()
    part = by_eid(app, "COMP-200")
    refused = post(app, UPDATE, {"inputs": [{"id": part["id"], "expectedVersion": part["version"], "name": "edited"}]})
    assert code(refused) == "BAD_USER_INPUT" and "change order" in refused.json()["errors"][0]["message"]


def test_change_order_items_need_the_current_version_a_draft_and_no_duplicates():
    app = duro_app()
    part, other = by_eid(app, "COMP-200"), by_eid(app, "COMP-300")
    created = post(app, CREATE, {"input": {"name": "[ION NCR 1] scratch"}}).json()["data"]["changeOrders"]["create"]
    assert created["status"] == "DRAFT" and created["version"] == 1
    added = post(app, ADD, {"id": created["id"], "input": {"componentIds": [part["id"]], "expectedVersion": 1}})
    assert added.json()["data"]["changeOrders"]["addItems"]["version"] == 2
    assert code(post(app, ADD, {"id": created["id"], "input": {"componentIds": [other["id"]], "expectedVersion": 1}})) == (
        "VERSION_CONFLICT"
    )
    assert code(post(app, ADD, {"id": created["id"], "input": {"componentIds": [part["id"]], "expectedVersion": 2}})) == (
        "BAD_USER_INPUT"
    )
    assert code(post(app, ADD, {"id": created["id"], "input": {"componentIds": ["cmp_nope"], "expectedVersion": 2}})) == (
        "NOT_FOUND"
    )
    submitted = post(app, SUBMIT, {"id": created["id"]}).json()["data"]["changeOrders"]["submitForReview"]
    assert submitted["status"] == "OPEN"
    late = post(
        app, ADD, {"id": created["id"], "input": {"componentIds": [other["id"]], "expectedVersion": submitted["version"]}}
    )
    assert code(late) == "BAD_USER_INPUT"
    assert code(post(app, CREATE, {"input": {"name": "  "}})) == "BAD_USER_INPUT"


def test_the_admin_route_approves_a_change_order_and_lists_them():
    import httpx

    from tests.duro_helpers import _SyncASGI

    app = duro_app()
    with httpx.Client(transport=_SyncASGI(app), base_url="http://duro.test") as http:
        made = http.post(
            "/_sandbox/change-orders",
            json={"name": "COMP-300 rev B", "releases": {"200-00002": {"revisionValue": "B"}}},
        )
        assert made.status_code == 201 and made.json()["resolution"] == "APPROVED"
        listed = http.get("/_sandbox/change-orders").json()["results"]
    assert [co["number"] for co in listed] == ["CO-00001", "CO-00002"]
    assert listed[1]["affectedItems"]["components"][0]["revisionValue"] == "B"
    assert by_eid(app, "COMP-300")["version"] == 2
