"""One bad record never halts an integration: fed a poison record among good ones, every
writer completes, posts the good records (counted in the simulators), makes the poison record
a dead letter naming the record and the field, leaves no key `pending`, and moves its
watermark past it (issue 12 §1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from tests.world import World

pytestmark = pytest.mark.usefixtures("prefect_api")

LATE = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # after every demo record


@dataclass(frozen=True)
class Poisoned:
    """A writer, how to slip a poison record in among its good ones, and what must come out."""

    writer: str  # the deployment (= the ledger integration)
    seed: Callable[[World], str]  # adds the poison record, returns its ledger key (or the key's start)
    landed: Callable[[World], int]  # good records in the target afterwards
    good: int
    names: tuple[str, ...]  # the reason names the record and the field
    watermark: bool = True  # False: the writer keeps no watermark (it reads by state, not by time)


def consumption(world: World) -> str:
    # The record: a per-parent quantity of 1e308 (NetSuite holds nothing like it).
    world.add_run({
        "id": 1010, "title": "Build ASSY-100 for WO1004", "endTime": LATE.isoformat(), "workOrder": "WO1004",
        "produces": {"partNumber": "ASSY-100", "quantity": 2, "locationId": 3},
        "installations": [{"partNumber": "COMP-200", "perParent": 1e308, "locationId": 2, "quantity": 1}],
    })
    return "ion:run:1010:completion"


def receipt(world: World) -> str:
    receipt_id = world.receive(2, [{"purchaseOrderLineId": 4, "quantity": 1e308, "locationId": 1}])
    return f"ion:receipt:{receipt_id}:po:2"


def purchase_order(world: World) -> str:
    # A NetSuite PO line of 1e308 units (the simulator stores it): ION must not be sent it.
    po = {"tranId": "PO5008", "entity": {"id": "302"}, "location": {"id": "2"}, "currency": {"id": "1"},
          "item": {"items": [{"item": {"id": "502"}, "quantity": 1e308, "rate": 0.5}]}}
    return f"netsuite:po:{world.netsuite_rest('POST', 'purchaseOrder', po)}@"


def ion_purchase_orders(world: World) -> int:
    edges = world.ion_graphql("{ purchaseOrders { edges { node { attributes { key value } } } } }")["purchaseOrders"]["edges"]
    return sum(1 for e in edges if any(a["key"] == "Netsuite PO Number" and a["value"] for a in e["node"]["attributes"]))


CASES = [
    Poisoned("consumption-sync", consumption, lambda w: len(w.completions()), 5, ("run 1010", "quantityInstalledPerParentPartInventory")),
    Poisoned("receipt-sync", receipt, lambda w: len(w.netsuite_records("itemReceipt")), 2, ("ION receipt", "receiptItems[0]", "quantity")),
    Poisoned("purchase-order-sync", purchase_order, ion_purchase_orders, 2, ("NetSuite PO5008", "quantity")),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.writer)
def test_a_poison_record_is_a_dead_letter_and_the_rest_posts(world: World, case: Poisoned) -> None:
    poison = case.seed(world)
    result = run_deployment(case.writer)
    assert result.state == "Completed", result.message
    assert case.landed(world) == case.good
    ledger = Ledger(world.ledger_url)
    [reason] = [e.reason or "" for e in ledger.entries(case.writer, EntryStatus.dead) if e.key.startswith(poison)]
    assert all(name in reason for name in case.names), reason
    assert ledger.entries(case.writer, EntryStatus.pending) == []
    if case.watermark:
        assert ledger.watermark(case.writer) is not None
