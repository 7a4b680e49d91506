"""PLM port: released routings (PLM -> ION: "imported as procedure / step templates", seed 002).

A routing is the ordered operations that build one item revision; ION gets it as a new
procedure version with one step per operation. Manufacturing-only steps added in ION are
kept, as ION-only mBOM lines are (mes.ion.procedures).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from plm.port.items import ReleasedItem


@dataclass(frozen=True)
class RoutingStep:
    """One operation."""

    key: str  # the PLM's id of the operation, stable across routing revisions
    sequence: int  # its order ("Op 10" -> 10)
    title: str
    instructions: str = ""  # plain text
    drawing_url: str | None = None  # reference link to the PLM drawing / work instruction


@dataclass(frozen=True)
class Routing:
    """The released routing of one item revision."""

    item: ReleasedItem  # what it builds
    key: str  # the PLM's id of the routing
    revision: str  # the routing's own revision (Arena: the routing item's)
    title: str
    steps: list[RoutingStep]
    plm: str = ""

    @property
    def source_ref(self) -> str:
        return f"{self.plm}:routing:{self.key}"


@dataclass
class Routings:
    routings: list[Routing] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why an item's routing was not handed over
    unchanged: int = 0  # routings `settled` said were applied at this revision (their operations not read)


# (the item, the routing's revision) -> applied to ION before: its operations need not be read again
Settled = Callable[[ReleasedItem, str], bool]


class RoutingSource(Protocol):
    async def routings(self, items: Sequence[ReleasedItem], settled: Settled | None = None) -> Routings:
        """The released routing of each of these items that has one; one `settled` says was
        applied at its current revision is counted in `unchanged`, its operations not read."""
        ...
