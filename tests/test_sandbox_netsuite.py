"""The NetSuite simulator against its contract (sandbox/README.md, shared/reference/netsuite.md),
over real HTTP on loopback: OAuth 2.0 JWT assertions and TBA signatures, records and `q=`,
the workOrderCompletion transform and its validations, SuiteQL, inventory moves, admin routes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from copy import deepcopy
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from oauthlib.oauth1 import Client as OAuth1Client

from sandbox.netsuite import NetSuiteSimConfig, create_app
from sandbox.server import RunningServer, start

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
RECORD = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
INVALID_LOGIN_BODY = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "Unauthorized",
    "status": 401,
    "o:errorDetails": [
        {
            "detail": "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
            "Setup > Users/Roles > User Management > View Login Audit Trail.",
            "o:errorCode": "INVALID_LOGIN",
        }
    ],
}
NONEXISTENT_BODY = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "Not Found",
    "status": 404,
    "o:errorDetails": [{"detail": "Record does not exist.", "o:errorCode": "NONEXISTENT_ID"}],
}
WO1001_COMPLETION = {  # the seed's worked example: run 1001 -> WO1001 (internal id 2001)
    "externalId": "ion-run-1001",
    "tranDate": "2026-11-20",
    "quantity": 3,
    "completedQuantity": 3,
    "isBackflush": True,
    "location": {"id": "1"},
    "memo": "ION run 1001",
    "component": {
        "items": [
            {"item": {"id": "502"}, "quantity": 2.4, "componentInventoryDetail": {"location": {"id": "1"}, "quantity": 2.4}},
            {"item": {"id": "502"}, "quantity": 2.6, "componentInventoryDetail": {"location": {"id": "2"}, "quantity": 2.6}},
            {"item": {"id": "503"}, "quantity": 3, "componentInventoryDetail": {"location": {"id": "1"}, "quantity": 3}},
        ]
    },
}
WO1002_COMPLETION = {  # run 1002 -> WO1002 (2002): a serialized assembly with lot and serial components
    "externalId": "ion-run-1002",
    "tranDate": "2026-11-20",
    "quantity": 1,
    "completedQuantity": 1,
    "isBackflush": True,
    "location": {"id": "2"},
    "inventoryDetail": {"inventoryAssignment": {"items": [{"receiptInventoryNumber": "SN-0001", "quantity": 1}]}},
    "component": {
        "items": [
            {
                "item": {"id": "505"},
                "quantity": 4,
                "componentInventoryDetail": {
                    "location": {"id": "2"},
                    "quantity": 4,
                    "inventoryAssignment": {"items": [{"issueInventoryNumber": {"id": "801"}, "quantity": 4}]},
                },
            },
            {
                "item": {"id": "506"},
                "quantity": 1,
                "componentInventoryDetail": {
                    "location": {"id": "2"},
                    "quantity": 1,
                    "inventoryAssignment": {"items": [{"issueInventoryNumber": {"id": "811"}, "quantity": 1}]},
                },
            },
            {"item": {"id": "509"}, "quantity": 0.35, "componentInventoryDetail": {"location": {"id": "2"}, "quantity": 0.35}},
        ]
    },
}
SEED_BALANCES = {
    ("COMP-200", "1"): 67.2,
    ("COMP-200", "2"): 49.8,
    ("COMP-300", "1"): 100,
    ("COMP-300", "2"): 40,
    ("RES-10", "2"): 100,
    ("MOD-20", "2"): 5,
    ("GLUE-1", "1"): 12,
    ("GLUE-1", "2"): 99.95,
    ("BRACKET-0007", "1"): 50,
}


def _keypair() -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, pem.decode()


class Account:
    """A test's view of one running simulator."""

    def __init__(self, server: RunningServer, key: ec.EllipticCurvePrivateKey) -> None:
        self.url = server.url
        self.key = key
        self.http = httpx.Client(base_url=server.url, timeout=30)
        self._token: str | None = None

    def assertion(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": "ns-sandbox-client",
            "scope": ["restlets", "rest_webservices"],
            "aud": f"{self.url}{TOKEN_PATH}",
            "iat": now,
            "exp": now + 3000,
            "jti": uuid.uuid4().hex,
        }
        key = overrides.pop("key", self.key)
        kid = overrides.pop("kid", "sandbox-cert")
        claims.update(overrides)
        return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid, "typ": "JWT"})

    def request_token(self, assertion: str) -> httpx.Response:
        form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}
        return self.http.post(TOKEN_PATH, data=form)

    def auth(self) -> dict[str, str]:
        if self._token is None:
            response = self.request_token(self.assertion())
            assert response.status_code == 200, response.text
            self._token = response.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params or None, headers=self.auth())

    def transform(
        self, wo_id: int | str, body: Any, headers: dict[str, str] | None = None, replace: str | None = "component"
    ) -> httpx.Response:
        """A completion; by default its component lines replace the pre-filled BOM lines."""
        return self.http.post(
            f"{RECORD}/workOrder/{wo_id}/!transform/workOrderCompletion",
            json=body,
            params={"replace": replace} if replace else None,
            headers={**self.auth(), **(headers or {})},
        )

    def suiteql(self, q: str, params: list[Any] | None = None, prefer: str | None = "transient", **query: Any) -> httpx.Response:
        headers = self.auth()
        if prefer:
            headers["Prefer"] = prefer
        payload: dict[str, Any] = {"q": q}
        if params is not None:
            payload["params"] = params
        return self.http.post(SUITEQL, params=query or None, json=payload, headers=headers)

    def balances(self) -> dict[tuple[str, str], float]:
        rows = self.http.get("/_sandbox/inventory").json()["items"]
        return {(r["itemId"], r["location"]): r["quantityOnHand"] for r in rows}

    def completions(self) -> list[dict[str, Any]]:
        return self.http.get("/_sandbox/records/workOrderCompletion").json()["items"]


