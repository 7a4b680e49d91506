"""The benchmark seeding routes of the purchasing loop (sandbox/README.md): ION
`/_sandbox/seed/bulk-receipts` and NetSuite `/_sandbox/seed/bulk-purchase-orders` make matching
data (PO-B<6 digits>, line numbers, BULK-C items), visible through the public APIs exactly as
the demo's purchase orders and receipts are."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from sandbox.netsuite import NetSuiteSimConfig, create_app
from sandbox.server import RunningServer, start
from tests.test_sandbox_ion_purchasing import SESSIONS_QUERY, Ion, _ion, _nodes
from tests.test_sandbox_netsuite import RECORD, Account, _keypair

BULK = {
    "purchase_orders": 3,
    "lines_per_po": 2,
    "receipts_per_line": 2,
    "quantity": 1,
    "first_number": 1,
    "received_at": "2026-11-21T00:00:00Z",
}

RECEIPTS_QUERY = """
query Bulk($filters: ReceiptsInputFilters, $first: Int, $after: String) {
  receipts(filters: $filters, sort: [CREATED_ASC, ID_ASC], first: $first, after: $after) {
    pageInfo { hasNextPage endCursor totalCount }
    edges { node {
      id receivedAt _created
      receiptItems { quantity partInventory { locationId quantity part { partNumber } }
        purchaseOrderLine { position quantity receivedQuantity status part { partNumber }
          Attributes(filters: {key: {eq: "Netsuite Line Number"}}) { value }
          purchaseOrder { status supplierId currencyId shipToLocationId
            Attributes(filters: {key: {eq: "Netsuite PO Number"}}) { value } } } }
    } }
  }
}
"""

LINES_SQL = (
    "SELECT t.id, t.tranid, t.status, tl.id AS line, i.itemid, tl.quantity, tl.quantityshiprecv, tl.isclosed "
    "FROM transaction t JOIN transactionline tl ON tl.transaction = t.id JOIN item i ON i.id = tl.item "
    "WHERE t.type = 'PurchOrd' AND tl.mainline = 'F' AND t.tranid IN ({}) ORDER BY t.id, tl.id"
)


async def test_bulk_receipts_carry_the_netsuite_join_keys() -> None:
    async with _ion() as ion:
        seeded = await ion.client.post("/_sandbox/seed/bulk-receipts", json=BULK)
        assert seeded.status_code == 201, seeded.text
        body = seeded.json()
        assert (body["purchase_orders"], body["receipts"]) == (3, 12)
        assert body["last_receipt_id"] - body["first_receipt_id"] == 11

        nodes = await _bulk_receipts(ion, page_size=5)
        assert [n["id"] for n in nodes] == list(range(body["first_receipt_id"], body["last_receipt_id"] + 1))
        assert [n["receivedAt"] for n in nodes[:2]] == ["2026-11-21T00:00:00+00:00", "2026-11-21T00:00:01+00:00"]
        assert all(n["_created"] == n["receivedAt"] for n in nodes)
        keys = []
        for node in nodes:
            (item,) = node["receiptItems"]
            line = item["purchaseOrderLine"]
            po = line["purchaseOrder"]
            keys.append(
                (po["Attributes"][0]["value"], line["Attributes"][0]["value"], line["part"]["partNumber"], item["quantity"])
            )
            assert item["partInventory"] == {"locationId": 1, "quantity": 1.0, "part": {"partNumber": line["part"]["partNumber"]}}
            assert (line["position"], line["quantity"], line["receivedQuantity"], line["status"]) == (
                int(line["Attributes"][0]["value"]),
                2.0,
                2.0,
                "RECEIVED",
            )
            assert (po["supplierId"], po["currencyId"], po["shipToLocationId"]) == (1, 1, 1)
        assert keys == [(f"PO-B00000{p}", str(n), f"BULK-C0{n}", 1.0) for p in (1, 2, 3) for n in (1, 2) for _ in range(2)]

        again = await ion.client.post("/_sandbox/seed/bulk-receipts", json={**BULK, "first_number": 3})
        assert again.status_code == 409, again.text


async def _bulk_receipts(ion: Ion, page_size: int) -> list[dict[str, Any]]:
    """Every receipt from the bulk origin on, paged by `_created` then id."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        data = await ion.data(
            RECEIPTS_QUERY, {"filters": {"_created": {"gte": BULK["received_at"]}}, "first": page_size, "after": after}
        )
        page = data["receipts"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


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


def _rows(ns: Account, q: str) -> list[dict[str, Any]]:
    response = ns.suiteql(q)
    assert response.status_code == 200, response.text
    return [{k: v for k, v in row.items() if k != "links"} for row in response.json()["items"]]


def test_bulk_purchase_orders_are_receivable_like_seeded_ones(ns: Account) -> None:
    seeded = ns.http.post(
        "/_sandbox/seed/bulk-purchase-orders", json={"count": 3, "lines_per_po": 2, "quantity": 2, "first_number": 1}
    )
    assert seeded.status_code == 200, seeded.text
    body = seeded.json()
    assert (body["created"], body["numbers"]) == (3, ["PO-B000001", "PO-B000003"])
    po = body["first_id"]

    rows = _rows(ns, LINES_SQL.format("'PO-B000001'"))
    assert [
        (r["id"], r["tranid"], r["status"], r["line"], r["itemid"], r["quantity"], r["quantityshiprecv"], r["isclosed"])
        for r in rows
    ] == [
        (str(po), "PO-B000001", "B", "1", "BULK-C01", "2", "0", "F"),
        (str(po), "PO-B000001", "B", "2", "BULK-C02", "2", "0", "F"),
    ]
    (header,) = _rows(
        ns,
        "SELECT t.entity, t.currency, v.companyname, tl.location FROM transaction t JOIN vendor v ON v.id = t.entity "
        f"JOIN transactionline tl ON tl.transaction = t.id WHERE t.id = {po} AND tl.mainline = 'T'",
    )
    assert header == {"entity": "301", "currency": "1", "companyname": "Acme Metals", "location": "1"}
    all_lines = _rows(ns, LINES_SQL.format("'PO-B000002', 'PO-B000003'"))
    assert [(r["tranid"], r["itemid"]) for r in all_lines] == [(f"PO-B00000{p}", f"BULK-C0{n}") for p in (2, 3) for n in (1, 2)]

    receipt = {
        "externalId": "x",
        "item": {
            "items": [
                {"orderLine": 1, "itemReceive": True, "quantity": 1, "location": {"id": "1"}},
                {"orderLine": 2, "itemReceive": False},
            ]
        },
    }
    received = ns.http.post(f"{RECORD}/purchaseOrder/{po}/!transform/itemReceipt", json=receipt, headers=ns.auth())
    assert received.status_code == 204, received.text
    after = _rows(ns, LINES_SQL.format("'PO-B000001'"))
    assert [(r["line"], r["quantityshiprecv"]) for r in after] == [("1", "1"), ("2", "0")]

    clash = ns.http.post("/_sandbox/seed/bulk-purchase-orders", json={"count": 1, "first_number": 3})
    assert clash.status_code == 409, clash.text


async def test_bulk_sessions_put_one_checked_out_session_on_each_bulk_run() -> None:
    """labor-sync's benchmark backfill: sessions on the bulk runs (their WO-B work orders), by a
    mapped user, checked out, in `_updated` order from `updated_at`."""
    async with _ion() as ion:
        runs = await ion.client.post("/_sandbox/seed/bulk-runs", json={"count": 3, "installations_per_run": 1})
        assert runs.status_code == 201, runs.text
        seeded = await ion.client.post("/_sandbox/seed/bulk-sessions", json={"count": 3, "updated_at": "2026-11-21T00:00:00Z"})
        assert seeded.status_code == 201, seeded.text
        window = {"_updated": {"gte": "2026-11-21T00:00:00Z", "lt": "2026-11-22T00:00:00Z"}}
        nodes = _nodes((await ion.data(SESSIONS_QUERY, {"filters": window, "last": 10}))["sessions"])
        assert sorted(n["runStep"]["runId"] for n in nodes) == [100000, 100001, 100002]
        assert {n["createdBy"]["email"] for n in nodes} == {"alice@factory.example"}
        assert all(n["checkIn"] and n["checkOut"] for n in nodes)
        work_orders = {a["value"] for n in nodes for a in n["runStep"]["run"]["attributes"] if a["value"]}
        assert work_orders == {"WO-B000001", "WO-B000002", "WO-B000003"}
        missing = await ion.client.post("/_sandbox/seed/bulk-sessions", json={"count": 1, "first_run_id": 900000})
        assert missing.status_code == 404
