"""The ION simulator honours its contract (sandbox/README.md, ../shared/reference/ion.md).

Most tests talk to the app in-process through httpx.ASGITransport; the fault tests go
through a real loopback server (`sandbox.server`), as the client will.
"""

from __future__ import annotations

import asyncio
import base64
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sandbox.ion import IonSimConfig, create_app
from sandbox.server import RunningServer, serving

TOKEN_PATH = "/realms/api-keys/protocol/openid-connect/token"
LEGACY_TOKEN_PATH = "/auth/realms/api-keys/protocol/openid-connect/token"
CREDENTIALS = {"grant_type": "client_credentials", "client_id": "ion-sync-sandbox", "client_secret": "sandbox-secret"}

CONSUMPTION_QUERY = """
query CompletedRuns($filters: RunsInputFilters, $first: Int, $after: String) {
  runs(filters: $filters, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor totalCount }
    edges { node {
      id title status endTime _updated
      attributes { key value }
      partInventory {
        id quantity serialNumber lotNumber
        location { id name }
        part { id partNumber revision trackingType }
        buildRequirements {
          abomInstallations {
            quantityInstalledPerParentPartInventory
            partInventory { id serialNumber lotNumber location { id name } part { partNumber revision trackingType } }
          }
        }
      }
    } }
  }
}
"""

INVENTORY_QUERY = """
query Inventory($first: Int, $after: String) {
  partInventories(filters: {status: {in: [AVAILABLE, UNAVAILABLE, KITTED]}}, first: $first, after: $after) {
    edges { node { id quantity quantityInstalled quantityScrapped status lotNumber serialNumber
                   location { id name parentId } part { partNumber revision } } }
    pageInfo { hasNextPage endCursor totalCount count }
  }
}
"""


