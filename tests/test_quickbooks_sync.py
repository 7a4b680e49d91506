"""quickbooks-purchase-order-sync and quickbooks-item-sync end to end: the flows, the ION and
QuickBooks simulators, the ledger; nothing mocked."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from erp.quickbooks.items import PartItem
from erp.quickbooks.rules import ITEM_INTEGRATION, PO_INTEGRATION, SetupIds, inventory_item_body
from ion_sync.runner import run_deployment
from ledger import EntryStatus, Ledger
from ledger.store import ClaimRequest

pytestmark = pytest.mark.usefixtures("prefect_api")
PO = "quickbooks-purchase-order-sync"
ITEMS = "quickbooks-item-sync"
# demo company ids (sandbox/README.md): accounts 1 A/P, 2 income, 3 inventory asset, 4 COGS,
# 5 shipping (fees), 7 Tools and Equipment; vendors 1 Acme Metals, 2 Orbital Parts; classes below
HARDWARE, FLIGHT = "5000000000000007280", "5000000000000007281"


def seed_rich_po(qb) -> None:
    """PO 50 mixes everything the seed lists: an existing and a new item, expense lines with and
    without the expense attribute, classes, two fees, and a foreign currency (EUR)."""
    qb.add_part(120, "820412-001", "B", "Star tracker bracket")
    qb.add_purchase_order(
        50,
        2,
        [
            {"id": 501, "part": "COMP-200", "quantity": 10, "cost": 2.5, "attributes": {"Class": "Hardware"}},
            {
                "id": 502,
                "part": "820412-001",
                "quantity": 3,
                "cost": 19.99,
                "description": "brackets, anodized",
                "attributes": {"Class": "Flight Programs"},
            },
            {
                "id": 503,
                "part": None,
                "quantity": 1,
                "cost": 150,
                "description": "Calibration service",
                "attributes": {"Expense Account": "Tools and Equipment", "Class": "Hardware"},
            },
            {"id": 504, "part": None, "quantity": 2, "cost": 7.5, "description": "Shop rags"},
        ],
        currency_id=2,
        location_id=11,
        fees=[("Freight", 40, "FIXED"), ("Sales tax", 8, "PERCENT")],
        description="Flight hardware, Q4",
    )


def seed_out_of_sync_pos(qb) -> None:
    """One PO per out-of-sync case: a supplier with no vendor (60), a class QuickBooks lacks (61,
    whose new part must not become an item, since the PO cannot be sent), an expense account that
    is inactive (62) and one that does not exist at all (63)."""
    qb.add_part(121, "NEW-1", "A", "never created")
    qb.add_purchase_order(60, 3, [{"id": 601, "part": "COMP-300", "quantity": 1, "cost": 4}])
    qb.add_purchase_order(61, 1, [{"id": 611, "part": "NEW-1", "quantity": 1, "cost": 5, "attributes": {"Class": "R&D"}}])
    qb.add_purchase_order(
        62,
        1,
        [
            {
                "id": 621,
                "part": None,
                "quantity": 1,
                "cost": 80,
                "description": "Trip",
                "attributes": {"Expense Account": "Travel"},
            }
        ],
    )
    qb.add_purchase_order(
        63,
        2,
        [
            {
                "id": 631,
                "part": None,
                "quantity": 1,
                "cost": 9,
                "description": "CAD seat",
                "attributes": {"Expense Account": "Software"},
            }
        ],
    )


def artifact_rows(key: str) -> list[dict]:
    async def read() -> list[dict]:
        async with get_client() as client:
            found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
        latest = max(found, key=lambda a: a.created)
        return latest.data if isinstance(latest.data, list) else yaml.safe_load(latest.data)

    return asyncio.run(read())


def test_the_seed_field_list_arrives_and_out_of_sync_pos_are_named_dead_letters(qb):
    seed_rich_po(qb)
    seed_out_of_sync_pos(qb)
    result = run_deployment(PO)
    assert result.line() == f"{PO} Completed with dead letters posted=3 dead_letters=4" and result.summary.out_of_sync == 4
    pos = qb.purchase_orders()
    assert sorted(pos) == ["1", "2", "50"] and all(len(v) == 1 for v in pos.values())

    po = pos["50"][0]
    assert po["VendorRef"]["value"] == "2" and po["APAccountRef"]["value"] == "1"
    assert po["CurrencyRef"] == {"value": "EUR"} and po["Memo"] == "Flight hardware, Q4"
    assert "ION purchase order 50" in po["PrivateNote"]
    assert po["ShipAddr"] == {
        "Line1": "Long Beach / Stores",
        "Line2": "3900 E Spring St",
        "Line3": "Long Beach, CA 90808",
        "Line4": "US",
    }
    items = {name: found[0] for name, found in qb.items().items()}
    new_item = items["820412-001 Rev B"]
    assert (new_item["Type"], new_item["Sku"], new_item["Description"]) == ("Inventory", "820412-001", "Star tracker bracket")
    assert [new_item[f]["value"] for f in ("IncomeAccountRef", "AssetAccountRef", "ExpenseAccountRef")] == ["2", "3", "4"]
    lines = po["Line"]
    assert [line["DetailType"] for line in lines] == ["ItemBasedExpenseLineDetail"] * 2 + ["AccountBasedExpenseLineDetail"] * 4
    first, second = lines[0]["ItemBasedExpenseLineDetail"], lines[1]["ItemBasedExpenseLineDetail"]
    assert (first["ItemRef"]["value"], first["Qty"], first["UnitPrice"], lines[0]["Amount"]) == ("1", 10, 2.5, 25.0)
    assert first["ClassRef"]["value"] == HARDWARE and lines[0]["Description"] == "Component Part One"
    assert (second["ItemRef"]["value"], second["Qty"], second["UnitPrice"], lines[1]["Amount"]) == (
        new_item["Id"],
        3,
        19.99,
        59.97,
    )
    assert second["ClassRef"]["value"] == FLIGHT and lines[1]["Description"] == "brackets, anodized"
    service, rags, freight, tax = (line["AccountBasedExpenseLineDetail"] for line in lines[2:])
    assert (service["AccountRef"]["value"], service["ClassRef"]["value"], lines[2]["Amount"]) == ("7", HARDWARE, 150.0)
    assert lines[2]["Description"] == "Calibration service"
    assert (rags["AccountRef"]["value"], "ClassRef" in rags, lines[3]["Amount"]) == ("4", False, 15.0)
    assert lines[3]["Description"] == "Shop rags (2 x 7.5)"
    assert (freight["AccountRef"]["value"], lines[4]["Description"], lines[4]["Amount"]) == ("5", "Fee: Freight", 40.0)
    assert (tax["AccountRef"]["value"], lines[5]["Description"], lines[5]["Amount"]) == ("5", "Fee: Sales tax", 20.0)
    assert po["TotalAmt"] == 309.97

    # Each out-of-sync case: its own dead letter naming what is missing; nothing of it written.
    assert "NEW-1 Rev A" not in items
    dead = {e.source_ref: e.reason for e in Ledger(qb.world.ledger_url).entries(PO_INTEGRATION, EntryStatus.dead)}
    assert "no QuickBooks match for supplier 'Stellar Fasteners'" in dead["ion:purchaseOrder:60"]
    assert "no QuickBooks match for class 'R&D' (line 611)" in dead["ion:purchaseOrder:61"]
    assert "no QuickBooks match for expense account 'Travel' (line 621)" in dead["ion:purchaseOrder:62"]
    assert "no QuickBooks match for expense account 'Software' (line 631)" in dead["ion:purchaseOrder:63"]
    rows = artifact_rows(f"{PO}-out-of-sync")
    assert {(r["purchase order"], r["what"], r["ION value"]) for r in rows} == {
        (60, "supplier", "Stellar Fasteners"),
        (61, "class", "R&D"),
        (62, "expense account", "Travel"),
        (63, "expense account", "Software"),
    }
    assert qb.stats()["throttled"] == 0

    # Next run: nothing new, but the table still lists what waits on a fix; once fixed, a re-run sends it.
    again = run_deployment(PO)
    assert again.line() == f"{PO} Completed posted=0 dead_letters=0" and again.summary.out_of_sync == 4
    assert len(artifact_rows(f"{PO}-out-of-sync")) == 4
    qb.create("Vendor", {"DisplayName": "Stellar Fasteners"})
    fixed = run_deployment(PO, {"po_ids": [60, 62]})  # 62's account is still inactive
    assert fixed.summary.posted == 1 and fixed.summary.dead_letters == 1
    assert qb.purchase_orders()["60"][0]["VendorRef"]["name"] == "Stellar Fasteners"


def test_changed_pos_update_in_place_and_unchanged_ones_write_nothing(qb):
    seed_rich_po(qb)
    run_deployment(PO)
    qb.admin("POST", "stats/reset")
    again = run_deployment(PO)
    assert again.line() == f"{PO} Completed posted=0 dead_letters=0"
    assert qb.stats().get("purchaseorder_creates", 0) == qb.stats().get("purchaseorder_updates", 0) == 0
    qb.set_line_attribute(503, "Class", "Flight Programs")
    changed = run_deployment(PO)
    assert changed.line() == f"{PO} Completed posted=1 dead_letters=0"
    pos = qb.purchase_orders()
    assert len(pos["50"]) == 1 and pos["50"][0]["SyncToken"] == "1"
    assert pos["50"][0]["Line"][2]["AccountBasedExpenseLineDetail"]["ClassRef"]["value"] == FLIGHT


def test_an_update_keeps_what_people_edited_in_quickbooks_and_the_line_ids(qb):
    """Issue 11 #8: a full update nulled fields edited in QuickBooks and recreated every line (a
    bill linked to a line lost its link). The sparse update keeps both."""
    seed_rich_po(qb)
    run_deployment(PO)
    po = qb.purchase_orders()["50"][0]
    ids = [line["Id"] for line in po["Line"]]
    bill_link = [{"TxnId": "900", "TxnType": "Bill"}]
    qb.edit(
        "PurchaseOrder",
        po["Id"],
        {
            "DueDate": "2026-12-24",
            "PrivateNote": po["PrivateNote"] + "\nCall before delivery",
            "Line": [{**po["Line"][0], "LinkedTxn": bill_link}, *po["Line"][1:]],
        },
    )
    qb.set_line_attribute(503, "Class", "Flight Programs")
    qb.cancel_line(504)
    qb.purchasing().create_line({"purchaseOrderId": 50, "quantity": 1, "cost": 12, "description": "Gaskets"}, line_id=505)
    assert run_deployment(PO).line() == f"{PO} Completed posted=1 dead_letters=0"
    after = qb.purchase_orders()["50"][0]
    assert after["Id"] == po["Id"] and after["DueDate"] == "2026-12-24"
    assert after["PrivateNote"].endswith("\nCall before delivery") and after["PrivateNote"] != po["PrivateNote"]
    lines = {line["Description"]: line for line in after["Line"]}
    assert [lines[d]["Id"] for d in ("Component Part One", "brackets, anodized", "Calibration service")] == ids[:3]
    assert lines["Component Part One"]["LinkedTxn"] == bill_link
    assert lines["Calibration service"]["AccountBasedExpenseLineDetail"]["ClassRef"]["value"] == FLIGHT
    assert "Shop rags (2 x 7.5)" not in lines  # canceled in ION: dropped
    assert lines["Fee: Freight"]["Id"] == ids[4] and lines["Gaskets"]["Id"] not in ids
    assert after["TotalAmt"] == round(25 + 59.97 + 150 + 12 + 40 + (25 + 59.97 + 150 + 12) * 0.08, 2)


def test_dry_run_shows_the_pos_and_writes_nothing(qb):
    seed_rich_po(qb)
    result = run_deployment(PO, {"dry_run": True})
    assert result.ok and result.summary.would_post == 3 and result.summary.posted == 0
    assert qb.entities("PurchaseOrder") == [] and len(qb.entities("Item")) == 1
    assert Ledger(qb.world.ledger_url).entries(PO_INTEGRATION) == []


def test_a_wrong_account_name_or_type_stops_the_run_before_any_write(qb, tmp_path, monkeypatch):
    config = yaml.safe_load(Path(qb.world.env["ION_SYNC_CONFIG"]).read_text())
    config["quickbooks"]["accounts"]["accounts_payable"] = "Accounts Payable"
    config["quickbooks"]["accounts"]["fees"] = "Checking"
    path = tmp_path / "mappings.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("ION_SYNC_CONFIG", str(path))
    qb.admin("PUT", "config", {"class_tracking_per_line": False})
    result = run_deployment(PO)
    qb.admin("PUT", "config", {"class_tracking_per_line": True})
    assert not result.ok
    assert "no active QuickBooks account is named 'Accounts Payable'" in result.message
    assert "class tracking per line is off" in result.message
    assert "'Checking' is a Bank account; expected Cost of Goods Sold or Expense or Other Expense" in result.message
    assert qb.entities("PurchaseOrder") == [] and len(qb.entities("Item")) == 1
    assert Ledger(qb.world.ledger_url).entries(PO_INTEGRATION) == []


def test_item_sync_batches_thirty_per_request_and_updates_changed_parts(qb):
    for i in range(35):
        qb.add_part(300 + i, f"BULK-{i:03d}", "A", f"bulk part {i}")
    qb.add_part(399, "NOREV-1", None, "no revision")
    result = run_deployment(ITEMS)
    assert result.line() == f"{ITEMS} Completed with dead letters posted=44 dead_letters=1"
    items = qb.items()
    assert len(items) == 44 and all(len(v) == 1 for v in items.values())
    stats = qb.stats()
    assert stats["item_creates"] == 43 and stats["batch_requests"] == 2  # 30 + 13; COMP-200 Rev A existed
    dead = Ledger(qb.world.ledger_url).entries(ITEM_INTEGRATION, EntryStatus.dead)
    assert [d.source_ref for d in dead] == ["ion:part:399"] and "no revision" in dead[0].reason
    qb.set_part_description(300, "bulk part zero, revised")
    again = run_deployment(ITEMS)
    assert again.line() == f"{ITEMS} Completed posted=1 dead_letters=0"
    bulk = qb.items()["BULK-000 Rev A"][0]
    assert bulk["Description"] == "bulk part zero, revised" and bulk["SyncToken"] == "1"


def test_item_keys_a_dead_run_left_pending_are_checked_by_item_name(qb):
    """Issue 13: after a crash the item sync asks QuickBooks whether the item landed (by name, the
    part's name read back from ION, with that version's description) instead of marking it failed."""
    qb.add_part(340, "ORPH-1", "A", "landed before the crash")
    qb.add_part(341, "ORPH-2", "A", "never sent")
    landed = qb.create(
        "Item",
        inventory_item_body("ORPH-1 Rev A", "ORPH-1", "landed before the crash", SetupIds("1", "2", "3", "4", "5"), "2026-01-01"),
    )
    keys = [
        PartItem(340, "ORPH-1 Rev A", "ORPH-1", "landed before the crash", None).key,
        PartItem(341, "ORPH-2 Rev A", "ORPH-2", "never sent", None).key,
    ]
    ledger = Ledger(qb.world.ledger_url)
    dead = ledger.start_run(ITEM_INTEGRATION)
    ledger.claim(ITEM_INTEGRATION, dead, [ClaimRequest(key, key.split("@")[0], None) for key in keys])
    ledger.finish_run(dead)  # it stopped between posting and recording: its claims are orphans
    result = run_deployment(ITEMS)
    assert result.ok and result.summary.interrupted_resolved == 2
    posted = {e.key: e for e in ledger.entries(ITEM_INTEGRATION, EntryStatus.posted)}
    assert posted[keys[0]].target_id == landed["Id"] and posted[keys[0]].attempts == 1  # found, not re-posted
    assert posted[keys[1]].attempts == 2  # not there: failed, then written by this run's page
    items = qb.items()
    assert len(items["ORPH-1 Rev A"]) == 1 and len(items["ORPH-2 Rev A"]) == 1


def test_preflight_prints_a_checklist_and_fails_on_a_mismatch(qb, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from ion_sync.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["preflight", "quickbooks"])
    assert ok.exit_code == 0, ok.output
    assert "PASS  Accounts Payable: 'Accounts Payable (A/P)' (Accounts Payable)" in ok.output
    assert "PASS  ION class attribute: 'Class': Select with 3 option(s)" in ok.output
    qb.admin("PUT", "config", {"class_tracking_per_line": False, "purchase_orders_enabled": False})
    config = yaml.safe_load(Path(qb.world.env["ION_SYNC_CONFIG"]).read_text())
    config["quickbooks"]["expense_attribute"] = "expense account"
    config["quickbooks"]["accounts"]["income"] = "Cost of Goods Sold"
    path = tmp_path / "mappings.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("ION_SYNC_CONFIG", str(path))
    bad = runner.invoke(app, ["preflight", "quickbooks"])
    qb.admin("PUT", "config", {"class_tracking_per_line": True, "purchase_orders_enabled": True})
    assert bad.exit_code == 1
    assert (
        "FAIL  Income Account: Income Account (quickbooks.accounts.income): 'Cost of Goods Sold' is a Cost of Goods Sold account"
        in bad.output
    )
    assert "FAIL  Class tracking per line: off" in bad.output
    assert "FAIL  Purchase orders available" in bad.output
    assert "FAIL  ION expense attribute: no PO line attribute 'expense account' (did you mean 'Expense Account'?" in bad.output
    assert "4 failed" in bad.output


def test_a_failed_preflight_leaves_no_credential_behind(qb, monkeypatch):
    """Issue 12 §4: `preflight quickbooks` with a wrong realm stored `quickbooks:1` in the ledger."""
    from typer.testing import CliRunner

    from ion_sync.cli import app
    from ledger.credentials import Credentials

    monkeypatch.setenv("QUICKBOOKS_REALM_ID", "1")
    qb.admin("PUT", "config", {"inventory_tracking": False})
    wrong = CliRunner().invoke(app, ["preflight", "quickbooks"])
    qb.admin("PUT", "config", {"inventory_tracking": True})
    assert wrong.exit_code == 1
    assert "FAIL  QuickBooks realm: realm 1 refused these credentials" in wrong.output
    assert "QUICKBOOKS_REALM_ID" in wrong.output
    ledger = Ledger(qb.world.ledger_url)
    assert [n for n in Credentials(ledger).names() if n.startswith("quickbooks:")] == []

    monkeypatch.setenv("QUICKBOOKS_REALM_ID", qb.world.env["QUICKBOOKS_REALM_ID"])
    qb.admin("PUT", "config", {"inventory_tracking": False})
    no_inventory = CliRunner().invoke(app, ["preflight", "quickbooks"])
    qb.admin("PUT", "config", {"inventory_tracking": True})
    assert "FAIL  Inventory items: inventory tracking is off" in no_inventory.output
    assert (
        "PASS  QuickBooks realm" in no_inventory.output
        and "PASS  API minor version: minorversion 75 accepted" in no_inventory.output
    )
    assert [n for n in Credentials(ledger).names() if n.startswith("quickbooks:")] == []

    passed = CliRunner().invoke(app, ["preflight", "quickbooks"])
    assert passed.exit_code == 0, passed.output
    assert Credentials(ledger).names() == [f"quickbooks:{qb.world.env['QUICKBOOKS_REALM_ID']}"]


def test_the_item_sync_graph_names_each_page_and_draws_fetch_plan_post_report(qb, monkeypatch):
    """Task runs named by page, edges fetch → plan → post → report, progress from ION's totalCount."""
    from tests.prefect_graph import read_graph

    monkeypatch.setenv("ION_PAGE_SIZE", "5")  # the demo's 9 parts: two pages
    result = run_deployment(ITEMS)
    assert result.ok and result.flow_run_id
    graph = read_graph(result.flow_run_id, ITEMS)
    assert {
        "fetch page 1",
        "plan page 1 · 5 parts",
        "post page 1 · 5 parts",
        "fetch page 2",
        "post page 2 · 4 parts",
    } <= graph.names
    assert graph.upstream("plan page 2 · 4 parts") == {"fetch page 2"}
    assert graph.upstream("post page 2 · 4 parts") == {"plan page 2 · 4 parts"}
    assert graph.upstream(graph.named("publish-report")) == {"post page 1 · 5 parts", "post page 2 · 4 parts"}
    assert graph.progress == (100.0, "parts handled: 9 of 9 (2 pages)")
