"""The ERP port's purchase orders (`erp.port.purchase_orders`), the same for every ERP adapter:
each change listed once under its own version key, read and mapped onto the PO ION should hold
with the ERP's document number as the join key, its vendor as ION's supplier with terms."""

from __future__ import annotations

import pytest

from erp.port.purchase_orders import PurchaseOrderSource, SourcePo
from tests.contract.erp_port.in_process import ERPS, ErpUnderTest

pytestmark = pytest.mark.parametrize("erp", ERPS, ids=[e.name for e in ERPS])


async def one(source: PurchaseOrderSource, number: str) -> SourcePo:
    [change] = await source.changed(None, None, [number], None)
    [po] = await source.read([change])
    assert po is not None and po.change == change
    return po


async def test_each_change_is_listed_once_oldest_first_with_a_key_per_version(erp: ErpUnderTest) -> None:
    async with erp.open() as (adapter, ops):
        source = adapter.require(adapter.purchase_orders, "reading purchase orders")
        await source.check()  # as the flow does first: BC reads its locations here
        changes = await source.changed(None, None, None, None)
        assert len({c.key for c in changes}) == len(changes) >= 2
        times = [c.changed_at for c in changes]
        assert None not in times and times == sorted(times)  # type: ignore[type-var]
        first = (await one(source, ops.open_po)).change
        await ops.edit_po(first.erp_id)
        [edited] = await source.changed(None, None, [ops.open_po], None)
        assert edited.erp_id == first.erp_id and edited.key != first.key and edited.version != first.version
        assert edited.key in {c.key for c in await source.changed(first.changed_at, None, None, None)}
        assert [c.key for c in await source.changed(None, None, None, [first.erp_id])] == [edited.key]


async def test_a_po_maps_onto_the_po_ion_should_hold_joined_by_its_number(erp: ErpUnderTest) -> None:
    async with erp.open() as (adapter, ops):
        source = adapter.require(adapter.purchase_orders, "reading purchase orders")
        await source.check()  # as the flow does first: BC reads its locations here
        po = await one(source, ops.open_po)
        assert po.number == ops.open_po and po.receivable and po.part_numbers and po.erp == adapter.name
        part_ids = {number: f"part-{i}" for i, number in enumerate(sorted(po.part_numbers))}
        desired, problems = source.desired(po, part_ids, None)
        assert problems == [] and desired is not None
        assert (desired.key, desired.number, desired.erp_id) == (po.change.key, po.number, po.change.erp_id)
        assert not desired.closed
        assert po.number in desired.attributes.values() and desired.marker == po.marker
        assert desired.lines and {line.part_id for line in desired.lines.values()} <= set(part_ids.values())
        assert all(str(number) in line.attributes.values() for number, line in desired.lines.items())


async def test_an_item_with_no_ion_part_stops_the_po_naming_the_part(erp: ErpUnderTest) -> None:
    async with erp.open() as (adapter, ops):
        source = adapter.require(adapter.purchase_orders, "reading purchase orders")
        await source.check()  # as the flow does first: BC reads its locations here
        po = await one(source, ops.open_po)
        desired, problems = source.desired(po, {}, None)
        assert desired is None
        assert all(any(number in p for p in problems) for number in po.part_numbers)


async def test_a_closed_po_is_not_receivable_and_maps_as_closed(erp: ErpUnderTest) -> None:
    async with erp.open() as (adapter, ops):
        source = adapter.require(adapter.purchase_orders, "reading purchase orders")
        await source.check()  # as the flow does first: BC reads its locations here
        po = await one(source, ops.closed_po)
        assert not po.receivable
        desired, problems = source.desired(po, {number: "p" for number in po.part_numbers}, None)
        assert problems == [] and desired is not None and desired.closed


async def test_the_vendor_is_ions_supplier_with_its_payment_terms(erp: ErpUnderTest) -> None:
    async with erp.open() as (adapter, ops):
        source = adapter.require(adapter.purchase_orders, "reading purchase orders")
        await source.check()  # as the flow does first: BC reads its locations here
        po = await one(source, ops.open_po)
        desired, _ = source.desired(po, {number: "p" for number in po.part_numbers}, None)
        assert desired is not None
        supplier = await source.supplier(desired.vendor_id)
        assert supplier is not None and supplier.id == desired.vendor_id and supplier.name and supplier.terms
        assert await source.supplier(ops.unknown_vendor) is None
