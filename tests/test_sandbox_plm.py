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
        return client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers={"Authorization": f"Bearer {token}"}
        ).json()

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
        ion("mutation { createMbomItem(input: {mbomId: 1, partId: 105, quantity: 1}) { mbomItem { id } } }")
    )
    draft = ion("mutation { createMbom(input: {partId: 101}) { mbom { id _etag version status editable } } }")["data"][
        "createMbom"
    ]["mbom"]
    assert (draft["version"], draft["status"], draft["editable"]) == (2, "DRAFT", True)
    add_item = (
        "mutation ($m: ID!, $q: Float!) { createMbomItem(input: {mbomId: $m, partId: 102, quantity: $q}) { mbomItem { id } } }"
    )
    ion(add_item, {"m": draft["id"], "q": 4})
    assert "not unique" in error(ion(add_item, {"m": draft["id"], "q": 1}))
    released = ion(
        "mutation ($id: ID!, $e: String!) { updateMbom(input: {id: $id, etag: $e, status: RELEASED}) { mbom { status } } }",
        {"id": draft["id"], "e": draft["_etag"]},
    )
    assert released["data"]["updateMbom"]["mbom"]["status"] == "RELEASED"
    versions = ion("{ part(id: 101) { latestReleasedMbom { version } mboms { version status isLatestVersion } } }")["data"][
        "part"
    ]
    assert versions["mboms"] == [
        {"version": 1, "status": "ARCHIVED", "isLatestVersion": False},
        {"version": 2, "status": "RELEASED", "isLatestVersion": True},
    ]
    assert versions["latestReleasedMbom"] == {"version": 2}


def test_part_revisions_keep_identity_and_attributes(ion):
    part = ion("{ part(id: 101) { _etag } }")["data"]["part"]
    ion(
        'mutation ($e: String!) { updatePartAttribute(input: {partId: 101, key: "Arena Lifecycle Phase", value: "In Production", etag: $e}) { partAttribute { key } } }',
        {"e": part["_etag"]},
    )
    etag = ion("{ part(id: 101) { _etag } }")["data"]["part"]["_etag"]
    revised = ion(
        "mutation ($e: String!) { createPartRevision(input: {id: 101, etag: $e}) { part { id revision revisedFromId isLatestRevision attributes { key value } } } }",
        {"e": etag},
    )["data"]["createPartRevision"]["part"]
    assert (revised["revision"], revised["revisedFromId"], revised["isLatestRevision"]) == ("B", 101, True)
    assert revised["attributes"] == [{"key": "Arena Lifecycle Phase", "value": "In Production"}]
    assert ion("{ part(id: 101) { isLatestRevision } }")["data"]["part"]["isLatestRevision"] is False
    assert "not unique" in error(ion('mutation { createPart(input: {partNumber: "ASSY-100", revision: "B"}) { part { id } } }'))
    assert "etag mismatch" in error(ion('mutation { createPartRevision(input: {id: 101, etag: "stale"}) { part { id } } }'))


def test_an_issue_needs_a_disposition_before_it_moves_on(ion):
    assert "disposition" in error(
        ion('mutation { createIssue(input: {title: "x", runId: 1005, status: IN_REVIEW}) { issue { id } } }')
    )
    issue = ion('mutation { createIssue(input: {title: "x", runId: 1005}) { issue { id _etag status run { id } } } }')["data"][
        "createIssue"
    ]["issue"]
    assert (issue["status"], issue["run"]) == ("PENDING", {"id": 1005})
    moved = ion(
        'mutation ($id: ID!, $e: String!) { updateIssue(input: {id: $id, etag: $e, status: IN_PROGRESS, disposition: "SCRAP"}) { issue { status disposition } } }',
        {"id": issue["id"], "e": issue["_etag"]},
    )
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
    assert arena.get("/v1/items/ASCVEMVVS9S9S6D0DDZ3").json() == {  # as the docs' samples answer an unknown GUID
        "status": 400,
        "errors": [{"code": 3011, "message": 'The guid "ASCVEMVVS9S9S6D0DDZ3" is not valid.'}],
    }
    first = int(arena.get("/v1/items").headers["X-Arena-Requests-Remaining"])
    assert int(arena.get("/v1/items").headers["X-Arena-Requests-Remaining"]) == first - 1
    assert arena.get("/v1/items", params={"limit": 401}).json()["errors"][0]["code"] == 3041
    old = arena.headers["arena_session_id"]
    arena.post("/v1/login", json={"email": "ion-sync@factory.example", "password": "arena-sandbox"})
    assert arena.get("/v1/items", headers={"arena_session_id": old}).status_code == 401  # cancelled by the new login
    assert arena.post("/v1/login", json={"email": "x", "password": "y"}).json()["errors"][0]["code"] == 4001
    assert "X-Arena-Requests-Remaining" in arena.post("/v1/login", json={"email": "x", "password": "y"}).headers


UPLOAD = {"file.title": "As-built SN-1", "file.edition": "1", "file.format": "json", "file.storageMethodName": "FILE"}


