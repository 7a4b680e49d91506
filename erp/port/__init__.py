"""The ERP port: the canonical ERP <-> ION flows of seed 002 as protocols the flows talk to.

An ERP adapter (erp/netsuite, erp/quickbooks, next Business Central and Odoo) implements the
capabilities its ERP supports; a flow asks the adapter for the capability it needs and stops
with one ConfigError naming the ERP when it is missing. A second ERP is a new adapter package
plus its simulator, with no flow copied. Each capability is one module here:

- `purchase_orders`: read purchase orders with suppliers and payment terms (ERP -> ION)
- `receipts`: write item receipts (ION -> ERP)
- `completions`: write production completions with their consumption (ION -> ERP)
- `time_entries`: write labor time entries (ION -> ERP)
- `inventory`: read inventory balances (compared, never synced)
- `matching`: read ordered / received / billed per PO line (the 3-way match)

A writing capability plans a page into `writes.PlannedWrites` (ready for the writer engine,
plus dead letters) and hands the engine its `Writer`; the ledger stays the engine's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from connectors.errors import ConfigError
from erp.port.completions import CompletionTarget
from erp.port.inventory import InventorySource
from erp.port.matching import MatchSource
from erp.port.purchase_orders import PurchaseOrderSource
from erp.port.receipts import ReceiptTarget
from erp.port.time_entries import TimeEntryTarget

C = TypeVar("C")


@dataclass(frozen=True)
class ErpAdapter:
    """One ERP behind the port: the capabilities it supports (None where it has none)."""

    name: str  # how messages name it: "NetSuite"
    concurrency: int = 1  # writes in flight at once that the ERP allows (NetSuite: its concurrency slots)
    check_mappings: Callable[[], Awaitable[None]] | None = None  # ConfigError if the mappings name what the ERP lacks
    purchase_orders: PurchaseOrderSource | None = None
    receipts: ReceiptTarget | None = None
    completions: CompletionTarget | None = None
    time_entries: TimeEntryTarget | None = None
    inventory: InventorySource | None = None
    matching: MatchSource | None = None

    def require(self, capability: C | None, what: str) -> C:
        """The capability, or one ConfigError saying this ERP cannot do `what`."""
        if capability is None:
            raise ConfigError(f"{self.name} does not support {what} through ion-sync: see README, 'ERP port'")
        return capability

    async def check(self) -> None:
        """Before any write: what the mappings file names (locations) must exist in the ERP, so
        a typo stops the run instead of dead-lettering every record."""
        if self.check_mappings is not None:
            await self.check_mappings()
