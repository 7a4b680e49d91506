"""ERP port, InventorySource: every ERP adapter reads its books' on-hand, a page at a time, and writes nothing."""

from __future__ import annotations

from erp.port.inventory import InventoryBalance, InventorySource
from tests.contract.erp_port.erps import PAGE_SIZE, Books, ErpSession


async def read(erp: ErpSession) -> tuple[list[list[InventoryBalance]], dict[str, str]]:
    inventory: InventorySource = erp.require("inventory")
    pages = [page async for page in inventory.balances()]
    return pages, await inventory.location_names()


async def test_balances_add_up_to_the_books_page_by_page(erp: ErpSession) -> None:
    pages, _ = await read(erp)
    assert len(pages) > 1, "the books hold more than one page: paging is exercised"
    assert all(0 < len(page) <= PAGE_SIZE for page in pages)
    found: Books = {}
    for balance in (b for page in pages for b in page):
        assert isinstance(balance, InventoryBalance) and balance.item
        assert isinstance(balance.quantity, int | float) and not isinstance(balance.quantity, bool)
        found[(balance.item, balance.location)] = found.get((balance.item, balance.location), 0) + balance.quantity
    assert found == await erp.books.on_hand()


async def test_every_location_has_a_name_and_an_erp_without_locations_has_none(erp: ErpSession) -> None:
    pages, names = await read(erp)
    locations = {b.location for page in pages for b in page}
    if None in locations:
        assert locations == {None} and names == {}, "one quantity per item, or per item and location: never both"
    else:
        assert locations <= set(names) and all(isinstance(name, str) and name for name in names.values())


async def test_reading_the_balances_writes_nothing(erp: ErpSession) -> None:
    before = await erp.books.on_hand()
    await read(erp)
    assert erp.sent and all(erp.books.is_read(request) for request in erp.sent), f"{erp.adapter.name}: every request is a read"
    assert await erp.books.on_hand() == before