@pytest.fixture(scope="module")
def keypair() -> tuple[ec.EllipticCurvePrivateKey, str]:
    return _keypair()


@pytest.fixture(scope="module")
def server(keypair: tuple[ec.EllipticCurvePrivateKey, str]) -> Iterator[RunningServer]:
    running = start(create_app(NetSuiteSimConfig(oauth2_public_key_pem=keypair[1])))
    yield running
    running.stop()


@pytest.fixture
def ns(server: RunningServer, keypair: tuple[ec.EllipticCurvePrivateKey, str]) -> Iterator[Account]:
    account = Account(server, keypair[0])
    assert account.http.post("/_sandbox/reset").status_code == 200
    yield account
    account.http.close()


def _detail(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["status"] == response.status_code
    return body["o:errorDetails"][0]


# ---------------------------------------------------------------------------- OAuth 2.0


def test_oauth2_assertion_gives_a_bearer_token_that_opens_the_api(ns: Account) -> None:
    response = ns.request_token(ns.assertion())
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"
    r = ns.http.get(f"{RECORD}/workOrder/2001", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert r.status_code == 200 and r.json()["tranId"] == "WO1001"


def test_oauth2_accepts_comma_scope_and_restlets_audience(ns: Account) -> None:
    assertion = ns.assertion(scope="restlets,rest_webservices", aud=f"https://1234567-sb1.restlets.api.netsuite.com{TOKEN_PATH}")
    assert ns.request_token(assertion).status_code == 200


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"key": "other"}, id="bad-key"),
        pytest.param({"exp_minus_iat": 3600}, id="lifetime-3600"),
        pytest.param({"aud": "https://example.com/services/rest/auth/oauth2/v1/token"}, id="wrong-aud"),
        pytest.param({"kid": "other-cert"}, id="wrong-kid"),
        pytest.param({"iss": "someone-else"}, id="wrong-iss"),
        pytest.param({"scope": ["restlets"]}, id="no-rest-scope"),
        pytest.param({"expired": True}, id="expired-assertion"),
    ],
)
def test_oauth2_rejects_bad_assertions(ns: Account, overrides: dict[str, Any]) -> None:
    claims = dict(overrides)
    now = int(time.time())
    if claims.pop("key", None) == "other":
        claims["key"] = _keypair()[0]
    if "exp_minus_iat" in claims:
        claims.update(iat=now, exp=now + claims.pop("exp_minus_iat"))
    if claims.pop("expired", False):
        claims.update(iat=now - 600, exp=now - 300)
    before = ns.http.get("/_sandbox/stats").json()["token_rejections"]
    response = ns.request_token(ns.assertion(**claims))
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_grant", "invalid_scope")
    assert "access_token" not in response.json()
    assert ns.http.get("/_sandbox/stats").json()["token_rejections"] == before + 1


def test_token_endpoint_rejects_other_grants(ns: Account) -> None:
    response = ns.http.post(TOKEN_PATH, data={"grant_type": "password", "username": "u", "password": "p"})
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_missing_or_unknown_credentials_are_invalid_login(ns: Account) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        for method, path in (("GET", f"{RECORD}/workOrder/2001"), ("POST", SUITEQL)):
            response = ns.http.request(method, path, headers={**headers, "Prefer": "transient"}, json={"q": "SELECT 1"})
            assert response.status_code == 401
            assert response.json() == INVALID_LOGIN_BODY


def test_expired_bearer_is_invalid_login(keypair: tuple[ec.EllipticCurvePrivateKey, str]) -> None:
    running = start(create_app(NetSuiteSimConfig(oauth2_public_key_pem=keypair[1], token_ttl_seconds=0.5)))
    try:
        account = Account(running, keypair[0])
        headers = account.auth()
        assert account.http.get(f"{RECORD}/location/1", headers=headers).status_code == 200
        time.sleep(0.8)
        response = account.http.get(f"{RECORD}/location/1", headers=headers)
        assert response.status_code == 401 and response.json() == INVALID_LOGIN_BODY
    finally:
        running.stop()


def test_oauth2_is_disabled_without_a_public_key() -> None:
    running = start(create_app(NetSuiteSimConfig()))
    try:
        account = Account(running, _keypair()[0])
        response = account.request_token(account.assertion())
        assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"
    finally:
        running.stop()


# ---------------------------------------------------------------------------- TBA (OAuth 1.0a)


def _tba_client(**overrides: Any) -> OAuth1Client:
    args: dict[str, Any] = {
        "client_key": "tba-consumer-key",
        "client_secret": "tba-consumer-secret",
        "resource_owner_key": "tba-token-id",
        "resource_owner_secret": "tba-token-secret",
        "signature_method": SIGNATURE_HMAC_SHA256,
        "realm": "1234567_SB1",
    }
    args.update(overrides)
    return OAuth1Client(**args)


