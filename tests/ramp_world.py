"""The Ramp side of a test's world: reset it, act as Ramp's finance team, read what landed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.ramp import SOURCE, RampSettings, receive_ramp_delivery
from connectors.settings import load_settings
from ion_sync.ramp_demo import IonBuyer
from ion_sync.sandbox import RAMP_WEBHOOK_SECRET
from ledger import Ledger
from ledger.inbox import Inbox
from tests.world import World


@dataclass
class RampWorld:
    world: World

    @property
    def url(self) -> str:
        assert self.world.sandbox.ramp is not None
        return self.world.sandbox.ramp.url

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        return self.world.admin("ramp", method, path, json)

    def reset(self) -> None:
        self.admin("POST", "reset")
        self.admin("POST", "stats/reset")
        self.faults()
        self.admin(
            "POST",
            "webhooks",
            {
                "endpoint_url": "http://127.0.0.1:9/ramp",
                "secret": RAMP_WEBHOOK_SECRET,
                "event_types": ["purchase_orders.updated", "bills.paid"],
            },
        )

    def faults(self, **config: Any) -> None:
        self.admin("PUT", "faults", config)

    def stats(self) -> dict[str, Any]:
        return self.admin("GET", "stats")

    def records(self, kind: str) -> list[dict[str, Any]]:
        return self.admin("GET", f"records/{kind}")["items"]

    def purchase_order(self, number: str) -> dict[str, Any]:
        [po] = [p for p in self.records("purchase-orders") if p["purchase_order_number"] == number]
        return po

    def buyer(self) -> IonBuyer:
        return IonBuyer(self.world.env)

    def deliver_events_to_inbox(self) -> int:
        """What the webhook receiver does with each delivery: verify, then store in the inbox."""
        inbox = Inbox(Ledger(self.world.ledger_url))
        settings = load_settings(RampSettings)  # RAMP_* of the sandbox, RAMP_WEBHOOK_SECRET included
        stored = 0
        for delivery in self.admin("GET", "webhooks/deliveries")["items"]:
            event = receive_ramp_delivery(settings, delivery["headers"], delivery["body"].encode(), datetime.now(UTC))
            stored += inbox.accept(SOURCE, *event.inbox_fields())
        return stored


LINK_SUPPLIER = (
    """mutation($i: UpdateSupplierAttributeInput!) { updateSupplierAttribute(input: $i) { supplierAttribute { key value } } }"""
)
SUPPLIER_ETAG = "query($id: ID!) { supplier(id: $id) { _etag } }"
ACME_VENDOR = "0b5e7c1a-1111-4a6e-9c1d-ac0e00000001"


def link_acme(buyer: IonBuyer) -> None:
    """What ramp-supplier-import would do for Acme Metals (ION supplier 1), without a flow run."""
    etag = buyer.data(SUPPLIER_ETAG, {"id": 1})["supplier"]["_etag"]
    buyer.data(LINK_SUPPLIER, {"i": {"supplierId": 1, "key": "Ramp Vendor Id", "value": ACME_VENDOR, "etag": etag}})


def approved_purchase_orders(buyer: IonBuyer, count: int) -> list[tuple[int, int]]:
    """`count` approved one-line POs for Acme Metals: (PO id, line id)."""
    made = []
    for index in range(count):
        po, [line] = buyer.purchase_order(1, "APPROVED", [("COMP-200", index + 1, 2.5)])
        made.append((po, line))
    return made
