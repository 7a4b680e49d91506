"""ERP port: purchase orders with their suppliers and payment terms (ERP -> ION).

Seed 002 ("ERP -> ION", "PO setup attributes"): the ERP owns purchasing; ION receives against
its POs. An adapter lists the POs that changed (one ledger key per version, so each change is
applied once), reads them, maps each onto the PO ION should hold (`DesiredPo`: ION parts,
locations and attributes, the ERP's document number as the join key) and reads its vendor as
ION's supplier with payment terms. Making ION hold it is `mes.ion.purchasing`'s job, whichever
ERP it came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

INTEGRATION = "purchase-order-sync"


def po_marker(erp: str, number: str) -> str:
    """The description a new ION PO is created with: written in the same mutation as the PO,
    so a create whose answer was lost can be recognised before the join key is set."""
    return f"{erp} {number}"


@dataclass(frozen=True)
class PoChange:
    """One version of one ERP purchase order that changed: what to look at, and its ledger key."""

    key: str  # one per version of the PO
    erp_id: str
    version: str
    changed_at: datetime | None
    status: str


@dataclass(frozen=True)
class SourcePo:
    """An ERP purchase order as read, before it is mapped onto ION."""

    change: PoChange
    erp: str  # the ERP's name, as messages and ION's marker name it
    number: str  # the ERP's document number: the join key ION keeps as an attribute
    status: str
    receivable: bool  # the ERP still expects receipts against it (a new ION PO is created only then)
    part_numbers: frozenset[str]  # the ION part numbers its items map to
    source_ref: str
    document: dict[str, Any]  # the ERP's own record, kept with a dead letter

    @property
    def label(self) -> str:
        return f"{self.erp} {self.number}"

    @property
    def marker(self) -> str:
        return po_marker(self.erp, self.number)


@dataclass(frozen=True)
class Supplier:
    """An ERP vendor as ION's supplier: joined by the vendor id attribute, with its payment terms."""

    id: str
    name: str
    email: str | None
    terms: str | None


@dataclass
class DesiredLine:
    line: int  # the ERP's line number: the line's join key
    part_id: str
    part_number: str
    quantity: float
    cost: float
    closed: bool
    attributes: dict[str, str | None]


@dataclass
class DesiredPo:
    """The purchase order ION should hold for one version of an ERP PO."""

    key: str
    label: str  # how a person names it: "NetSuite PO5001 (internal id 7)"
    erp: str
    erp_id: str
    number: str
    version: str
    status: str  # the ERP's status, as shown in reports
    closed: bool  # closed in the ERP: nothing more is received, ION's copy is not re-ordered
    vendor_id: str
    ship_to: int
    currency: int | None
    attributes: dict[str, str | None]
    lines: dict[int, DesiredLine]

    @property
    def marker(self) -> str:
        return po_marker(self.erp, self.number)


@dataclass(frozen=True)
class Definitions:
    """ION's attribute definitions (key -> options; empty options: free text): what a mapping
    onto ION must fit."""

    purchase_order: dict[str, list[str]]
    line: dict[str, list[str]]
    supplier: dict[str, list[str]]


class PurchaseOrderSource(Protocol):
    """Reads an ERP's purchase orders, vendors and payment terms for purchase-order-sync."""

    name: str

    async def check(self) -> None:
        """Raise a ConfigError if what the mappings name does not exist in the ERP (before any write)."""
        ...

    async def changed(
        self, since: datetime | None, until: datetime | None, numbers: Sequence[str] | None, ids: Sequence[str] | None
    ) -> list[PoChange]:
        """The POs created or changed in the window (or these numbers / ids), oldest change first."""
        ...

    async def read(self, changes: Sequence[PoChange]) -> list[SourcePo | None]:
        """Each PO with its lines, in order; None for one deleted since it was listed."""
        ...

    def desired(
        self, po: SourcePo, part_ids: Mapping[str, str | None], definitions: Definitions | None
    ) -> tuple[DesiredPo | None, list[str]]:
        """What ION should hold for `po`, or every problem that stops it (said so a person can fix it)."""
        ...

    async def supplier(self, vendor_id: str) -> Supplier | None:
        """The PO's vendor with its payment terms; None if the ERP has no such vendor."""
        ...
