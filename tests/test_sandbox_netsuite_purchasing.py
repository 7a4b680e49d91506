"""The NetSuite simulator's purchasing loop against its contract (sandbox/README.md "NetSuite
purchasing", shared/reference/netsuite.md §1.3, §1.5, §1.6, §1.9, §2 item 5), over real HTTP:
purchase orders, the itemReceipt transform (pre-filled open lines, itemReceive, orderLine,
over-receipt, closed lines, lot/serial numbers, duplicate externalId, PO status), vendor bills,
timeBill create/correct/upsert, vendors/employees, and SuiteQL over the new tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from sandbox.netsuite import NetSuiteSimConfig, create_app
from sandbox.server import RunningServer, start
from tests.test_sandbox_netsuite import RECORD, Account, _keypair

PO5001, PO5002, PO5003, PO5004 = 1501, 1502, 1503, 1504


class Purchasing(Account):
    """Account plus the purchasing calls."""

    def receive(self, po: int | str, body: Any, **params: Any) -> httpx.Response:
        return self.http.post(
            f"{RECORD}/purchaseOrder/{po}/!transform/itemReceipt", params=params or None, json=body, headers=self.auth()
        )

    def bill(self, po: int | str, body: Any) -> httpx.Response:
        return self.http.post(f"{RECORD}/purchaseOrder/{po}/!transform/vendorBill", json=body, headers=self.auth())

    def post(self, rtype: str, body: Any) -> httpx.Response:
        return self.http.post(f"{RECORD}/{rtype}", json=body, headers=self.auth())

    def patch(self, rtype: str, rid: int | str, body: Any, **params: Any) -> httpx.Response:
        return self.http.patch(f"{RECORD}/{rtype}/{rid}", params=params or None, json=body, headers=self.auth())

    def put(self, rtype: str, rid: str, body: Any) -> httpx.Response:
        return self.http.put(f"{RECORD}/{rtype}/{rid}", json=body, headers=self.auth())

    def record(self, rtype: str, rid: int | str) -> dict[str, Any]:
        response = self.get(f"{RECORD}/{rtype}/{rid}", expandSubResources="true")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def po_lines(self, po: int) -> dict[int, dict[str, Any]]:
        return {ln["line"]: ln for ln in self.record("purchaseOrder", po)["item"]["items"]}

    def status(self, po: int) -> str:
        return self.record("purchaseOrder", po)["status"]["id"]  # type: ignore[no-any-return]

    def rows(self, q: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        response = self.suiteql(q, params)
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def keypair() -> tuple[ec.EllipticCurvePrivateKey, str]:
    return _keypair()


@pytest.fixture(scope="module")
def server(keypair: tuple[ec.EllipticCurvePrivateKey, str]) -> Iterator[RunningServer]:
    running = start(create_app(NetSuiteSimConfig(oauth2_public_key_pem=keypair[1], seed_purchasing=True)))
    yield running
    running.stop()


@pytest.fixture
def ns(server: RunningServer, keypair: tuple[ec.EllipticCurvePrivateKey, str]) -> Iterator[Purchasing]:
    account = Purchasing(server, keypair[0])
    assert account.http.post("/_sandbox/reset").status_code == 200
    yield account
    account.http.close()


def _error(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    return body["o:errorDetails"][0]  # type: ignore[no-any-return]


def _new_id(response: httpx.Response) -> int:
    assert response.status_code == 204, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _line(order_line: int, quantity: float | None = None, receive: bool = True, **extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"orderLine": order_line, "itemReceive": receive, **extra}
    if quantity is not None:
        line["quantity"] = quantity
    return line


# ---------------------------------------------------------------------------- demo data, reads


def test_demo_purchase_orders_vendors_and_employees(ns: Purchasing) -> None:
    po = ns.record("purchaseOrder", PO5001)
    assert po["tranId"] == "PO5001" and po["status"] == {"id": "B", "refName": "Pending Receipt"}
    assert po["entity"]["id"] == "301" and po["entity"]["refName"] == "Acme Metals"
    assert po["entity"]["links"][0]["href"].endswith("/record/v1/vendor/301")
    assert po["location"]["refName"] == "Hawthorne" and po["department"]["refName"] == "Production"
    assert po["class"]["refName"] == "Hardware" and po["currency"]["id"] == "1" and po["total"] == 450
    lines = ns.po_lines(PO5001)
    assert (lines[1]["item"]["refName"], lines[1]["quantity"], lines[1]["rate"], lines[1]["quantityBilled"]) == (
        "COMP-200",
        100,
        2.5,
        100,
    )
    assert (lines[2]["item"]["refName"], lines[2]["quantity"], lines[2]["amount"], lines[2]["isClosed"]) == (
        "COMP-300",
        50,
        200,
        False,
    )
    assert ns.record("purchaseOrder", PO5002)["entity"]["refName"] == "Orbital Parts"
    assert ns.status(PO5003) == "A" and ns.status(PO5004) == "H"
    assert ns.po_lines(PO5004)[1]["isClosed"] is True
    # unexpanded: the sublist is a link
    plain = ns.get(f"{RECORD}/purchaseOrder/{PO5001}").json()
    assert "items" not in plain["item"] and plain["item"]["links"][0]["href"].endswith("/purchaseOrder/1501/item")

    vendor = ns.record("vendor", 302)
    assert vendor["companyName"] == "Orbital Parts" and vendor["terms"]["refName"] == "Net 45"
    assert ns.record("vendor", 301)["terms"]["refName"] == "Net 30"
    employees = ns.get(f"{RECORD}/employee", q='email IS "bob@factory.example"').json()
    assert [i["id"] for i in employees["items"]] == ["402"]
    assert ns.record("employee", 401)["email"] == "alice@factory.example"
    assert ns.record("serviceSaleItem", 500)["itemId"] == "Direct Labor"
    bill = ns.record("vendorBill", 1601)
    assert bill["createdFrom"]["id"] == "1501" and bill["createdFrom"]["refName"] == "PO5001"
    assert bill["createdFrom"]["links"][0]["href"].endswith("/purchaseOrder/1501")
    assert bill["status"] == {"id": "A", "refName": "Open"}
    assert [(ln["orderLine"], ln["quantity"]) for ln in bill["item"]["items"]] == [(1, 100)]
    assert _error(ns.post("vendor", {"companyName": "X"}), 405)["o:errorCode"] == "INVALID_REQUEST"


def test_list_purchase_orders_with_q(ns: Purchasing) -> None:
    def ids(q: str) -> list[str]:
        response = ns.get(f"{RECORD}/purchaseOrder", q=q)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"]]

    assert ids('status ANY_OF ["B", "D", "E"]') == ["1501", "1502"]
    assert ids("status IS H") == ["1504"]
    assert ids("tranId IS PO5002") == ["1502"]
    assert ids('lastModifiedDate ON_OR_AFTER "2026-11-11T09:00:00Z"') == ["1502", "1503", "1504"]
    assert ids("entity ANY_OF [301]") == ["1501", "1503"]
    assert ns.get(f"{RECORD}/purchaseOrder").json()["totalResults"] == 4
    assert ns.get(f"{RECORD}/itemReceipt").json()["totalResults"] == 0


# ---------------------------------------------------------------------------- item receipts


def test_receipt_happy_path_partial_receipts_sum(ns: Purchasing) -> None:
    before = {(r["itemId"], r["location"]): r["quantityOnHand"] for r in ns.http.get("/_sandbox/inventory").json()["items"]}
    first = ns.receive(
        PO5001,
        {
            "externalId": "ion-receipt-1",
            "tranDate": "2026-11-20",
            "memo": "ION receipt 1",
            "item": {"items": [_line(1, 40), _line(2, receive=False)]},
        },
    )
    rid = _new_id(first)
    assert first.headers["Location"].startswith("http") and "/record/v1/itemReceipt/" in first.headers["Location"]
    receipt = ns.record("itemReceipt", rid)
    assert receipt["createdFrom"]["id"] == "1501" and receipt["entity"]["refName"] == "Acme Metals"
    assert receipt["externalId"] == "ion-receipt-1" and receipt["tranDate"] == "2026-11-20"
    assert [
        (ln["orderLine"], ln["item"]["id"], ln["quantity"], ln["location"]["id"], ln["itemReceive"])
        for ln in receipt["item"]["items"]
    ] == [(1, "502", 40, "1", True)]
    assert ns.record("itemReceipt", "eid:ion-receipt-1")["id"] == str(rid)
    lines = ns.po_lines(PO5001)
    assert (lines[1]["quantityReceived"], lines[2]["quantityReceived"]) == (40, 0)
    # line 1 is billed 100 already: nothing received is unbilled -> Partially Received (D)
    assert ns.status(PO5001) == "D"

    assert _new_id(ns.receive(PO5001, {"externalId": "ion-receipt-2", "item": {"items": [_line(1, 35), _line(2, 20)]}}))
    lines = ns.po_lines(PO5001)
    assert (lines[1]["quantityReceived"], lines[2]["quantityReceived"]) == (75, 20)
    assert ns.status(PO5001) == "E"  # line 2 has received-but-unbilled quantity
    assert _new_id(ns.receive(PO5001, {"externalId": "ion-receipt-3", "item": {"items": [_line(1, 25), _line(2, 30)]}}))
    lines = ns.po_lines(PO5001)
    assert (lines[1]["quantityReceived"], lines[2]["quantityReceived"]) == (100, 50)
    assert ns.status(PO5001) == "F"  # fully received, line 2 not billed

    after = {(r["itemId"], r["location"]): r["quantityOnHand"] for r in ns.http.get("/_sandbox/inventory").json()["items"]}
    assert after[("COMP-200", "1")] == pytest.approx(before[("COMP-200", "1")] + 100)
    assert after[("COMP-300", "1")] == pytest.approx(before[("COMP-300", "1")] + 50)

    # fully received: any further receipt is an over-receipt
    detail = _error(ns.receive(PO5001, {"item": {"items": [_line(2, 1)]}}))
    assert detail["o:errorCode"] == "INVALID_CONTENT" and detail["o:errorPath"] == "item.items[0].quantity"

    bill = _new_id(ns.bill(PO5001, {"externalId": "acme-inv-7002", "item": {"items": [{"orderLine": 2, "quantity": 50}]}}))
    assert ns.status(PO5001) == "G" and ns.po_lines(PO5001)[2]["quantityBilled"] == 50
    assert ns.record("vendorBill", bill)["total"] == 200


def test_over_receipt_is_rejected_with_the_line_path(ns: Purchasing) -> None:
    assert _new_id(ns.receive(PO5002, {"item": {"items": [_line(2, 30), _line(1, receive=False)]}}))
    response = ns.receive(PO5002, {"externalId": "over", "item": {"items": [_line(1, receive=False), _line(2, 10.5)]}})
    detail = _error(response)
    assert detail["o:errorCode"] == "INVALID_CONTENT" and detail["o:errorPath"] == "item.items[1].quantity"
    assert "10.5 received, 10 remaining (40 ordered)" in detail["detail"]
    assert ns.po_lines(PO5002)[2]["quantityReceived"] == 30  # nothing moved
    assert ns.get(f"{RECORD}/itemReceipt/eid:over").status_code == 404
    assert _new_id(ns.receive(PO5002, {"item": {"items": [_line(1, receive=False), _line(2, 10)]}}))  # exactly the rest
    # zero or negative quantities, unknown order line, wrong item
    assert _error(ns.receive(PO5002, {"item": {"items": [_line(1, 0)]}}))["o:errorPath"] == "item.items[0].quantity"
    assert _error(ns.receive(PO5002, {"item": {"items": [_line(1, -1)]}}))["o:errorPath"] == "item.items[0].quantity"
    assert _error(ns.receive(PO5002, {"item": {"items": [_line(9, 1)]}}))["o:errorPath"] == "item.items[0].orderLine"
    wrong = _error(ns.receive(PO5002, {"item": {"items": [_line(1, 1, item={"id": "502"})]}}))
    assert wrong["o:errorPath"] == "item.items[0].item"


def test_omitted_and_unreceived_lines_are_not_received(ns: Purchasing) -> None:
    assert _new_id(ns.receive(PO5001, {"item": {"items": [_line(2, 10)]}}))  # line 1 omitted
    lines = ns.po_lines(PO5001)
    assert (lines[1]["quantityReceived"], lines[2]["quantityReceived"]) == (0, 10)
    # nothing received at all -> 400
    detail = _error(ns.receive(PO5001, {"item": {"items": [_line(1, receive=False), _line(2, receive=False)]}}))
    assert detail["o:errorPath"] == "item" and "at least one line" in detail["detail"]
    # a sent line without quantity receives its remaining quantity; `itemreceive` (lower case) is accepted
    assert _new_id(ns.receive(PO5001, {"item": {"items": [{"orderLine": 2, "itemreceive": True}]}}))
    assert ns.po_lines(PO5001)[2]["quantityReceived"] == 50
    # match by item when orderLine is absent
    assert _new_id(ns.receive(PO5001, {"item": {"items": [{"item": {"id": "502"}, "quantity": 5, "itemReceive": True}]}}))
    assert ns.po_lines(PO5001)[1]["quantityReceived"] == 5


def test_omitted_lines_receive_when_configured(keypair: tuple[ec.EllipticCurvePrivateKey, str]) -> None:
    running = start(
        create_app(NetSuiteSimConfig(oauth2_public_key_pem=keypair[1], seed_purchasing=True, receipt_omitted_lines_receive=True))
    )
    try:
        account = Purchasing(running, keypair[0])
        assert _new_id(account.receive(PO5001, {"item": {"items": [_line(1, 10)]}}))
        lines = account.po_lines(PO5001)
        assert (lines[1]["quantityReceived"], lines[2]["quantityReceived"]) == (10, 50)
        # ?replace=item: only the sent lines, whatever the setting
        assert _new_id(account.receive(PO5002, {"item": {"items": [_line(2, 4)]}}, replace="item"))
        lines = account.po_lines(PO5002)
        assert (lines[1]["quantityReceived"], lines[2]["quantityReceived"]) == (0, 4)
    finally:
        running.stop()


def test_closed_line_and_closed_or_unapproved_po(ns: Purchasing) -> None:
    assert ns.patch("purchaseOrder", PO5002, {"item": {"items": [{"line": 2, "isClosed": True}]}}).status_code == 204
    detail = _error(ns.receive(PO5002, {"item": {"items": [_line(2, 1)]}}))
    assert detail["o:errorPath"] == "item.items[0].orderLine" and "closed" in detail["detail"]
    assert _new_id(
        ns.receive(
            PO5002,
            {
                "item": {
                    "items": [
                        _line(
                            1,
                            200,
                            inventoryDetail={
                                "inventoryAssignment": {"items": [{"receiptInventoryNumber": "L-9001", "quantity": 200}]}
                            },
                        ),
                        _line(2, receive=False),
                    ]
                }
            },
        )
    )
    assert ns.status(PO5002) == "F"  # the closed line does not wait for receipts

    for po, letter in ((PO5004, "Closed"), (PO5003, "Pending Supervisor Approval")):
        detail = _error(ns.receive(po, {"item": {"items": [_line(1, 1)]}}))
        assert detail["o:errorPath"] == "createdFrom" and letter in detail["detail"]
    # closing the PO by status H closes every line
    assert ns.patch("purchaseOrder", PO5001, {"status": {"id": "H"}}).status_code == 204
    assert ns.status(PO5001) == "H" and all(ln["isClosed"] for ln in ns.po_lines(PO5001).values())
    assert _error(ns.receive(PO5001, {"item": {"items": [_line(1, 1)]}}))["o:errorPath"] == "createdFrom"
    # approving PO5003 makes it receivable
    assert ns.patch("purchaseOrder", PO5003, {"status": {"id": "B"}}).status_code == 204
    assert _new_id(ns.receive(PO5003, {"item": {"items": [_line(1, 20)]}}))
    assert ns.status(PO5003) == "F"
    assert _error(ns.receive(999999, {"item": {"items": []}}), 404)["o:errorCode"] == "NONEXISTENT_ID"


def test_lot_numbers_on_receipts(ns: Purchasing) -> None:
    def lot_line(quantity: float, *lots: tuple[str, float]) -> dict[str, Any]:
        assignments = [{"receiptInventoryNumber": lot, "quantity": q} for lot, q in lots]
        return _line(1, quantity, inventoryDetail={"inventoryAssignment": {"items": assignments}})

    missing = _error(ns.receive(PO5002, {"item": {"items": [_line(1, 10), _line(2, receive=False)]}}))
    assert missing["o:errorPath"] == "item.items[0].inventoryDetail.inventoryAssignment"
    short = _error(ns.receive(PO5002, {"item": {"items": [lot_line(10, ("L-1", 4), ("L-2", 5))]}}))
    assert "total inventory detail quantity must be 10" in short["detail"]
    rid = _new_id(
        ns.receive(
            PO5002,
            {
                "externalId": "ion-receipt-lots",
                "item": {"items": [lot_line(10, ("L-1", 4), ("L-2", 6)), _line(2, receive=False)]},
            },
        )
    )
    detail = ns.record("itemReceipt", rid)["item"]["items"][0]["inventoryDetail"]
    assert [(a["receiptInventoryNumber"], a["quantity"]) for a in detail["inventoryAssignment"]["items"]] == [
        ("L-1", 4),
        ("L-2", 6),
    ]
    # a non-lot item with lot numbers is refused
    bad = _error(
        ns.receive(
            PO5002,
            {
                "item": {
                    "items": [
                        _line(
                            2,
                            1,
                            inventoryDetail={"inventoryAssignment": {"items": [{"receiptInventoryNumber": "X", "quantity": 1}]}},
                        )
                    ]
                }
            },
        )
    )
    assert bad["o:errorPath"] == "item.items[0].inventoryDetail.inventoryAssignment"


def test_duplicate_external_id_on_receipts(ns: Purchasing) -> None:
    body = {"externalId": "ion-receipt-77", "item": {"items": [_line(1, 10)]}}
    assert _new_id(ns.receive(PO5001, body))
    detail = _error(ns.receive(PO5001, body))
    assert detail["o:errorCode"] == "DUP_RCRD" and detail["o:errorPath"] == "externalId"
    assert ns.po_lines(PO5001)[1]["quantityReceived"] == 10  # applied once
    assert _error(ns.post("itemReceipt", body))["o:errorCode"] == "USER_ERROR"
    bad = _error(ns.receive(PO5001, {"externalId": "has space", "item": {"items": [_line(1, 1)]}}))
    assert bad["o:errorPath"] == "externalId"


def test_concurrent_receipts_never_over_receive(ns: Purchasing) -> None:
    from concurrent.futures import ThreadPoolExecutor

    headers = ns.auth()

    def receive(n: int) -> int:
        with httpx.Client(base_url=ns.url, timeout=30) as client:
            body = {"externalId": f"race-{n}", "item": {"items": [_line(2, 30)]}}
            return client.post(f"{RECORD}/purchaseOrder/{PO5002}/!transform/itemReceipt", json=body, headers=headers).status_code

    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(receive, range(4)))
    assert codes == [204, 400, 400, 400]
    assert ns.po_lines(PO5002)[2]["quantityReceived"] == 30


# ---------------------------------------------------------------------------- PO changes


def test_purchase_order_patch_and_create(ns: Purchasing) -> None:
    assert (
        ns.patch(
            "purchaseOrder",
            PO5001,
            {
                "memo": "changed",
                "item": {
                    "items": [
                        {"line": 2, "quantity": 60},
                        {"item": {"id": "509"}, "quantity": 5, "rate": 3},
                    ]
                },
            },
        ).status_code
        == 204
    )
    po = ns.record("purchaseOrder", PO5001)
    lines = {ln["line"]: ln for ln in po["item"]["items"]}
    assert po["memo"] == "changed" and (lines[2]["quantity"], lines[3]["item"]["id"], lines[3]["location"]["id"]) == (
        60,
        "509",
        "1",
    )
    assert po["total"] == 250 + 240 + 15 and po["lastModifiedDate"] > "2026-11-12"
    changed = ns.get(f"{RECORD}/purchaseOrder", q=f'lastModifiedDate AFTER "{po["lastModifiedDate"][:10]}"')
    assert changed.status_code == 200
    assert _new_id(ns.receive(PO5001, {"item": {"items": [_line(2, 10)]}}))
    # quantity below the received quantity, removing a received line: refused
    assert (
        _error(ns.patch("purchaseOrder", PO5001, {"item": {"items": [{"line": 2, "quantity": 5}]}}))["o:errorPath"]
        == "item.items[0].quantity"
    )
    assert _error(ns.patch("purchaseOrder", PO5001, {"item": {"items": [{"line": 1}]}}, replace="item"))["o:errorPath"] == "item"
    # replace=item may drop an untouched line
    assert ns.patch("purchaseOrder", PO5001, {"item": {"items": [{"line": 1}, {"line": 2}]}}, replace="item").status_code == 204
    assert sorted(ns.po_lines(PO5001)) == [1, 2]

    pid = _new_id(
        ns.post(
            "purchaseOrder",
            {
                "externalId": "po-test-1",
                "entity": {"id": "302"},
                "location": {"id": "2"},
                "item": {"items": [{"item": {"id": "506"}, "quantity": 3, "rate": 100}]},
            },
        )
    )
    created = ns.record("purchaseOrder", pid)
    assert created["status"]["id"] == "B" and created["tranId"] == f"PO{pid}" and created["item"]["items"][0]["line"] == 1
    assert (
        _error(
            ns.post(
                "purchaseOrder",
                {"externalId": "po-test-1", "entity": {"id": "302"}, "item": {"items": [{"item": {"id": "506"}, "quantity": 1}]}},
            )
        )["o:errorCode"]
        == "DUP_RCRD"
    )
    assert _error(ns.post("purchaseOrder", {"entity": {"id": "999"}, "item": {"items": []}}))["o:errorPath"] == "entity"
    # custom fields (project code, tax code, ...) are kept as sent; other unknown names follow the header
    po1 = ns.record("purchaseOrder", PO5001)
    assert po1["custbody_project_code"] == "PRJ-ORBIT-1" and po1["item"]["items"][0]["custcol_tax_code"] == "NT"
    assert (
        ns.patch(
            "purchaseOrder",
            pid,
            {"custbody_project_code": "PRJ-9", "item": {"items": [{"line": 1, "custcol_gl_account_override": "5010"}]}},
        ).status_code
        == 204
    )
    created = ns.record("purchaseOrder", pid)
    assert created["custbody_project_code"] == "PRJ-9" and created["item"]["items"][0]["custcol_gl_account_override"] == "5010"
    strict = ns.http.patch(
        f"{RECORD}/purchaseOrder/{pid}",
        json={"nosuchfield": 1},
        headers={**ns.auth(), "X-NetSuite-PropertyNameValidation": "error"},
    )
    assert _error(strict)["o:errorCode"] == "NONEXISTENT_FIELD"
    # serial numbers on receipt of the serialized item
    serials = [{"receiptInventoryNumber": f"M-10{n}", "quantity": 1} for n in range(2)]
    assert _new_id(
        ns.receive(pid, {"item": {"items": [_line(1, 2, inventoryDetail={"inventoryAssignment": {"items": serials}})]}})
    )
    assert ns.status(pid) == "E"


def test_delete_purchase_order(ns: Purchasing) -> None:
    assert _new_id(ns.receive(PO5002, {"item": {"items": [_line(2, 1)]}}))
    dependent = ns.http.delete(f"{RECORD}/purchaseOrder/{PO5002}", headers=ns.auth())
    assert _error(dependent)["o:errorCode"] == "USER_ERROR"
    assert ns.http.delete(f"{RECORD}/purchaseOrder/{PO5003}", headers=ns.auth()).status_code == 204
    assert ns.get(f"{RECORD}/purchaseOrder/{PO5003}").status_code == 404
    assert ns.rows("SELECT COUNT(id) AS n FROM transaction WHERE id = ?", [PO5003])[0]["n"] == "0"
    assert ns.rows("SELECT recordid, recordtypeid, name FROM deletedrecord") == [
        {"links": [], "recordid": str(PO5003), "recordtypeid": "purchaseorder", "name": "PO5003"}
    ]
    assert _error(ns.http.delete(f"{RECORD}/purchaseOrder/{PO5003}", headers=ns.auth()), 404)["o:errorCode"] == "NONEXISTENT_ID"


# ---------------------------------------------------------------------------- time bills


def test_time_bill_create_correct_and_upsert(ns: Purchasing) -> None:
    body = {
        "externalId": "ion-session-501",
        "employee": {"id": "401"},
        "tranDate": "2026-11-20",
        "hours": "1:30",
        "item": {"id": "500"},
        "location": {"id": "1"},
        "department": {"id": "1"},
        "class": {"id": "1"},
        "memo": "WO1001 run 1001 step 3",
        "isBillable": True,
    }
    tid = _new_id(ns.post("timeBill", body))
    record = ns.record("timeBill", tid)
    assert record["employee"]["refName"] == "Alice Archer" and record["hours"] == "1:30"
    assert record["item"]["refName"] == "Direct Labor" and record["externalId"] == "ion-session-501"
    assert ns.record("timeBill", "eid:ion-session-501")["id"] == str(tid)
    dup = _error(ns.post("timeBill", body))
    assert dup["o:errorCode"] == "DUP_RCRD" and dup["o:errorPath"] == "externalId"

    assert ns.patch("timeBill", tid, {"hours": "2:15"}).status_code == 204
    assert ns.record("timeBill", tid)["hours"] == "2:15"
    assert ns.patch("timeBill", "eid:ion-session-501", {"hours": 2.5}).status_code == 204
    rows = ns.rows("SELECT id, employee, hours, item, isbillable, externalid FROM timebill")
    assert rows == [
        {
            "links": [],
            "id": str(tid),
            "employee": "401",
            "hours": "2.5",
            "item": "500",
            "isbillable": "T",
            "externalid": "ion-session-501",
        }
    ]
    upsert = ns.put("timeBill", "eid:ion-session-502", {"employee": {"id": "402"}, "tranDate": "2026-11-20", "hours": "0.75"})
    second = _new_id(upsert)
    assert _new_id(ns.put("timeBill", "eid:ion-session-502", {"hours": "1.25"})) == second
    assert ns.rows("SELECT hours FROM timebill WHERE id = ?", [second])[0]["hours"] == "1.25"

    for bad, path in (
        ({**body, "externalId": "x1", "hours": "abc"}, "hours"),
        ({**body, "externalId": "x2", "hours": "0:00"}, "hours"),
        ({**body, "externalId": "x3", "employee": {"id": "999"}}, "employee"),
        ({**body, "externalId": "x4", "tranDate": "20.11.2026"}, "tranDate"),
        ({k: v for k, v in body.items() if k != "employee"} | {"externalId": "x5"}, "employee"),
    ):
        assert _error(ns.post("timeBill", bad))["o:errorPath"] == path, bad
    assert _error(ns.patch("timeBill", 999999, {"hours": "1:00"}), 404)["o:errorCode"] == "NONEXISTENT_ID"


# ---------------------------------------------------------------------------- SuiteQL


def test_suiteql_over_purchasing_tables(ns: Purchasing) -> None:
    rid = _new_id(ns.receive(PO5001, {"externalId": "ion-receipt-q", "item": {"items": [_line(1, 60), _line(2, 50)]}}))
    pos = ns.rows(
        "SELECT t.id, t.tranid, t.status, t.entity, v.companyname FROM transaction t JOIN vendor v ON v.id = t.entity "
        "WHERE t.type = 'PurchOrd' ORDER BY t.id"
    )
    assert [(r["tranid"], r["status"], r["companyname"]) for r in pos] == [
        ("PO5001", "E", "Acme Metals"),
        ("PO5002", "B", "Orbital Parts"),
        ("PO5003", "A", "Acme Metals"),
        ("PO5004", "H", "Orbital Parts"),
    ]
    lines = ns.rows(
        "SELECT tl.id, tl.item, tl.quantity, tl.quantityshiprecv, tl.quantitybilled, tl.rate, tl.location, tl.isclosed "
        "FROM transactionline tl WHERE tl.transaction = ? AND tl.mainline = 'F' ORDER BY tl.id",
        [PO5001],
    )
    assert [(r["item"], r["quantity"], r["quantityshiprecv"], r["quantitybilled"], r["rate"], r["isclosed"]) for r in lines] == [
        ("502", "100", "60", "100", "2.5", "F"),
        ("503", "50", "50", "0", "4", "F"),
    ]
    # a receipt line reaches its PO line through previoustransactionlinelink (SuiteQL has no transactionline.orderline)
    receipt_lines = ns.rows(
        "SELECT t.externalid, tl.item, tl.quantity, l.previousdoc, l.previousline, l.linktype FROM transaction t "
        "JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'F' "
        "JOIN previoustransactionlinelink l ON l.nextdoc = tl.transaction AND l.nextline = tl.id "
        "WHERE t.type = 'ItemRcpt' ORDER BY tl.id"
    )
    assert [(r["externalid"], r["item"], r["quantity"], r["previousdoc"], r["previousline"]) for r in receipt_lines] == [
        ("ion-receipt-q", "502", "60", "1501", "1"),
        ("ion-receipt-q", "503", "50", "1501", "2"),
    ]
    # the three-way match in one query: ordered, item-receipted, billed per PO line
    match = ns.rows(
        "SELECT po.tranid, pl.id AS line, pl.quantity AS ordered, "
        "NVL((SELECT SUM(rl.quantity) FROM previoustransactionlinelink l JOIN transactionline rl "
        "  ON rl.transaction = l.nextdoc AND rl.id = l.nextline WHERE l.previousdoc = po.id AND l.previousline = pl.id "
        "  AND l.linktype = 'ShipRcpt'), 0) AS receipted, "
        "NVL((SELECT SUM(bl.quantity) FROM previoustransactionlinelink l JOIN transactionline bl "
        "  ON bl.transaction = l.nextdoc AND bl.id = l.nextline WHERE l.previousdoc = po.id AND l.previousline = pl.id "
        "  AND l.nexttype = 'VendBill'), 0) AS billed "
        "FROM transaction po JOIN transactionline pl ON pl.transaction = po.id AND pl.mainline = 'F' "
        "WHERE po.tranid = ? ORDER BY pl.id",
        ["PO5001"],
    )
    assert [(r["line"], r["ordered"], r["receipted"], r["billed"]) for r in match] == [
        ("1", "100", "60", "100"),
        ("2", "50", "50", "0"),
    ]
    assert ns.rows("SELECT DISTINCT previousdoc FROM previoustransactionlinelink WHERE nextdoc = ?", [rid]) == [
        {"links": [], "previousdoc": "1501"}
    ]
    assert ns.rows("SELECT id, email FROM employee WHERE email = ?", ["bob@factory.example"])[0]["id"] == "402"
    assert ns.rows("SELECT v.companyname, tm.name FROM vendor v JOIN term tm ON tm.id = v.terms ORDER BY v.id") == [
        {"links": [], "companyname": "Acme Metals", "name": "Net 30"},
        {"links": [], "companyname": "Orbital Parts", "name": "Net 45"},
    ]
    assert ns.rows("SELECT itemtype FROM item WHERE id = 500")[0]["itemtype"] == "Service"
    assert ns.rows("SELECT name FROM department ORDER BY id")[0]["name"] == "Production"
    on_hand = ns.rows("SELECT quantityonhand FROM inventorybalance WHERE item = 502 AND location = 1")[0]["quantityonhand"]
    assert on_hand == "127.2"


def test_purchasing_seed_is_opt_in(keypair: tuple[ec.EllipticCurvePrivateKey, str]) -> None:
    running = start(create_app(NetSuiteSimConfig(oauth2_public_key_pem=keypair[1])))
    try:
        account = Purchasing(running, keypair[0])
        assert account.get(f"{RECORD}/purchaseOrder").json()["totalResults"] == 0
        assert account.rows("SELECT COUNT(id) AS n FROM transaction")[0]["n"] == "8"
        assert account.http.post("/_sandbox/seed/purchasing").json() == {"seeded": True}
        assert account.http.post("/_sandbox/seed/purchasing").json() == {"seeded": False}
        assert account.record("purchaseOrder", PO5001)["tranId"] == "PO5001"
        assert account.rows("SELECT COUNT(id) AS n FROM vendor")[0]["n"] == "2"
    finally:
        running.stop()
