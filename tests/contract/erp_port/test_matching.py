"""ERP port, MatchSource: every ERP adapter reads approved PO lines with the item-receipt and
bill lines made from them, filters by number, date and closed, and writes nothing; an ERP
without the capability says so."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date

import pytest

from connectors.errors import ConfigError
from erp.port.matching import DocumentLine, OrderedLine, PurchasingLines
from tests.contract.erp_port.cases import ErpCase

FAR_PAST, FAR_FUTURE = date(1990, 1, 1), date(2990, 1, 1)


async def read(
    erp: ErpCase,
    po_numbers: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    closed: bool = False,
) -> tuple[PurchasingLines, list[bool]]:
    async with erp.open() as (adapter, recorder):
        matching = adapter.require(adapter.matching, "the 3-way match")
        found = await matching.purchasing(po_numbers, since, until, closed)
    return found, [erp.is_read(request) for request in recorder.sent]


def supports_matching(erp: ErpCase) -> None:
    async def capability() -> bool:
        async with erp.open() as (adapter, _):
            return adapter.matching is not None

    if not asyncio.run(capability()):
        pytest.skip(f"{erp.name} has no MatchSource (test_an_erp_without_matching_says_so)")


def test_receipt_and_bill_lines_point_at_po_lines_and_sum_to_the_books(erp: ErpCase):
    supports_matching(erp)
    found, _ = asyncio.run(read(erp))
    assert found.lines and all(isinstance(line, OrderedLine) for line in found.lines)
    keys = [(line.po_id, line.line) for line in found.lines]
    assert len(keys) == len(set(keys)), "one row per PO line"
    number = {line.po_id: line.po for line in found.lines}
    for kind in ("receipts", "bills"):
        documents: list[DocumentLine] = getattr(found, kind)
        assert all((d.po_id, d.line) in set(keys) and d.quantity >= 0 and d.amount >= 0 for d in documents)
        totals: dict[tuple[str, str], float] = {}
        for d in documents:
            totals[(number[d.po_id], d.line)] = totals.get((number[d.po_id], d.line), 0) + d.quantity
        assert totals == erp.documents[kind]


def test_purchase_orders_are_filtered_by_number_date_and_closed(erp: ErpCase):
    supports_matching(erp)
    every, _ = asyncio.run(read(erp))
    first = sorted({line.po for line in every.lines})[0]
    one, _ = asyncio.run(read(erp, [first]))
    assert one.lines == [line for line in every.lines if line.po == first]
    assert {d.po_id for d in one.receipts + one.bills} <= {line.po_id for line in one.lines}
    assert asyncio.run(read(erp, since=FAR_FUTURE))[0].lines == []
    assert asyncio.run(read(erp, until=FAR_PAST))[0].lines == []
    assert asyncio.run(read(erp, since=FAR_PAST, until=FAR_FUTURE))[0].lines == every.lines
    with_closed, _ = asyncio.run(read(erp, closed=True))
    assert set(every.lines) <= set(with_closed.lines)


def test_reading_the_match_writes_nothing(erp: ErpCase):
    supports_matching(erp)
    before = erp.books()
    _, reads = asyncio.run(read(erp))
    assert reads and all(reads), f"{erp.name}: every request the match read sends is a read"
    assert erp.books() == before


def test_an_erp_without_matching_says_so(erp: ErpCase):
    async def refused() -> bool:
        async with erp.open() as (adapter, _):
            if adapter.matching is not None:
                return False
            with pytest.raises(ConfigError, match=f"^{erp.name} does not support the 3-way match"):
                adapter.require(adapter.matching, "the 3-way match")
            return True

    if not asyncio.run(refused()):
        pytest.skip(f"{erp.name} supports matching")
