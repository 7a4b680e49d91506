"""receipt-sync end to end: ION receipts become NetSuite item receipts on the originating POs,
partial receipts add up, and every kind of bad receipt is a dead letter with its reason."""

from __future__ import annotations

from typing import Any

import pytest

from erp.port.receipts import INTEGRATION
from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger

pytestmark = pytest.mark.usefixtures("prefect_api")

CREATE_PO = """
mutation ($supplier: ID!) { createPurchaseOrder(input: {supplierId: $supplier, currencyId: 1,
  shipToLocationId: 1}) { purchaseOrder { id _etag } } }"""
SET_PO_ATTRIBUTE = """
mutation ($id: ID!, $key: String!, $value: String, $etag: String!) { updatePurchaseOrderAttribute(input:
  {purchaseOrderId: $id, key: $key, value: $value, etag: $etag}) { purchaseOrderAttribute { id } } }"""
CREATE_LINE = """
mutation ($po: ID!, $part: ID!, $quantity: Float!) { createPurchaseOrderLine(input: {purchaseOrderId: $po,
  partId: $part, quantity: $quantity, cost: 1}) { purchaseOrderLine { id _etag } } }"""
SET_LINE_ATTRIBUTE = """
mutation ($id: ID!, $key: String!, $value: String, $etag: String!) { updatePurchaseOrderLineAttribute(input:
  {purchaseOrderLineId: $id, key: $key, value: $value, etag: $etag}) { purchaseOrderLineAttribute { id } } }"""
CANCEL_LINE = """
mutation ($id: ID!, $etag: String!) { updatePurchaseOrderLine(input: {id: $id, etag: $etag, status: CANCELED}) {
  purchaseOrderLine { id status } } }"""
ORDER = """
mutation ($id: ID!, $etag: String!) { updatePurchaseOrder(input: {id: $id, etag: $etag, status: ORDERED}) {
  purchaseOrder { id } } }"""
PO_ETAG = "query ($id: ID!) { purchaseOrder(id: $id) { _etag } }"
LINE_ETAG = "query ($id: ID!) { purchaseOrderLine(id: $id) { _etag } }"
PART = "query ($n: String!) { parts(filters: {partNumber: {eq: $n}}) { edges { node { id } } } }"


def ion_po(world, po_number: str | None, lines: list[tuple[str, str | None, float]], supplier: int = 2) -> list[int]:
    """An ION PO (as if synced from NetSuite `po_number`) with lines (part, NetSuite line, qty);
    returns the ION line ids."""
    po = world.ion_graphql(CREATE_PO, {"supplier": supplier})["createPurchaseOrder"]["purchaseOrder"]
    if po_number:
        world.ion_graphql(
            SET_PO_ATTRIBUTE, {"id": po["id"], "key": "Netsuite PO Number", "value": po_number, "etag": po["_etag"]}
        )
    ids = []
    for part, ns_line, quantity in lines:
        part_id = world.ion_graphql(PART, {"n": part})["parts"]["edges"][0]["node"]["id"]
        line = world.ion_graphql(CREATE_LINE, {"po": po["id"], "part": part_id, "quantity": quantity})
        line = line["createPurchaseOrderLine"]["purchaseOrderLine"]
        if ns_line:
            world.ion_graphql(
                SET_LINE_ATTRIBUTE, {"id": line["id"], "key": "Netsuite Line Number", "value": ns_line, "etag": line["_etag"]}
            )
        ids.append(int(line["id"]))
    etag = world.ion_graphql(PO_ETAG, {"id": po["id"]})["purchaseOrder"]["_etag"]
    world.ion_graphql(ORDER, {"id": po["id"], "etag": etag})  # lines are editable only while DRAFT
    return ids


def po_lines(world, number: str) -> dict[int, dict[str, Any]]:
    [po] = [p for p in world.netsuite_records("purchaseOrder") if p["tranId"] == number]
    return {line["line"]: line for line in po["item"]["items"]}


def item_receipts(world) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in world.netsuite_records("itemReceipt"):
        grouped.setdefault(record["externalId"], []).append(record)
    return grouped


def test_demo_receipts_land_once_with_lots_and_only_the_received_lines(world):
    assert run_deployment("receipt-sync").line() == "receipt-sync Completed posted=2 dead_letters=0"
    landed = item_receipts(world)
    assert set(landed) == {"ion-receipt-1-po-1", "ion-receipt-2-po-2"} and all(len(v) == 1 for v in landed.values())
    [partial] = landed["ion-receipt-2-po-2"]
    [line] = partial["item"]["items"]  # PO5002 line 2 (BRACKET-0007) was not received, so not on the receipt
    assert (line["orderLine"], line["itemName"], line["quantity"], line["location"]["id"]) == (1, "RES-10", 100, "2")
    assert line["inventoryDetail"]["inventoryAssignment"]["items"] == [{"receiptInventoryNumber": "L-2211", "quantity": 100}]
    assert {n: line["quantityReceived"] for n, line in po_lines(world, "PO5002").items()} == {1: 100, 2: 0}

    again = run_deployment("receipt-sync")
    assert again.line() == "receipt-sync Completed posted=0 dead_letters=0"
    assert len(world.netsuite_records("itemReceipt")) == 2


