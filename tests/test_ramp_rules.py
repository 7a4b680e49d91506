"""The Ramp integration's business rules, as pure functions: PO bodies and their dead letters,
item receipts split per PO, which POs an event names, what Ramp's state means for ION, and the mode Ramp's API cannot serve."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from core.ramp_config import RampMappings
from ledger.inbox import InboxItem
from ledger.models import InboxStatus
from payments.ramp.approvals import IonState, candidates, decide
from payments.ramp.common import NumberLookup, RampPurchaseOrderRef
from payments.ramp.purchase_orders import line_map, plan_purchase_orders, unit_price
from payments.ramp.receipts import plan_item_receipts

MAPPINGS = RampMappings()
VENDOR = [{"key": "Ramp Vendor Id", "value": "v-1"}]


def po(
    po_id: int,
    lines: list[dict[str, object]],
    attributes: list[dict[str, str]] = VENDOR,
    currency: object = {"id": 1, "type": "USD"},
) -> dict[str, object]:
    return {
        "id": po_id,
        "_etag": "e",
        "_created": "2026-11-20T08:00:00+00:00",
        "status": "APPROVED",
        "paid": False,
        "description": None,
        "currency": currency,
        "supplier": {"id": 1, "name": "Acme Metals", "attributes": attributes},
        "purchaseOrderLines": lines,
    }


def line(line_id: int, quantity: float, cost: float | None, status: str = "DRAFT", position: int = 1) -> dict[str, object]:
    return {
        "id": line_id,
        "position": position,
        "description": "bolts",
        "cost": cost,
        "quantity": quantity,
        "status": status,
        "part": {"partNumber": "COMP-200"},
    }


def test_po_body_prices_in_major_units_whole_quantities_and_canceled_lines_left_out():
    plan = plan_purchase_orders(
        [po(7, [line(2, 500, 0.1, position=2), line(1, 10, 2.505), line(3, 4, 1, status="CANCELED")])], MAPPINGS, "ent"
    )
    [ready] = plan.ready
    assert ready.number == "ION-7" and ready.line_ids == [1, 2]
    assert ready.body == {
        "purchase_order_number": "ION-7",
        "currency": "USD",
        "entity_id": "ent",
        "vendor_id": "v-1",
        "three_way_match_enabled": True,
        "memo": "ION purchase order 7",
        "line_items": [
            {"description": "[ION line 1] COMP-200: bolts", "unit_price": "2.51", "unit_quantity": 10},
            {"description": "[ION line 2] COMP-200: bolts", "unit_price": "0.10", "unit_quantity": 500},
        ],
    }
    assert unit_price(0.125) == "0.13" and unit_price(4) == "4.00"


def test_ramp_lines_are_matched_to_ion_lines_by_the_tag_in_their_description_not_by_position():
    ramp_po = {
        "line_items": [
            {"id": "rl-b", "description": "[ION line 2] COMP-200: bolts"},
            {"id": "rl-x", "description": "freight added in Ramp"},
            {"id": "rl-a", "description": "[ION line 1] COMP-200: bolts"},
        ]
    }
    assert line_map(ramp_po) == {"2": "rl-b", "1": "rl-a"}
    assert line_map(None) == {}


def test_po_dead_letters_say_what_to_fix():
    plan = plan_purchase_orders(
        [
            po(8, [line(1, 2.5, 1.0)]),
            po(9, [line(2, 1, 1.0)], attributes=[]),
            po(10, [line(3, 1, None)]),
            {"id": 11, "status": "APPROVED"},
        ],
        MAPPINGS,
        "ent",
    )
    reasons = {d.key: d.reason for d in plan.dead_letters}
    assert plan.ready == [] and len(reasons) == 4
    assert "quantity 2.5: Ramp takes whole units" in reasons["ion:po:8:ramp-po"]
    assert "has no 'Ramp Vendor Id': run ramp-supplier-import" in reasons["ion:po:9:ramp-po"]
    assert "line 3 has no unit cost" in reasons["ion:po:10:ramp-po"]
    assert reasons["ion:po:11:ramp-po"].startswith("ION PO 11: _etag is missing")


def test_a_receipt_over_two_pos_becomes_one_item_receipt_per_po_in_ramp():
    in_ramp = {7: RampPurchaseOrderRef(7, "r-7", "ION-7", {1: "rl-1", 2: "rl-2"})}
    receipt = {
        "id": 5,
        "receivedAt": "2026-11-21T10:00:00+00:00",
        "_created": "2026-11-21T10:00:00+00:00",
        "receiptItems": [
            {"id": 1, "quantity": 3, "purchaseOrderLine": {"id": 1, "purchaseOrderId": 7}},
            {"id": 2, "quantity": 2, "purchaseOrderLine": {"id": 1, "purchaseOrderId": 7}},
            {"id": 3, "quantity": 9, "purchaseOrderLine": {"id": 9, "purchaseOrderId": 8}},  # PO 8 is not in Ramp
        ],
    }
    fractional = {
        **receipt,
        "id": 6,
        "receiptItems": [
            {"id": 4, "quantity": 0.5, "purchaseOrderLine": {"id": 2, "purchaseOrderId": 7}},
            {"id": 5, "quantity": 1, "purchaseOrderLine": {"id": 99, "purchaseOrderId": 7}},
        ],
    }
    plan = plan_item_receipts([receipt, fractional], in_ramp, MAPPINGS)
    [ready] = plan.ready
    assert ready.key == "ion:receipt:5:po:7:ramp-item-receipt" and plan.not_in_ramp == 1
    assert ready.body == {
        "purchase_order_id": "r-7",
        "item_receipt_number": "ION-R5-7",
        "received_at": "2026-11-21",
        "memo": "ION receipt 5",
        "item_receipt_line_items": [{"purchase_order_line_item_id": "rl-1", "unit_quantity": 5}],
    }
    [dead] = plan.dead_letters
    assert "line 2 received 0.5" in dead.reason and "line 99 is not on Ramp PO ION-7" in dead.reason


def event(event_type: str, subject: str) -> InboxItem:
    return InboxItem(1, "ramp", "e1", event_type, subject, None, InboxStatus.pending, datetime.now(UTC))


def test_which_pos_an_event_names_and_what_ramp_state_means_for_ion():
    tracked = {7: RampPurchaseOrderRef(7, "r-7", "ION-7", {}), 8: RampPurchaseOrderRef(8, "r-8", "ION-8", {})}
    assert candidates(
        [event("purchase_orders.updated", "r-8"), event("purchase_orders.updated", "elsewhere")], tracked, poll=False
    ) == {8}
    assert candidates([event("bills.paid", "bill-1")], tracked, poll=False) == {7, 8}
    assert candidates([], tracked, poll=True) == {7, 8}
    ref = tracked[7]
    assert decide(ref, IonState(7, "e", "ORDERED", False), True).mark_paid
    assert not decide(ref, IonState(7, "e", "ORDERED", True), True).mark_paid
    assert not decide(ref, IonState(7, "e", "ORDERED", False), False).mark_paid


def test_approve_in_ramp_is_refused_naming_the_limitation_and_what_to_do():
    assert RampMappings().unsupported() is None
    problem = RampMappings(approval="in_ramp").unsupported()
    assert problem and "exposes no purchase-order approval" in problem and "ramp.approval: in_ion" in problem


def test_pos_are_created_in_ramp_once_approved_in_ion_or_in_a_later_status_when_configured():
    assert RampMappings().trigger_statuses == ["APPROVED"]
    assert RampMappings(also_statuses=["ORDERED", "RECEIVED"]).trigger_statuses == ["APPROVED", "ORDERED", "RECEIVED"]


async def test_numbers_looked_up_together_share_one_scan_of_ramp():
    """Ramp's lists take no number filter: the keys a dead run left pending are checked with one scan."""
    scans: list[set[str]] = []

    async def scan(numbers: set[str]) -> dict[str, str]:
        scans.append(set(numbers))
        return {n: n.lower() for n in numbers if n != "ION-9"}

    lookup = NumberLookup(scan)
    assert await asyncio.gather(lookup.get("ION-1"), lookup.get("ION-2"), lookup.get("ION-9")) == ["ion-1", "ion-2", None]
    assert scans == [{"ION-1", "ION-2", "ION-9"}]
    assert await lookup.get("ION-3") == "ion-3" and len(scans) == 2
