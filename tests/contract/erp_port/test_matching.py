"""ERP port, MatchSource: every ERP adapter reads approved PO lines with the item-receipt and
bill lines made from them, filters by number, date and closed, and writes nothing; an ERP
without the capability says so."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from connectors.errors import ConfigError
from erp.port.matching import DocumentLine, MatchSource, OrderedLine, PurchasingLines
from tests.contract.erp_port.erps import ErpSession

FAR_PAST, FAR_FUTURE = date(1990, 1, 1), date(2990, 1, 1)


async def read(
    erp: ErpSession,
    po_numbers: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    closed: bool = False,
) -> PurchasingLines:
    matching: MatchSource = erp.require("matching")
    return await matching.purchasing(po_numbers, since, until, closed)


async def test_receipt_and_bill_lines_point_at_po_lines_and_sum_to_the_books(erp: ErpSession) -> None:
    erp.require("matching")
    expected = await erp.books.documents()
    found = await read(erp)
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
        assert totals == expected[kind]


async def test_purchase_orders_are_filtered_by_number_date_and_closed(erp: ErpSession) -> None:
    every = await read(erp)
    first = sorted({line.po for line in every.lines})[0]
    one = await read(erp, [first])
    assert one.lines == [line for line in every.lines if line.po == first]
    assert {d.po_id for d in one.receipts + one.bills} <= {line.po_id for line in one.lines}
    assert (await read(erp, since=FAR_FUTURE)).lines == []
    assert (await read(erp, until=FAR_PAST)).lines == []
    assert (await read(erp, since=FAR_PAST, until=FAR_FUTURE)).lines == every.lines
    with_closed = await read(erp, closed=True)
    assert set(every.lines) <= set(with_closed.lines)


async def test_reading_the_match_writes_nothing(erp: ErpSession) -> None:
    erp.require("matching")
    before = await erp.books.on_hand()
    await read(erp)
    assert erp.sent and all(erp.books.is_read(request) for request in erp.sent), f"{erp.adapter.name}: every request is a read"
    assert await erp.books.on_hand() == before


async def test_an_erp_without_matching_says_so(erp: ErpSession) -> None:
    if erp.adapter.matching is not None:
        pytest.skip(f"{erp.adapter.name} supports matching")
    with pytest.raises(ConfigError, match=f"^{erp.adapter.name} does not support the 3-way match"):
        erp.adapter.require(erp.adapter.matching, "the 3-way match")
