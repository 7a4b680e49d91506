"""The four Ramp flows end to end against the ION and Ramp simulators: supplier import,
purchase orders (and the "approve in Ramp" mode refusing to start), payment back to ION through
webhook events in the ledger inbox, and item receipts completing Ramp's three-way match."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from connectors.ramp import SOURCE
from ion_sync.runner import run_deployment
from ion_sync.sandbox import RAMP_VENDOR_ATTRIBUTE, SANDBOX_MAPPINGS
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
    return {
        n["name"]: {
            "id": n["id"],
            "address": n["address"],
            "vendor": {a["key"]: a["value"] for a in n["attributes"]}[RAMP_VENDOR_ATTRIBUTE],
        }
        for n in nodes
    }


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
    assert (
        imported["Acme Metals"]["id"] == 1 and imported["Nova Composites"]["address"] == "44 Carbon St, El Segundo, CA 90245, US"
    )
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
    buyer.data(
        LINK_SUPPLIER,
        {"i": {"supplierId": 3, "key": RAMP_VENDOR_ATTRIBUTE, "value": "0b5e7c1a-9999-4a6e-9c1d-000000000000", "etag": etag}},
    )
    stray, _ = buyer.purchase_order(3, "APPROVED", [("COMP-200", 1, 2.5)])
    synced = run_deployment("ramp-purchase-order-sync")
    assert synced.state == "Completed with dead letters" and (synced.summary.posted, synced.summary.dead_letters) == (1, 1)
    [dead] = Ledger(world.ledger_url).entries("ramp-purchase-order-sync", EntryStatus.dead)
    assert dead.key == f"ion:po:{stray}:ramp-po" and "does not exist" in dead.reason
    po = ramp.purchase_order(f"ION-{approved}")
    assert [p["purchase_order_number"] for p in ramp.records("purchase-orders")] == [f"ION-{approved}"]
    assert po["amount"] == {"amount": 7500, "currency_code": "USD"} and po["three_way_match_enabled"]
    assert [(line["unit_price"]["amount"], line["unit_quantity"]) for line in po["line_items"]] == [(250, 10), (10, 500)]
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


def test_approve_in_ramp_mode_refuses_to_start_and_health_never_shows_it_green(ramp, world, tmp_path, monkeypatch):
    """Ramp's API exposes no PO approval (ramp.md B3): the mode that needs one stops the Ramp
    flows before any write, saying what to do instead, and integration-health reports them failing."""
    from datetime import timedelta

    from core.ramp_config import IN_RAMP_UNSUPPORTED
    from flows.integrations import INTEGRATIONS
    from ledger.activity import Activity
    from tasks.health import Facts, Health, Thresholds, assess

    mode(tmp_path, monkeypatch, "in_ramp")
    buyer = ramp.buyer()
    buyer.purchase_order(1, "REQUESTED", [("COMP-300", 8, 4.0)])
    for deployment in ("ramp-purchase-order-sync", "ramp-approval-sync"):
        refused = run_deployment(deployment)
        assert refused.state == "Failed" and "ramp.approval: in_ramp cannot work" in (refused.message or "")
        assert "Set ramp.approval: in_ion" in (refused.message or "")
    assert (
        ramp.records("purchase-orders") == []
        and Ledger(world.ledger_url).entries("ramp-purchase-order-sync", EntryStatus.posted) == []
    )
    now = datetime.now(UTC)
    for name in ("ramp-supplier-import", "ramp-purchase-order-sync", "ramp-receipt-sync", "ramp-approval-sync"):
        problem = INTEGRATIONS[name].cannot_work()  # type: ignore[misc]
        assert problem == IN_RAMP_UNSUPPORTED
        healthy_otherwise = Facts(
            name, timedelta(hours=1), None, now, 1, 0, Activity(0, 0, 1, 0, now, now), None, cannot_work=problem
        )
        verdict = assess(healthy_otherwise, Thresholds(), now)
        assert verdict.health is Health.failing and IN_RAMP_UNSUPPORTED in verdict.problems
    buyer.close()


def test_the_purchase_order_graph_names_each_page_and_draws_fetch_plan_post_report(ramp, monkeypatch):
    """Task runs named by page, edges fetch → plan → post → report, progress from ION's totalCount."""
    from tests.prefect_graph import read_graph
    from tests.ramp_world import approved_purchase_orders, link_acme

    buyer = ramp.buyer()
    link_acme(buyer)
    approved_purchase_orders(buyer, 2)
    buyer.close()
    monkeypatch.setenv("ION_PAGE_SIZE", "1")  # two approved POs: two pages
    result = run_deployment("ramp-purchase-order-sync")
    assert result.state == "Completed" and result.summary.posted == 2 and result.flow_run_id
    graph = read_graph(result.flow_run_id, "ramp-purchase-order-sync")
    page = "page 2 · 1 purchase orders"
    assert {"fetch page 1", "plan page 1 · 1 purchase orders", "post page 1 · 1 purchase orders", "fetch page 2"} <= graph.names
    assert graph.upstream(f"plan {page}") == {"fetch page 2"} and graph.upstream(f"post {page}") == {f"plan {page}"}
    assert graph.upstream(graph.named("publish-report")) == {"post page 1 · 1 purchase orders", f"post {page}"}
    assert graph.progress == (100.0, "purchase orders handled: 2 of 2 (2 pages)")


def test_supplier_import_names_each_vendor_page_and_counts_them_without_a_total(ramp, monkeypatch):
    """Ramp's lists give no count: the progress artifact counts the vendors handled so far."""
    from tests.prefect_graph import read_graph

    monkeypatch.setenv("RAMP_PAGE_SIZE", "2")
    result = run_deployment("ramp-supplier-import")
    assert result.ok and result.flow_run_id
    graph = read_graph(result.flow_run_id, "ramp-supplier-import")
    pages = sorted(n for n in graph.names if n.startswith("import page "))
    assert pages[:2] == ["import page 1 · 2 vendors", "import page 2 · 2 vendors"]
    assert graph.upstream(graph.named("publish-report")) == set(pages)
    vendors = len(ramp.records("vendors"))
    assert graph.progress == (100.0, f"vendors handled: {vendors} in all ({len(pages)} pages; the source gives no total)")
