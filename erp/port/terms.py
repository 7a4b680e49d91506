"""How one ERP's mappings are read by the ERP-neutral planning of the port (receipts, completions):
the ERP's name for messages, its section of the mappings file, and the maps themselves."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErpTerms:
    name: str  # how messages name the ERP: "NetSuite", "Odoo"
    section: str  # its section of the mappings file: "netsuite", "odoo"
    locations: Mapping[int, str]  # ION location id -> the ERP's location id
    item_name: Callable[[str], str]  # ION part number -> the ERP's item name
    run_attribute: str  # the ION run attribute naming the ERP work order
    line_number_attribute: str  # the ION PO line attribute holding the ERP's line number

    @classmethod
    def of(cls, name: str, section: str, mappings: Any) -> ErpTerms:
        """From an ERP's mappings (`locations`, `items`, `work_orders`, `purchasing`)."""
        return cls(
            name=name,
            section=section,
            locations=mappings.location_map,
            item_name=mappings.item_name,
            run_attribute=mappings.work_orders.run_attribute,
            line_number_attribute=mappings.purchasing.line_number_attribute,
        )
