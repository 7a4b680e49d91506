"""three-way-match: the seed's example in the simulators, and the comparison rules on their own."""

from __future__ import annotations

import asyncio
from typing import Any

import pandas as pd
import pytest

from connectors.netsuite import NetSuiteClient, NetSuiteSettings
from connectors.netsuite.suiteql_schema import SUITEQL_COLUMNS
from connectors.settings import load_settings
from core.config import ErpMappings
from core.three_way_match import match_lines
from erp.netsuite.matching import NetSuiteMatching
from ion_sync.runner import run_deployment
from sandbox.netsuite import NetSuiteSimConfig, create_app
from sandbox.server import serving
from tasks.three_way_match import read_erp_purchasing
from tests.world import netsuite_tba_settings

DECLARED_COLUMNS = {f"{table}.{column}" for table, columns in SUITEQL_COLUMNS.items() for column in columns}


def transform_purchase_order(po_id: str, to_type: str, external_id: str, lines: list[dict[str, Any]]) -> None:
    """An item receipt or vendor bill made from a NetSuite PO, as NetSuite users (or receipt-sync) make them."""

    async def post() -> None:
        async with NetSuiteClient(load_settings(NetSuiteSettings)) as netsuite:
            body = {"externalId": external_id, "item": {"items": lines}}
            await netsuite.transform_once("purchaseOrder", po_id, to_type, body, external_id=external_id, check_first=False)

    asyncio.run(post())


@pytest.mark.usefixtures("prefect_api")
def test_seed_example_agreeing_documents_match_and_a_short_receipt_is_flagged(world):
    # PO5002 line 2, 40 brackets @ 1.2: received in ION, item-receipted and billed in NetSuite.
    world.admin(
        "ion", "POST", "receipts", {"purchaseOrderId": 2, "items": [{"purchaseOrderLineId": 4, "quantity": 40, "locationId": 2}]}
    )
    lot = {"inventoryAssignment": {"items": [{"receiptInventoryNumber": "L-2211", "quantity": 100}]}}
    transform_purchase_order(
        "1502",
        "itemReceipt",
        "test-receipt-1",
        [{"orderLine": 1, "quantity": 100, "inventoryDetail": lot}, {"orderLine": 2, "quantity": 40}],
    )
    transform_purchase_order("1502", "vendorBill", "test-bill-1", [{"orderLine": 2, "quantity": 40, "rate": 1.2}])
    # PO5001 line 2: 50 received and item-receipted, but billed at a higher price.
    transform_purchase_order(
        "1501", "itemReceipt", "test-receipt-2", [{"orderLine": 1, "itemReceive": False}, {"orderLine": 2, "quantity": 50}]
    )
    transform_purchase_order("1501", "vendorBill", "test-bill-2", [{"orderLine": 2, "quantity": 50, "rate": 4.2}])

    result = run_deployment("three-way-match")
    assert result.ok and result.summary.lines == 4
    assert (result.summary.matched, result.summary.awaiting_bill, result.summary.flagged) == (1, 0, 3)
    report = pd.read_csv(result.summary.csv, dtype={"line": str}).set_index(["po", "line"])
    agreed = report.loc[("PO5002", "2")]
    assert (agreed.ordered, agreed.received_ion, agreed.item_receipted, agreed.billed) == (40, 40, 40, 40)
    assert agreed.status == "match" and pd.isna(agreed["flags"])
    short = report.loc[("PO5002", "1")]
    assert short.status == "mismatch" and short["flags"] == "short receipt: ION received 100 of 200 ordered"
    assert report.loc[("PO5001", "2")]["flags"] == "billed at 4.2 a unit, ordered at 4"
    # The demo bill of PO5001 line 1 pays for 100 while ION received 60 and NetSuite has no receipt.
    assert report.loc[("PO5001", "1")]["flags"] == (
        "short receipt: ION received 60 of 100 ordered; "
        "item receipts differ from ION: NetSuite item receipts total 0, ION received 60; "
        "billed 100 but item-receipted 0 (paying for goods not received)"
    )
    # Receipt and bill lines reach their PO line through previoustransactionlinelink, and every
    # column read is one the product declares (and the preflight probes): no transactionline.orderline.
    assert world.suiteql_columns_read() <= DECLARED_COLUMNS
    assert "previoustransactionlinelink.previousline" in world.suiteql_columns_read()


def frames(
    ion_rows: list[dict[str, Any]], receipts: list[tuple[str, str, float]] = (), bills: list[tuple[str, str, float, float]] = ()
):
    netsuite = pd.DataFrame(
        [
            {"po_id": "1", "po": "PO1", "line": "1", "item": "A", "ordered": 10.0, "ordered_rate": 2.0, "closed": False},
            {"po_id": "1", "po": "PO1", "line": "2", "item": "B", "ordered": 5.0, "ordered_rate": 1.0, "closed": False},
        ]
    )
    ion = pd.DataFrame(ion_rows, columns=["po", "line_attr", "ion_item", "ion_line", "ion_status", "received_ion"])
    receipt_frame = pd.DataFrame(receipts, columns=["po_id", "line", "quantity"]).assign(amount=0.0)
    bill_frame = pd.DataFrame(bills, columns=["po_id", "line", "quantity", "amount"])
    return netsuite, receipt_frame, bill_frame, ion


