"""purchase-order-sync's rules, free of I/O: a NetSuite purchase order → the ION purchase order
it should be, and the edits that take ION's copy there.

Seed 002 ("ERP → ION", "PO setup attributes"): NetSuite owns purchase orders; ION receives
against them. The NetSuite PO number rides on the ION PO as an attribute and each line's
NetSuite line number on the line (the join keys receipt-sync follows back). Which NetSuite
fields become which ION attributes is configuration (`netsuite.purchasing`). ion-sync never
authors items: a NetSuite item with no ION part stops that PO with a dead letter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from core.config import AttributeMap, NetSuiteMappings

INTEGRATION = "purchase-order-sync"
CLOSED = "H"
DRAFT_LIKE = {"DRAFT", "REQUESTED", "APPROVED"}


def version_key(ns_id: str, version: str) -> str:
    """One ledger key per NetSuite version of a PO: each change is applied once."""
    return f"netsuite:po:{ns_id}@{version}"


def marker(number: str) -> str:
    """The description a new ION PO is created with: written in the same mutation as the PO,
    so a create whose answer was lost can be recognised before the join key is set."""
    return f"NetSuite {number}"


@dataclass(frozen=True)
class Vendor:
    id: str
    name: str
    email: str | None
    terms: str | None


@dataclass
class DesiredLine:
    line: int
    part_id: str
    part_number: str
    quantity: float
    cost: float
    closed: bool
    attributes: dict[str, str | None]


@dataclass
class DesiredPo:
    ns_id: str
    number: str
    version: str
    status: str
    vendor_id: str
    ship_to: int
    currency: int | None
    attributes: dict[str, str | None]
    lines: dict[int, DesiredLine]

    @property
    def key(self) -> str:
        return version_key(self.ns_id, self.version)

    @property
    def label(self) -> str:
        return f"NetSuite {self.number} (internal id {self.ns_id})"


@dataclass(frozen=True)
class Definitions:
    """ION's attribute definitions (key → options; empty options: free text)."""

    purchase_order: dict[str, list[str]]
    line: dict[str, list[str]]
    supplier: dict[str, list[str]]


def definitions_of(attributes: list[dict[str, Any]] | None) -> dict[str, list[str]]:
    return {a["key"]: _options(a.get("options")) for a in attributes or [] if a and a.get("key")}


def desired_po(
    record: dict[str, Any],
    mappings: NetSuiteMappings,
    part_ids: dict[str, str | None],
    definitions: Definitions | None,
) -> tuple[DesiredPo | None, list[str]]:
    """What ION should hold for this NetSuite PO, or the problems that stop it (all of them)."""
    purchasing = mappings.purchasing
    problems: list[str] = []
    location = _ref(record.get("location"), "id")
    ship_to = next((m.ion for m in mappings.locations if m.netsuite == location), None)
    if ship_to is None:
        problems.append(f"NetSuite location {location!r} is not mapped to any ION location (netsuite.locations)")
    currency_id = _ref(record.get("currency"), "id")
    attributes: dict[str, str | None] = {purchasing.po_number_attribute: str(record["tranId"])}
    problems += _map_attributes(record, purchasing.header_attributes, attributes, definitions.purchase_order if definitions else None, "PO")
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
            for p in _map_attributes(raw, purchasing.line_attributes, line_attributes, definitions.line if definitions else None, "PO line")
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
    return (
        DesiredPo(
            ns_id=str(record["id"]),
            number=str(record["tranId"]),
            version=str(record.get("lastModifiedDate") or ""),
            status=_ref(record.get("status"), "id") or "",
            vendor_id=_ref(record.get("entity"), "id") or "",
            ship_to=ship_to,
            currency=purchasing.currencies.get(currency_id or ""),
            attributes=attributes,
            lines=lines,
        ),
        [],
    )


def _map_attributes(
    source: dict[str, Any],
    maps: dict[str, AttributeMap],
    into: dict[str, str | None],
    definitions: dict[str, list[str]] | None,
    owner: str,
) -> list[str]:
    problems = []
    for ns_field, target in maps.items():
        raw = source.get(ns_field)
        value = _ref(raw, "refName") if isinstance(raw, dict) else (None if raw in (None, "") else str(raw))
        value = target.values.get(value, value) if value is not None else None
        if definitions is not None:
            if target.attribute not in definitions:
                known = ", ".join(sorted(definitions)) or "none"
                problems.append(f"ION has no {owner} attribute {target.attribute!r} (mapped from {ns_field}); it has: {known}")
                continue
            options = definitions[target.attribute]
            if value is not None and options and value not in options:
                problems.append(
                    f"{ns_field} {value!r} is not an option of ION {owner} attribute {target.attribute!r} "
                    f"({', '.join(options)}): add the option in ION or map the value under `values`"
                )
                continue
        into[target.attribute] = value
    return problems


