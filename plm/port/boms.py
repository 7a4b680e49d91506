"""PLM port: an item's engineering BOM, multi-level (PLM -> ION: the eBOM ION derives its mBOM from,
seed 002 "The BOM lifecycle")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from plm.port.items import ReleasedItem


@dataclass(frozen=True)
class BomLine:
    """One child of an assembly (a child repeated on several lines is summed by ION's side)."""

    number: str  # the child's ION part number
    quantity: float  # as the PLM holds it (decimals kept; ION checks it can hold it)
    revision: str | None = None  # the child revision the PLM builds it at
    refdes: tuple[str, ...] = ()  # single reference designators ("C10-12" already expanded)


@dataclass(frozen=True)
class AssemblyBom:
    """One level of an eBOM: an assembly and its direct children."""

    item: ReleasedItem
    lines: list[BomLine]
    problem: str | None = None  # why its lines cannot be read (a quantity no number can hold): its dead letter


class BomSource(Protocol):
    async def ebom(self, item: ReleasedItem) -> list[AssemblyBom]:
        """The eBOM of `item` at its effective revision, every level: `item`'s own level first,
        then each released sub-assembly once (parents before children). A level whose lines cannot
        be read has no lines and a `problem` naming the line and field."""
        ...

    async def lines(self, revision_key: str) -> list[BomLine]:
        """One level of the eBOM of any revision by the PLM's id of it (a superseded revision,
        to tell which mBOM lines were engineering's); a DataError naming the line if unreadable."""
        ...
