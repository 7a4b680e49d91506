"""The edits that take an ION purchase order to the state an ERP's PO asks for (free of I/O).

`mes.ion.purchasing` applies them; which ERP the desired state came from does not matter here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from erp.port.purchase_orders import DesiredLine, DesiredPo

DRAFT_LIKE = {"DRAFT", "REQUESTED", "APPROVED"}


def definitions_of(attributes: list[dict[str, Any]] | None) -> dict[str, list[str]]:
    """ION attribute definitions (key -> options) as every ION object shows them."""
    return {a["key"]: _options(a.get("options")) for a in attributes or [] if a and a.get("key")}


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
    # Lines the ERP no longer has were deleted there: cancel their ION copies.
    edits.cancel_lines += [str(line["id"]) for line in by_line.values() if line.get("status") not in ("CANCELED", "RECEIVED")]
    return edits


def current_lines(current: dict[str, Any], line_key: str) -> dict[int, dict[str, Any]]:
    """ION lines by the ERP's line number: the line attribute, else the position a line was
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
    return {f"{desired.erp} PO": desired.number, "status": desired.status, "change": change}


def _options(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [str(v) for v in value] if isinstance(value, list) else []