# -- the edits that take an ION PO to the desired state -----------------------------------


@dataclass
class Edits:
    """What to change on one ION PO. `structural` edits need the PO in DRAFT (ion.md §3.5)."""

    po_attributes: dict[str, str | None] = field(default_factory=dict)
    create_lines: list[DesiredLine] = field(default_factory=list)
    update_lines: dict[str, dict[str, Any]] = field(default_factory=dict)  # ION line id -> fields
    cancel_lines: list[str] = field(default_factory=list)
    line_attributes: dict[str, dict[str, str | None]] = field(default_factory=dict)  # ION line id -> values

    @property
    def structural(self) -> bool:
        return bool(self.create_lines or self.update_lines)

    @property
    def empty(self) -> bool:
        return not (self.po_attributes or self.structural or self.cancel_lines or self.line_attributes)


def edits_for(desired: DesiredPo, current: dict[str, Any], line_key: str) -> Edits:
    edits = Edits()
    have = {a["key"]: a.get("value") for a in current.get("attributes") or []}
    edits.po_attributes = {k: v for k, v in desired.attributes.items() if have.get(k) != v}
    by_line = current_lines(current, line_key)
    for number, want in sorted(desired.lines.items()):
        line = by_line.pop(number, None)
        if line is None:
            if not want.closed:
                edits.create_lines.append(want)
            continue
        canceled = line.get("status") == "CANCELED"
        received = float(line.get("receivedQuantity") or 0)
        if want.closed:
            if not canceled and received < float(line.get("quantity") or 0):
                edits.cancel_lines.append(str(line["id"]))
            continue
        if canceled:
            continue  # canceled in ION: un-cancelling is a person's decision
        changed = {
            name: value
            for name, value, now in (
                ("partId", want.part_id, str((line.get("part") or {}).get("id"))),
                ("quantity", want.quantity, float(line.get("quantity") or 0)),
                ("cost", want.cost, float(line.get("cost") or 0)),
            )
            if value != now
        }
        if changed:
            edits.update_lines[str(line["id"])] = changed
        line_have = {a["key"]: a.get("value") for a in line.get("attributes") or []}
        wanted = {k: v for k, v in want.attributes.items() if line_have.get(k) != v}
        if wanted:
            edits.line_attributes[str(line["id"])] = wanted
    # Lines NetSuite no longer has were deleted there: cancel their ION copies.
    edits.cancel_lines += [
        str(line["id"]) for line in by_line.values() if line.get("status") not in ("CANCELED", "RECEIVED")
    ]
    return edits


def current_lines(current: dict[str, Any], line_key: str) -> dict[int, dict[str, Any]]:
    """ION lines by NetSuite line number: the line attribute, else the position a line was
    created at (a line whose attribute was not yet set when a run was interrupted)."""
    found: dict[int, dict[str, Any]] = {}
    for line in current.get("purchaseOrderLines") or []:
        value = next((a.get("value") for a in line.get("attributes") or [] if a.get("key") == line_key), None)
        number = value if value not in (None, "") else line.get("position")
        try:
            found.setdefault(int(str(number)), line)
        except ValueError:
            continue
    return found


def posted_row(desired: DesiredPo, created: bool, edits: Edits | None) -> dict[str, Any]:
    if edits is None or created:
        change = f"created with {len(desired.lines)} line(s)"
    else:
        parts = [
            f"{len(edits.create_lines)} line(s) added" if edits.create_lines else "",
            f"{len(edits.update_lines)} line(s) changed" if edits.update_lines else "",
            f"{len(edits.cancel_lines)} line(s) canceled" if edits.cancel_lines else "",
            "attributes updated" if edits.po_attributes or edits.line_attributes else "",
        ]
        change = ", ".join(p for p in parts if p) or "already up to date"
    return {"NetSuite PO": desired.number, "status": desired.status, "change": change}


def _items(record: dict[str, Any]) -> list[dict[str, Any]]:
    item = record.get("item")
    return list(item.get("items") or []) if isinstance(item, dict) else []


def _ref(value: Any, name: str) -> str | None:
    if isinstance(value, dict):
        found = value.get(name)
        return None if found is None else str(found)
    return None if value is None else str(value)


def _options(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [str(v) for v in value] if isinstance(value, list) else []