def test_tba_signed_requests_are_accepted(ns: Account) -> None:
    url = f"{ns.url}{RECORD}/workOrder?q=tranId+IS+%22WO1001%22&limit=10"
    _, headers, _ = _tba_client().sign(url, http_method="GET")
    assert headers["Authorization"].startswith('OAuth realm="1234567_SB1"')
    response = ns.http.get(url, headers=headers)
    assert response.status_code == 200 and [i["id"] for i in response.json()["items"]] == ["2001"]

    body = json.dumps({"q": "SELECT id FROM location ORDER BY id"})
    url = f"{ns.url}{SUITEQL}?limit=5&offset=0"
    _, headers, _ = _tba_client().sign(url, http_method="POST", body=body, headers={"Content-Type": "application/json"})
    response = ns.http.post(url, content=body, headers={**headers, "Prefer": "transient"})
    assert response.status_code == 200 and [i["id"] for i in response.json()["items"]] == ["1", "2"]


def test_tba_tampered_or_replayed_requests_are_rejected(ns: Account) -> None:
    signed_url = f"{ns.url}{RECORD}/workOrder/2001"
    _, headers, _ = _tba_client().sign(signed_url, http_method="GET")
    tampered = ns.http.get(f"{RECORD}/workOrder/2002", headers=headers)  # signature covers the URL
    assert tampered.status_code == 401 and tampered.json() == INVALID_LOGIN_BODY

    _, headers, _ = _tba_client().sign(signed_url, http_method="GET")
    assert ns.http.get(signed_url, headers=headers).status_code == 200
    replay = ns.http.get(signed_url, headers=headers)  # same nonce: a retry must be re-signed
    assert replay.status_code == 401

    for bad in (
        _tba_client(resource_owner_secret="wrong-secret"),
        _tba_client(realm="1234567-sb1"),
        _tba_client(client_key="other-consumer"),
    ):
        _, headers, _ = bad.sign(signed_url, http_method="GET")
        assert ns.http.get(signed_url, headers=headers).status_code == 401

    _, headers, _ = _tba_client().sign(signed_url, http_method="GET")
    forged = headers["Authorization"].replace('oauth_signature="', 'oauth_signature="x')
    assert ns.http.get(signed_url, headers={"Authorization": forged}).status_code == 401


# ---------------------------------------------------------------------------- records


def test_get_work_order_by_id_and_unknown_ids(ns: Account) -> None:
    response = ns.get(f"{RECORD}/workOrder/2002")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "2002" and body["tranId"] == "WO1002" and body["quantity"] == 1
    assert body["assemblyItem"]["id"] == "504" and body["assemblyItem"]["refName"] == "SAT-500"
    assert body["location"] == {
        "links": [{"rel": "self", "href": f"{ns.url}{RECORD}/location/2"}],
        "id": "2",
        "refName": "Long Beach",
    }
    assert body["status"] == {"id": "B", "refName": "Released"}
    assert body["links"] == [{"rel": "self", "href": f"{ns.url}{RECORD}/workOrder/2002"}]
    for path in (f"{RECORD}/workOrder/9999", f"{RECORD}/workOrder/eid:nope", f"{RECORD}/workOrderCompletion/eid:nope"):
        missing = ns.get(path)
        assert missing.status_code == 404 and missing.json() == NONEXISTENT_BODY


def test_items_and_locations(ns: Account) -> None:
    assert ns.get(f"{RECORD}/inventoryItem/502").json()["itemId"] == "COMP-200"
    assert ns.get(f"{RECORD}/serializedAssemblyItem/504").json()["displayName"] == "Satellite modem"
    assert ns.get(f"{RECORD}/lotNumberedInventoryItem/505").json()["itemId"] == "RES-10"
    assert ns.get(f"{RECORD}/assemblyitem/501").json()["itemId"] == "ASSY-100"  # type names are case-insensitive
    assert ns.get(f"{RECORD}/inventoryItem/504").status_code == 404  # a serialized assembly is not an inventoryItem
    listing = ns.get(f"{RECORD}/location").json()
    assert [i["id"] for i in listing["items"]] == ["1", "2"] and listing["totalResults"] == 2
    assert ns.get(f"{RECORD}/location/2").json()["name"] == "Long Beach"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('tranId IS "WO1003"', ["2003"]),
        ("tranId IS WO1003", ["2003"]),
        ("status ANY_OF [D]", ["2003"]),
        ("quantity EQUAL 2", ["2003", "2009"]),
        ("id ANY_OF [2001, 2004, 9999]", ["2001", "2004"]),
        ('tranId IS "WO1001" OR tranId IS "WO1002" AND quantity EQUAL 3', ["2001"]),  # AND binds tighter
        ('(tranId IS "WO1001" OR tranId IS "WO1002") AND quantity EQUAL 1', ["2002"]),
        ('lastModifiedDate AFTER "2026-11-10T10:30:00"', ["2004", "2005", "2006", "2007", "2009"]),
        ('lastModifiedDate BEFORE "2026-11-10 09:30:00"', ["2001", "2002"]),
        (
            'lastModifiedDate AFTER "11/09/2026" AND lastModifiedDate BEFORE "11/11/2026"',
            ["2001", "2002", "2003", "2004", "2005", "2006", "2007", "2009"],
        ),
        ('lastModifiedDate AFTER "11/10/2026"', []),
        ("location ANY_OF [2]", ["2002"]),
        ("tranId START_WITH WO100", ["2001", "2002", "2003", "2004", "2005", "2006", "2007", "2009"]),
        ("tranId CONTAIN 00", ["2001", "2002", "2003", "2004", "2005", "2006", "2007", "2009"]),
        ('tranId IS_NOT "WO1001" AND quantity GREATER 1', ["2003", "2009"]),
    ],
)
def test_work_order_list_filters(ns: Account, q: str, expected: list[str]) -> None:
    response = ns.get(f"{RECORD}/workOrder", q=q)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [i["id"] for i in body["items"]] == expected
    assert body["totalResults"] == len(expected) and body["hasMore"] is False


