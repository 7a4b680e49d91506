"""The ERP port's contract for item receipts (`erp.port.receipts.ReceiptTarget`), for every ERP:
an ION receipt's lines land once on the ERP's PO, an over-receipt (alone or by two receipts
together) is a dead letter and nothing lands, and `find` tells after a lost answer. ION's
receipts are made in the `world`'s ION simulator, as at the dock."""

from __future__ import annotations

from typing import Any

from erp.port.receipts import ReceiptTarget, receipt_key
from ledger import Claim
from tests.contract.erp_port.erps import ErpSession
from tests.contract.erp_port.ion_side import ion_receipts, write
from tests.world import World

# The demo factory: ION PO 1 line 1 is COMP-200 on the ERP's PO (100 ordered, none received in
# the ERP); ION PO 2 line 4 has 40 left to receive.
PO, LINE = 1, 1
SHORT_PO, SHORT_LINE = 2, 4


async def plan_and_write(erp: ErpSession, receipt_ids: list[int], *, twice: bool = False) -> tuple[Any, ...]:
    receipts: ReceiptTarget = erp.require("receipts")
    parsed = receipts.lines(await ion_receipts(receipts.join_keys, receipt_ids))
    planned = await receipts.plan(parsed.plans)
    reports = [await write(receipts.writer(), planned.ready, [*parsed.dead_letters, *planned.dead_letters])]
    if twice:
        reports.append(await write(receipts.writer(), (await receipts.plan(parsed.plans)).ready))
    return parsed, planned, reports


async def test_a_receipt_lands_once_with_the_lines_as_received(erp: ErpSession, world: World) -> None:
    receipt = world.receive(PO, [{"purchaseOrderLineId": LINE, "quantity": 30, "locationId": 1}])
    parsed, planned, (first, again) = await plan_and_write(erp, [receipt], twice=True)
    key = receipt_key(receipt, PO)
    assert [p.key for p in parsed.plans] == [key] and not parsed.dead_letters and not planned.dead_letters
    assert len(first.posted) == 1 and not first.failed
    assert not again.posted and again.already_posted == 1
    [landed] = await erp.books.landed("receipt", key)
    assert landed.quantities == {"COMP-200": 30.0}


async def test_an_over_receipt_is_a_dead_letter_and_nothing_lands(erp: ErpSession, world: World) -> None:
    receipt = world.receive(SHORT_PO, [{"purchaseOrderLineId": SHORT_LINE, "quantity": 45, "locationId": 1}])
    _, planned, (report,) = await plan_and_write(erp, [receipt])
    key = receipt_key(receipt, SHORT_PO)
    assert planned.ready == [] and report.posted == []
    [letter] = planned.dead_letters
    assert letter.key == key and "over-receipt" in letter.reason and "receives 45, 40 remaining" in letter.reason
    assert await erp.books.landed("receipt", key) == []


async def test_two_receipts_cannot_together_over_receive_a_line(erp: ErpSession, world: World) -> None:
    first = world.receive(SHORT_PO, [{"purchaseOrderLineId": SHORT_LINE, "quantity": 30, "locationId": 1}])
    second = world.receive(SHORT_PO, [{"purchaseOrderLineId": SHORT_LINE, "quantity": 30, "locationId": 1}])
    _, planned, (report,) = await plan_and_write(erp, [first, second])
    assert [item.key for item in planned.ready] == [receipt_key(first, SHORT_PO)]
    [letter] = planned.dead_letters
    assert letter.key == receipt_key(second, SHORT_PO) and "over-receipt" in letter.reason
    assert len(report.posted) == 1
    assert len(await erp.books.landed("receipt", receipt_key(first, SHORT_PO))) == 1
    assert await erp.books.landed("receipt", receipt_key(second, SHORT_PO)) == []


async def test_find_tells_after_a_lost_answer_and_a_rewrite_does_not_duplicate(erp: ErpSession, world: World) -> None:
    receipt = world.receive(PO, [{"purchaseOrderLineId": LINE, "quantity": 10, "locationId": 1}])
    key = receipt_key(receipt, PO)
    receipts: ReceiptTarget = erp.require("receipts")
    planned = await receipts.plan(receipts.lines(await ion_receipts(receipts.join_keys, [receipt])).plans)
    before = await receipts.writer().find(Claim(key, f"ion:receipt:{receipt}", 0))
    await erp.books.drop_answers(True)
    lost = await write(receipts.writer(), planned.ready)
    await erp.books.drop_answers(False)
    found = await receipts.writer().find(Claim(key, f"ion:receipt:{receipt}", 1))
    retried = await write(receipts.writer(), planned.ready)
    assert before is None
    assert lost.failed == 1 and not lost.posted
    assert found
    assert [row["target id"] for row in retried.posted] == [found]
    assert len(await erp.books.landed("receipt", key)) == 1
