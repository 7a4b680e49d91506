"""One bad record never halts an integration: fed a poison record among good ones, every
writer completes, posts the good records (counted in the simulators), makes the poison record
a dead letter naming the record and the field, leaves no key `pending`, and moves its
watermark past it (issue 12 §1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from ion_sync.runner import run_deployment
from ion_sync.sandbox import RAMP_VENDOR_ATTRIBUTE
from ledger import EntryStatus, Ledger
from tests.labor_helpers import add_session, time_bills
from tests.quickbooks_helpers import QuickBooksWorld
from tests.ramp_world import RampWorld, approved_purchase_orders, link_acme
from tests.world import World

pytestmark = pytest.mark.usefixtures("prefect_api")

LATE = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # after every demo record


@dataclass(frozen=True)
class Poisoned:
    """A writer, how to slip a poison record in among its good ones, and what must come out."""

    writer: str  # the deployment
    seed: Callable[[World], str]  # adds the poison record, returns its ledger key (or the key's start)
    landed: Callable[[World], int]  # good records in the target afterwards
    good: int
    names: tuple[str, ...]  # the reason names the record and the field
    watermark: bool = True  # False: the writer keeps no watermark (it reads by state, not by time)
    parameters: dict[str, Any] = field(default_factory=dict)
    ledger: str = ""  # the ledger integration, when not named as the deployment
    past: datetime | None = None  # the poison record's time, when the watermark must pass it

    @property
    def integration(self) -> str:
        return self.ledger or self.writer


def consumption(world: World) -> str:
    # The record: a per-parent quantity of 1e308 (NetSuite holds nothing like it).
    world.add_run(
        {
            "id": 1010,
            "title": "Build ASSY-100 for WO1004",
            "endTime": LATE.isoformat(),
            "workOrder": "WO1004",
            "produces": {"partNumber": "ASSY-100", "quantity": 2, "locationId": 3},
            "installations": [{"partNumber": "COMP-200", "perParent": 1e308, "locationId": 2, "quantity": 1}],
        }
    )
    return "ion:run:1010:completion"


def receipt(world: World) -> str:
    receipt_id = world.receive(2, [{"purchaseOrderLineId": 4, "quantity": 1e308, "locationId": 1}])
    return f"ion:receipt:{receipt_id}:po:2"


def purchase_order(world: World) -> str:
    # A NetSuite PO line of 1e308 units (the simulator stores it): ION must not be sent it.
    po = {
        "tranId": "PO5008",
        "entity": {"id": "302"},
        "location": {"id": "2"},
        "currency": {"id": "1"},
        "item": {"items": [{"item": {"id": "502"}, "quantity": 1e308, "rate": 0.5}]},
    }
    return f"netsuite:po:{world.netsuite_rest('POST', 'purchaseOrder', po)}@"


def labor(world: World) -> str:
    # A session carries no numbers: its poison is a 10,000-character string (the user's email).
    session = add_session(world, 1001, "x" * 10_000 + "@factory.example", "2026-11-21T09:00:00Z", "2026-11-21T09:30:00Z")
    return f"ion:session:{session}"


def quickbooks(world: World) -> QuickBooksWorld:
    current = QuickBooksWorld(world)
    current.admin("POST", "reset")
    current.admin("POST", "stats/reset")
    current.faults()
    return current


def quickbooks_item(world: World) -> str:
    # A part carries no numbers QuickBooks keeps: its poison is a 10,000-character part number.
    quickbooks(world).add_part(398, "P" * 10_000, "A", "poison")
    return "ion:part:398@"


def quickbooks_purchase_order(world: World) -> str:
    qb = quickbooks(world)
    qb.add_purchase_order(51, 2, [{"id": 511, "part": "COMP-200", "quantity": 10, "cost": 2.5}])
    qb.add_purchase_order(52, 2, [{"id": 521, "part": "COMP-200", "quantity": 1e308, "cost": 2.5}])
    return "ion:purchaseOrder:52@"


def ramp(world: World) -> RampWorld:
    current = RampWorld(world)
    current.reset()
    return current


def approved_in_ramp(world: World, count: int) -> tuple[RampWorld, list[tuple[int, int]]]:
    """`count` approved one-line ION POs for Acme Metals (linked), created in Ramp by its sync."""
    current = ramp(world)
    buyer = current.buyer()
    link_acme(buyer)
    made = approved_purchase_orders(buyer, count)
    buyer.close()
    assert run_deployment("ramp-purchase-order-sync").summary.posted == count
    return current, made


def ramp_purchase_order(world: World) -> str:
    buyer = ramp(world).buyer()
    link_acme(buyer)
    approved_purchase_orders(buyer, 1)
    poison, _ = buyer.purchase_order(1, "APPROVED", [("COMP-200", 1e308, 2.5)])
    buyer.close()
    return f"ion:po:{poison}:ramp-po"


def ramp_receipt(world: World) -> str:
    current, [(good, good_line), (bad, bad_line)] = approved_in_ramp(world, 2)
    buyer = current.buyer()
    buyer.receive(good, [(good_line, 1)])
    poison = buyer.receive(bad, [(bad_line, 1e308)])
    buyer.close()
    return f"ion:receipt:{poison}:ramp-item-receipt"


def ramp_supplier(world: World) -> str:
    # A Ramp vendor carries no numbers ION keeps: its poison is a name that is all blanks.
    vendor = ramp(world).admin("POST", "vendors", {"name": "   "})
    return f"ramp:vendor:{vendor['id']}:ion-supplier"


def as_built(world: World) -> str:
    consumption(world)  # the same run: its as-built document would carry the 1e308
    return "ion:asbuilt:"


def engineering_change(world: World) -> str:
    world.admin(
        "arena",
        "POST",
        "changes",
        {
            "number": "ECO-000109",
            "effective": True,
            "items": [{"number": "ASSY-100", "newRevisionNumber": "C", "bom": [{"number": "COMP-300", "quantity": 1e308}]}],
        },
    )
    return "arena:mbom:ASSY-100:C:ebom"


def duro_change_order(world: World) -> str:
    """An approved Duro change order releasing ASSY-100 rev C with a quantity no number can hold."""
    release = {"revisionValue": "C", "children": [{"cpn": "200-00002", "quantity": 1e308}]}
    world.admin("duro", "POST", "change-orders", {"name": "ASSY-100 rev C", "releases": {"300-00002": release}})
    return "duro:mbom:ASSY-100:C:ebom"


def released_mboms(world: World) -> int:
    edges = world.ion_graphql("{ parts { edges { node { mboms { status } } } } }")["parts"]["edges"]
    return sum(1 for e in edges for m in e["node"]["mboms"] if m["status"] == "RELEASED")


def ion_suppliers_linked(world: World) -> int:
    edges = world.ion_graphql("{ suppliers { edges { node { attributes { key value } } } } }")["suppliers"]["edges"]
    return sum(1 for e in edges if any(a["key"] == RAMP_VENDOR_ATTRIBUTE and a["value"] for a in e["node"]["attributes"]))


def ion_purchase_orders(world: World) -> int:
    edges = world.ion_graphql("{ purchaseOrders { edges { node { attributes { key value } } } } }")["purchaseOrders"]["edges"]
    return sum(1 for e in edges if any(a["key"] == "Netsuite PO Number" and a["value"] for a in e["node"]["attributes"]))


CASES = [
    Poisoned(
        "consumption-sync",
        consumption,
        lambda w: len(w.completions()),
        5,
        ("run 1010", "quantityInstalledPerParentPartInventory"),
        past=LATE,
    ),
    Poisoned(
        "receipt-sync",
        receipt,
        lambda w: len(w.netsuite_records("itemReceipt")),
        2,
        ("ION receipt", "receiptItems[0]", "quantity"),
    ),
    Poisoned("purchase-order-sync", purchase_order, ion_purchase_orders, 2, ("NetSuite PO5008", "quantity")),
    Poisoned("labor-sync", labor, lambda w: len(time_bills(w)), 5, ("session", "has no NetSuite employee", "email")),
    Poisoned(
        "quickbooks-item-sync",
        quickbooks_item,
        lambda w: len(QuickBooksWorld(w).entities("Item")),
        9,
        ("ION part 398", "item name", "longer than QuickBooks' 100 characters"),
    ),
    Poisoned(
        "quickbooks-purchase-order-sync",
        quickbooks_purchase_order,
        lambda w: len(QuickBooksWorld(w).entities("PurchaseOrder")),
        3,
        ("ION purchase order 52", "line 521: quantity"),
    ),
    Poisoned(
        "ramp-purchase-order-sync",
        ramp_purchase_order,
        lambda w: len(RampWorld(w).records("purchase-orders")),
        1,
        ("ION PO", "purchaseOrderLines[0].quantity"),
        watermark=False,
    ),
    Poisoned(
        "ramp-receipt-sync",
        ramp_receipt,
        lambda w: len(RampWorld(w).records("item-receipts")),
        1,
        ("ION receipt", "receiptItems[0].quantity"),
        watermark=False,
    ),
    Poisoned("ramp-supplier-import", ramp_supplier, ion_suppliers_linked, 4, ("Ramp vendor", "name"), watermark=False),
    # ramp-approval-sync has no case: since Ramp exposes no approval (ramp.md "Approval"), it writes
    # only ION's `paid` flag, derived from Ramp's typed billing status and bill statuses, and ION
    # accepts that flag on a PO in any status, so no value of one record can fail its write.
    # The Arena PLM writers (plm/arena/feedback.py, mes/ion/engineering.py), both through core/lookup_writer.py.
    Poisoned(
        "plm-feedback-sync-arena",
        as_built,
        lambda w: sum(
            1 for f in w.admin("arena", "GET", "files")["results"] if (f["file"]["name"] or "").startswith("ion-asbuilt-")
        ),
        8,
        ("as-built of ION run 1010", "components[0].quantityPerUnit"),
        watermark=False,
        ledger="plm-feedback-sync-arena",
    ),
    Poisoned(
        "plm-change-sync-arena",
        engineering_change,
        released_mboms,
        3,
        ("ASSY-100 rev C eBOM", "bom[0].quantity"),
        ledger="arena-mboms",
        watermark=False,  # changes arrive by event queue here; the watermark is for polling only
    ),
    # Duro's change orders are polled (plm/duro/adapter.py); its NCR writer sends only text.
    Poisoned(
        "plm-change-sync-duro",
        duro_change_order,
        released_mboms,
        2,
        ("ASSY-100 rev C", "children[0].quantity"),
        ledger="duro-mboms",
        watermark=False,  # a change with a dead letter is not settled: the poll's watermark stops before it (flows/plm_change_sync.py)
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.writer)
def test_a_poison_record_is_a_dead_letter_and_the_rest_posts(world: World, case: Poisoned) -> None:
    poison = case.seed(world)
    result = run_deployment(case.writer, case.parameters)
    assert result.state == "Completed with dead letters", result.message  # the named state a run with dead letters ends in
    assert case.landed(world) == case.good
    ledger = Ledger(world.ledger_url)
    [reason] = [e.reason or "" for e in ledger.entries(case.integration, EntryStatus.dead) if e.key.startswith(poison)]
    assert all(name in reason for name in case.names) and len(reason) < 1_000, reason  # quotes a bad value, cut short
    assert ledger.entries(case.integration, EntryStatus.pending) == []
    if case.watermark:
        moved = ledger.watermark(case.writer)
        assert moved is not None
        assert case.past is None or moved.replace(tzinfo=UTC) >= case.past