def test_list_filter_by_external_id_and_errors(ns: Account) -> None:
    created = ns.http.post(
        f"{RECORD}/workOrder",
        json={
            "tranId": "WO7001",
            "externalId": "mes-wo-7001",
            "assemblyItem": {"id": "501"},
            "quantity": 4,
            "location": {"id": "1"},
        },
        headers=ns.auth(),
    )
    assert created.status_code == 204
    new_id = created.headers["location"].rsplit("/", 1)[1]
    assert [i["id"] for i in ns.get(f"{RECORD}/workOrder", q='externalId IS "mes-wo-7001"').json()["items"]] == [new_id]
    for bad in ("tranId FOO 1", "nosuchfield IS 1", '(tranId IS "x"', 'lastModifiedDate AFTER "yesterday"'):
        response = ns.get(f"{RECORD}/workOrder", q=bad)
        assert response.status_code == 400 and _detail(response)["o:errorCode"] == "INVALID_PARAMETER"


def test_collection_paging(ns: Account) -> None:
    first = ns.get(f"{RECORD}/workOrder", limit=3).json()
    assert [i["id"] for i in first["items"]] == ["2001", "2002", "2003"]
    assert (first["count"], first["offset"], first["hasMore"], first["totalResults"]) == (3, 0, True, 8)
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert rels["next"] == f"{ns.url}{RECORD}/workOrder?limit=3&offset=3" and "self" in rels and "last" in rels
    last = ns.get(f"{RECORD}/workOrder", limit=3, offset=6).json()
    assert [i["id"] for i in last["items"]] == ["2007", "2009"] and last["hasMore"] is False
    assert {link["rel"] for link in last["links"]} == {"prev", "first", "self"}
    for params in ({"limit": 3, "offset": 2}, {"limit": 1001}, {"limit": 0}):
        response = ns.get(f"{RECORD}/workOrder", **params)
        assert response.status_code == 400 and _detail(response)["o:errorCode"] == "INVALID_PARAMETER"


def test_work_order_create_upsert_and_unique_external_id(ns: Account) -> None:
    body = {
        "tranId": "WO8001",
        "externalId": "mes-wo-8001",
        "assemblyItem": {"id": "501"},
        "quantity": 2,
        "location": {"id": "2"},
    }
    created = ns.http.post(f"{RECORD}/workOrder", json=body, headers=ns.auth())
    assert created.status_code == 204 and created.content == b""
    location = created.headers["location"]
    assert location.startswith(f"{ns.url}{RECORD}/workOrder/")
    assert ns.get(f"{RECORD}/workOrder/eid:mes-wo-8001").json()["id"] == location.rsplit("/", 1)[1]

    duplicate = ns.http.post(f"{RECORD}/workOrder", json={**body, "tranId": "WO8002"}, headers=ns.auth())
    assert duplicate.status_code == 400
    assert _detail(duplicate)["o:errorCode"] == "DUP_RCRD" and "externalId" in _detail(duplicate)["detail"]

    upsert = ns.http.put(f"{RECORD}/workOrder/eid:mes-wo-8001", json={"quantity": 5}, headers=ns.auth())
    assert upsert.status_code == 204 and upsert.headers["location"] == location
    assert ns.get(f"{RECORD}/workOrder/eid:mes-wo-8001").json()["quantity"] == 5
    fresh = ns.http.put(
        f"{RECORD}/workOrder/eid:mes-wo-8003", json={"assemblyItem": {"id": "501"}, "quantity": 1}, headers=ns.auth()
    )
    assert fresh.status_code == 204 and fresh.headers["location"] != location
    rows = ns.suiteql("SELECT externalid, tranid FROM transaction WHERE type = 'WorkOrd' AND externalid IS NOT NULL ORDER BY id")
    assert [r["externalid"] for r in rows.json()["items"]] == ["mes-wo-8001", "mes-wo-8003"]


def test_work_order_reference_by_external_id_and_bad_assembly(ns: Account) -> None:
    bad = ns.http.post(f"{RECORD}/workOrder", json={"assemblyItem": {"id": "502"}, "quantity": 1}, headers=ns.auth())
    assert bad.status_code == 400 and _detail(bad)["o:errorPath"] == "assemblyItem"
    unknown = ns.http.post(f"{RECORD}/workOrder", json={"assemblyItem": {"externalId": "nope"}, "quantity": 1}, headers=ns.auth())
    assert unknown.status_code == 400 and _detail(unknown)["o:errorCode"] == "INVALID_CONTENT"


# ---------------------------------------------------------------------------- transform


