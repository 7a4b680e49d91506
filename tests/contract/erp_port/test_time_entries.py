"""The ERP port's time entries (`erp.port.time_entries`), the same for every ERP adapter: what
stops an entry is said before writing; an entry lands once under its ledger key however often
it is written; a correction changes the entry posted, never adds a second one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from connectors.errors import DataError
from core.writer import Postable
from erp.port.time_entries import TimeEntry, TimeEntryTarget
from ledger import Claim
from tests.contract.erp_port.in_process import ERPS, ErpOps, ErpUnderTest

pytestmark = pytest.mark.parametrize("erp", ERPS, ids=[e.name for e in ERPS])


def entry(ops: ErpOps, session: int, minutes: int = 90, *, employee: str = "", work_order: str = "") -> TimeEntry:
    work_order = work_order or ops.work_order
    return TimeEntry(
        session_id=session,
        key=f"ion:session:{session}:time",
        label=f"session {session}",
        updated=datetime(2026, 11, 20, 9, tzinfo=UTC),
        etag="e1",
        employee=employee or ops.employee,
        customer=ops.customer,
        work_order=work_order,
        tran_date="2026-11-20",
        minutes=minutes,
        memo=f"{work_order} · session {session}",
    )


async def postable(target: TimeEntryTarget, planned: TimeEntry, corrects: str | None = None) -> Postable:
    assert await target.problems([planned]) == {}
    return Postable(planned.key, f"ion:session:{planned.session_id}", planned.label, target.body(planned), {}, corrects=corrects)


async def test_what_stops_an_entry_is_said_before_writing(erp: ErpUnderTest) -> None:
    async with erp.open() as (adapter, ops):
        target = adapter.require(adapter.time_entries, "labor time entries")
        await target.check()
        unknown = entry(ops, 9001, work_order="WO-NONE")
        problems = await target.problems([entry(ops, 9002), unknown])
        assert list(problems) == [unknown.key] and "WO-NONE" in problems[unknown.key][0]


async def test_the_fingerprint_follows_what_the_entry_says(erp: ErpUnderTest) -> None:
    async with erp.open() as (adapter, ops):
        target = adapter.require(adapter.time_entries, "labor time entries")
        await target.problems([entry(ops, 9003)])
        same = target.fingerprint(target.body(entry(ops, 9003)))
        assert same == target.fingerprint(target.body(replace(entry(ops, 9003), etag="e2")))
        assert same != target.fingerprint(target.body(entry(ops, 9003, minutes=91)))


async def test_an_entry_lands_once_however_often_it_is_written_and_is_found_by_its_key(erp: ErpUnderTest) -> None:
    async with erp.open() as (adapter, ops):
        target = adapter.require(adapter.time_entries, "labor time entries")
        writer = target.writer()
        item = await postable(target, entry(ops, 9004))
        assert await writer.find(Claim(item.key, item.source_ref, 0, resolve_first=True)) is None
        [first] = await writer.write([item])
        [again] = await writer.write([item])  # an answer lost: written again
        assert isinstance(first, str) and again == first
        assert await writer.find(Claim(item.key, item.source_ref, 1)) == first
        assert await ops.entries(entry(ops, 9004)) == 1 and await ops.hours(first) == "1:30"


async def test_a_correction_changes_the_entry_posted_never_adds_one(erp: ErpUnderTest) -> None:
    async with erp.open() as (adapter, ops):
        target = adapter.require(adapter.time_entries, "labor time entries")
        writer = target.writer()
        [posted] = await writer.write([await postable(target, entry(ops, 9005))])
        assert isinstance(posted, str)
        [corrected] = await writer.write([await postable(target, entry(ops, 9005, minutes=135), corrects=posted)])
        assert corrected == posted and await ops.hours(posted) == "2:15" and await ops.entries(entry(ops, 9005)) == 1
        if not ops.keys_entries:
            return  # nothing in the ERP names the key: an entry whose content changed since it landed is not found again
        # A new entry whose earlier write landed before the session was edited is brought up to date.
        [adopted] = await writer.write([await postable(target, entry(ops, 9005, minutes=60))])
        assert adopted == posted and await ops.hours(posted) == "1:00" and await ops.entries(entry(ops, 9005)) == 1


async def test_an_entry_the_erp_refuses_is_that_entrys_data_error(erp: ErpUnderTest) -> None:
    async with erp.open() as (adapter, ops):
        target = adapter.require(adapter.time_entries, "labor time entries")
        writer = target.writer()
        good = await postable(target, entry(ops, 9006))
        unknown = entry(ops, 9007, employee="999")
        refused = replace(good, key=unknown.key, body=target.body(unknown))
        results: list[str | Exception] = []
        for item in (refused, good):
            try:
                results += await writer.write([item])
            except DataError as exc:
                results.append(exc)
        assert isinstance(results[0], DataError) and isinstance(results[1], str)
        assert await ops.entries(unknown) == 0