def test_file_content_is_uploaded_as_multipart_and_a_json_file_upload_is_refused(arena):
    refused = arena.post(
        "/v1/items/ITEMSAT5000000000001/files",
        json={"file": {"title": "As-built", "edition": "1", "storageMethodName": "FILE", "content": "{}"}},
    )
    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (400, 3033)  # FILE needs multipart

    del arena.headers["content-type"]  # httpx writes multipart/form-data with its boundary
    upload = arena.post(
        "/v1/items/ITEMSAT5000000000001/files",
        data=UPLOAD,
        files={"content": ("ion-asbuilt-7.json", b'{"built": 1}', "application/json")},
    )
    assert upload.status_code == 201 and upload.content == b""  # no JSON: the GUID is in the header
    guid = upload.headers["X-Arena-ItemFileAssociation-Guid"]
    missing = arena.post(
        "/v1/items/ITEMSAT5000000000001/files",
        data={**UPLOAD, "file.edition": ""},
        files={"content": ("x.json", b"{}", "application/json")},
    )
    assert missing.json()["errors"][0] == {"code": 3001, "message": 'The attribute "file.edition" is required.'}
    no_file = arena.post(
        "/v1/items/ITEMSAT5000000000001/files", data=UPLOAD, files={"content": ("x.json", b"", "application/json")}
    )
    assert no_file.json()["errors"][0]["code"] == 3033

    arena.headers["content-type"] = "application/json"
    files = arena.get("/v1/items/ITEMSAT5000000000001/files").json()["results"]
    assert [(f["guid"], f["file"]["name"], f["file"]["storageMethodName"], f["file"]["size"]) for f in files] == [
        (guid, "ion-asbuilt-7.json", "FILE", 12)
    ]  # the name comes from the uploaded file
    assert "content" not in files[0] and "content" not in files[0]["file"]


NCR = {
    "category": {"guid": "I0K3MZKBY1KUDWBIIJ7C"},
    "numberSequencePrefix": {"value": "MCR-"},
    "title": "[ION NCR 1] x",
    "problem": "Solder bridge",
    "requestedAction": "Rework",
}


def test_a_request_needs_a_real_category_and_prefix_and_starts_unsubmitted(arena):
    def code(body: dict[str, Any]) -> int:
        return arena.post("/v1/requests", json=body).json()["errors"][0]["code"]

    assert code({**NCR, "category": {"guid": "NOSUCHCATEGORY000001"}}) == 3002
    assert code({**NCR, "category": {"guid": "L3N6P2NE14NXGZELLMAW"}}) == 3007  # structural parent
    assert code({k: v for k, v in NCR.items() if k != "category"}) == 3001
    assert code({**NCR, "numberSequencePrefix": {"value": "NCR-"}}) == 4011
    assert code({**NCR, "description": "not a request attribute"}) == 3004

    created = arena.post("/v1/requests", json=NCR)
    assert created.status_code == 201
    request = created.json()
    assert (request["number"], request["lifecycleStatus"], request["category"]["name"]) == (
        "MCR-000001",
        {"type": "UNSUBMITTED"},
        "Manufacturing Change Request",
    )
    defaulted = arena.post("/v1/requests", json={k: v for k, v in NCR.items() if k != "numberSequencePrefix"}).json()
    assert defaulted["number"] == "MCR-000002"  # the category's default prefix

    items = f"/v1/requests/{request['guid']}/items"
    added = arena.post(items, json={"item": {"guid": "ITEMSAT5000000000001"}, "notes": "built as rev B"})
    assert added.status_code == 201 and added.json()["item"]["number"] == "SAT-500"
    assert arena.post(items, json={"item": {"guid": "ITEMSAT5000000000001"}}).json()["errors"][0]["code"] == 4042
    assert [i["notes"] for i in arena.get(items).json()["results"]] == ["built as rev B"]
    assert arena.get("/v1/requests", params={"title": "[ION NCR 1]*"}).json()["count"] == 2
    assert (
        arena.get("/v1/settings/requests/categories/I0K3MZKBY1KUDWBIIJ7C").json()["numberingSequencePrefixDefault"]["value"]
        == "MCR-"
    )


def test_bulk_items_are_released_items_with_their_bom(arena):
    seeded = arena.post(
        "/_sandbox/seed/bulk-items", json={"count": 3, "first_number": 7, "bom": [{"number": "COMP-200", "quantity": 2}]}
    )
    assert seeded.status_code == 201 and seeded.json()["numbers"] == ["BULK-P000007", "BULK-P000008", "BULK-P000009"]
    [item] = arena.get("/v1/items", params={"number": "BULK-P000008"}).json()["results"]
    assert (item["revisionNumber"], item["lifecyclePhase"]["name"], item["assemblyType"]) == (
        "A",
        "In Production",
        "TOP_LEVEL_ASSEMBLY",
    )
    [line] = arena.get(f"/v1/items/{item['guid']}/bom").json()["results"]
    assert (line["item"]["number"], line["quantity"]) == ("COMP-200", 2)
    assert (
        arena.post("/_sandbox/seed/bulk-items", json={"count": 1, "bom": [{"number": "NOPE", "quantity": 1}]}).status_code == 404
    )


def test_bulk_items_can_come_with_a_routing_of_web_link_operations(arena):
    seeded = arena.post("/_sandbox/seed/bulk-items", json={"count": 2, "first_number": 4, "routing": {"operations": 2}})
    assert seeded.status_code == 201 and seeded.json()["numbers"] == ["BULK-P000004", "BULK-P000005"]
    [routing] = arena.get("/v1/items", params={"number": "BULK-P000005-RTG"}).json()["results"]
    assert (routing["name"], routing["revisionNumber"], routing["lifecyclePhase"]["name"]) == (
        "Build routing",
        "A",
        "In Production",
    )
    files = [a["file"] for a in arena.get(f"/v1/items/{routing['guid']}/files").json()["results"]]
    assert [(f["title"], f["storageMethodName"], f["location"]) for f in files] == [
        ("Op 10 Operation 1", "WEB", "https://drawings.factory.example/BULK-P000005/op10.pdf"),
        ("Op 20 Operation 2", "WEB", "https://drawings.factory.example/BULK-P000005/op20.pdf"),
    ]