def test_completion_transform_happy_path(ns: Account) -> None:
    response = ns.transform(2001, WO1001_COMPLETION)
    assert response.status_code == 204 and response.content == b""
    location = response.headers["location"]
    assert location.startswith(f"{ns.url}{RECORD}/workOrderCompletion/")
    new_id = location.rsplit("/", 1)[1]

    by_id = ns.http.get(location, headers=ns.auth()).json()
    by_eid = ns.get(f"{RECORD}/workOrderCompletion/eid:ion-run-1001").json()
    assert by_id == by_eid and by_id["id"] == new_id
    assert by_id["externalId"] == "ion-run-1001" and by_id["tranDate"] == "2026-11-20"
    assert by_id["createdFrom"]["id"] == "2001" and by_id["item"]["id"] == "501" and by_id["quantity"] == 3
    assert by_id["component"] == {"links": [{"rel": "self", "href": f"{location}/component"}]}  # not expanded
    expanded = ns.get(f"{RECORD}/workOrderCompletion/{new_id}", expandSubResources="true").json()
    lines = expanded["component"]["items"]
    assert [(ln["item"]["id"], ln["quantity"], ln["componentInventoryDetail"]["location"]["id"]) for ln in lines] == [
        ("502", 2.4, "1"),
        ("502", 2.6, "2"),
        ("503", 3, "1"),
    ]

    dumped = ns.completions()
    assert len(dumped) == 1 and len(dumped[0]["component"]["items"]) == 3

    balances = ns.balances()
    assert balances[("ASSY-100", "1")] == pytest.approx(3)
    assert balances[("COMP-200", "1")] == pytest.approx(64.8)
    assert balances[("COMP-200", "2")] == pytest.approx(47.2)
    assert balances[("COMP-300", "1")] == pytest.approx(97)
    assert balances[("COMP-300", "2")] == pytest.approx(40)


def test_completion_of_serialized_assembly_with_lot_and_serial_components(ns: Account) -> None:
    response = ns.transform(2002, WO1002_COMPLETION)
    assert response.status_code == 204, response.text
    record = ns.get(f"{RECORD}/workOrderCompletion/eid:ion-run-1002", expandSubResources="true").json()
    assignments = record["inventoryDetail"]["inventoryAssignment"]["items"]
    assert [a["receiptInventoryNumber"] for a in assignments] == ["SN-0001"]
    lot = record["component"]["items"][0]["componentInventoryDetail"]["inventoryAssignment"]["items"]
    assert [(a["issueInventoryNumber"]["id"], a["issueInventoryNumber"]["refName"], a["quantity"]) for a in lot] == [
        ("801", "L-2211", 4)
    ]
    built = ns.suiteql("SELECT id FROM inventorynumber WHERE inventorynumber = ? AND item = ?", ["SN-0001", 504])
    assert len(built.json()["items"]) == 1  # the built serial is now an inventoryNumber
    balances = ns.balances()
    assert balances[("SAT-500", "2")] == pytest.approx(1)
    assert balances[("RES-10", "2")] == pytest.approx(96)
    assert balances[("MOD-20", "2")] == pytest.approx(4)
    assert balances[("GLUE-1", "2")] == pytest.approx(99.6)


def test_duplicate_completion_external_id_is_rejected_without_side_effects(ns: Account) -> None:
    assert ns.transform(2001, WO1001_COMPLETION).status_code == 204
    after_first = ns.balances()
    again = ns.transform(2004, {**WO1001_COMPLETION, "quantity": 1, "completedQuantity": 1})
    assert again.status_code == 400
    detail = _detail(again)
    assert detail["o:errorCode"] == "DUP_RCRD" and detail["o:errorPath"] == "externalId"
    assert "ion-run-1001" in detail["detail"] and "already exists" in detail["detail"]
    assert ns.balances() == after_first and len(ns.completions()) == 1


