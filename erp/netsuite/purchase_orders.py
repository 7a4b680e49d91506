"""purchase-order-sync's NetSuite rules, free of I/O: a NetSuite purchase order -> the ION
purchase order it should be (`erp.port.purchase_orders.DesiredPo`).

Seed 002 ("ERP → ION", "PO setup attributes"): NetSuite owns purchase orders; ION receives
against them. The NetSuite PO number rides on the ION PO as an attribute and each line's
NetSuite line number on the line (the join keys receipt-sync follows back). Which NetSuite
fields become which ION attributes is configuration (`netsuite.purchasing`). ion-sync never
authors items: a NetSuite item with no ION part stops that PO with a dead letter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.config import ErpMappings
from erp.port.purchase_orders import Definitions, DesiredLine, DesiredPo, map_attributes

ERP = "NetSuite"
CLOSED = "H"


def version_key(ns_id: str, version: str, status: str) -> str:
    """One ledger key per NetSuite version of a PO: each change is applied once. The version is
    `lastModifiedDate`, which NetSuite keeps to the second, so the status rides along: a PO closed
    in the same second as an edit before it (a workflow, a script) is still a version of its own.
    Two line edits within one second remain one version (README, purchase-order-sync). SuiteQL
    may answer the status as 'PurchOrd:H' where the record says 'H' (reference netsuite.md §1.3)."""
    return f"netsuite:po:{ns_id}@{version}~{status.rsplit(':', 1)[-1]}"


def item_names(record: dict[str, Any]) -> set[str]:
    """The NetSuite item names on a PO's lines."""
    return {name for line in _items(record) if (name := _ref(line.get("item"), "refName"))}


def desired_po(
    record: dict[str, Any],
    mappings: ErpMappings,
    part_ids: Mapping[str, str | None],
    definitions: Definitions | None,
) -> tuple[DesiredPo | None, list[str]]:
    """What ION should hold for this NetSuite PO, or the problems that stop it (all of them)."""
    purchasing = mappings.purchasing
    problems: list[str] = []
    location = _ref(record.get("location"), "id")
    ship_to = next((m.ion for m in mappings.locations if m.erp == location), None)
    if ship_to is None:
        problems.append(f"NetSuite location {location!r} is not mapped to any ION location (netsuite.locations)")
    currency_id = _ref(record.get("currency"), "id")
    attributes: dict[str, str | None] = {purchasing.po_number_attribute: str(record["tranId"])}
    problems += map_attributes(
        record, purchasing.header_attributes, attributes, definitions.purchase_order if definitions else None, "PO", _value
    )
    lines: dict[int, DesiredLine] = {}
    for index, raw in enumerate(_items(record)):
        where = f"item.items[{index}] (line {raw.get('line')})"
        item = _ref(raw.get("item"), "refName") or ""
        part_number = mappings.part_number(item)
        part_id = part_ids.get(part_number)
        if not part_id:
            problems.append(
                f"{where}: NetSuite item {item} has no ION part {part_number}; create part {part_number} in ION "
                "(ion-sync never creates parts), or map it under netsuite.items"
            )
            continue
        line_attributes: dict[str, str | None] = {purchasing.line_number_attribute: str(raw["line"])}
        problems += [
            f"{where}: {p}"
            for p in map_attributes(
                raw, purchasing.line_attributes, line_attributes, definitions.line if definitions else None, "PO line", _value
            )
        ]
        lines[int(raw["line"])] = DesiredLine(
            line=int(raw["line"]),
            part_id=part_id,
            part_number=part_number,
            quantity=float(raw.get("quantity") or 0),
            cost=float(raw.get("rate") or 0),
            closed=bool(raw.get("isClosed")),
            attributes=line_attributes,
        )
    if definitions is not None:
        for key in (purchasing.po_number_attribute,):
            if key not in definitions.purchase_order:
                problems.append(f"ION has no purchase order attribute {key!r} (netsuite.purchasing.po_number_attribute)")
        if purchasing.line_number_attribute not in definitions.line:
            problems.append(f"ION has no PO line attribute {purchasing.line_number_attribute!r}")
    if problems:
        return None, problems
    assert ship_to is not None
    ns_id, number, version = str(record["id"]), str(record["tranId"]), str(record.get("lastModifiedDate") or "")
    status = _ref(record.get("status"), "id") or ""
    return (
        DesiredPo(
            key=version_key(ns_id, version, status),
            label=f"{ERP} {number} (internal id {ns_id})",
            erp=ERP,
            erp_id=ns_id,
            number=number,
            version=version,
            status=status,
            closed=status == CLOSED,
            vendor_id=_ref(record.get("entity"), "id") or "",
            ship_to=ship_to,
            currency=purchasing.currencies.get(currency_id or ""),
            attributes=attributes,
            lines=lines,
        ),
        [],
    )


def _value(raw: Any) -> str | None:
    """A NetSuite field as text: a reference by its name (refName)."""
    return _ref(raw, "refName") if isinstance(raw, dict) else (None if raw in (None, "") else str(raw))


def _items(record: dict[str, Any]) -> list[dict[str, Any]]:
    item = record.get("item")
    return list(item.get("items") or []) if isinstance(item, dict) else []


def _ref(value: Any, name: str) -> str | None:
    if isinstance(value, dict):
        found = value.get(name)
        return None if found is None else str(found)
    return None if value is None else str(value)