def test_partial_receipts_against_one_line_add_up_and_the_next_is_an_over_receipt(world):
    run_deployment("receipt-sync")  # the demo's receipt 1: 60 of PO5001 line 1's 100
    world.receive(1, [{"purchaseOrderLineId": 1, "quantity": 30, "locationId": 1}])
    world.receive(1, [{"purchaseOrderLineId": 1, "quantity": 10, "locationId": 2}])
    assert run_deployment("receipt-sync").line() == "receipt-sync Completed posted=2 dead_letters=0"
    assert po_lines(world, "PO5001")[1]["quantityReceived"] == 100

    extra = world.receive(1, [{"purchaseOrderLineId": 1, "quantity": 5, "locationId": 1}])
    assert run_deployment("receipt-sync").line() == "receipt-sync Completed with dead letters posted=0 dead_letters=1"
    [dead] = Ledger(world.ledger_url).entries(INTEGRATION, EntryStatus.dead)
    assert dead.key == f"ion:receipt:{extra}:po:1"
    assert "over-receipt on line 1 (COMP-200): receives 5, 0 remaining (100 ordered, 100 received" in dead.reason
    assert po_lines(world, "PO5001")[1]["quantityReceived"] == 100


def test_every_kind_of_bad_receipt_is_a_dead_letter_with_its_reason_and_the_rest_posts(world):
    run_deployment("receipt-sync")
    reasons = {}

    def expect(receipt_id: int, po_id: int, fragment: str) -> None:
        reasons[f"ion:receipt:{receipt_id}:po:{po_id}"] = fragment

    expect(world.receive(2, [{"purchaseOrderLineId": 4, "quantity": 45, "locationId": 1}]), 2, "receives 45, 40 remaining")
    expect(world.receive(2, [{"purchaseOrderLineId": 4, "quantity": 1, "locationId": 13}]), 2, "ION location 13 is not mapped")
    expect(
        world.receive(2, [{"purchaseOrderLineId": 4, "quantity": 0, "locationId": 1}]), 2, "quantity must be a positive number"
    )
    [unknown_po] = ion_po(world, "PO9999", [("COMP-200", "1", 5)])
    expect(
        world.receive(_po_of(world, unknown_po), [{"purchaseOrderLineId": unknown_po, "quantity": 1, "locationId": 1}]),
        _po_of(world, unknown_po),
        "NetSuite has no purchase order PO9999",
    )
    [closed_po] = ion_po(world, "PO5004", [("GLUE-1", "1", 10)])
    expect(
        world.receive(_po_of(world, closed_po), [{"purchaseOrderLineId": closed_po, "quantity": 1, "locationId": 1}]),
        _po_of(world, closed_po),
        "NetSuite PO PO5004 is closed (status H)",
    )
    wrong_line, wrong_item, no_line_number, no_lot, to_cancel = ion_po(
        world, "PO5002", [("BRKT-7", "7", 5), ("COMP-200", "1", 5), ("BRKT-7", None, 5), ("RES-10", "1", 5), ("BRKT-7", "2", 5)]
    )
    po = _po_of(world, wrong_line)
    expect(
        world.receive(po, [{"purchaseOrderLineId": wrong_line, "quantity": 1, "locationId": 1}]),
        po,
        "NetSuite PO PO5002 has no line 7",
    )
    expect(
        world.receive(po, [{"purchaseOrderLineId": wrong_item, "quantity": 1, "locationId": 1}]),
        po,
        "line 1 of NetSuite PO PO5002 is item RES-10, but ION received COMP-200",
    )
    expect(
        world.receive(po, [{"purchaseOrderLineId": no_line_number, "quantity": 1, "locationId": 1}]),
        po,
        "has no valid 'Netsuite Line Number'",
    )
    expect(
        world.receive(po, [{"purchaseOrderLineId": no_lot, "quantity": 1, "locationId": 1}]), po, "NetSuite rejected it"
    )  # RES-10 is lot-numbered in NetSuite: ION sent no lot
    canceled = _cancel(world, to_cancel)  # canceled in ION, then received anyway
    expect(world.receive(po, [{"purchaseOrderLineId": canceled, "quantity": 1, "locationId": 1}]), po, "canceled in ION")
    good = world.receive(1, [{"purchaseOrderLineId": 1, "quantity": 40, "locationId": 1}])
    [ion_only] = ion_po(world, None, [("COMP-200", None, 5)], supplier=3)
    world.receive(_po_of(world, ion_only), [{"purchaseOrderLineId": ion_only, "quantity": 1, "locationId": 1}])

    result = run_deployment("receipt-sync")
    assert result.line() == f"receipt-sync Completed with dead letters posted=1 dead_letters={len(reasons)} skipped=1"
    dead = {e.key: e.reason for e in Ledger(world.ledger_url).entries(INTEGRATION, EntryStatus.dead)}
    assert set(dead) == set(reasons)
    for key, fragment in reasons.items():
        assert fragment in dead[key], (key, dead[key])
    assert "inventoryAssignment" in dead[next(k for k, f in reasons.items() if f == "NetSuite rejected it")]
    assert f"ion-receipt-{good}-po-1" in item_receipts(world)
    assert len(world.netsuite_records("itemReceipt")) == 3