def test_lines_join_by_item_when_the_line_number_is_missing_and_every_disagreement_is_named():
    ion = [
        {"po": "PO1", "line_attr": None, "ion_item": "A", "ion_line": 11, "ion_status": "RECEIVED", "received_ion": 12.0},
        {"po": "PO1", "line_attr": "7", "ion_item": "C", "ion_line": 12, "ion_status": "ORDERED", "received_ion": 1.0},
    ]
    result = match_lines(*frames(ion, receipts=[("1", "1", 12.0)], bills=[("1", "1", 12.0, 24.0)]), ErpMappings(), erp="NetSuite")
    rows = result.rows.set_index(["po", "line"])
    assert rows.loc[("PO1", "1")]["flags"] == (
        "over-receipt: ION received 12, 10 ordered; item-receipted 12, more than the 10 ordered; billed 12, more than the 10 ordered"
    )
    assert rows.loc[("PO1", "2")]["flags"].startswith("not in ION")
    assert rows.loc[("PO1", "7")]["flags"] == "ION line 12 (C) matches no line of NetSuite PO1 (line number 7)"
    assert list(result.rows["status"]) == ["mismatch"] * 3


def test_agreeing_lines_without_a_bill_await_it_and_partial_bills_are_flagged():
    ion = [
        {"po": "PO1", "line_attr": "1", "ion_item": "A", "ion_line": 11, "ion_status": "RECEIVED", "received_ion": 10.0},
        {"po": "PO1", "line_attr": "2", "ion_item": "B", "ion_line": 12, "ion_status": "RECEIVED", "received_ion": 5.0},
    ]
    netsuite, receipts, bills, ion_frame = frames(
        ion, receipts=[("1", "1", 4.0), ("1", "1", 6.0), ("1", "2", 5.0)], bills=[("1", "2", 3.0, 3.0)]
    )
    rows = match_lines(netsuite, receipts, bills, ion_frame, ErpMappings(), erp="NetSuite").rows.set_index("line")
    assert rows.loc["1"].status == "awaiting bill" and rows.loc["1"].item_receipted == 10  # two partial receipts sum
    assert rows.loc["2"]["flags"] == "billed 3 but item-receipted 5 (received goods not yet billed)"


@pytest.mark.usefixtures("prefect_api")
def test_receipt_sync_closes_the_loop_item_receipts_agree_with_ion(world):
    """The purchasing loop end to end: ION receipts posted by receipt-sync, a bill in NetSuite,
    then the match: what ION received and NetSuite item-receipted agree line by line."""
    world.receive(2, [{"purchaseOrderLineId": 4, "quantity": 40, "locationId": 1}])  # all 40 brackets
    assert run_deployment("receipt-sync").summary.posted == 3
    transform_purchase_order("1502", "vendorBill", "test-bill-3", [{"orderLine": 2, "quantity": 40, "rate": 1.2}])

    result = run_deployment("three-way-match")
    report = pd.read_csv(result.summary.csv, dtype={"line": str}).set_index(["po", "line"])
    assert (report.received_ion == report.item_receipted).all()  # receipt-sync left no gap
    bracket = report.loc[("PO5002", "2")]
    assert (bracket.ordered, bracket.received_ion, bracket.item_receipted, bracket.billed) == (40, 40, 40, 40)
    assert bracket.status == "match"
    assert report.loc[("PO5001", "2")].status == "awaiting bill"  # 50 of 50 received, no bill yet
    assert report.loc[("PO5002", "1")]["flags"] == "short receipt: ION received 100 of 200 ordered"
    assert "billed 100 but item-receipted 60" in report.loc[("PO5001", "1")]["flags"]


def test_receipt_and_bill_lines_are_read_through_previoustransactionlinelink():
    """The NetSuite side of the match against the strict simulator, without Prefect: SuiteQL has
    no `transactionline.orderline`, so a divergence from the documented tables fails here."""
    with serving(create_app(NetSuiteSimConfig(seed_purchasing=True))) as running:

        async def read():
            async with NetSuiteClient(netsuite_tba_settings(running.url)) as netsuite:
                return await read_erp_purchasing.fn(NetSuiteMatching(netsuite), ["PO5001"], None, None, False)

        lines, receipts, bills = asyncio.run(read())
        columns = set(running.server.config.app.state.sim.stats()["suiteql_columns_read"])
    assert sorted(lines["line"]) == ["1", "2"] and receipts.empty
    assert bills[["po_id", "line", "quantity"]].values.tolist() == [["1501", "1", 100.0]]
    assert "previoustransactionlinelink.previousline" in columns and columns <= DECLARED_COLUMNS
