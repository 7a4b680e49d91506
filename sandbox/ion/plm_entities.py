"""How the PLM area's GraphQL types map to SQL (`plm_tables`): selects, filters, sorts."""

from __future__ import annotations

from typing import Any

from sandbox.ion.store import Entity


def _mbom_post(row: dict[str, Any]) -> dict[str, Any]:
    row["editable"] = row["status"] in ("DRAFT", "IN_REVIEW")
    row["isLatestVersion"] = bool(row["isLatestVersion"])
    row["isLatestReleasedVersion"] = bool(row["isLatestReleasedVersion"])
    return row


MBOMS = Entity(
    table="mboms",
    select=(
        "SELECT id, part_id AS partId, version, status, etag AS _etag, created AS _created, updated AS _updated,"
        " version = (SELECT MAX(m2.version) FROM mboms m2 WHERE m2.part_id = mboms.part_id) AS isLatestVersion,"
        " status = 'RELEASED' AS isLatestReleasedVersion FROM mboms"
    ),
    filters={"id": ("id", "id"), "partId": ("part_id", "id"), "status": ("status", "enum"), "version": ("version", "num")},
    sorts={"ID": "id", "VERSION": "version"},
    post=_mbom_post,
)

ISSUES = Entity(
    table="issues",
    select=(
        "SELECT id, title, status, disposition, cause_condition AS causeCondition,"
        " expected_condition AS expectedCondition, run_id AS runId, run_step_id AS runStepId,"
        " part_inventory_id AS partInventoryId, etag AS _etag, created AS _created, updated AS _updated FROM issues"
    ),
    filters={
        "id": ("id", "id"),
        "runId": ("run_id", "id"),
        "partInventoryId": ("part_inventory_id", "id"),
        "status": ("status", "enum"),
        "_created": ("created", "dt"),
        "_updated": ("updated", "dt"),
    },
    sorts={"ID": "id", "UPDATED": "updated"},
)

MBOM_ITEMS_SELECT = (
    "SELECT id, mbom_id AS mbomId, part_id AS partId, quantity, made_on_assembly AS madeOnAssembly, etag AS _etag FROM mbom_items"
)
REFDES_SELECT = "SELECT id, mbom_item_id AS mbomItemId, value, etag AS _etag FROM mbom_item_refdes"
PART_ATTRIBUTES_SELECT = (
    "SELECT id, part_id AS partId, key, value, etag AS Etag, created AS Created, updated AS Updated FROM part_attributes"
)
