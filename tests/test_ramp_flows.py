"""The four Ramp flows end to end against the ION and Ramp simulators: supplier import,
purchase orders in both approval modes, approvals / rejections / payment back to ION through
webhook events in the ledger inbox, and item receipts completing Ramp's three-way match."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from connectors.ramp import SOURCE, WebhookRejected, verify_ramp_webhook
from ion_sync.runner import run_deployment
from ion_sync.sandbox import RAMP_VENDOR_ATTRIBUTE, RAMP_WEBHOOK_SECRET, SANDBOX_MAPPINGS
from ledger import EntryStatus, Ledger
from ledger.inbox import Inbox
from tests.ramp_world import LINK_SUPPLIER, SUPPLIER_ETAG, RampWorld

pytestmark = pytest.mark.usefixtures("prefect_api")
NOVA = "0b5e7c1a-4444-4a6e-9c1d-00fa00000004"
SUPPLIERS = "{ suppliers { edges { node { id name address attributes { key value } } } } }"


@pytest.fixture
def ramp(world) -> RampWorld:
    current = RampWorld(world)
    current.reset()
    return current


def suppliers(ramp: RampWorld) -> dict[str, dict[str, object]]:
    buyer = ramp.buyer()
    nodes = [e["node"] for e in buyer.data(SUPPLIERS, {})["suppliers"]["edges"]]
    buyer.close()
    return {n["name"]: {"id": n["id"], "address": n["address"], "vendor": {a["key"]: a["value"] for a in n["attributes"]}[RAMP_VENDOR_ATTRIBUTE]} for n in nodes}


def mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, approval: str) -> None:
    config = yaml.safe_load(SANDBOX_MAPPINGS.read_text())
    config["ramp"] = {"approval": approval}
    path = tmp_path / f"mappings-{approval}.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("ION_SYNC_CONFIG", str(path))


def test_supplier_import_links_creates_updates_and_is_idempotent(ramp):
    first = run_deployment("ramp-supplier-import")
    assert first.state == "Completed" and first.summary.posted == 4  # 3 linked by name, 1 created
    imported = suppliers(ramp)
    vendors = {v["name"]: v["id"] for v in ramp.records("vendors")}
    assert {name: s["vendor"] for name, s in imported.items()} == vendors
    assert imported["Acme Metals"]["id"] == 1 and imported["Nova Composites"]["address"] == "44 Carbon St, El Segundo, CA 90245, US"
    again = run_deployment("ramp-supplier-import")
    assert (again.summary.posted, again.summary.updated, again.summary.already_posted) == (0, 0, 4)
    assert suppliers(ramp) == imported
    ramp.admin("PATCH", f"vendors/{NOVA}", {"name": "Nova Composites Inc"})
    renamed = run_deployment("ramp-supplier-import")
    assert (renamed.summary.posted, renamed.summary.updated) == (0, 1)
    after = suppliers(ramp)
    assert after["Nova Composites Inc"]["id"] == imported["Nova Composites"]["id"] and len(after) == 4


def test_approved_in_ion_created_in_ramp_received_matched_and_paid(ramp, world, tmp_path, monkeypatch):
    mode(tmp_path, monkeypatch, "in_ion")
    run_deployment("ramp-supplier-import")
    buyer = ramp.buyer()
    approved, lines = buyer.purchase_order(1, "APPROVED", [("COMP-200", 10, 2.5), ("RES-10", 500, 0.1)])
    in_review, _ = buyer.purchase_order(2, "REQUESTED", [("BRKT-7", 20, 1.2)])
    etag = buyer.data(SUPPLIER_ETAG, {"id": 3})["supplier"]["_etag"]  # Stellar Fasteners, pointed at a vendor Ramp lacks
    buyer.data(LINK_SUPPLIER, {"i": {"supplierId": 3, "key": RAMP_VENDOR_ATTRIBUTE, "value": "0b5e7c1a-9999-4a6e-9c1d-000000000000", "etag": etag}})
    stray, _ = buyer.purchase_order(3, "APPROVED", [("COMP-200", 1, 2.5)])
    synced = run_deployment("ramp-purchase-order-sync")
    assert synced.state == "Completed" and (synced.summary.posted, synced.summary.dead_letters) == (1, 1)
    [dead] = Ledger(world.ledger_url).entries("ramp-purchase-order-sync", EntryStatus.dead)
    assert dead.key == f"ion:po:{stray}:ramp-po" and "does not exist" in dead.reason
    po = ramp.purchase_order(f"ION-{approved}")
    assert [p["purchase_order_number"] for p in ramp.records("purchase-orders")] == [f"ION-{approved}"]
    assert po["amount"] == {"amount": 7500, "currency_code": "USD"} and po["three_way_match_enabled"]
    assert [(l["unit_price"]["amount"], l["unit_quantity"]) for l in po["line_items"]] == [(250, 10), (10, 500)]
    assert po["vendor_id"] == suppliers(ramp)["Acme Metals"]["vendor"]

    buyer.receive(approved, [(lines[0], 4)])
    bill = ramp.admin("POST", f"purchase-orders/{po['id']}/bill", {"paid": False})
    first = run_deployment("ramp-receipt-sync")
    assert first.summary.posted == 1 and first.summary.skipped == 2  # the demo's NetSuite receipts are not Ramp's
    assert not ramp.admin("GET", f"purchase-orders/{po['id']}/three-way-match")["matched"]
    buyer.receive(approved, [(lines[0], 6), (lines[1], 500)])
    second = run_deployment("ramp-receipt-sync")
    assert second.summary.posted == 1 and second.summary.already_posted == 1
    match = ramp.admin("GET", f"purchase-orders/{po['id']}/three-way-match")
    assert match["matched"], match
    assert (match["item_receipts"], match["received_amount"], match["billed_amount"]) == (2, 7500, 7500)

    ramp.admin("POST", f"bills/{bill['id']}/pay")
    assert ramp.deliver_events_to_inbox() >= 1
    paid = run_deployment("ramp-approval-sync", {"poll": False})
    assert paid.state == "Completed" and paid.summary.posted == 1 and paid.summary.events_handled >= 1
    assert buyer.state(approved)["paid"] is True and buyer.state(in_review)["status"] == "REQUESTED"
    assert Inbox(Ledger(world.ledger_url)).backlog(SOURCE).pending == 0
    buyer.close()


def test_approve_in_ramp_mode_approval_rejection_and_replayed_events(ramp, world, tmp_path, monkeypatch):
    mode(tmp_path, monkeypatch, "in_ramp")
    run_deployment("ramp-supplier-import")
    buyer = ramp.buyer()
    to_approve, _ = buyer.purchase_order(1, "REQUESTED", [("COMP-300", 8, 4.0)])
    to_reject, _ = buyer.purchase_order(2, "REQUESTED", [("BRKT-7", 20, 1.2)])
    buyer.purchase_order(1, "APPROVED", [("COMP-200", 1, 2.5)])  # approved in ION: not this mode's trigger
    synced = run_deployment("ramp-purchase-order-sync")
    assert synced.summary.posted == 2
    assert sorted(p["purchase_order_number"] for p in ramp.records("purchase-orders")) == sorted([f"ION-{to_approve}", f"ION-{to_reject}"])

    ramp.admin("POST", f"purchase-orders/{ramp.purchase_order(f'ION-{to_approve}')['id']}/approve")
    ramp.admin("POST", f"purchase-orders/{ramp.purchase_order(f'ION-{to_reject}')['id']}/reject")
    assert ramp.deliver_events_to_inbox() == 2
    applied = run_deployment("ramp-approval-sync", {"poll": False})
    assert applied.state == "Completed" and (applied.summary.posted, applied.summary.rejected) == (1, 1)
    assert buyer.state(to_approve)["status"] == "APPROVED"
    assert buyer.state(to_reject)["status"] == "REQUESTED"  # reported, not applied
    [rejection] = Ledger(world.ledger_url).entries("ramp-approval-sync", EntryStatus.dead)
    assert f"ION PO {to_reject}" in rejection.reason and "rejected in Ramp" in rejection.reason

    assert ramp.deliver_events_to_inbox() == 0  # replayed deliveries: same event ids, stored once
    delivery = ramp.admin("GET", "webhooks/deliveries")["items"][-1]
    with pytest.raises(WebhookRejected):
        verify_ramp_webhook(RAMP_WEBHOOK_SECRET, delivery["headers"], delivery["body"].replace("updated", "created").encode(), datetime.now(UTC))
    with pytest.raises(WebhookRejected):
        verify_ramp_webhook(RAMP_WEBHOOK_SECRET, {}, delivery["body"].encode(), datetime.now(UTC))
    polled = run_deployment("ramp-approval-sync", {"poll": True})
    assert (polled.summary.posted, polled.summary.rejected, polled.summary.dead_letters) == (0, 0, 0)
    again = run_deployment("ramp-purchase-order-sync")
    assert again.summary.posted == 0 and len(ramp.records("purchase-orders")) == 2
    buyer.close()
