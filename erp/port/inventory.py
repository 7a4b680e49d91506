"""ERP port: inventory balances, read to be compared with ION's on-hand, never synced (see erp/port/__init__.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class InventoryBalance:
    """On-hand of one item at one ERP location, as the ERP's books have it."""

    item: str  # the ERP's item name: an ION part number maps to it (mappings `items`)
    location: str | None  # the ERP location id; None where the ERP keeps one quantity per item
    quantity: float


class InventorySource(Protocol):
    """Read-only: what the ERP holds on hand, per item and location (seed 002, rule 5)."""

    def balances(self) -> AsyncIterator[list[InventoryBalance]]:
        """Every item's on-hand per location, a page at a time (an item may repeat: quantities add up)."""
        ...

    async def location_names(self) -> dict[str, str]:
        """ERP location id -> its name, to label locations that no ION location maps to."""
        ...
