"""The ION simulator's PLM area and the Arena simulator honour their contracts
(sandbox/README.md; ion.md §3.3, §3.10, §3.13; arena.md §1), in process, no server."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox.arena import ArenaSimConfig
from sandbox.arena import create_app as create_arena
from sandbox.ion import IonSimConfig
from sandbox.ion import create_app as create_ion

CREDENTIALS = {"grant_type": "client_credentials", "client_id": "ion-sync-sandbox", "client_secret": "sandbox-secret"}


@pytest.fixture
def ion() -> Any:
    client = TestClient(create_ion(IonSimConfig()))
    token = client.post("/realms/api-keys/protocol/openid-connect/token", data=CREDENTIALS).json()["access_token"]

    def graphql(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return client.post("/graphql", json={"query": query, "variables": variables or {}},
                           headers={"Authorization": f"Bearer {token}"}).json()

    return graphql


@pytest.fixture
def arena() -> Any:
    client = TestClient(create_arena(ArenaSimConfig(change_effective_at_seed=False)))
    login = client.post("/v1/login", json={"email": "ion-sync@factory.example", "password": "arena-sandbox"}).json()
    client.headers.update({"arena_session_id": login["arena_session_id"], "content-type": "application/json"})
    return client


def error(answer: dict[str, Any]) -> str:
    return answer["errors"][0]["message"]


def test_a_released_mbom_is_frozen_and_only_one_version_is_released(ion):
    assert "RELEASED and cannot be edited" in error(
        ion("mutation { createMbomItem(input: {mbomId: 1, partId: 105, quantity: 1}) { mbomItem { id } } }"))
    draft = ion("mutation { createMbom(input: {partId: 101}) { mbom { id _etag version status editable } } }")["data"]["createMbom"]["mbom"]
    assert (draft["version"], draft["status"], draft["editable"]) == (2, "DRAFT", True)
    ion("mutation { createMbomItem(input: {mbomId: %s, partId: 102, quantity: 4}) { mbomItem { id } } }" % draft["id"])
    assert "not unique" in error(
        ion("mutation { createMbomItem(input: {mbomId: %s, partId: 102, quantity: 1}) { mbomItem { id } } }" % draft["id"]))
    released = ion('mutation ($e: String!) { updateMbom(input: {id: %s, etag: $e, status: RELEASED}) { mbom { status } } }'
                   % draft["id"], {"e": draft["_etag"]})
    assert released["data"]["updateMbom"]["mbom"]["status"] == "RELEASED"
    versions = ion("{ part(id: 101) { latestReleasedMbom { version } mboms { version status isLatestVersion } } }")["data"]["part"]
    assert versions["mboms"] == [{"version": 1, "status": "ARCHIVED", "isLatestVersion": False},
                                 {"version": 2, "status": "RELEASED", "isLatestVersion": True}]
    assert versions["latestReleasedMbom"] == {"version": 2}


def test_part_revisions_keep_identity_and_attributes(ion):
    part = ion("{ part(id: 101) { _etag } }")["data"]["part"]
    ion('mutation ($e: String!) { updatePartAttribute(input: {partId: 101, key: "Arena Lifecycle Phase", value: "In Production", etag: $e}) { partAttribute { key } } }',
        {"e": part["_etag"]})
    etag = ion("{ part(id: 101) { _etag } }")["data"]["part"]["_etag"]
    revised = ion('mutation ($e: String!) { createPartRevision(input: {id: 101, etag: $e}) { part { id revision revisedFromId isLatestRevision attributes { key value } } } }',
                  {"e": etag})["data"]["createPartRevision"]["part"]
    assert (revised["revision"], revised["revisedFromId"], revised["isLatestRevision"]) == ("B", 101, True)
    assert revised["attributes"] == [{"key": "Arena Lifecycle Phase", "value": "In Production"}]
    assert ion("{ part(id: 101) { isLatestRevision } }")["data"]["part"]["isLatestRevision"] is False
    assert "not unique" in error(ion('mutation { createPart(input: {partNumber: "ASSY-100", revision: "B"}) { part { id } } }'))
    assert "etag mismatch" in error(ion('mutation { createPartRevision(input: {id: 101, etag: "stale"}) { part { id } } }'))


def test_an_issue_needs_a_disposition_before_it_moves_on(ion):
    assert "disposition" in error(ion('mutation { createIssue(input: {title: "x", runId: 1005, status: IN_REVIEW}) { issue { id } } }'))
    issue = ion('mutation { createIssue(input: {title: "x", runId: 1005}) { issue { id _etag status run { id } } } }')["data"]["createIssue"]["issue"]
    assert (issue["status"], issue["run"]) == ("PENDING", {"id": 1005})
    moved = ion('mutation ($e: String!) { updateIssue(input: {id: %s, etag: $e, status: IN_PROGRESS, disposition: "SCRAP"}) { issue { status disposition } } }'
                % issue["id"], {"e": issue["_etag"]})
    assert moved["data"]["updateIssue"]["issue"] == {"status": "IN_PROGRESS", "disposition": "SCRAP"}
    dispositioned = ion("{ issues(filters: {status: {in: [IN_PROGRESS, IN_REVIEW, RESOLVED]}}) { edges { node { id } } } }")
    assert [e["node"]["id"] for e in dispositioned["data"]["issues"]["edges"]] == [1, int(issue["id"])]


def test_making_a_change_effective_promotes_revisions_and_queues_one_event(arena):
    assert arena.get("/v1/outboundintegrations/OUTBOUNDION000000001/events").json()["count"] == 0
    change = arena.get("/v1/changes", params={"number": "ECO-*"}).json()["results"][0]
    assert change["lifecycleStatus"] == {"type": "SUBMITTED_FOR_APPROVAL"}
    affected = arena.get(f"/v1/changes/{change['guid']}/items").json()["results"][0]
    assert affected["newRevisionNumber"] == "B" and affected["newItemRevision"]["revisionStatus"] == "WORKING"

    arena.app.state.workspace.make_effective(change["guid"])  # what POST /_sandbox/changes/{guid}/effective does
    revisions = arena.get("/v1/items/ITEMASSY100000000001/revisions").json()["results"]
    assert [(r["number"], r["status"]) for r in revisions] == [(None, 0), ("B", 1), ("A", 2)]
    assert arena.get("/v1/items/ITEMASSY100000000001").json()["revisionNumber"] == "B"
    old_bom = arena.get("/v1/items/ITEMASSY10000000REVA/bom").json()["results"]  # a revision GUID reads that revision
    assert [(line["item"]["number"], line["quantity"]) for line in old_bom] == [("COMP-200", 5), ("COMP-300", 3)]
    events = arena.get("/v1/outboundintegrations/OUTBOUNDION000000001/events", params={"itemsReconciled": "false"}).json()
    assert events["count"] == 1 and events["results"][0]["change"]["number"] == "ECO-000101"


def test_arena_errors_quota_and_sessions(arena):
    assert arena.get("/v1/items/ASCVEMVVS9S9S6D0DDZ3").json() == {
        "status": 404, "errors": [{"code": 3012, "message": 'No object with guid "ASCVEMVVS9S9S6D0DDZ3" was found.'}]}
    first = int(arena.get("/v1/items").headers["X-Arena-Requests-Remaining"])
    assert int(arena.get("/v1/items").headers["X-Arena-Requests-Remaining"]) == first - 1
    old = arena.headers["arena_session_id"]
    arena.post("/v1/login", json={"email": "ion-sync@factory.example", "password": "arena-sandbox"})
    assert arena.get("/v1/items", headers={"arena_session_id": old}).status_code == 401  # cancelled by the new login
    assert arena.post("/v1/login", json={"email": "x", "password": "y"}).json()["errors"][0]["code"] == 4001
