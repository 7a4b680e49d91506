"""purchase-order-sync end to end: NetSuite POs become ION POs (suppliers on first use), later
NetSuite changes land once, and POs that cannot map are dead letters naming the cause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from erp.port.purchase_orders import INTEGRATION
from ion_sync.runner import run_deployment
from ion_sync.sandbox import SANDBOX_MAPPINGS
from ledger import EntryStatus, Ledger

pytestmark = pytest.mark.usefixtures("prefect_api")

ION_POS = """{ purchaseOrders(sort: [ID_ASC]) { edges { node { id status description supplierId shipToLocationId
  attributes { key value } supplier { name attributes { key value } }
  purchaseOrderLines { id status position quantity cost receivedQuantity part { partNumber } attributes { key value } } } } } }"""


def ion_pos(world) -> dict[str, dict[str, Any]]:
    """ION POs by their NetSuite PO number, lines by NetSuite line number."""
    found = {}
    for edge in world.ion_graphql(ION_POS)["purchaseOrders"]["edges"]:
        po = edge["node"]
        attributes = {a["key"]: a["value"] for a in po["attributes"]}
        po["attrs"] = attributes
        # A line whose join key is not set yet (a sync is adding it) is keyed by -position.
        po["lines"] = {
            int(
                next(
                    (a["value"] for a in line["attributes"] if a["key"] == "Netsuite Line Number" and a["value"]),
                    -line["position"],
                )
            ): line
            for line in po["purchaseOrderLines"]
        }
        found.setdefault(attributes.get("Netsuite PO Number"), []).append(po)
    twice = {number: len(pos) for number, pos in found.items() if number and len(pos) > 1}
    assert not twice, f"ION holds these NetSuite POs more than once: {twice}"
    return {number: pos[0] for number, pos in found.items() if number}


def test_demo_pos_are_matched_by_the_join_key_and_get_their_attributes(world):
    result = run_deployment("purchase-order-sync")
    assert result.line() == "purchase-order-sync Completed posted=2 dead_letters=0"
    assert result.summary.skipped_not_receivable == 2  # PO5003 awaits approval, PO5004 is closed: not created
    pos = ion_pos(world)
    assert set(pos) == {"PO5001", "PO5002"}
    assert pos["PO5001"]["attrs"]["Project Code"] == "PRJ-ORBIT-1"
    assert {a["key"]: a["value"] for a in pos["PO5001"]["lines"][1]["attributes"]}["Tax Code"] == "EXEMPT"  # NT, renamed
    assert run_deployment("purchase-order-sync").line() == "purchase-order-sync Completed posted=0 dead_letters=0"


def test_a_new_po_creates_its_supplier_with_payment_terms_once(world):
    supplier = world.ion_graphql("{ supplier(id: 2) { _etag attributes { key Etag } } }")["supplier"]
    world.ion_graphql(
        'mutation ($e: String!) { updateSupplier(input: {id: 2, etag: $e, name: "Orbital Parts (old account)"}) { supplier { id } } }',
        {"e": supplier["_etag"]},
    )
    etag = world.ion_graphql("{ supplier(id: 2) { _etag } }")["supplier"]["_etag"]
    world.ion_graphql(
        'mutation ($e: String!) { updateSupplierAttribute(input: {supplierId: 2, key: "Netsuite Vendor Id", value: null, etag: $e}) { supplierAttribute { id } } }',
        {"e": etag},
    )
    world.netsuite_rest(
        "POST", "purchaseOrder", new_po("PO5005", vendor="302", location="2", lines=[("502", 30, 2.4), ("505", 500, 0.09)])
    )
    assert (
        run_deployment("purchase-order-sync", {"po_numbers": ["PO5005"]}).line()
        == "purchase-order-sync Completed posted=1 dead_letters=0"
    )

    po = ion_pos(world)["PO5005"]
    assert po["status"] == "ORDERED" and po["shipToLocationId"] == 10  # NetSuite Long Beach → first ION Long Beach location
    assert po["supplier"]["name"] == "Orbital Parts"
    supplier_attributes = {a["key"]: a["value"] for a in po["supplier"]["attributes"]}
    assert (supplier_attributes["Payment Terms"], supplier_attributes["Netsuite Vendor Id"]) == ("Net 45", "302")
    assert {n: (line["part"]["partNumber"], line["quantity"], line["cost"]) for n, line in po["lines"].items()} == {
        1: ("COMP-200", 30, 2.4),
        2: ("RES-10", 500, 0.09),
    }
    assert po["attrs"]["Department"] == "Engineering" and po["attrs"]["NetSuite Location"] == "Long Beach"
    # A second NetSuite PO for the same vendor reuses the supplier.
    world.netsuite_rest("POST", "purchaseOrder", new_po("PO5006", vendor="302", location="1", lines=[("503", 5, 4)]))
    run_deployment("purchase-order-sync", {"po_numbers": ["PO5006"]})
    suppliers = world.ion_graphql('{ suppliers(filters: {name: {eq: "Orbital Parts"}}) { edges { node { id } } } }')
    assert len(suppliers["suppliers"]["edges"]) == 1
    assert ion_pos(world)["PO5006"]["supplierId"] == po["supplierId"]


def test_changes_after_sync_land_once_and_a_closed_po_cancels_its_lines(world):
    run_deployment("purchase-order-sync")
    world.netsuite_rest(
        "PATCH",
        "purchaseOrder/1502",
        {
            "item": {
                "items": [
                    {"line": 1, "quantity": 250},
                    {"line": 2, "isClosed": True},
                    {"item": {"id": "503"}, "quantity": 10, "rate": 4},
                ]
            }
        },
    )
    assert run_deployment("purchase-order-sync").line() == "purchase-order-sync Completed posted=1 dead_letters=0"
    po = ion_pos(world)["PO5002"]
    assert po["status"] == "ORDERED"
    lines = {
        n: (line["part"]["partNumber"], line["quantity"], line["status"], line["receivedQuantity"])
        for n, line in po["lines"].items()
    }
    assert lines == {1: ("RES-10", 250, "ORDERED", 100), 2: ("BRKT-7", 40, "CANCELED", 0), 3: ("COMP-300", 10, "ORDERED", 0)}
    assert run_deployment("purchase-order-sync").line() == "purchase-order-sync Completed posted=0 dead_letters=0"
    assert len(ion_pos(world)["PO5002"]["purchaseOrderLines"]) == 3

    world.netsuite_rest("PATCH", "purchaseOrder/1502", {"status": {"id": "H"}})
    assert run_deployment("purchase-order-sync").line() == "purchase-order-sync Completed posted=1 dead_letters=0"
    po = ion_pos(world)["PO5002"]
    assert {line["status"] for line in po["purchaseOrderLines"]} == {"CANCELED"} and po["status"] == "CANCELED"
    versions = [
        e.key for e in Ledger(world.ledger_url).entries(INTEGRATION, EntryStatus.posted) if e.key.startswith("netsuite:po:1502@")
    ]
    assert len(versions) == 3  # the synced version, the change, the close: each applied once


def test_pos_that_cannot_map_are_dead_letters_naming_the_cause(world, tmp_path, monkeypatch):
    mappings = yaml.safe_load(Path(SANDBOX_MAPPINGS).read_text())
    del mappings["netsuite"]["items"]["BRKT-7"]  # BRACKET-0007 no longer maps to an ION part
    mappings["netsuite"]["locations"] = [m for m in mappings["netsuite"]["locations"] if m["netsuite"] != "2"]
    mappings["netsuite"]["purchasing"]["header_attributes"]["memo"] = "Buyer Notes"
    path = tmp_path / "mappings.yaml"
    path.write_text(yaml.safe_dump(mappings))
    monkeypatch.setenv("ION_SYNC_CONFIG", str(path))
    world.netsuite_rest("POST", "purchaseOrder", new_po("PO5007", vendor="301", location="2", lines=[("502", 1, 1)]))
    world.netsuite_rest("POST", "purchaseOrder", new_po("PO5008", vendor="301", location="1", lines=[("502", 1, 1)], tax="ZZ"))

    result = run_deployment("purchase-order-sync", {"po_numbers": ["PO5002", "PO5007", "PO5008"]})
    assert result.line() == "purchase-order-sync Completed with dead letters posted=0 dead_letters=3"
    dead = {e.source_ref: e.reason for e in Ledger(world.ledger_url).entries(INTEGRATION, EntryStatus.dead)}
    by_number = {reason.split(":")[0]: reason for reason in dead.values()}
    assert (
        "NetSuite item BRACKET-0007 has no ION part BRACKET-0007; create part BRACKET-0007 in ION" in by_number["NetSuite PO5002"]
    )
    assert "NetSuite location '2' is not mapped to any ION location" in by_number["NetSuite PO5007"]
    assert "'ZZ' is not an option of ION PO line attribute 'Tax Code'" in by_number["NetSuite PO5008"]
    assert all("ION has no PO attribute 'Buyer Notes'" in reason for reason in dead.values())
    assert set(ion_pos(world)) == {"PO5001", "PO5002"}  # nothing half-written


def new_po(
    number: str, *, vendor: str, location: str, lines: list[tuple[str, float, float]], tax: str | None = None
) -> dict[str, Any]:
    items = [{"item": {"id": item}, "quantity": quantity, "rate": rate} for item, quantity, rate in lines]
    if tax:
        items[0]["custcol_tax_code"] = tax
    return {
        "tranId": number,
        "entity": {"id": vendor},
        "location": {"id": location},
        "currency": {"id": "1"},
        "department": {"id": "2"},
        "class": {"id": "1"},
        "memo": f"{number} from the test",
        "item": {"items": items},
    }


def test_a_stale_etag_is_read_again_and_the_change_lands_once(world, monkeypatch):
    """A person edits the ION PO between the sync's read and its write: ION refuses the stale
    etag, the sync reads again and applies its change on top of the person's edit."""
    from connectors.ion import IonClient

    run_deployment("purchase-order-sync")
    world.netsuite_rest("PATCH", "purchaseOrder/1502", {"item": {"items": [{"line": 1, "quantity": 260}]}})
    original = IonClient.execute
    interfered: list[str] = []

    async def execute(self, query, variables=None):
        if query.is_mutation and not interfered:
            etag = world.ion_graphql("{ purchaseOrder(id: 2) { _etag } }")["purchaseOrder"]["_etag"]
            world.ion_graphql(
                'mutation ($e: String!) { updatePurchaseOrder(input: {id: 2, etag: $e, description: "edited by a buyer"}) { purchaseOrder { id } } }',
                {"e": etag},
            )
            interfered.append(query.name)
        return await original(self, query, variables)

    monkeypatch.setattr(IonClient, "execute", execute)
    world.admin("ion", "POST", "stats/reset")
    assert run_deployment("purchase-order-sync").line() == "purchase-order-sync Completed posted=1 dead_letters=0"
    assert interfered and world.stats("ion")["graphql_errors"] >= 1  # the stale write was refused
    po = ion_pos(world)["PO5002"]
    assert po["lines"][1]["quantity"] == 260 and po["status"] == "ORDERED"
    assert po["description"] == "edited by a buyer" and len(po["purchaseOrderLines"]) == 2
