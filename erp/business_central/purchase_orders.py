"""purchase-order-sync's Business Central rules, free of I/O: a BC purchase order (with its
`purchaseOrderLines` expanded) -> the ION purchase order it should be.

The BC document number rides on the ION PO as its join key and each line's `sequence` on the
ION line (what receipt-sync follows back). API v2.0 has no location on the order header
(README fact 13), so the ship-to is the location of the order's item lines (one location per
order; lines at several locations stop the order with a dead letter naming them). Which BC
fields become which ION attributes is configuration (`business_central.purchasing`), as for
NetSuite. Each version is keyed by a digest of what ion-sync reads (header and lines): API v2.0
lines carry no modification time (fact 14) and whether a line change moves the order's etag is
not documented (fact 32), so the content decides what is a change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from core.config import ErpMappings
from erp.port.purchase_orders import Definitions, DesiredLine, DesiredPo, map_attributes

ERP = "Business Central"
ITEM = "Item"
READ_FIELDS = (
    "number",
    "status",
    "fullyReceived",
    "vendorId",
    "vendorNumber",
    "currencyCode",
    "orderDate",
    "requestedReceiptDate",
    "shortcutDimension1Code",
    "shortcutDimension2Code",
    "purchaser",
    "paymentTermsId",
)
LINE_FIELDS = (
    "sequence",
    "lineType",
    "lineObjectNumber",
    "quantity",
    "directUnitCost",
    "receivedQuantity",
    "locationId",
    "description",
)


def version_key(bc_id: str, version: str) -> str:
    """One ledger key per version of a BC order: each change is applied once."""
    return f"business-central:po:{bc_id}@{version}"


def version_of(order: dict[str, Any]) -> str:
    """A digest of the order's header and item lines as ion-sync reads them."""
    lines = sorted((tuple(line.get(f) for f in LINE_FIELDS) for line in order.get("purchaseOrderLines") or []), key=str)
    content = json.dumps([[order.get(f) for f in READ_FIELDS], lines], default=str)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def item_lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for line in order.get("purchaseOrderLines") or [] if line.get("lineType") == ITEM]


def item_numbers(order: dict[str, Any]) -> set[str]:
    return {str(line["lineObjectNumber"]) for line in item_lines(order) if line.get("lineObjectNumber")}


def desired_po(
    order: dict[str, Any],
    mappings: ErpMappings,
    part_ids: Mapping[str, str | None],
    definitions: Definitions | None,
    location_codes: Mapping[str, str],
) -> tuple[DesiredPo | None, list[str]]:
    """What ION should hold for this BC order, or every problem that stops it. `location_codes`:
    BC location id -> code."""
    purchasing = mappings.purchasing
    problems: list[str] = []
    codes = sorted({location_codes.get(str(line.get("locationId") or "").lower(), "") for line in item_lines(order)})
    ship_to = next((m.ion for m in mappings.locations if len(codes) == 1 and m.erp == codes[0]), None)  # the first mapped
    if len(codes) != 1 or not codes[0]:
        problems.append(
            f"its item lines are at BC location(s) {', '.join(c or '(none)' for c in codes) or '(no item lines)'}: "
            "an ION purchase order has one ship-to, so give every item line one location in BC"
        )
    elif ship_to is None:
        problems.append(f"BC location {codes[0]!r} is not mapped to any ION location (business_central.locations)")
    attributes: dict[str, str | None] = {purchasing.po_number_attribute: str(order["number"])}
    problems += map_attributes(
        order, purchasing.header_attributes, attributes, definitions.purchase_order if definitions else None, "PO"
    )
    lines: dict[int, DesiredLine] = {}
    for index, raw in enumerate(item_lines(order)):
        sequence = int(raw["sequence"])
        where = f"purchaseOrderLines[{index}] (sequence {sequence})"
        item = str(raw.get("lineObjectNumber") or "")
        part_number = mappings.part_number(item)
        part_id = part_ids.get(part_number)
        if not part_id:
            problems.append(
                f"{where}: BC item {item} has no ION part {part_number}; create part {part_number} in ION "
                "(ion-sync never creates parts), or map it under business_central.items"
            )
            continue
        line_attributes: dict[str, str | None] = {purchasing.line_number_attribute: str(sequence)}
        problems += [
            f"{where}: {p}"
            for p in map_attributes(
                raw, purchasing.line_attributes, line_attributes, definitions.line if definitions else None, "PO line"
            )
        ]
        quantity = float(raw.get("quantity") or 0)
        lines[sequence] = DesiredLine(
            line=sequence,
            part_id=part_id,
            part_number=part_number,
            quantity=quantity,
            cost=float(raw.get("directUnitCost") or 0),
            closed=False,
            attributes=line_attributes,
        )
    if definitions is not None:
        if purchasing.po_number_attribute not in definitions.purchase_order:
            problems.append(
                f"ION has no purchase order attribute {purchasing.po_number_attribute!r} (business_central.purchasing.po_number_attribute)"
            )
        if purchasing.line_number_attribute not in definitions.line:
            problems.append(f"ION has no PO line attribute {purchasing.line_number_attribute!r}")
    if problems:
        return None, problems
    assert ship_to is not None
    bc_id, number, version = str(order["id"]), str(order["number"]), version_of(order)
    status = str(order.get("status") or "")
    return (
        DesiredPo(
            key=version_key(bc_id, version),
            label=f"{ERP} {number}",
            erp=ERP,
            erp_id=bc_id,
            number=number,
            version=version,
            status=status,
            closed=bool(order.get("fullyReceived")),
            vendor_id=str(order.get("vendorNumber") or ""),
            ship_to=ship_to,
            currency=purchasing.currencies.get(str(order.get("currencyCode") or "")),
            attributes=attributes,
            lines=lines,
        ),
        [],
    )
