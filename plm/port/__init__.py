"""The PLM port: the canonical PLM <-> ION flows of seed 002 as protocols the `plm-*` flows talk to.

A PLM adapter (plm/arena, plm/onshape, plm/duro) implements the capabilities its PLM supports;
a flow asks for the capability it needs (`PlmAdapter.require`) and stops with one ConfigError
naming the PLM when it is missing. A new PLM is a new adapter package, one entry in
`tasks.plm.ADAPTERS` and one in the PLM-port contract suite (tests/contract/plm_port/), with
no flow copied. Each capability is one module here:

PLM -> ION (read):
- `items`: released items at their engineering revision and lifecycle state (+ drawing link)
- `boms`: an item's multi-level eBOM
- `routings`: released routings (operations with work instructions and drawing links)
- `changes`: engineering changes that became effective, and their affected revisions
ION -> PLM (write; records built from ION by `mes.ion.plm_feedback`):
- `as_built`: what each unit was built from
- `nonconformances`: dispositioned NCR/MRB outcomes, as records for engineering
- `inspections`: inspection and test results per serial or lot
- `traceability`: "this serial was built from these parts via these procedures against this revision"

A writing capability is a `writes.RecordTarget`: it plans a page of records into
`core.writer.PlannedWrites` (ready for the engine, plus dead letters naming record and field)
and hands the engine its `Writer`, whose ledger namespace the flow names; the ledger stays the
engine's. Ledger keys are the port's (`AsBuilt.key`, ...), so they do not change with the PLM.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from connectors.errors import ConfigError
from core.config import PlmName
from plm.port.as_built import AsBuiltTarget
from plm.port.boms import BomSource
from plm.port.changes import ChangeSource
from plm.port.inspections import InspectionTarget
from plm.port.items import ItemSource
from plm.port.nonconformances import NonconformanceTarget
from plm.port.routings import RoutingSource
from plm.port.traceability import TraceabilityTarget

C = TypeVar("C")

__all__ = ["PlmAdapter", "PlmName", "Usage", "plm_integration"]


@dataclass(frozen=True)
class Usage:
    """What a run cost the PLM's API, for its report."""

    requests: int
    quota_remaining: int | None = None  # where the PLM meters a daily quota (Arena)


def plm_integration(base: str, plm: PlmName) -> str:
    """The deployment, run and ledger name of a PLM-port flow for one PLM: `plm-part-sync-arena`."""
    return f"{base}-{plm}"


@dataclass(frozen=True)
class PlmAdapter:
    """One PLM behind the port: the capabilities it supports (None where it has none).

    `key` prefixes the ledger keys of its writes into ION (`arena:part:…`) and names the
    ledgers they share across flows (`arena-parts`, `arena-mboms`, `arena-changes`), so a part
    revision made by plm-change-sync is not made again by plm-part-sync."""

    name: str  # how messages name it: "Arena"
    key: PlmName  # "arena"
    # ConfigError if the setup lacks what NCRs need (Arena: the request category and prefix); flows that
    # send NCRs call it before any write, so a wrong setting does not stop them half-way
    check: Callable[[], Awaitable[None]] | None = None
    usage: Callable[[], Usage] | None = None  # requests made so far (and quota left) for the run report
    stops: tuple[type[Exception], ...] = ()  # errors that end a run early but cleanly (a spent API quota)
    items: ItemSource | None = None
    boms: BomSource | None = None
    routings: RoutingSource | None = None
    changes: ChangeSource | None = None
    as_built: AsBuiltTarget | None = None
    nonconformances: NonconformanceTarget | None = None
    inspections: InspectionTarget | None = None
    traceability: TraceabilityTarget | None = None

    def require(self, capability: C | None, what: str) -> C:
        """The capability, or one ConfigError saying this PLM cannot do `what`."""
        if capability is None:
            raise ConfigError(f"{self.name} does not support {what} through ion-sync: see README, 'PLM port'")
        return capability

    @property
    def phase_attribute(self) -> str:
        """The ION part attribute holding the PLM's lifecycle state: "Arena Lifecycle Phase"."""
        return f"{self.name} Lifecycle Phase"

    async def check_setup(self) -> None:
        if self.check is not None:
            await self.check()
