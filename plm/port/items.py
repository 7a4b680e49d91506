"""PLM port: released items at their engineering revision and lifecycle state (PLM -> ION).

The PLM owns a part's engineering identity (seed 002, rule 8): number, revision, description
and lifecycle state come from it; ION gets a part or a new part revision. Only revisions in a
released state are handed over; the rest are reported as skipped, with why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ReleasedItem:
    """One item's effective revision, by ION part number (the adapter maps PLM numbers)."""

    key: str  # the PLM's id of the item (Arena item GUID, Onshape element/part id, Duro component id)
    number: str  # the ION part number
    name: str  # its description
    revision: str  # the engineering revision ("B")
    phase: str  # the lifecycle state as the PLM names it ("Production")
    assembly: bool  # has an eBOM
    plm: str = ""  # the adapter's key ("arena"): the source_ref prefix
    drawing_url: str | None = None  # reference link to the PLM drawing / CAD (ION never hosts it)
    plm_number: str | None = None  # the number as the PLM shows it, where it differs from `number` (mappings)

    @property
    def source_ref(self) -> str:
        return f"{self.plm}:item:{self.key}"


@dataclass
class ReleasedItems:
    """What a listing found."""

    released: list[ReleasedItem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "PN-1 rev C: lifecycle phase 'In Design' is not released"
    known: set[str] = field(default_factory=set)  # ION numbers of every item the PLM has (released or not)


class ItemSource(Protocol):
    async def released(self, part_numbers: Sequence[str] | None = None) -> ReleasedItems:
        """Every item (or only these PLM part numbers, as people see them) whose effective revision
        is in a released lifecycle state."""
        ...
