"""ERP port, InventorySource: every ERP adapter reads its books' on-hand, a page at a time, and writes nothing."""

from __future__ import annotations

import asyncio

from erp.port.inventory import InventoryBalance
from tests.contract.erp_port.cases import PAGE_SIZE, Books, ErpCase


async def read(erp: ErpCase) -> tuple[list[list[InventoryBalance]], dict[str, str], list[bool]]:
    async with erp.open() as (adapter, recorder):
        inventory = adapter.require(adapter.inventory, "inventory reconciliation")
        pages = [page async for page in inventory.balances()]
        names = await inventory.location_names()
    return pages, names, [erp.is_read(request) for request in recorder.sent]


def test_balances_add_up_to_the_books_page_by_page(erp: ErpCase):
    pages, _, _ = asyncio.run(read(erp))
    assert len(pages) > 1, "the books hold more than one page: paging is exercised"
    assert all(0 < len(page) <= PAGE_SIZE for page in pages)
    found: Books = {}
    for balance in (b for page in pages for b in page):
        assert isinstance(balance, InventoryBalance) and balance.item
        assert isinstance(balance.quantity, int | float) and not isinstance(balance.quantity, bool)
        found[(balance.item, balance.location)] = found.get((balance.item, balance.location), 0) + balance.quantity
    assert found == erp.books()


def test_every_location_has_a_name_and_an_erp_without_locations_has_none(erp: ErpCase):
    pages, names, _ = asyncio.run(read(erp))
    locations = {b.location for page in pages for b in page}
    if None in locations:
        assert locations == {None} and names == {}, "one quantity per item, or per item and location: never both"
    else:
        assert locations <= set(names) and all(isinstance(name, str) and name for name in names.values())


def test_reading_the_balances_writes_nothing(erp: ErpCase):
    before = erp.books()
    _, _, reads = asyncio.run(read(erp))
    assert reads and all(reads), f"{erp.name}: every request the inventory read sends is a read"
    assert erp.books() == before