class Ion:
    """A client bound to one simulator app, holding a valid token."""

    def __init__(self, client: httpx.AsyncClient, app: Starlette) -> None:
        self.client = client
        self.app = app
        self.token = ""

    async def login(self) -> None:
        response = await self.client.post(TOKEN_PATH, data=CREDENTIALS)
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]

    async def post(self, query: str, variables: dict[str, Any] | None = None, auth: str | None = None) -> httpx.Response:
        headers = {"Authorization": auth if auth is not None else f"Bearer {self.token}"}
        return await self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.post(query, variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    async def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[str]:
        response = await self.post(query, variables)
        assert response.status_code == 200, response.text
        return [error["message"] for error in response.json()["errors"]]


@asynccontextmanager
async def _ion(config: IonSimConfig | None = None) -> AsyncIterator[Ion]:
    """A fresh simulator (own database) and a logged-in in-process client."""
    app = create_app(config or IonSimConfig())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ion.test") as client:
        ion = Ion(client, app)
        await ion.login()
        yield ion


@pytest.fixture
async def ion() -> AsyncIterator[Ion]:
    async with _ion() as client_ion:
        yield client_ion


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with serving(create_app(IonSimConfig())) as running:
        yield running


def _cursor(offset: int) -> str:
    return base64.b64encode(f"arrayconnection:{offset}".encode()).decode()


async def _all_pages(ion: Ion, query: str, field: str, variables: dict[str, Any], page: int) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        data = (await ion.data(query, {**variables, "first": page, "after": after}))[field]
        nodes += [edge["node"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return nodes
        after = data["pageInfo"]["endCursor"]


# --- tokens and auth (ion.md §1) --------------------------------------------------------------


async def test_token_endpoint_answers_keycloak_json_on_both_paths_and_basic_auth() -> None:
    async with _ion(IonSimConfig(token_ttl_seconds=123)) as ion:
        client = ion.client
        form = await client.post(TOKEN_PATH, data=CREDENTIALS)
        legacy_basic = await client.post(
            LEGACY_TOKEN_PATH,
            data={"grant_type": "client_credentials", "audience": "https://api.example"},
            auth=("ion-sync-sandbox", "sandbox-secret"),
        )
    for response in (form, legacy_basic):
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 123
        assert body["access_token"].count(".") == 2


async def test_token_endpoint_rejects_bad_secret_and_other_grants(ion: Ion) -> None:
    bad = await ion.client.post(TOKEN_PATH, data={**CREDENTIALS, "client_secret": "wrong"})
    assert bad.status_code == 401
    assert bad.json()["error"] == "unauthorized_client"
    grant = await ion.client.post(TOKEN_PATH, data={**CREDENTIALS, "grant_type": "password"})
    assert grant.status_code == 400
    assert grant.json()["error"] == "unsupported_grant_type"
    stats = (await ion.client.get("/_sandbox/stats")).json()
    assert stats["token_rejections"] == 1
    assert stats["tokens_issued"] == 1


async def test_graphql_accepts_raw_bearer_and_token_headers(ion: Ion) -> None:
    for header in (ion.token, f"Bearer {ion.token}", f"Token {ion.token}", f"bearer {ion.token}"):
        response = await ion.post("{ me { id email } }", auth=header)
        assert response.status_code == 200, header
        assert response.json()["data"]["me"]["id"] == 1


async def test_graphql_401_messages_for_missing_garbled_and_foreign_tokens(ion: Ion) -> None:
    missing = await ion.client.post("/graphql", json={"query": "{ me { id } }"})
    garbled = await ion.post("{ me { id } }", auth="Bearer not-a-token")
    async with _ion() as other_ion:
        foreign = await ion.post("{ me { id } }", auth=other_ion.token)
    assert [r.status_code for r in (missing, garbled, foreign)] == [401, 401, 401]
    assert missing.json()["message"] == "Please provide proper credentials"
    assert garbled.json()["message"] == "Unable to parse authentication token"
    assert foreign.json()["message"] == "Unable to find appropriate RSA key"


async def test_accepted_schemes_are_configurable() -> None:
    async with _ion(IonSimConfig(auth_schemes=["Bearer"])) as ion:
        assert (await ion.post("{ me { id } }", auth=ion.token)).status_code == 401
        assert (await ion.post("{ me { id } }", auth=f"Bearer {ion.token}")).status_code == 200


async def test_token_expires_after_its_ttl() -> None:
    async with _ion(IonSimConfig(token_ttl_seconds=1, expired_token_message="Signature has expired.")) as ion:
        assert (await ion.post("{ me { id } }")).status_code == 200
        await asyncio.sleep(1.2)
        expired = await ion.post("{ me { id } }")
        assert expired.status_code == 401
        assert expired.json()["message"] == "Signature has expired."
        await ion.login()
        assert (await ion.post("{ me { id } }")).status_code == 200


# --- the demo factory (sandbox/README.md) ----------------------------------------------------


async def test_run_1001_is_the_seeds_worked_example(ion: Ion) -> None:
    data = await ion.data(CONSUMPTION_QUERY, {"filters": {"id": {"in": [1001, 1002]}}, "first": 10})
    runs = {edge["node"]["id"]: edge["node"] for edge in data["runs"]["edges"]}
    assert list(runs) == [1001, 1002]
    run = runs[1001]
    assert run["status"] == "COMPLETE"
    assert run["attributes"] == [{"key": "NetSuite Work Order", "value": "WO1001"}]
    product = run["partInventory"]
    assert (product["quantity"], product["location"]["id"], product["part"]["partNumber"]) == (3.0, 3, "ASSY-100")
    installed = [
        (
            i["partInventory"]["part"]["partNumber"],
            i["quantityInstalledPerParentPartInventory"],
            i["partInventory"]["location"]["id"],
        )
        for requirement in product["buildRequirements"]
        for i in requirement["abomInstallations"]
    ]
    assert installed == [("COMP-200", 2.4, 2), ("COMP-200", 2.6, 11), ("COMP-300", 3.0, 2)]
    consumption: dict[str, float] = {}
    for part, per_parent, _location in installed:
        consumption[part] = consumption.get(part, 0) + per_parent * product["quantity"]
    assert consumption == pytest.approx({"COMP-200": 15.0, "COMP-300": 9.0})
    modem = runs[1002]["partInventory"]
    assert (modem["serialNumber"], modem["quantity"], modem["location"]["id"]) == ("SN-0001", 1.0, 12)
    children = {
        i["partInventory"]["part"]["partNumber"]: i["partInventory"]
        for r in modem["buildRequirements"]
        for i in r["abomInstallations"]
    }
    assert children["RES-10"]["lotNumber"] == "L-2211"
    assert children["MOD-20"]["serialNumber"] == "M-0001"
    assert children["MOD-20"]["part"]["trackingType"] == "SERIAL"


async def test_demo_runs_locations_and_stock_match_the_readme(ion: Ion) -> None:
    runs = await _all_pages(ion, CONSUMPTION_QUERY, "runs", {"filters": None}, 4)
    assert [(r["id"], r["status"], r["attributes"][0]["value"]) for r in runs] == [
        (1001, "COMPLETE", "WO1001"),
        (1002, "COMPLETE", "WO1002"),
        (1003, "COMPLETE", "WO1003"),
        (1004, "COMPLETE", "WO1004"),
        (1005, "IN_PROGRESS", "WO1005"),
        (1006, "COMPLETE", "WO1006"),
        (1007, "COMPLETE", "WO1007"),
        (1008, "COMPLETE", "WO9999"),
        (1009, "COMPLETE", "WO1009"),
    ]
    end_times = [r["endTime"] for r in runs]
    assert end_times == sorted(end_times)
    assert end_times[0] == "2026-11-20T08:00:00+00:00" and end_times[-1] == "2026-11-20T16:00:00+00:00"
    glue = runs[8]["partInventory"]["buildRequirements"][1]["abomInstallations"][0]
    assert (glue["partInventory"]["part"]["partNumber"], glue["quantityInstalledPerParentPartInventory"]) == ("GLUE-1", 0.0)

    locations = (await ion.data("{ locations { edges { node { id name parentId } } } }"))["locations"]["edges"]
    assert [(n["node"]["id"], n["node"]["parentId"]) for n in locations] == [
        (1, None),
        (2, 1),
        (3, 1),
        (4, 1),
        (10, None),
        (11, 10),
        (12, 10),
        (13, 10),
    ]
    assert locations[7]["node"]["name"] == "Long Beach / Quarantine"

    stock = await _all_pages(ion, INVENTORY_QUERY, "partInventories", {}, 7)
    on_hand = sorted(
        (n["part"]["partNumber"], n["location"]["id"], n["quantity"], n["lotNumber"] or n["serialNumber"])
        for n in stock
        if n["part"]["partNumber"] not in ("ASSY-100", "SAT-500")
    )
    assert on_hand == sorted(
        [
            ("COMP-200", 2, 50.0, None),
            ("COMP-200", 4, 10.0, None),
            ("COMP-200", 11, 40.0, None),
            ("COMP-200", 13, 5.0, None),
            ("COMP-300", 2, 87.0, None),
            ("COMP-300", 11, 20.0, None),
            ("COMP-300", 12, 16.0, None),
            ("RES-10", 11, 96.0, "L-2211"),
            ("MOD-20", 11, 1.0, "M-0002"),
            ("MOD-20", 11, 1.0, "M-0003"),
            ("MOD-20", 11, 1.0, "M-0004"),
            ("MOD-20", 11, 1.0, "M-0005"),
            ("GLUE-1", 12, 99.65, None),
            ("BRKT-7", 2, 46.0, None),
            ("PROTO-9", 2, 5.0, None),
        ]
    )
    # the runs' products: AVAILABLE for the eight COMPLETE runs, WIP for 1005 (not listed here)
    assert sum(1 for n in stock if n["part"]["partNumber"] in ("ASSY-100", "SAT-500")) == 8


# --- connections, filters, sort (ion.md §2.2-§2.3) ---------------------------------------------


async def test_cursor_pagination_with_counts_and_backwards_paging(ion: Ion) -> None:
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      runs(first: $first, after: $after, last: $last, before: $before) {
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor count totalCount }
        edges { cursor node { id } } } }"""
    first = (await ion.data(query, {"first": 4}))["runs"]
    assert [e["node"]["id"] for e in first["edges"]] == [1001, 1002, 1003, 1004]
    assert first["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": _cursor(0),
        "endCursor": _cursor(3),
        "count": 4,
        "totalCount": 9,
    }
    last_page = (await ion.data(query, {"first": 4, "after": _cursor(7)}))["runs"]
    assert [e["node"]["id"] for e in last_page["edges"]] == [1009]
    assert last_page["pageInfo"]["hasNextPage"] is False
    assert last_page["pageInfo"]["count"] == 1
    backwards = (await ion.data(query, {"last": 2, "before": _cursor(5)}))["runs"]
    assert [e["node"]["id"] for e in backwards["edges"]] == [1004, 1005]
    assert [e["cursor"] for e in backwards["edges"]] == [_cursor(3), _cursor(4)]
    assert (await ion.data(query, {"first": 2, "after": ""}))["runs"]["edges"][0]["node"]["id"] == 1001
    assert (await ion.errors(query, {"first": 2, "after": "bogus"})) == ["Invalid cursor: 'bogus'"]


async def test_page_size_cap_clamps_or_errors() -> None:
    query = "{ runs(first: 100) { pageInfo { count hasNextPage } } }"
    async with _ion(IonSimConfig(max_page_size=5)) as ion:
        assert (await ion.data(query))["runs"]["pageInfo"] == {"count": 5, "hasNextPage": True}
        assert (await ion.data("{ runs { pageInfo { count } } }"))["runs"]["pageInfo"]["count"] == 5
    async with _ion(IonSimConfig(max_page_size=5, page_size_overflow="error")) as ion:
        assert "exceeds the `first` limit of 5" in (await ion.errors(query))[0]


async def test_filters_eq_neq_in_ranges_and_sort(ion: Ion) -> None:
    query = """query($filters: RunsInputFilters, $sort: [RunSortEnum]) {
      runs(filters: $filters, sort: $sort) { pageInfo { totalCount } edges { node { id } } } }"""

    async def ids(filters: dict[str, Any], sort: list[str] | None = None) -> list[int]:
        data = await ion.data(query, {"filters": filters, "sort": sort})
        return [e["node"]["id"] for e in data["runs"]["edges"]]

    assert await ids({"id": {"in": [1003, "1001"]}}) == [1001, 1003]
    assert await ids({"status": {"neq": "COMPLETE"}}) == [1005]
    assert await ids(
        {"status": {"eq": "COMPLETE"}, "endTime": {"gte": "2026-11-20T12:00:00Z", "lt": "2026-11-20T15:00:00Z"}}
    ) == [1006, 1007]
    assert await ids({"endTime": {"gt": "2026-11-20T11:00:00+02:00"}}) == [1003, 1004, 1005, 1006, 1007, 1008, 1009]
    assert await ids({"quantity": {"gte": 2}}) == [1001, 1003, 1009]
    assert await ids({"id": {"lte": 1002}}, ["ID_DESC"]) == [1002, 1001]
    assert (await ids({}, ["END_TIME_DESC"]))[:2] == [1009, 1008]
    literal = await ion.data('{ runs(filters: {endTime: {gte: "2026-11-20T15:30:00Z"}}) { edges { node { id } } } }')
    assert [e["node"]["id"] for e in literal["runs"]["edges"]] == [1009]

    serial = await ion.data(
        '{ partInventories(filters: {partId: {eq: 106}, serialNumber: {in: ["M-0001", "M-0004"]}}) { edges { node { serialNumber status } } } }'
    )
    assert [e["node"] for e in serial["partInventories"]["edges"]] == [
        {"serialNumber": "M-0001", "status": "INSTALLED"},
        {"serialNumber": "M-0004", "status": "AVAILABLE"},
    ]
    children = await ion.data("{ locations(filters: {parentId: {eq: 10}}) { pageInfo { totalCount } } }")
    assert children["locations"]["pageInfo"]["totalCount"] == 3
    parts = await ion.data("{ parts(filters: {trackingType: {eq: SERIAL}}) { edges { node { partNumber } } } }")
    assert [e["node"]["partNumber"] for e in parts["parts"]["edges"]] == ["SAT-500", "MOD-20"]


async def test_unknown_filter_field_is_a_graphql_validation_error(ion: Ion) -> None:
    inline = await ion.errors("{ runs(filters: {procedure: {eq: 1}}) { edges { node { id } } } }")
    variable = await ion.errors(
        "query($f: RunsInputFilters) { runs(filters: $f) { edges { node { id } } } }", {"f": {"nope": {"eq": 1}}}
    )
    bad_operator = await ion.errors('{ runs(filters: {status: {like: "C%"}}) { edges { node { id } } } }')
    assert "unknown field 'procedure'" in inline[0]
    assert "unknown field 'nope'" in variable[0]
    assert "unknown field 'like'" in bad_operator[0]


async def test_ids_are_numbers_enums_uppercase_etags_hex(ion: Ion) -> None:
    data = await ion.data(
        "{ run(id: 1002) { id _etag status partInventory { id _etag status part { trackingType } } attributes { Etag } } }"
    )
    run = data["run"]
    assert isinstance(run["id"], int) and isinstance(run["partInventory"]["id"], int)
    assert (run["status"], run["partInventory"]["status"], run["partInventory"]["part"]["trackingType"]) == (
        "COMPLETE",
        "AVAILABLE",
        "SERIAL",
    )
    for etag in (run["_etag"], run["partInventory"]["_etag"], run["attributes"][0]["Etag"]):
        assert len(etag) == 32 and int(etag, 16) >= 0


async def test_fast_executor_matches_graphql_core() -> None:
    queries = [
        (CONSUMPTION_QUERY, {"filters": {"status": {"eq": "COMPLETE"}}, "first": 5}),
        (INVENTORY_QUERY, {"first": 6, "after": _cursor(2)}),
        (
            "query { a: run(id: 1003) { ...R __typename } b: run(id: 4242) { id } } fragment R on Run { id "
            "partInventory { buildRequirements { id part { partNumber } partInventories { id } abomInstallations { id "
            "quantity buildRequirement { id } partInventory { quantityAvailable abomInstallations { id } } } } } }",
            None,
        ),
        ('{ runs(first: 1, after: "bogus") { edges { node { id } } } me { id } }', None),
    ]
    results = []
    for fast in (True, False):
        async with _ion(IonSimConfig(fast_executor=fast)) as ion:
            results.append([(await ion.post(q, v)).json() for q, v in queries])
    assert results[0] == results[1]


async def test_batched_operations_and_datetime_suffix() -> None:
    async with _ion(IonSimConfig(datetime_utc_suffix="Z")) as ion:
        response = await ion.client.post(
            "/graphql",
            json=[{"query": "{ run(id: 1001) { endTime } }"}, {"query": "{ me { id } }"}],
            headers={"Authorization": ion.token},
        )
    assert response.status_code == 200
    assert response.json() == [{"data": {"run": {"endTime": "2026-11-20T08:00:00Z"}}}, {"data": {"me": {"id": 1}}}]


async def test_introspection_runs_and_consumption_field_is_on_abom_installation(ion: Ion) -> None:
    data = await ion.data(
        '{ __schema { queryType { name } } installation: __type(name: "AbomInstallation") { fields { name } } '
        'requirement: __type(name: "BuildRequirement") { fields { name } } }'
    )
    assert data["__schema"]["queryType"]["name"] == "Query"
    assert "quantityInstalledPerParentPartInventory" in {f["name"] for f in data["installation"]["fields"]}
    assert "quantityInstalledPerParentPartInventory" not in {f["name"] for f in data["requirement"]["fields"]}


async def test_only_mutations_count_as_writes_for_faults(ion: Ion) -> None:
    service = ion.app.state.service
    assert service.is_write(b'{"query": "mutation M { updateRun(input: {}) { run { id } } }"}') is True
    assert service.is_write(b'[{"query": "{ me { id } }"}, {"query": "mutation { x }"}]') is True
    assert service.is_write(b'{"query": "query Q { me { id } }"}') is False
    assert service.is_write(b"not json") is False
    assert "not supported" in (await ion.errors("mutation { updateRun { id } }"))[0]


# --- admin routes ---------------------------------------------------------------------------


async def test_admin_run_creation_accepts_bad_data(ion: Ion) -> None:
    bad = {
        "id": 5001,
        "title": "bad data",
        "status": "COMPLETE",
        "endTime": "2026-11-21T09:00:00Z",
        "workOrder": "WO1001",
        "produces": {"partNumber": "ASSY-100", "quantity": -2, "locationId": None},
        "installations": [
            {"partNumber": "COMP-200", "perParent": None, "locationId": 2},
            {"partNumber": "COMP-300", "perParent": -1.5, "locationId": None, "lotNumber": "LOT-X"},
            {"partNumber": "ION-ONLY-1", "perParent": 1, "locationId": 999, "serialNumber": "S-1", "quantity": None},
        ],
    }
    created = await ion.client.post("/_sandbox/runs", json=bad)
    assert created.status_code == 201, created.text
    assert created.json()["createdParts"] == ["ION-ONLY-1"]
    assert (await ion.client.post("/_sandbox/runs", json=bad)).status_code == 409
    assert (await ion.client.post("/_sandbox/runs", json={**bad, "id": 5002, "status": "DONE"})).status_code == 422

    data = await ion.data(CONSUMPTION_QUERY, {"filters": {"id": {"eq": 5001}}})
    run = data["runs"]["edges"][0]["node"]
    assert run["endTime"] == "2026-11-21T09:00:00+00:00"
    assert (run["partInventory"]["quantity"], run["partInventory"]["location"]) == (-2.0, None)
    installations = [i for r in run["partInventory"]["buildRequirements"] for i in r["abomInstallations"]]
    assert [i["quantityInstalledPerParentPartInventory"] for i in installations] == [None, -1.5, 1.0]
    assert [i["partInventory"]["location"] for i in installations] == [{"id": 2, "name": "Hawthorne / Stores"}, None, None]
    assert installations[2]["partInventory"]["part"] == {"partNumber": "ION-ONLY-1", "revision": "A", "trackingType": None}
    quantities = await ion.data(
        "query ($id: ID!) { partInventory(id: $id) { quantity quantityInstalled } }",
        {"id": installations[1]["partInventory"]["id"]},
    )
    assert quantities["partInventory"] == {"quantity": 3.0, "quantityInstalled": 3.0}  # -1.5 x -2
    missing = await ion.client.post(
        "/_sandbox/runs", json={"status": "COMPLETE", "workOrder": None, "produces": {"partNumber": "ASSY-100"}}
    )
    assert missing.status_code == 201
    fresh = await ion.data(
        "query ($id: ID!) { run(id: $id) { attributes { key } partInventory { location { id } } } }", {"id": missing.json()["id"]}
    )
    assert fresh["run"] == {"attributes": [], "partInventory": {"location": {"id": 3}}}


async def test_reset_drops_state_and_reseeds(ion: Ion) -> None:
    query = '{ run(id: 6001) { id } runs { pageInfo { totalCount } } parts(filters: {partNumber: {eq: "NEW-1"}}) { pageInfo { totalCount } } }'
    spec = {"id": 6001, "workOrder": "WO-X", "produces": {"partNumber": "NEW-1"}}
    assert (await ion.client.post("/_sandbox/runs", json=spec)).status_code == 201
    assert await ion.data(query) == {
        "run": {"id": 6001},
        "runs": {"pageInfo": {"totalCount": 10}},
        "parts": {"pageInfo": {"totalCount": 1}},
    }
    assert (await ion.client.post("/_sandbox/reset")).status_code == 200
    assert await ion.data(query) == {
        "run": None,
        "runs": {"pageInfo": {"totalCount": 9}},
        "parts": {"pageInfo": {"totalCount": 0}},
    }


async def test_reset_without_demo_seed_leaves_an_empty_tenant() -> None:
    async with _ion(IonSimConfig(seed_demo=False)) as ion:
        query = "{ runs { pageInfo { totalCount } } locations { pageInfo { totalCount } } }"
        assert await ion.data(query) == {"runs": {"pageInfo": {"totalCount": 0}}, "locations": {"pageInfo": {"totalCount": 0}}}
        spec = {"workOrder": "WO-X", "produces": {"partNumber": "NEW-1", "locationId": None}}
        assert (await ion.client.post("/_sandbox/runs", json=spec)).json()["id"] == 1
        assert (await ion.data(query))["runs"]["pageInfo"]["totalCount"] == 1
        assert (await ion.client.post("/_sandbox/reset")).json() == {"reset": True, "seeded": False}
        assert (await ion.data(query))["runs"]["pageInfo"]["totalCount"] == 0


async def test_bulk_seeding_creates_benchmark_runs(ion: Ion) -> None:
    response = await ion.client.post(
        "/_sandbox/seed/bulk-runs", json={"count": 12, "installations_per_run": 20, "first_run_id": 100000}
    )
    assert response.status_code == 201, response.text
    assert (response.json()["first_run_id"], response.json()["last_run_id"]) == (100000, 100011)
    filters = {"status": {"eq": "COMPLETE"}, "endTime": {"gte": "2026-11-21T00:00:00Z"}}
    runs = await _all_pages(ion, CONSUMPTION_QUERY, "runs", {"filters": filters}, 5)
    assert [r["id"] for r in runs] == list(range(100000, 100012))
    assert [r["attributes"][0]["value"] for r in runs[:2]] == ["WO-B000001", "WO-B000002"]
    assert [r["partInventory"]["quantity"] for r in runs[:6]] == [1.0, 2.0, 3.0, 4.0, 5.0, 1.0]
    assert all(r["partInventory"]["part"]["partNumber"] == "ASSY-100" and r["partInventory"]["location"]["id"] == 3 for r in runs)
    end_times = [r["endTime"] for r in runs]
    assert end_times == sorted(set(end_times))
    installations = [i for r in runs[0]["partInventory"]["buildRequirements"] for i in r["abomInstallations"]]
    assert [i["partInventory"]["part"]["partNumber"] for i in installations] == [f"BULK-C{j:02d}" for j in range(1, 21)]
    assert [i["partInventory"]["location"]["id"] for i in installations[:4]] == [2, 11, 2, 11]
    assert (await ion.client.post("/_sandbox/seed/bulk-runs", json={"count": 1, "first_run_id": 100011})).status_code == 409


async def test_a_page_costs_a_fixed_number_of_sql_queries(ion: Ion) -> None:
    """No N+1: the consumption query for 60 runs x 20 installations runs a handful of statements."""
    await ion.client.post("/_sandbox/seed/bulk-runs", json={"count": 60, "installations_per_run": 20, "first_run_id": 100000})
    statements: list[str] = []
    db: sqlite3.Connection = ion.app.state.store.db
    db.set_trace_callback(statements.append)
    try:
        data = await ion.data(CONSUMPTION_QUERY, {"filters": {"id": {"gte": 100000}}, "first": 60})
    finally:
        db.set_trace_callback(None)
    assert len(data["runs"]["edges"]) == 60
    assert (
        sum(len(r["abomInstallations"]) for e in data["runs"]["edges"] for r in e["node"]["partInventory"]["buildRequirements"])
        == 1200
    )
    assert len(statements) <= 8, statements


# --- faults (through a real server) ------------------------------------------------------------


def test_injected_503_is_a_gateway_error_and_spares_tokens_and_admin(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        token = client.post(TOKEN_PATH, data=CREDENTIALS).json()["access_token"]
        assert client.put("/_sandbox/faults", json={"error_rates": {"503": 1.0}}).status_code == 200
        assert client.get("/_sandbox/faults").json()["error_rates"] == {"503": 1.0}
        failed = client.post("/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": token})
        assert failed.status_code == 503
        assert failed.json() == {"message": "Service Unavailable"}
        assert failed.headers["retry-after"] == "1"
        assert client.post(TOKEN_PATH, data=CREDENTIALS).status_code == 200
        stats = client.get("/_sandbox/stats").json()
        assert stats["injected"] == {"status_503": 1}
        assert stats["tokens_issued"] == 2
        client.put("/_sandbox/faults", json={})
        assert client.post("/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": token}).status_code == 200
        assert client.post("/_sandbox/stats/reset").json()["requests"] == 0


def test_concurrency_limit_answers_429(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        token = client.post(TOKEN_PATH, data=CREDENTIALS).json()["access_token"]
        client.put("/_sandbox/faults", json={"latency_ms": 300, "concurrency_limit": 1})

    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=server.url) as client:
            responses = await asyncio.gather(
                *(client.post("/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": token}) for _ in range(3))
            )
        return sorted(r.status_code for r in responses)

    started = time.monotonic()
    assert asyncio.run(burst()) == [200, 429, 429]
    assert time.monotonic() - started >= 0.3
