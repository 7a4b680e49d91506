"""ION records shaped exactly as ION's GraphQL returns them: run nodes of the completed-runs query,
a purchase order of the purchase-order queries."""

from __future__ import annotations

from typing import Any

from core.config import ErpMappings, LocationMapping

# The sandbox's mapping: ION 1-4 -> NetSuite 1 (Hawthorne), ION 10-12 -> NetSuite 2 (Long Beach).
MAPPINGS = ErpMappings(
    locations=[LocationMapping(ion=i, erp="1") for i in (1, 2, 3, 4)] + [LocationMapping(ion=i, erp="2") for i in (10, 11, 12)],
    items={"BRKT-7": "BRACKET-0007"},
)


def installation(
    part: str,
    per_parent: Any,
    location: int | None,
    *,
    lot: str | None = None,
    serial: str | None = None,
    tracking: str | None = None,
) -> dict[str, Any]:
    return {
        "quantityInstalledPerParentPartInventory": per_parent,
        "partInventory": {
            "id": abs(hash((part, location, lot, serial))) % 100000,
            "serialNumber": serial,
            "lotNumber": lot,
            "location": None if location is None else {"id": location, "name": f"loc {location}"},
            "part": {
                "partNumber": part,
                "revision": "A",
                "trackingType": tracking or ("SERIAL" if serial else "LOT" if lot else None),
            },
        },
    }


def run_node(
    run_id: int,
    produced: Any,
    installations: list[dict[str, Any]],
    *,
    part: str = "ASSY-100",
    location: int = 3,
    work_order: str | None = "WO1001",
    serial: str | None = None,
    tracking: str | None = None,
) -> dict[str, Any]:
    return {
        "id": run_id,
        "title": f"run {run_id}",
        "status": "COMPLETE",
        "endTime": "2026-11-20T08:00:00Z",
        "_updated": "2026-11-20T08:00:01Z",
        "attributes": [] if work_order is None else [{"key": "NetSuite Work Order", "value": work_order}],
        "partInventory": {
            "id": run_id * 10,
            "quantity": produced,
            "serialNumber": serial,
            "lotNumber": None,
            "location": {"id": location, "name": f"loc {location}"},
            "part": {"partNumber": part, "revision": "A", "trackingType": tracking or ("SERIAL" if serial else None)},
            "buildRequirements": [{"abomInstallations": installations}],
        },
    }


def seed_example() -> dict[str, Any]:
    """The reference architecture's worked example: 3 × Assembly Part One."""
    return run_node(
        1001,
        3,
        [installation("COMP-200", 2.4, 2), installation("COMP-200", 2.6, 11), installation("COMP-300", 3, 2)],
    )


def ion_purchase_order(**overrides: Any) -> dict[str, Any]:
    """An ORDERED PO: a part line, an expense line with its account and class, a canceled line, a
    second part line; a fixed and a percent fee."""
    base = {
        "id": 7,
        "status": "ORDERED",
        "description": None,
        "orderedAt": "2026-11-20T10:00:00Z",
        "_updated": "2026-11-20T10:00:00Z",
        "supplier": {"id": 1, "name": "Acme Metals"},
        "currency": {"id": 1, "type": "USD"},
        "shipToLocation": {"id": 1, "name": "Hawthorne", "address": "1 Main St\nHawthorne, CA"},
        "fees": [
            {"id": 1, "name": "Freight", "value": 10, "type": "FIXED"},
            {"id": 2, "name": "Tax", "value": 10, "type": "PERCENT"},
        ],
        "purchaseOrderLines": [
            {
                "id": 1,
                "position": 1,
                "status": "ORDERED",
                "description": None,
                "quantity": 4,
                "cost": 2.5,
                "part": {"id": 9, "partNumber": "820412-001", "revision": "B", "description": "bracket"},
                "attributes": [],
            },
            {
                "id": 2,
                "position": 2,
                "status": "ORDERED",
                "description": "Gloves",
                "quantity": 1,
                "cost": 5,
                "part": None,
                "attributes": [{"key": "Expense Account", "value": "Office Supplies"}, {"key": "Class", "value": "R&D"}],
            },
            {
                "id": 3,
                "position": 3,
                "status": "CANCELED",
                "description": "x",
                "quantity": 1,
                "cost": 1,
                "part": None,
                "attributes": [],
            },
            {
                "id": 4,
                "position": 4,
                "status": "ORDERED",
                "description": "",
                "quantity": 2,
                "cost": 3,
                "part": {"id": 8, "partNumber": "P-2", "revision": "A"},
                "attributes": [{"key": "Expense Account", "value": "Tools"}],
            },
        ],
    }
    return {**base, **overrides}
