"""The Business Central writers against the simulator in process: a receipt lands once whatever
BC answers (the documented Internal_DataNotFoundFilter after posting, a lost answer, a run that
died mid-post), other open lines are not received with it, and a run's production journal is
created and posted once."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.business_central import BusinessCentralClient, literal
from connectors.errors import DataError, TransientError
from core.writer import Postable
from erp.business_central.production import ProductionJournalWriter, document_number
from erp.business_central.receipt_writer import ReceiptWriter, receipt_body
from ledger import Claim
from tests.business_central_helpers import InProcessBc


async def order(bc: BusinessCentralClient, number: str) -> dict[str, Any]:
    found = await bc.all("purchaseOrders", **{"$filter": f"number eq {literal(number)}", "$expand": "purchaseOrderLines"})
    return found[0]


def postable(key: str, po: dict[str, Any], lines: dict[int, tuple[str, float]], day: str = "2026-11-25") -> Postable:
    body = receipt_body(po["number"], day, lines)
    return Postable(key, "ion:receipt:1", f"receipt {key}", body, {}, None, po["id"])


@pytest.fixture
def bc() -> InProcessBc:
    return InProcessBc()


async def test_a_receipt_posts_once_though_bc_answers_the_documented_error(bc: InProcessBc) -> None:
    async with bc.client() as client:
        po = await order(client, "PO5002")
        writer = ReceiptWriter(client, "receipt-sync-business-central")
        item = postable("ion:receipt:7:po:2", po, {2: ("BRACKET-0007", 15.0)})
        await writer.prepare([item])
        assert await writer.write([item]) == ["107001"]
        after = await order(client, "PO5002")
    assert [(line["lineObjectNumber"], line["receivedQuantity"]) for line in after["purchaseOrderLines"]] == [
        ("RES-10", 0.0),  # its outstanding 200 was not received along (receiveQuantity set to 0)
        ("BRACKET-0007", 15.0),
    ]
    assert bc.sim.counters["action_receiveAndInvoice"] == 1


async def test_a_receipt_a_dead_run_posted_is_found_not_posted_again(bc: InProcessBc) -> None:
    async with bc.client() as client:
        po = await order(client, "PO5002")
        item = postable("ion:receipt:8:po:2", po, {2: ("BRACKET-0007", 5.0)})
        writer = ReceiptWriter(client, "receipt-sync-business-central")
        await writer.prepare([item])
        assert await writer.write([item]) == ["107001"]  # ... and the run died before the ledger heard of it
        again = ReceiptWriter(client, "receipt-sync-business-central")
        await again.prepare([item])
        assert await again.find(Claim(item.key, item.source_ref, 1, resolve_first=True)) == "107001"
        other = postable("ion:receipt:9:po:2", po, {2: ("BRACKET-0007", 5.0)})  # the same content, same day
        await again.prepare([other])
        assert await again.find(Claim(other.key, other.source_ref, 1, resolve_first=True)) is None  # 107001 is taken
    assert bc.sim.counters["action_receiveAndInvoice"] == 1


async def test_an_unconfirmed_posting_is_left_for_the_next_run_to_find(bc: InProcessBc) -> None:
    async with bc.client() as client:
        po = await order(client, "PO5001")
        item = postable("ion:receipt:9:po:1", po, {1: ("COMP-200", 10.0)})
        writer = ReceiptWriter(client, "receipt-sync-business-central")
        await writer.prepare([item])
        bc.faults(script=[None] * 5 + [504])  # GET order, PATCH date and both lines, GET again (all set), the action: 504
        [result] = await writer.write([item])
        assert isinstance(result, TransientError) and result.uncertain  # never resent on a guess
        again = ReceiptWriter(client, "receipt-sync-business-central")
        await again.prepare([item])
        assert await again.find(Claim(item.key, item.source_ref, 1)) is None  # the 504 came before BC posted
        assert await again.write([item]) == ["107001"]
    assert bc.sim.counters["action_receiveAndInvoice"] == 1


async def test_over_receipt_is_refused_by_bc_as_a_data_error(bc: InProcessBc) -> None:
    async with bc.client() as client:
        po = await order(client, "PO5001")
        writer = ReceiptWriter(client, "receipt-sync-business-central")
        item = postable("ion:receipt:10:po:1", po, {1: ("COMP-200", 101.0)})
        await writer.prepare([item])
        [result] = await writer.write([item])
    assert isinstance(result, DataError) and "cannot receive more than 100" in str(result)


async def test_a_production_journal_is_created_and_posted_once(bc: InProcessBc) -> None:
    body = {
        "documentNumber": document_number(1004),
        "productionOrderNumber": "WO1004",
        "postingDate": "2026-11-20",
        "productionJournalLines": [
            {"entryType": "Output", "itemNumber": "ASSY-100", "quantity": 1, "locationCode": "HAWTHORNE"},
            {"entryType": "Consumption", "itemNumber": "COMP-300", "quantity": 1.5, "locationCode": "HAWTHORNE"},
        ],
    }
    item = Postable("ion:run:1004:completion", "ion:run:1004", "run 1004", body, {}, None)
    claim = Claim(item.key, item.source_ref, 1, resolve_first=True)
    async with bc.client() as client:
        writer = ProductionJournalWriter(client, "consumption-sync-business-central")
        assert await writer.find(claim) is None
        bc.faults(script=[None, None, 503])  # GET, POST journal, then the post action fails (nothing done)
        [first] = await writer.write([item])
        assert isinstance(first, TransientError)
        assert await writer.find(claim) is None  # created, not posted
        assert await writer.write([item]) == ["ION-R1004"]
        assert await writer.find(claim) == "ION-R1004"
        assert await writer.write([item]) == ["ION-R1004"]
    entries = [e for e in bc.entities("itemLedgerEntries") if e["documentNumber"] == "ION-R1004"]
    assert sorted((e["entryType"], e["itemNumber"], e["quantity"]) for e in entries) == [
        ("Consumption", "COMP-300", -1.5),
        ("Output", "ASSY-100", 1.0),
    ]
