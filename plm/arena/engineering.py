"""Arena's side of Arena → ION: which items are released, what an event or change made
effective, and eBOMs as the port's BOM lines (seed 002, "PLM → ION"; rules 1-3, 8). The writes
into ION are the PLM-neutral `mes.ion.engineering`, behind the PLM port (plm/arena/adapter.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from connectors.validation import number_at
from core.config import Mappings
from plm.port.boms import BomLine
from plm.port.items import ReleasedItem

PLM = "Arena"
KEY: Final = "arena"  # ledger keys `arena:part:…`, `arena:mbom:…`, `arena:change:…`


@dataclass(frozen=True)
class PartNumbers:
    """Arena item numbers ↔ ION part numbers (the mappings file's `arena.parts`, where they differ)."""

    arena_to_ion: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_mappings(cls, mappings: Mappings) -> PartNumbers:
        return cls(dict(mappings.arena.parts))

    def ion(self, arena_number: str) -> str:
        return self.arena_to_ion.get(arena_number, arena_number)

    def arena(self, ion_number: str) -> str:
        return next((a for a, i in self.arena_to_ion.items() if i == ion_number), ion_number)


def released(items: list[dict[str, Any]], phases: list[str], numbers: PartNumbers) -> tuple[list[ReleasedItem], list[str]]:
    """Items with an effective revision in a released lifecycle phase (by ION part number);
    and why the others were skipped."""
    out: list[ReleasedItem] = []
    skipped: list[str] = []
    for item in items:
        phase = (item.get("lifecyclePhase") or {}).get("name")
        if not item.get("revisionNumber"):
            skipped.append(f"{item.get('number')}: no effective revision (unreleased)")
        elif phase not in phases:
            skipped.append(f"{item.get('number')} rev {item['revisionNumber']}: lifecycle phase {phase!r} is not released")
        else:
            out.append(
                ReleasedItem(
                    item["guid"],
                    numbers.ion(item["number"]),
                    item.get("name") or "",
                    item["revisionNumber"],
                    phase,
                    item.get("assemblyType") not in (None, "NOT_AN_ASSEMBLY"),
                    plm=KEY,
                    drawing_url=(item.get("url") or {}).get("app"),  # the item's page, its drawings under Files
                    plm_number=item["number"],
                )
            )
    return out, skipped


def from_event_items(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`{effective, superseded}` revisions of an outbound event's items (their revisions carry the
    lifecycle phase, [AR endpoint_get_event_items.md])."""
    return [
        {"effective": e["effectiveItemRevision"], "superseded": e.get("supersededItemRevision")}
        for e in entries
        if e.get("effectiveItemRevision")
    ]


def from_change_items(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same from a change's items: their revisions carry no lifecycle phase; the entry's
    `newLifecyclePhase` is the new revision's ([AR Endpoints/Change Item/endpoint_get_change_items.md])."""
    return [
        {
            "effective": {**e["newItemRevision"], "lifecyclePhase": e.get("newLifecyclePhase")},
            "superseded": e.get("affectedItemRevision"),
        }
        for e in entries
        if e.get("newItemRevision")
    ]


# --- mBOMs ------------------------------------------------------------------------------------

_RANGE = re.compile(r"^([A-Za-z]*)(\d+)-(?:[A-Za-z]*)(\d+)$")


def reference_designators(text: str | None) -> tuple[str, ...]:
    """Arena's `refDes` ("C15,C6,C10-12") as single designators (C15, C6, C10, C11, C12)."""
    out: list[str] = []
    for token in (t.strip() for t in (text or "").split(",")):
        match = _RANGE.match(token)
        if match and int(match.group(3)) >= int(match.group(2)) and int(match.group(3)) - int(match.group(2)) < 1000:
            out += [f"{match.group(1)}{n}" for n in range(int(match.group(2)), int(match.group(3)) + 1)]
        elif token:
            out.append(token)
    return tuple(out)


def ebom_lines(bom: list[dict[str, Any]], numbers: PartNumbers) -> list[BomLine]:
    """Arena BOM lines as the port's, by ION part number: one per child (repeated children summed),
    decimals kept, with the revision each child is built at. A quantity no number can hold is a
    DataError naming the line."""
    merged: dict[str, BomLine] = {}
    for index, line in enumerate(bom):
        number = numbers.ion(line["item"]["number"])
        each = number_at(line.get("quantity") or 0, f"bom[{index}].quantity")
        seen = merged.get(number, BomLine(number, 0.0, line["item"].get("revisionNumber")))
        merged[number] = BomLine(
            number, round(seen.quantity + each, 6), seen.revision, seen.refdes + reference_designators(line.get("refDes"))
        )
    return list(merged.values())