def _mutate(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = deepcopy(base)
    for path, value in changes.items():
        target: Any = body
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        if value is _DELETE:
            del target[last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return body


_DELETE = object()
_C = "component__items"


@pytest.mark.parametrize(
    ("wo", "body", "path"),
    [
        pytest.param(
            2001, _mutate(WO1001_COMPLETION, **{f"{_C}__0__item": {"id": "9999"}}), "component.items[0].item", id="unknown-item"
        ),
        pytest.param(
            2001,
            _mutate(WO1001_COMPLETION, **{f"{_C}__0__item": {"externalId": "nope"}}),
            "component.items[0].item",
            id="unknown-item-eid",
        ),
        pytest.param(2001, _mutate(WO1001_COMPLETION, location={"id": "77"}), "location", id="unknown-location"),
        pytest.param(
            2001,
            _mutate(WO1001_COMPLETION, **{f"{_C}__1__componentInventoryDetail__location": {"id": "13"}}),
            "component.items[1].componentInventoryDetail.location",
            id="unknown-line-location",
        ),
        pytest.param(2001, _mutate(WO1001_COMPLETION, quantity=0, completedQuantity=0), "quantity", id="zero-quantity"),
        pytest.param(
            2001, _mutate(WO1001_COMPLETION, quantity=-3, completedQuantity=_DELETE), "quantity", id="negative-quantity"
        ),
        pytest.param(
            2001, _mutate(WO1001_COMPLETION, quantity=_DELETE, completedQuantity=0), "completedQuantity", id="zero-completed"
        ),
        pytest.param(2001, _mutate(WO1001_COMPLETION, quantity=_DELETE, completedQuantity=_DELETE), "quantity", id="no-quantity"),
        pytest.param(
            2001,
            _mutate(WO1001_COMPLETION, **{f"{_C}__2__quantity": -1, f"{_C}__2__componentInventoryDetail__quantity": -1}),
            "component.items[2].quantity",
            id="negative-component",
        ),
        pytest.param(
            2002,
            _mutate(WO1002_COMPLETION, inventoryDetail=_DELETE),
            "inventoryDetail.inventoryAssignment",
            id="serial-assembly-no-serials",
        ),
        pytest.param(
            2002,
            _mutate(WO1002_COMPLETION, quantity=1.5, completedQuantity=1.5),
            "quantity",
            id="serial-assembly-fractional",
        ),
        pytest.param(
            2002,
            _mutate(WO1002_COMPLETION, **{f"{_C}__0__componentInventoryDetail__inventoryAssignment__items__0__quantity": 3}),
            "component.items[0].componentInventoryDetail.inventoryAssignment",
            id="lot-sum-mismatch",
        ),
        pytest.param(
            2002,
            _mutate(WO1002_COMPLETION, **{f"{_C}__0__componentInventoryDetail__inventoryAssignment": _DELETE}),
            "component.items[0].componentInventoryDetail.inventoryAssignment",
            id="lot-without-assignment",
        ),
        pytest.param(
            2002,
            _mutate(WO1002_COMPLETION, **{f"{_C}__1__quantity": 1.5, f"{_C}__1__componentInventoryDetail__quantity": 1.5}),
            "component.items[1].quantity",
            id="serial-component-fractional",
        ),
        pytest.param(
            2002,
            _mutate(
                WO1002_COMPLETION,
                **{f"{_C}__1__componentInventoryDetail__inventoryAssignment__items__0__issueInventoryNumber": _DELETE},
            ),
            "component.items[1].componentInventoryDetail.inventoryAssignment.items[0].issueInventoryNumber",
            id="serial-component-no-number",
        ),
        pytest.param(
            2002,
            _mutate(
                WO1002_COMPLETION,
                **{f"{_C}__1__componentInventoryDetail__inventoryAssignment__items__0__issueInventoryNumber": {"id": "801"}},
            ),
            "component.items[1].componentInventoryDetail.inventoryAssignment.items[0].issueInventoryNumber",
            id="serial-component-number-of-another-item",
        ),
        pytest.param(
            2002,
            _mutate(
                WO1002_COMPLETION,
                **{
                    f"{_C}__0__componentInventoryDetail__inventoryAssignment__items__0": {
                        "receiptInventoryNumber": "L-2211",
                        "quantity": 4,
                    }
                },
            ),
            "component.items[0].componentInventoryDetail.inventoryAssignment.items[0].receiptInventoryNumber",
            id="consumed-lot-as-new-receipt-number",
        ),
        pytest.param(
            2001,
            _mutate(
                WO1001_COMPLETION,
                inventoryDetail={"inventoryAssignment": {"items": [{"receiptInventoryNumber": "X", "quantity": 3}]}},
            ),
            "inventoryDetail.inventoryAssignment",
            id="numbers-on-untracked-assembly",
        ),
        pytest.param(2001, _mutate(WO1001_COMPLETION, item={"id": "504"}), "item", id="wrong-assembly"),
        pytest.param(2001, _mutate(WO1001_COMPLETION, tranDate="20/11/2026"), "tranDate", id="bad-date"),
        pytest.param(2001, _mutate(WO1001_COMPLETION, externalId="ion run/1001"), "externalId", id="bad-external-id"),
        pytest.param(2001, _mutate(WO1001_COMPLETION, quantity="3"), "quantity", id="quantity-not-a-number"),
    ],
)
def test_completion_validation_errors(ns: Account, wo: int, body: dict[str, Any], path: str) -> None:
    response = ns.transform(wo, body)
    assert response.status_code == 400, response.text
    detail = _detail(response)
    assert detail["o:errorCode"] == "INVALID_CONTENT"
    assert detail["o:errorPath"] == path
    assert ns.completions() == []
    assert ns.balances() == SEED_BALANCES


def test_unknown_reference_uses_oracles_wording(ns: Account) -> None:
    response = ns.transform(2001, _mutate(WO1001_COMPLETION, **{f"{_C}__0__item": {"id": "9999"}}))
    assert _detail(response)["detail"] == (
        "Error while accessing resource: You have entered an Invalid Field Value 9999 for the following field: item"
    )
    assert response.json()["type"] == "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1"


def test_zero_component_line_and_default_location_are_legal(ns: Account) -> None:
    body = {
        "externalId": "ion-run-1009",
        "quantity": 2,
        "component": {
            "items": [
                {"item": {"id": "503"}, "quantity": 1.5, "componentInventoryDetail": {"location": {"id": "1"}}},
                {"item": {"id": "509"}, "quantity": 0},
            ]
        },
    }
    assert ns.transform(2009, body).status_code == 204
    balances = ns.balances()
    assert balances[("ASSY-100", "1")] == pytest.approx(2)  # the work order's location
    assert balances[("COMP-300", "1")] == pytest.approx(98.5)
    assert balances[("GLUE-1", "1")] == pytest.approx(12)


def test_closed_work_order_cannot_be_completed(ns: Account) -> None:
    closed = ns.http.post(f"{RECORD}/workOrder/2004/!transform/workOrderClose", json={}, headers=ns.auth())
    assert closed.status_code == 204 and "/workOrderClose/" in closed.headers["location"]
    assert ns.get(f"{RECORD}/workOrder/2004").json()["status"]["id"] == "H"
    response = ns.transform(2004, {"externalId": "ion-run-1004", "quantity": 1})
    assert response.status_code == 400
    assert _detail(response)["o:errorCode"] == "INVALID_CONTENT" and _detail(response)["o:errorPath"] == "createdFrom"
    patched = ns.http.patch(f"{RECORD}/workOrder/2005", json={"status": {"id": "H"}}, headers=ns.auth())
    assert patched.status_code == 204
    assert ns.transform(2005, {"quantity": 1}).status_code == 400
    assert ns.completions() == []


def test_completions_only_come_from_a_transform(ns: Account) -> None:
    direct = ns.http.post(f"{RECORD}/workOrderCompletion", json=WO1001_COMPLETION, headers=ns.auth())
    assert direct.status_code == 400 and _detail(direct)["o:errorCode"] == "USER_ERROR"
    missing = ns.transform(9999, WO1001_COMPLETION)
    assert missing.status_code == 404 and missing.json() == NONEXISTENT_BODY
    assert ns.completions() == []


def test_property_name_validation(ns: Account) -> None:
    body = {**WO1001_COMPLETION, "bogusField": 1}
    strict = ns.transform(2001, body, headers={"X-NetSuite-PropertyNameValidation": "Error"})
    assert strict.status_code == 400
    assert _detail(strict)["o:errorCode"] == "NONEXISTENT_FIELD" and _detail(strict)["o:errorPath"] == "bogusField"
    lenient = ns.transform(2001, body)  # default: warning, returned in a response header
    assert lenient.status_code == 204 and "bogusField" in lenient.headers["X-NetSuite-Warning"]
    lower = {"externalid": "ion-run-1003", "trandate": "2026-11-20", "quantity": 2, "location": {"id": "1"}}
    assert ns.transform(2003, lower, headers={"X-NetSuite-PropertyNameValidation": "error"}).status_code == 204
    assert ns.get(f"{RECORD}/workOrderCompletion/eid:ion-run-1003").json()["tranDate"] == "2026-11-20"


# ---------------------------------------------------------------------------- SuiteQL


def test_suiteql_requires_prefer_transient(ns: Account) -> None:
    response = ns.suiteql("SELECT id FROM location", prefer=None)
    assert response.status_code == 400 and _detail(response)["o:errorHeader"] == "Prefer"
    assert ns.suiteql("SELECT id FROM location", prefer="transient").status_code == 200


def test_suiteql_client_queries_with_params_and_string_numbers(ns: Account) -> None:
    response = ns.suiteql(
        "SELECT t.id, t.tranid, t.status, tl.item, tl.quantity FROM transaction t "
        "JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'T' "
        "WHERE t.type = 'WorkOrd' AND t.tranid IN (?, ?, ?) ORDER BY t.id",
        ["WO1001", "WO1002", "WO9999"],
    )
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == [
        {"links": [], "id": "2001", "tranid": "WO1001", "status": "B", "item": "501", "quantity": "3"},
        {"links": [], "id": "2002", "tranid": "WO1002", "status": "B", "item": "504", "quantity": "1"},
    ]
    assert (body["count"], body["hasMore"], body["offset"], body["totalResults"]) == (2, False, 0, 2)
    items = ns.suiteql("SELECT id, itemid FROM item WHERE itemid IN (?, ?)", ["BRACKET-0007", "PROTO-9"]).json()["items"]
    assert items == [{"links": [], "id": "507", "itemid": "BRACKET-0007"}]
    locations = ns.suiteql("SELECT id, name FROM location").json()["items"]
    assert {(r["id"], r["name"]) for r in locations} == {("1", "Hawthorne"), ("2", "Long Beach")}
    balances = ns.suiteql("SELECT item, location, quantityonhand FROM inventorybalance").json()["items"]
    assert {"links": [], "item": "509", "location": "2", "quantityonhand": "99.95"} in balances


def test_suiteql_omits_null_columns(ns: Account) -> None:
    item = ns.suiteql("SELECT id, externalid, tranid FROM transaction WHERE id = ?", [2001]).json()["items"][0]
    assert item == {"links": [], "id": "2001", "tranid": "WO1001"}


def test_suiteql_paging(ns: Account) -> None:
    q = "SELECT id FROM transaction ORDER BY id"
    first = ns.suiteql(q, limit=3).json()
    assert [i["id"] for i in first["items"]] == ["2001", "2002", "2003"]
    assert (first["count"], first["hasMore"], first["totalResults"]) == (3, True, 8)
    assert {link["rel"] for link in first["links"]} >= {"next", "self"}
    last = ns.suiteql(q, limit=3, offset=6).json()
    assert [i["id"] for i in last["items"]] == ["2007", "2009"] and last["hasMore"] is False
    for query in ({"limit": 3, "offset": 4}, {"limit": 1001}):
        response = ns.suiteql(q, **query)
        assert response.status_code == 400 and _detail(response)["o:errorCode"] == "INVALID_PARAMETER"


def test_suiteql_is_read_only_and_limited_to_netsuite_tables(ns: Account) -> None:
    for q in (
        "DELETE FROM item",
        "UPDATE item SET itemid = 'x'",
        "SELECT * FROM sim_record",
        "SELECT name FROM sqlite_master",
        "SELECT 1; DELETE FROM item",
        "SELECT nosuchcolumn FROM item",
        "SELECT * FROM subsidiary",
    ):
        response = ns.suiteql(q)
        assert response.status_code == 400, q
        assert _detail(response)["o:errorCode"] == "INVALID_PARAMETER"
    assert _detail(ns.suiteql("SELECT * FROM subsidiary"))["detail"].endswith("Record 'subsidiary' was not found.")
    assert len(ns.suiteql("SELECT id FROM item").json()["items"]) == 8


def test_suiteql_sees_completions_and_their_lines(ns: Account) -> None:
    assert ns.transform(2001, WO1001_COMPLETION).status_code == 204
    found = ns.suiteql(
        "SELECT id, externalid, tranid FROM transaction WHERE type = 'WOCompl' AND externalid IN (?, ?)",
        ["ion-run-1001", "ion-run-1002"],
    ).json()["items"]
    assert len(found) == 1 and found[0]["externalid"] == "ion-run-1001"
    lines = ns.suiteql(
        "SELECT mainline, item, quantity, location FROM transactionline WHERE transaction = ? ORDER BY linesequencenumber",
        [found[0]["id"]],
    ).json()["items"]
    assert [(r["mainline"], r["item"], r["quantity"], r["location"]) for r in lines] == [
        ("T", "501", "3", "1"),
        ("F", "502", "2.4", "1"),
        ("F", "502", "2.6", "2"),
        ("F", "503", "3", "1"),
    ]
    on_hand = {
        (r["item"], r["location"]): r["quantityonhand"]
        for r in ns.suiteql("SELECT item, location, quantityonhand FROM inventorybalance").json()["items"]
    }
    assert on_hand[("502", "1")] == "64.8" and on_hand[("501", "1")] == "3"


def test_suiteql_native_numbers_when_configured(keypair: tuple[ec.EllipticCurvePrivateKey, str]) -> None:
    running = start(create_app(NetSuiteSimConfig(oauth2_public_key_pem=keypair[1], suiteql_numbers_as_strings=False)))
    try:
        account = Account(running, keypair[0])
        item = account.suiteql("SELECT item, quantityonhand FROM inventorybalance WHERE item = 509 AND location = 2").json()
        assert item["items"] == [{"links": [], "item": 509, "quantityonhand": 99.95}]
    finally:
        running.stop()


# ---------------------------------------------------------------------------- admin


def test_admin_bulk_work_orders_reset_and_stats(ns: Account) -> None:
    seeded = ns.http.post("/_sandbox/seed/bulk-work-orders", json={"count": 12}).json()
    assert seeded["work_orders_created"] == 12 and seeded["items_created"] == 20
    again = ns.http.post("/_sandbox/seed/bulk-work-orders", json={"count": 15}).json()
    assert again["work_orders_created"] == 3 and again["items_created"] == 0
    rows = ns.suiteql(
        "SELECT t.tranid, t.status, tl.item, tl.quantity, tl.location FROM transaction t "
        "JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'T' WHERE t.tranid LIKE 'WO-B%' ORDER BY t.tranid"
    ).json()["items"]
    assert [r["tranid"] for r in rows][:2] == ["WO-B000001", "WO-B000002"] and len(rows) == 15
    assert [r["quantity"] for r in rows[:6]] == ["1", "2", "3", "4", "5", "1"]
    assert {(r["status"], r["item"], r["location"]) for r in rows} == {("B", "501", "1")}
    bulk_items = ns.suiteql("SELECT itemid FROM item WHERE itemid LIKE 'BULK-C%' ORDER BY itemid").json()["items"]
    assert [r["itemid"] for r in bulk_items] == [f"BULK-C{n:02d}" for n in range(1, 21)]

    stats = ns.http.get("/_sandbox/stats").json()
    assert stats["tokens_issued"] >= 1 and stats["requests"] >= 1 and "suiteql" in stats["timings_ms"]
    assert ns.http.post("/_sandbox/stats/reset").json()["requests"] == 0

    assert ns.http.post("/_sandbox/reset").status_code == 200
    assert ns.suiteql("SELECT COUNT(id) AS n FROM transaction").json()["items"][0]["n"] == "8"
    assert ns.http.get("/_sandbox/records/workOrder").json()["totalResults"] == 8
    assert ns.http.get("/_sandbox/records/nosuchtype").status_code == 404


def test_completion_without_replace_keeps_the_prefilled_bom_lines(ns: Account) -> None:
    """A transform starts pre-filled from the work order (netsuite.md §1.3, §1.5); without
    `?replace=component` the body's lines are added to the BOM's (Oracle, "Replacing a Sublist")."""
    body = {"externalId": "no-replace", "quantity": 1, "component": {"items": []}}
    assert ns.transform(2004, body, replace=None).status_code == 204
    assert ns.transform(2005, {**body, "externalId": "replaced"}).status_code == 204
    lines = {
        eid: [
            (ln["item"]["id"], ln["quantity"])
            for ln in ns.get(f"{RECORD}/workOrderCompletion/eid:{eid}", expandSubResources="true")
            .json()
            .get("component", {})
            .get("items", [])
        ]
        for eid in ("no-replace", "replaced")
    }
    assert lines == {"no-replace": [("502", 2.0), ("503", 1.0)], "replaced": []}
    assert ns.balances()[("COMP-200", "1")] == pytest.approx(SEED_BALANCES[("COMP-200", "1")] - 2)


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("SELECT tl.orderline FROM transactionline tl", "Field 'orderline' for record 'transactionLine' was not found."),
        ("SELECT createdfrom FROM transaction", "Field 'createdfrom' for record 'transaction' was not found."),
        ("SELECT id FROM subsidiary", "Record 'subsidiary' was not found."),
        ("SELECT body FROM sim_record", "Record 'sim_record' was not found."),
    ],
)
def test_suiteql_serves_only_the_documented_catalog(ns: Account, query: str, detail: str) -> None:
    response = ns.suiteql(query)
    assert response.status_code == 400
    assert _detail(response)["detail"] == (
        f"Invalid search query. Detailed unprocessed description follows. Search error occurred: {detail}"
    )
