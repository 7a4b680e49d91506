"""The QuickBooks Online simulator against quickbooks.md: OAuth and rotation, the 401 body,
the query language, entity rules and SyncToken, requestid replay, batch, throttling, faults."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.quickbooks import QuickBooksSimConfig, create_app
from sandbox.server import serving
from tests.http import HTTP

CONFIG = QuickBooksSimConfig()
REALM = CONFIG.realm_id
BASIC = "Basic " + base64.b64encode(f"{CONFIG.client_id}:{CONFIG.client_secret}".encode()).decode()


class Qbo:
    def __init__(self, url: str) -> None:
        self.url = url
        self.token = ""

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        response = HTTP.request(method, f"{self.url}/_sandbox/{path}", json=json)
        response.raise_for_status()
        return response.json()

    def refresh(self, token: str, auth: str = BASIC) -> httpx.Response:
        return HTTP.post(
            f"{self.url}/oauth2/v1/tokens/bearer",
            data={"grant_type": "refresh_token", "refresh_token": token},
            headers={"Authorization": auth, "Accept": "application/json"},
        )

    def login(self) -> None:
        self.token = self.refresh(CONFIG.initial_refresh_token).json()["access_token"]

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json", **kwargs.pop("headers", {})}
        return HTTP.request(method, f"{self.url}/v3/company/{REALM}/{path}", headers=headers, **kwargs)

    def query(self, text: str) -> httpx.Response:
        return self.api("GET", "query", params={"query": text})

    def create(self, entity: str, body: dict[str, Any], **params: str) -> httpx.Response:
        return self.api("POST", entity.lower(), json=body, params=params)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(create_app(CONFIG)) as running:
        yield running.url


@pytest.fixture
def qbo(server: str) -> Qbo:
    client = Qbo(server)
    client.admin("POST", "reset")
    client.admin("PUT", "faults", {})
    client.admin(
        "PUT",
        "config",
        {
            "rotation": "sticky_24h",
            "purchase_orders_enabled": True,
            "class_tracking_per_line": True,
            "inventory_tracking": True,
            "sparse_line_merge": False,
        },
    )
    client.admin(
        "PUT", "limits", {"requests_per_minute": 100_000, "requests_per_second": 10_000, "batch_requests_per_minute": 1000}
    )
    client.login()
    return client


def fault(response: httpx.Response) -> tuple[int, str, str]:
    error = response.json()["Fault"]["Error"][0]
    return response.status_code, error["code"], error["Detail"]


def po_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "DocNumber": "ION-7",
        "VendorRef": {"value": "1"},
        "APAccountRef": {"value": "1"},
        "Line": [
            {
                "DetailType": "ItemBasedExpenseLineDetail",
                "Amount": 250.0,
                "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "1"}, "Qty": 100, "UnitPrice": 2.5},
            },
            {
                "DetailType": "AccountBasedExpenseLineDetail",
                "Amount": 25.0,
                "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "5"}, "ClassRef": {"value": "5000000000000007280"}},
            },
        ],
    }
    return {**body, **overrides}


# -- OAuth (A2) ------------------------------------------------------------------------------


def test_sticky_rotation_keeps_the_token_for_a_day_then_rotates_with_a_grace_period(qbo):
    first = qbo.refresh(CONFIG.initial_refresh_token).json()
    assert first["refresh_token"] == CONFIG.initial_refresh_token and first["expires_in"] == 3600
    assert first["token_type"] == "bearer" and first["x_refresh_token_expires_in"] > 8_000_000
    qbo.admin("POST", "oauth/clock", {"advance_seconds": 86_400})
    rotated = qbo.refresh(CONFIG.initial_refresh_token).json()["refresh_token"]
    assert rotated != CONFIG.initial_refresh_token
    assert qbo.refresh(CONFIG.initial_refresh_token).json()["refresh_token"] == rotated  # grace: the newest comes back
    qbo.admin("POST", "oauth/clock", {"advance_seconds": 86_401})
    dead = qbo.refresh(CONFIG.initial_refresh_token)
    assert dead.status_code == 400 and dead.json() == {"error_description": "Token invalid", "error": "invalid_grant"}
    assert qbo.refresh(rotated).status_code == 200


def test_strict_rotation_kills_the_old_token_at_once_and_bad_clients_are_401(qbo):
    qbo.admin("PUT", "config", {"rotation": "strict"})
    new = qbo.refresh(CONFIG.initial_refresh_token).json()["refresh_token"]
    assert new != CONFIG.initial_refresh_token
    assert qbo.refresh(CONFIG.initial_refresh_token).json()["error"] == "invalid_grant"
    bad = qbo.refresh(new, auth="Basic " + base64.b64encode(b"someone:else").decode())
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    code = qbo.admin("POST", "oauth/connect")["code"]
    reconnect = HTTP.post(
        f"{qbo.url}/oauth2/v1/tokens/bearer",
        data={"grant_type": "authorization_code", "code": code},
        headers={"Authorization": BASIC},
    )
    assert reconnect.status_code == 200 and reconnect.json()["refresh_token"] not in (new, CONFIG.initial_refresh_token)


def test_expired_or_missing_access_token_is_the_lower_case_401(qbo):
    qbo.admin("POST", "oauth/clock", {"advance_seconds": 3601})
    expired = qbo.query("SELECT * FROM Vendor")
    body = expired.json()
    assert expired.status_code == 401 and body["fault"]["type"] == "AUTHENTICATION"
    assert body["fault"]["error"][0]["code"] == "3200" and body["fault"]["error"][0]["detail"].startswith("Token expired")
    qbo.token = "x"
    assert qbo.query("SELECT * FROM Vendor").json()["fault"]["error"][0]["detail"].startswith("Malformed bearer token")


# -- queries (A10) ---------------------------------------------------------------------------


def test_queries_escape_quotes_page_count_and_hide_inactive(qbo):
    assert qbo.create("Vendor", {"DisplayName": "Adam's Candy Shop"}).status_code == 200
    found = qbo.query(r"SELECT * FROM Vendor WHERE DisplayName = 'Adam\'s Candy Shop'").json()["QueryResponse"]
    assert [v["DisplayName"] for v in found["Vendor"]] == ["Adam's Candy Shop"]
    status, code, _ = fault(qbo.query("SELECT * FROM Vendor WHERE DisplayName = 'Adam's Candy Shop'"))
    assert (status, code) == (400, "4000")
    assert fault(qbo.query("SELECT * FROM Account STARTPOSITION 0"))[1] == "4001"
    assert fault(qbo.query("SELECT * FROM Account WHERE Name = 'a' OR Name = 'b'"))[1] == "4000"
    accounts = qbo.query("SELECT * FROM Account ORDERBY Name STARTPOSITION 2 MAXRESULTS 3").json()["QueryResponse"]
    assert accounts["startPosition"] == 2 and len(accounts["Account"]) == 3
    names = [a["Name"] for a in qbo.query("SELECT * FROM Account").json()["QueryResponse"]["Account"]]
    assert "Travel" not in names and len(names) == 8  # inactive hidden
    everything = qbo.query("SELECT count(*) FROM Account WHERE Active IN (true, false)").json()["QueryResponse"]
    assert everything == {"totalCount": 9}
    posted = qbo.api(
        "POST", "query", content=b"SELECT * FROM Account WHERE Name LIKE 'Inv%'", headers={"Content-Type": "application/text"}
    ).json()["QueryResponse"]
    assert [a["Name"] for a in posted["Account"]] == ["Inventory Asset"]
    assert qbo.query("SELECT * FROM Class WHERE Name = 'Nope'").json()["QueryResponse"] == {"startPosition": 1, "maxResults": 0}
    assert qbo.query("SELECT * FROM Item WHERE Name IN ('COMP-200 Rev A', 'x')").json()["QueryResponse"]["Item"][0]["Id"] == "1"


# -- entities (A4, A7-A9) --------------------------------------------------------------------


def test_purchase_order_rules_and_computed_total(qbo):
    created = qbo.create("PurchaseOrder", po_body(CurrencyRef={"value": "EUR"})).json()["PurchaseOrder"]
    assert created["TotalAmt"] == 275.0 and created["SyncToken"] == "0" and created["POStatus"] == "Open"
    assert [line["Id"] for line in created["Line"]] == ["1", "2"] and created["domain"] == "QBO"
    assert fault(qbo.create("PurchaseOrder", po_body()))[1] == "6140"
    assert qbo.create("PurchaseOrder", po_body(), include="allowduplicatedocnum").status_code == 200
    assert fault(qbo.create("PurchaseOrder", po_body(DocNumber="x" * 22)))[1] == "2050"
    assert fault(qbo.create("PurchaseOrder", po_body(DocNumber="A", VendorRef=None)))[1] == "2020"
    assert fault(qbo.create("PurchaseOrder", po_body(DocNumber="B", APAccountRef={"value": "8"})))[1] == "6000"
    assert fault(qbo.create("PurchaseOrder", po_body(DocNumber="C", Line=[])))[1] == "2020"
    assert fault(qbo.create("PurchaseOrder", po_body(DocNumber="D", VendorRef={"value": "99"})))[1] == "2500"
    bad_amount = po_body(DocNumber="E")
    bad_amount["Line"][0]["Amount"] = 251
    assert fault(qbo.create("PurchaseOrder", bad_amount))[1] == "6070"
    inactive = po_body(DocNumber="F")
    inactive["Line"][1]["AccountBasedExpenseLineDetail"]["AccountRef"] = {"value": "9"}  # Travel, inactive
    assert fault(qbo.create("PurchaseOrder", inactive))[1] == "610"
    assert fault(qbo.create("PurchaseOrder", po_body(DocNumber="G", CurrencyRef={"value": "JPY"})))[1] == "2500"
    assert fault(qbo.create("PurchaseOrder", po_body(DocNumber="I", Memo="m" * 4001)))[1] == "2050"
    qbo.admin("PUT", "config", {"class_tracking_per_line": False})
    assert fault(qbo.create("PurchaseOrder", po_body(DocNumber="H")))[1] == "6000"
    qbo.admin("PUT", "config", {"purchase_orders_enabled": False})
    assert fault(qbo.query("SELECT count(*) FROM PurchaseOrder"))[1] == "5020"


def test_updates_need_the_current_sync_token(qbo):
    created = qbo.create("PurchaseOrder", po_body()).json()["PurchaseOrder"]
    update = {**po_body(Memo="changed"), "Id": created["Id"], "SyncToken": "0"}
    first = qbo.create("PurchaseOrder", update).json()["PurchaseOrder"]
    assert first["SyncToken"] == "1" and first["Memo"] == "changed"
    status, code, detail = fault(qbo.create("PurchaseOrder", update))
    assert (status, code) == (400, "5010") and detail.startswith("Stale Object Error")
    full = qbo.create("PurchaseOrder", {**po_body(), "Id": created["Id"], "SyncToken": "1"}).json()["PurchaseOrder"]
    assert "Memo" not in full  # a full update drops writable fields left out
    sparse = qbo.create("PurchaseOrder", {"Id": created["Id"], "SyncToken": "2", "sparse": True, "Memo": "m"}).json()
    assert sparse["PurchaseOrder"]["Memo"] == "m" and len(sparse["PurchaseOrder"]["Line"]) == 2
    assert qbo.api("GET", f"purchaseorder/{created['Id']}").json()["PurchaseOrder"]["SyncToken"] == "3"


def test_a_line_array_replaces_the_lines_and_a_line_without_a_known_id_is_new(qbo):
    """A4 full vs sparse; A7 Line.Id; the Line array replaces the list ([SEC], CONTRACT.md)."""
    created = qbo.create("PurchaseOrder", po_body(DueDate="2026-12-24")).json()["PurchaseOrder"]
    item_line, account_line = created["Line"]
    linked = {**item_line, "LinkedTxn": [{"TxnId": "900", "TxnType": "Bill"}]}
    sparse = {
        "Id": created["Id"],
        "SyncToken": "0",
        "sparse": True,
        "Line": [linked, {**account_line, "Id": "77"}],
    }  # an unknown Id: a new line
    after = qbo.create("PurchaseOrder", sparse).json()["PurchaseOrder"]
    assert after["DueDate"] == "2026-12-24"  # sparse: fields not sent stay
    assert [line["Id"] for line in after["Line"]] == ["1", "3"] and after["Line"][0]["LinkedTxn"] == linked["LinkedTxn"]
    dropped = {"Id": created["Id"], "SyncToken": "1", "sparse": True, "Line": [after["Line"][1]]}
    after = qbo.create("PurchaseOrder", dropped).json()["PurchaseOrder"]
    assert [line["Id"] for line in after["Line"]] == ["3"] and after["TotalAmt"] == 25.0  # lines left out are gone
    bare = {k: v for k, v in item_line.items() if k != "Id"}
    full = {**po_body(), "Id": created["Id"], "SyncToken": "2", "Line": [bare, after["Line"][0]]}
    after = qbo.create("PurchaseOrder", full).json()["PurchaseOrder"]
    assert "DueDate" not in after  # full update: omitted writable fields are nulled (A4)
    assert [line["Id"] for line in after["Line"]] == ["4", "3"] and "LinkedTxn" not in after["Line"][0]
    trimmed = {"Id": created["Id"], "SyncToken": "3", "sparse": True, "Line": [{**after["Line"][1], "Description": "x"}]}
    del trimmed["Line"][0]["AccountBasedExpenseLineDetail"]["ClassRef"]
    qbo.admin("PUT", "config", {"sparse_line_merge": True})  # INFERENCE switch: omitted line fields kept
    merged = qbo.create("PurchaseOrder", trimmed).json()["PurchaseOrder"]["Line"][0]
    qbo.admin("PUT", "config", {"sparse_line_merge": False})
    assert merged["Description"] == "x" and merged["AccountBasedExpenseLineDetail"]["AccountRef"] == {"value": "5"}


def test_company_info_minor_version_and_inventory_preference(qbo):
    info = qbo.api("GET", f"companyinfo/{REALM}").json()["CompanyInfo"]
    assert info["Id"] == REALM and info["CompanyName"]
    wrong = HTTP.get(f"{qbo.url}/v3/company/1/companyinfo/1", headers={"Authorization": f"Bearer {qbo.token}"})
    assert fault(wrong)[:2] == (403, "3100")
    assert qbo.api("GET", "preferences", params={"minorversion": "12"}).status_code == 200  # below 75: ignored
    assert fault(qbo.api("GET", "preferences", params={"minorversion": "76"}))[1] == "500"  # INFERENCE: newer refused
    qbo.admin("PUT", "config", {"inventory_tracking": False})
    prefs = qbo.api("GET", "preferences").json()["Preferences"]
    assert prefs["ProductAndServicesPrefs"]["QuantityOnHand"] is False
    item = {
        "Name": "NEW Rev A",
        "Type": "Inventory",
        "QtyOnHand": 0,
        "InvStartDate": "2026-01-01",
        "IncomeAccountRef": {"value": "2"},
        "AssetAccountRef": {"value": "3"},
        "ExpenseAccountRef": {"value": "4"},
    }
    assert fault(qbo.create("Item", item))[1] == "6000"
    qbo.admin("PUT", "config", {"inventory_tracking": True})


def test_inventory_items_need_their_accounts_and_unique_names(qbo):
    item = {
        "Name": "820412-001 Rev B",
        "Type": "Inventory",
        "QtyOnHand": 0,
        "InvStartDate": "2026-01-01",
        "IncomeAccountRef": {"value": "2"},
        "AssetAccountRef": {"value": "3"},
        "ExpenseAccountRef": {"value": "4"},
    }
    assert qbo.create("Item", item).json()["Item"]["TrackQtyOnHand"] is True
    assert fault(qbo.create("Item", item))[1] == "6240"
    assert fault(qbo.create("Item", {**item, "Name": "x", "AssetAccountRef": None}))[1] == "2020"
    assert fault(qbo.create("Item", {**item, "Name": "y", "InvStartDate": None}))[1] == "2020"
    assert fault(qbo.create("Item", {**item, "Name": "z", "ExpenseAccountRef": {"value": "5"}}))[1] == "6000"
    assert fault(qbo.create("Item", {**item, "Name": "a:b"}))[1] == "6000"
    assert fault(qbo.create("Vendor", {"DisplayName": "Acme Metals"}))[1] == "6240"


# -- requestid (A3), batch (A11), throttling (A5), faults ----------------------------------


def test_requestid_replays_the_first_answer(qbo):
    first = qbo.create("PurchaseOrder", po_body(), requestid="req-1")
    again = qbo.create("PurchaseOrder", po_body(), requestid="req-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert qbo.query("SELECT count(*) FROM PurchaseOrder").json()["QueryResponse"]["totalCount"] == 1
    assert fault(qbo.create("PurchaseOrder", po_body(), requestid="x" * 51))[1] == "6000"
    assert qbo.admin("GET", "stats")["requestid_replays"] == 1


def test_dropped_after_commit_is_recovered_by_replaying_the_requestid(qbo):
    qbo.admin("PUT", "faults", {"drop_after_commit_rate": 1.0})
    with pytest.raises(httpx.HTTPError):
        qbo.create("PurchaseOrder", po_body(), requestid="req-drop")
    qbo.admin("PUT", "faults", {})
    replay = qbo.create("PurchaseOrder", po_body(), requestid="req-drop")
    assert replay.status_code == 200
    assert qbo.admin("GET", "entities/PurchaseOrder")["count"] == 1
    qbo.admin("PUT", "faults", {"script": [503]})
    assert fault(qbo.query("SELECT * FROM Vendor"))[:2] == (503, "10000")


def test_batch_answers_each_item_and_caps_at_thirty(qbo):
    items = [
        {"bId": "1", "operation": "create", "Vendor": {"DisplayName": "Smith Family Store"}},
        {"bId": "2", "operation": "create", "Vendor": {"DisplayName": "Acme Metals"}},
        {"bId": "3", "Query": "select * from Class"},
        {"bId": "4", "operation": "update", "Class": {"Id": "5000000000000007280", "SyncToken": "7", "Name": "X"}},
    ]
    answer = qbo.api("POST", "batch", json={"BatchItemRequest": items}).json()["BatchItemResponse"]
    by_bid = {item["bId"]: item for item in answer}
    assert by_bid["1"]["Vendor"]["DisplayName"] == "Smith Family Store"
    assert by_bid["2"]["Fault"]["Error"][0]["code"] == "6240"
    assert len(by_bid["3"]["QueryResponse"]["Class"]) == 2
    assert by_bid["4"]["Fault"]["Error"][0]["code"] == "5010"
    too_many = [{"bId": str(i), "Query": "select * from Class"} for i in range(31)]
    assert fault(qbo.api("POST", "batch", json={"BatchItemRequest": too_many}))[1] == "1040"
    assert fault(qbo.api("POST", "batch", json={"BatchItemRequest": items[:1]}, params={"requestid": "r" * 37}))[1] == "6000"


def test_over_budget_is_429_with_the_xml_body(qbo):
    qbo.admin("PUT", "limits", {"requests_per_second": 3, "batch_requests_per_minute": 1})
    answers = [qbo.query("SELECT * FROM Class") for _ in range(8)]
    throttled = [a for a in answers if a.status_code == 429]
    assert throttled and throttled[0].headers["content-type"].startswith("application/xml")
    assert '<Error code="3001">' in throttled[0].text and "ThrottleExceeded" in throttled[0].text
    qbo.admin("PUT", "limits", {"requests_per_second": 10})
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Class"}]}
    assert qbo.api("POST", "batch", json=batch).status_code == 200
    assert qbo.api("POST", "batch", json=batch).status_code == 429
    assert qbo.admin("GET", "stats")["throttled"] >= 2
