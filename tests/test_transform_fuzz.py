"""Fuzzing the pure transforms a writer runs per record: whatever one field of a record holds
(any string, NaN, Infinity, 1e308, a negative, a wrong type or shape), the record comes out as
a result whose body every target can hold, or as a dead letter naming the record (and, for a
number no target can hold, the field). Nothing escapes that would stop the other records.

Each transform runs inside `core.writer.one_record`, exactly as the writer loops run it."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from connectors.validation import number_out_of_range
from core.ramp_config import RampMappings
from core.writer import one_record
from erp.netsuite.consumption import completion_body, plan_completions
from erp.netsuite.receipts import (
    NetSuitePo,
    PoLine,
    item_receipt_body,
    netsuite_problems,
    parse_receipts,
)
from erp.port.completions import parse_runs
from erp.quickbooks.rules import (
    SetupIds,
    inventory_item_body,
    plan_purchase_order,
    purchase_order_body,
)
from ledger.store import DeadLetter
from payments.ramp.common import RampPurchaseOrderRef
from payments.ramp.purchase_orders import plan_purchase_orders
from payments.ramp.receipts import plan_item_receipts
from tests.factories import MAPPINGS, installation, ion_purchase_order, run_node

FUZZ = settings(max_examples=25, deadline=None)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([1e308, -1e308, 1e11, -1.0, 0]),
)
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    NUMBERS,
    st.text(max_size=12),
    st.just("x" * 10_000),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
Path = tuple[str | int, ...]


def mutated(record: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    copied = copy.deepcopy(record)
    parent: Any = copied
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copied


def check(
    transform: Callable[[dict[str, Any]], list[dict[str, Any]]],
    record: dict[str, Any],
    label: str,
    path: Path,
    value: Any,
    numeric: set[Path],
) -> None:
    """Run `transform` on the mutated record as a writer loop does; judge what came out."""
    dead: list[DeadLetter] = []
    bodies: list[dict[str, Any]] = []
    with one_record(dead, "key", "source", label):
        bodies, reasons = transform(mutated(record, path, value))
        dead += [DeadLetter("key", "source", reason) for reason in reasons]
    for body in bodies:
        assert number_out_of_range(body) is None, body  # a result every target can hold
    for letter in dead:
        assert label in letter.reason, letter.reason  # names the record
    if path in numeric and number_out_of_range(value) is not None:
        assert dead, f"{path} = {value!r} went through"
        assert any(str(path[-1]) in letter.reason for letter in dead), [d.reason for d in dead]  # names the field


# -- consumption expansion (erp/netsuite/consumption.py) -----------------------------------------

RUN = run_node(1001, 3, [installation("COMP-200", 2.4, 2), installation("COMP-300", 3, 11, lot="L-1", tracking="LOT")])
RUN_NUMBERS: set[Path] = {
    ("partInventory", "quantity"),
    ("partInventory", "buildRequirements", 0, "abomInstallations", 0, "quantityInstalledPerParentPartInventory"),
}
RUN_PATHS = sorted(
    RUN_NUMBERS
    | {
        ("id",),
        ("title",),
        ("endTime",),
        ("attributes",),
        ("attributes", 0, "value"),
        ("partInventory", "location"),
        ("partInventory", "part", "partNumber"),
        ("partInventory", "part", "trackingType"),
        ("partInventory", "buildRequirements"),
        ("partInventory", "buildRequirements", 0, "abomInstallations", 1, "partInventory"),
        ("partInventory", "buildRequirements", 0, "abomInstallations", 1, "partInventory", "lotNumber"),
        ("partInventory", "buildRequirements", 0, "abomInstallations", 0, "partInventory", "location", "id"),
    },
    key=str,
)


def consumption(node: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    runs, dead = parse_runs([node])
    planned = plan_completions(runs, MAPPINGS)
    items: dict[str, str | None] = defaultdict(lambda: "501")
    bodies = [completion_body(plan, items) for plan in planned.plans]
    return bodies, [d.reason for d in [*dead, *planned.dead_letters]]


@FUZZ
@given(path=st.sampled_from(RUN_PATHS), value=ANYTHING)
def test_consumption_expansion(path: Path, value: Any) -> None:
    check(consumption, RUN, "run ", path, value, RUN_NUMBERS)


# -- receipt lines (erp/netsuite/receipts.py) ------------------------------------------------------

RECEIPT = {
    "id": 7,
    "_created": "2026-11-21T10:00:00Z",
    "receivedAt": "2026-11-21T10:00:00Z",
    "receiptItems": [
        {
            "id": 1,
            "quantity": 5,
            "purchaseOrderLine": {
                "id": 4,
                "status": "ORDERED",
                "part": {"partNumber": "COMP-200"},
                "Attributes": [{"value": "1"}],
                "purchaseOrder": {"id": 2, "Attributes": [{"value": "PO5002"}]},
            },
            "partInventory": {"locationId": 1, "lotNumber": "L-1", "serialNumber": None},
        }
    ],
}
RECEIPT_NUMBERS: set[Path] = {("receiptItems", 0, "quantity")}
RECEIPT_PATHS = sorted(
    RECEIPT_NUMBERS
    | {
        ("id",),
        ("receivedAt",),
        ("receiptItems",),
        ("receiptItems", 0),
        ("receiptItems", 0, "purchaseOrderLine"),
        ("receiptItems", 0, "purchaseOrderLine", "Attributes"),
        ("receiptItems", 0, "purchaseOrderLine", "purchaseOrder"),
        ("receiptItems", 0, "purchaseOrderLine", "part"),
        ("receiptItems", 0, "partInventory"),
        ("receiptItems", 0, "partInventory", "locationId"),
        ("receiptItems", 0, "partInventory", "lotNumber"),
    },
    key=str,
)
NETSUITE_PO = NetSuitePo("9", "PO5002", "B", {1: PoLine(1, "COMP-200", 100.0, 0.0, False)})


def receipt_lines(node: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    parsed = parse_receipts([node], MAPPINGS)
    reasons = [d.reason for d in parsed.dead_letters]
    bodies = []
    for plan in parsed.plans:
        problems = netsuite_problems(plan, NETSUITE_PO, MAPPINGS, {})
        reasons += [f"{plan.label}: {'; '.join(problems)}"] if problems else []
        bodies += [] if problems else [item_receipt_body(plan, NETSUITE_PO)]
    return bodies, reasons


@FUZZ
@given(path=st.sampled_from(RECEIPT_PATHS), value=ANYTHING)
def test_receipt_lines(path: Path, value: Any) -> None:
    check(receipt_lines, RECEIPT, "ION receipt ", path, value, RECEIPT_NUMBERS)


# -- QuickBooks bodies (erp/quickbooks/rules.py) ------------------------------------------

QUICKBOOKS_PO = ion_purchase_order()
QUICKBOOKS_NUMBERS: set[Path] = {
    ("purchaseOrderLines", 0, "quantity"),
    ("purchaseOrderLines", 0, "cost"),
    ("purchaseOrderLines", 1, "cost"),
    ("fees", 0, "value"),
}
QUICKBOOKS_PATHS = sorted(
    QUICKBOOKS_NUMBERS
    | {
        ("id",),
        ("supplier",),
        ("supplier", "name"),
        ("currency",),
        ("shipToLocation",),
        ("shipToLocation", "address"),
        ("fees",),
        ("fees", 0, "type"),
        ("purchaseOrderLines",),
        ("purchaseOrderLines", 0, "id"),
        ("purchaseOrderLines", 0, "part"),
        ("purchaseOrderLines", 0, "part", "partNumber"),
        ("purchaseOrderLines", 1, "description"),
        ("purchaseOrderLines", 1, "attributes"),
    },
    key=str,
)
SETUP = SetupIds(accounts_payable="1", income="2", inventory_asset="3", inventory_expense="4", fees="5")


def quickbooks_bodies(node: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    plan, problems = plan_purchase_order(node, class_attribute="Class", expense_attribute="Expense Account")
    if plan is None:
        return [], [f"ION purchase order {node.get('id')}: " + "; ".join(problems)]
    ids: dict[str, str] = defaultdict(lambda: "1")
    items = [
        inventory_item_body(line.item, line.part_number or "", line.item_description, SETUP, "2026-11-20")
        for line in plan.lines
        if line.item
    ]
    return [purchase_order_body(plan, SETUP, vendor_id="1", items=ids, accounts=ids, classes=ids), *items], []


@FUZZ
@given(path=st.sampled_from(QUICKBOOKS_PATHS), value=ANYTHING)
@example(path=("purchaseOrderLines", 0, "part", "partNumber"), value=[10_000_000_000])  # once became an item's Sku
def test_quickbooks_bodies(path: Path, value: Any) -> None:
    check(quickbooks_bodies, QUICKBOOKS_PO, "ION purchase order ", path, value, QUICKBOOKS_NUMBERS)


# -- Ramp bodies (payments/ramp/purchase_orders.py, payments/ramp/receipts.py) --------------------

RAMP_PO = {
    "id": 7,
    "_etag": "e",
    "_created": "2026-11-20T08:00:00+00:00",
    "status": "APPROVED",
    "paid": False,
    "description": None,
    "currency": {"id": 1, "type": "USD"},
    "supplier": {"id": 1, "name": "Acme", "attributes": [{"key": "Ramp Vendor Id", "value": "v-1"}]},
    "purchaseOrderLines": [
        {
            "id": 1,
            "position": 1,
            "description": "bolts",
            "cost": 2.5,
            "quantity": 4,
            "status": "DRAFT",
            "part": {"partNumber": "COMP-200"},
        }
    ],
}
RAMP_PO_NUMBERS: set[Path] = {("purchaseOrderLines", 0, "quantity"), ("purchaseOrderLines", 0, "cost")}
RAMP_PO_PATHS = sorted(
    RAMP_PO_NUMBERS
    | {
        ("id",),
        ("_created",),
        ("currency",),
        ("supplier",),
        ("supplier", "attributes"),
        ("purchaseOrderLines",),
        ("purchaseOrderLines", 0, "part"),
        ("purchaseOrderLines", 0, "description"),
        ("purchaseOrderLines", 0, "position"),
    },
    key=str,
)
RAMP_RECEIPT = {
    "id": 5,
    "receivedAt": "2026-11-21T10:00:00+00:00",
    "_created": "2026-11-21T10:00:00+00:00",
    "receiptItems": [{"id": 1, "quantity": 3, "purchaseOrderLine": {"id": 1, "purchaseOrderId": 7}}],
}
RAMP_RECEIPT_NUMBERS: set[Path] = {("receiptItems", 0, "quantity")}
RAMP_RECEIPT_PATHS = sorted(
    RAMP_RECEIPT_NUMBERS
    | {
        ("id",),
        ("receivedAt",),
        ("receiptItems",),
        ("receiptItems", 0, "purchaseOrderLine"),
        ("receiptItems", 0, "purchaseOrderLine", "purchaseOrderId"),
    },
    key=str,
)
IN_RAMP = {7: RampPurchaseOrderRef(7, "r-7", "ION-7", {1: "rl-1"})}


def ramp_po_bodies(node: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    plan = plan_purchase_orders([node], RampMappings(), "entity")
    return [r.body for r in plan.ready], [d.reason for d in plan.dead_letters]


def ramp_receipt_bodies(node: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    plan = plan_item_receipts([node], IN_RAMP, RampMappings())
    return [r.body for r in plan.ready], [d.reason for d in plan.dead_letters]


@FUZZ
@given(path=st.sampled_from(RAMP_PO_PATHS), value=ANYTHING)
def test_ramp_purchase_order_bodies(path: Path, value: Any) -> None:
    check(ramp_po_bodies, RAMP_PO, "ION PO ", path, value, RAMP_PO_NUMBERS)


@FUZZ
@given(path=st.sampled_from(RAMP_RECEIPT_PATHS), value=ANYTHING)
def test_ramp_item_receipt_bodies(path: Path, value: Any) -> None:
    check(ramp_receipt_bodies, RAMP_RECEIPT, "ION receipt ", path, value, RAMP_RECEIPT_NUMBERS)
