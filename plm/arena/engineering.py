"""Arena's side of Arena → ION: which items are released, what an event or change made
effective, and eBOMs as ION mBOM lines (seed 002, "PLM → ION"; rules 1-3, 8). The writes into
ION are the PLM-neutral `mes.ion.engineering`; these are the names they carry for Arena.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from connectors.ion.plm import MbomLine
from connectors.validation import number_at
from core.config import Mappings

PLM = "Arena"
KEY = "arena"  # ledger keys `arena:part:…`, `arena:mbom:…`, `arena:change:…`
PARTS_LEDGER = "arena-parts"
MBOMS_LEDGER = "arena-mboms"
CHANGES_LEDGER = "arena-changes"
PHASE_ATTRIBUTE = "Arena Lifecycle Phase"
PART_SYNC = "arena-part-sync"


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


@dataclass(frozen=True)
class ReleasedItem:
    guid: str
    number: str
    name: str
    revision: str
    phase: str
    assembly: bool

    @property
    def source_ref(self) -> str:
        return f"arena:item:{self.guid}"


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


def ebom_lines(bom: list[dict[str, Any]], numbers: PartNumbers) -> list[MbomLine]:
    """Arena BOM lines as mBOM lines of ION parts: one per child (repeated children summed), decimals kept."""
    merged: dict[str, tuple[float, tuple[str, ...]]] = {}
    for index, line in enumerate(bom):
        number = numbers.ion(line["item"]["number"])
        quantity, refdes = merged.get(number, (0.0, ()))
        each = number_at(line.get("quantity") or 0, f"bom[{index}].quantity")  # what ION can hold
        merged[number] = (quantity + each, refdes + reference_designators(line.get("refDes")))
    return [MbomLine(n, round(q, 6), r) for n, (q, r) in merged.items()]


def ebom_of(bom: list[dict[str, Any]], numbers: PartNumbers) -> tuple[list[MbomLine], dict[str, str | None]]:
    """An Arena BOM as ION needs it: its mBOM lines, and the revision each child is built at."""
    return ebom_lines(bom, numbers), {numbers.ion(line["item"]["number"]): line["item"].get("revisionNumber") for line in bom}