def test_dry_run_writes_nothing(world):
    result = run_deployment("receipt-sync", {"dry_run": True})
    assert result.ok and result.summary.would_post == 2
    assert world.netsuite_records("itemReceipt") == []
    assert Ledger(world.ledger_url).entries(INTEGRATION) == []


def _po_of(world, line_id: int) -> int:
    query = "query ($id: ID!) { purchaseOrderLine(id: $id) { purchaseOrderId } }"
    return int(world.ion_graphql(query, {"id": line_id})["purchaseOrderLine"]["purchaseOrderId"])


def _cancel(world, line_id: int) -> int:
    etag = world.ion_graphql(LINE_ETAG, {"id": line_id})["purchaseOrderLine"]["_etag"]
    world.ion_graphql(CANCEL_LINE, {"id": line_id, "etag": etag})
    return line_id


def test_dead_letter_replay_posts_a_receipt_once_its_cause_is_fixed(world, tmp_path, monkeypatch):
    import asyncio
    from pathlib import Path

    from flows.dead_letter_replay import dead_letter_replay

    receipt = world.receive(1, [{"purchaseOrderLineId": 1, "quantity": 5, "locationId": 13}])  # 13 is unmapped
    run_deployment("receipt-sync")
    key = f"ion:receipt:{receipt}:po:1"
    assert [e.key for e in Ledger(world.ledger_url).entries(INTEGRATION, EntryStatus.dead)] == [key]

    fixed = tmp_path / "mappings.yaml"
    fixed.write_text(
        Path(world.env["ION_SYNC_CONFIG"]).read_text().replace("  items:", '    - {ion: 13, netsuite: "2"}\n  items:')
    )
    monkeypatch.setenv("ION_SYNC_CONFIG", str(fixed))
    replayed = asyncio.run(dead_letter_replay(integration=INTEGRATION, keys=[key], dry_run=False))
    assert (replayed.replayed, replayed.posted, replayed.dead_letters) == (1, 1, 0)
    assert len(item_receipts(world)[f"ion-receipt-{receipt}-po-1"]) == 1
    assert Ledger(world.ledger_url).entries(INTEGRATION, EntryStatus.dead) == []


def test_receipt_webhooks_are_answered_by_the_sync_and_the_drain(world):
    """ION's "receipt saved" webhooks in the inbox: the drain runs receipt-sync for a missed one;
    a receipt with nothing for NetSuite is answered too; each event is handled once."""
    import asyncio

    from flows.ion_event_drain import ion_event_drain
    from ledger.inbox import Inbox
    from ledger.models import InboxStatus

    inbox = Inbox(Ledger(world.ledger_url))
    missed = world.receive(1, [{"purchaseOrderLineId": 1, "quantity": 10, "locationId": 1}])
    [ion_only] = ion_po(world, None, [("COMP-200", None, 5)], supplier=3)
    elsewhere = world.receive(_po_of(world, ion_only), [{"purchaseOrderLineId": ion_only, "quantity": 1, "locationId": 1}])
    inbox.accept("ion", "r1", "receipt.create", f"receipt:{missed}", {})
    inbox.accept("ion", "r2", "receipt.create", f"receipt:{elsewhere}", {})

    drained = asyncio.run(ion_event_drain(grace_minutes=0))
    assert drained.events_handled == 2 and drained.events_waiting == 0
    assert len(item_receipts(world)[f"ion-receipt-{missed}-po-1"]) == 1
    assert {i.event_id for i in inbox.pending("ion")} == set()
    assert inbox.mark([1, 2], InboxStatus.dead, "late") == 0  # both already settled, once


def test_the_flow_run_graph_names_each_page_and_draws_fetch_plan_post_report(world, monkeypatch):
    """Task runs named by page, an edge from each step to the next and into the report, and a
    progress artifact from ION's totalCount on a run of several pages."""
    from tests.prefect_graph import read_graph

    monkeypatch.setenv("ION_PAGE_SIZE", "1")  # the demo's two receipts: two pages,
    monkeypatch.setenv("ION_STEP_RECORDS", "1")  # a step each
    result = run_deployment("receipt-sync")
    assert result.ok and result.flow_run_id
    graph = read_graph(result.flow_run_id, INTEGRATION)
    assert {"fetch page 1", "plan page 1 · 1 receipts", "post page 1 · 1 receipts", "fetch page 2"} <= graph.names
    assert graph.upstream("plan page 2 · 1 receipts") == {"fetch page 2"}
    assert graph.upstream("post page 2 · 1 receipts") == {"plan page 2 · 1 receipts"}
    assert graph.upstream(graph.named("publish-report")) == {"post page 1 · 1 receipts", "post page 2 · 1 receipts"}
    assert graph.progress == (100.0, "receipts handled: 2 of 2 (2 pages)")
