"""Seed 001's rules as pure functions: item names, what a PO line becomes, bad input named by
line and field, fees, versions; and the QuickBooks settings documented in README."""

from __future__ import annotations

import asyncio
from typing import Any

from connectors.quickbooks import QuickBooksSettings, quote
from erp.quickbooks.purchase_orders import out_of_sync_problems
from erp.quickbooks.rules import (
    item_name,
    item_name_problem,
    plan_purchase_order,
    purchase_order_update,
)
from erp.quickbooks.setup import NameCache
from ion_sync.deployments import PROJECT_ROOT
from tests.factories import ion_purchase_order

ATTRS = {"class_attribute": "Class", "expense_attribute": "Expense Account"}


def test_item_names_follow_the_seed_and_refuse_what_quickbooks_refuses():
    assert item_name("820412-001", "B") == "820412-001 Rev B"
    assert item_name_problem("820412-001", "B") is None
    assert "no revision" in item_name_problem("P-1", None)
    assert "colon" in item_name_problem("P:1", "A")
    assert "100 characters" in item_name_problem("P" * 100, "A")
    assert quote("Adam's shop") == "'Adam\\'s shop'"
    assert "backslash" in item_name_problem("P\\1", "A")


def test_lines_become_item_or_account_lines_and_fees_are_priced():
    plan, problems = plan_purchase_order(ion_purchase_order(), **ATTRS)
    assert problems == [] and plan is not None
    item, gloves, expensed_part = plan.lines  # the canceled line is left out
    assert (item.kind, item.item, item.amount, item.description) == ("item", "820412-001 Rev B", 10.0, "bracket")
    assert (gloves.kind, gloves.expense_account, gloves.class_name) == ("expense", "Office Supplies", "R&D")
    assert (expensed_part.kind, expensed_part.description, expensed_part.part_number) == ("expense", "P-2 Rev A", "P-2")
    assert [(f.name, f.amount) for f in plan.fees] == [("Freight", 10.0), ("Tax", 2.1)]  # 10 % of 21
    assert plan.doc_number == "7" and plan.ship_address == ["Hawthorne", "1 Main St", "Hawthorne, CA"]


def test_the_version_changes_with_the_content_only():
    plan, _ = plan_purchase_order(ion_purchase_order(), **ATTRS)
    same, _ = plan_purchase_order(ion_purchase_order(_updated="2026-11-21T00:00:00Z"), **ATTRS)
    changed, _ = plan_purchase_order(ion_purchase_order(currency={"id": 2, "type": "EUR"}), **ATTRS)
    assert plan.key == same.key and plan.key != changed.key and plan.key.startswith("ion:purchaseOrder:7@")


def test_bad_input_names_the_line_and_the_field():
    lines = ion_purchase_order()["purchaseOrderLines"]
    lines[0] = {**lines[0], "quantity": None}
    lines[1] = {**lines[1], "cost": -1}
    plan, problems = plan_purchase_order(ion_purchase_order(id=10**22, supplier=None, purchaseOrderLines=lines), **ATTRS)
    assert plan is None
    assert "line 1: quantity = None: must be a number above 0" in problems
    assert "line 2: cost = -1: must be a number, 0 or more" in problems
    assert any("21-character document number" in p for p in problems)
    assert "supplier is missing (QuickBooks needs a vendor)" in problems


def test_every_quickbooks_setting_is_in_the_readme_table():
    readme = (PROJECT_ROOT / "README.md").read_text()
    for field in QuickBooksSettings.model_fields:
        if field != "retry":
            assert f"QUICKBOOKS_{field}".upper() in readme, field


def item_line(item: str, qty: float, **extra: Any) -> dict[str, Any]:
    return {
        "DetailType": "ItemBasedExpenseLineDetail",
        "Amount": qty,
        "Description": item,
        "ItemBasedExpenseLineDetail": {"ItemRef": {"value": item}, "Qty": qty, "UnitPrice": 1},
        **extra,
    }


def account_line(text: str, account: str, **extra: Any) -> dict[str, Any]:
    return {
        "DetailType": "AccountBasedExpenseLineDetail",
        "Amount": 1,
        "Description": text,
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account}},
        **extra,
    }


def test_an_update_continues_the_quickbooks_lines_it_can_identify():
    bill = [{"TxnId": "9", "TxnType": "Bill"}]
    current = {
        "PrivateNote": "ION purchase order 7 · ion-sync 0123456789ab\nsigned by Ana",
        "Line": [
            item_line("A", 1, Id="1", LinkedTxn=bill),
            item_line("B", 1, Id="2"),
            account_line("Freight", "5", Id="3"),
            account_line("Rags", "4", Id="4"),
        ],
    }
    body = {
        "PrivateNote": "ION purchase order 7 · ion-sync ba9876543210",
        "Line": [item_line("A", 3), account_line("Freight", "6"), account_line("Gaskets", "4"), item_line("C", 1)],
    }
    update = purchase_order_update(current, body)
    a, freight, gaskets, c = update["Line"]
    assert (a["Id"], a["LinkedTxn"], a["ItemBasedExpenseLineDetail"]["Qty"]) == ("1", bill, 3)  # same item: continued
    assert (freight["Id"], freight["AccountBasedExpenseLineDetail"]["AccountRef"]) == ("3", {"value": "6"})
    assert "Id" not in gaskets and "Id" not in c  # a new description on an account line, a new item: new lines
    assert update["PrivateNote"] == "ION purchase order 7 · ion-sync ba9876543210\nsigned by Ana"


def test_a_name_no_query_can_express_is_out_of_sync_saying_to_rename_it():
    names = NameCache()
    asyncio.run(names.fill(None, vendors=['Acme "West"']))  # type: ignore[arg-type]  # refused before any query
    plan, _ = plan_purchase_order(ion_purchase_order(supplier={"id": 1, "name": 'Acme "West"'}), **ATTRS)
    assert plan is not None
    (row,) = [r for r in out_of_sync_problems(plan, names) if r["what"] == "supplier"]
    assert (
        row["fix"]
        == "the name contains a double quote, which the QuickBooks query language has no documented escape for: rename it"
    )


def test_texts_longer_than_quickbooks_takes_are_named_before_sending():
    plan, problems = plan_purchase_order(ion_purchase_order(description="m" * 4001), **ATTRS)
    assert plan is None and problems == ["description is longer than QuickBooks' 4000-character Memo"]
