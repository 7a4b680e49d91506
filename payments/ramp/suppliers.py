"""ramp-supplier-import's rules and writer: Ramp vendors → ION suppliers (seed 000: "you need to
maintain and import suppliers from Ramp into ION").

An ION supplier belongs to a Ramp vendor when its attribute `ramp.vendor_attribute` holds the
vendor id. For each active vendor, page by page:
- a vendor no supplier is linked to gets one through the writer engine (`SupplierWriter`, key
  `ramp:vendor:<id>:ion-supplier`, target ION): an unlinked supplier with the same name (one
  only) is linked, so the first import adopts suppliers people created by hand; else one is
  created and linked. `find` is "ION already shows a supplier linked to the vendor"; a supplier
  an interrupted attempt created but did not link is found by name and linked, never created
  twice;
- a linked supplier whose name, address or description differ is updated (compare-and-set on
  `_etag`: setting a value twice is harmless, so updates need no ledger key; one that fails is
  made again next run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import DataError, SyncError, TransientError
from connectors.ion import IonClient
from connectors.ion.models.suppliers import Supplier
from connectors.ion.ramp_queries import (
    CREATE_SUPPLIER,
    SUPPLIERS,
    UPDATE_SUPPLIER,
    UPDATE_SUPPLIER_ATTRIBUTE,
)
from connectors.ramp.models import Vendor
from core.writer import Landed, Postable, Writer, dead_letter_row, write_page
from ledger import Claim, EntryStatus
from ledger.store import DeadLetter
from payments.ramp.common import RampContext, ion_nodes

INTEGRATION = "ramp-supplier-import"


def supplier_key(vendor_id: str) -> str:
    return f"ramp:vendor:{vendor_id}:ion-supplier"


def supplier_fields(vendor: Vendor) -> dict[str, str | None]:
    """The ION supplier fields a Ramp vendor sets."""
    return {
        "name": vendor.name.strip(),
        "address": vendor.address.one_line() if vendor.address else None,
        "description": vendor.description or None,
    }


@dataclass
class SupplierDirectory:
    """ION suppliers by Ramp vendor id, and unlinked ones by name (lower case)."""

    by_vendor: dict[str, Supplier] = field(default_factory=dict)
    unlinked_by_name: dict[str, list[Supplier]] = field(default_factory=dict)

    def add(self, supplier: Supplier, attribute: str) -> None:
        vendor_id = supplier.attribute(attribute)
        if vendor_id:
            self.by_vendor[vendor_id] = supplier
        else:
            self.unlinked_by_name.setdefault(supplier.name.strip().lower(), []).append(supplier)

    def unlinked(self, name: str) -> Supplier | None:
        matches = self.unlinked_by_name.get(name.strip().lower(), [])
        return matches[0] if len(matches) == 1 else None


async def supplier_directory(ion: IonClient, attribute: str, filters: dict[str, Any] | None = None) -> SupplierDirectory:
    directory = SupplierDirectory()
    async for nodes in ion_nodes(ion, SUPPLIERS, "suppliers", filters or {}):
        for node in nodes:
            directory.add(Supplier.model_validate(node), attribute)
    return directory


@dataclass
class SupplierReport:
    created: list[dict[str, Any]] = field(default_factory=list)
    linked: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    skipped_inactive: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0

    def rows(self) -> list[dict[str, Any]]:
        return self.created + self.linked + self.updated


class SupplierWriter(Writer):
    """Gives a Ramp vendor its linked ION supplier: links the one unlinked supplier of the same
    name, else creates one and links it. One at a time: the directory is shared."""

    integration = INTEGRATION
    target = "ION"
    batch_size = 1
    idempotent = False
    id_column = "supplier"

    def __init__(self, ion: IonClient, attribute: str, directory: SupplierDirectory) -> None:
        self.ion = ion
        self.attribute = attribute
        self.directory = directory
        self.items: dict[str, Postable] = {}
        self.adoptable: dict[str, Supplier] = {}  # key -> the supplier an interrupted attempt created unlinked
        self.created: set[str] = set()  # vendor ids whose supplier was created with every field

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        self.items = {item.key: item for item in items}
        return {}

    async def find(self, claim: Claim) -> str | None:
        vendor_id = claim.key.split(":")[2]
        item = self.items.get(claim.key)
        linked = self.directory.by_vendor.get(vendor_id)
        if linked is None and item is not None:  # ask ION afresh: an interrupted attempt may have created it
            vendor: Vendor = item.record
            found = await supplier_directory(self.ion, self.attribute, {"name": {"eq": vendor.name.strip()}})
            linked = found.by_vendor.get(vendor_id)
            if linked is None and (unlinked := found.unlinked(vendor.name)) is not None:
                self.adoptable[claim.key] = unlinked
        if linked is None:
            return None
        self.directory.by_vendor[vendor_id] = linked
        if item is not None:
            item.row["action"] = "adopted"
        return str(linked.id)

    async def write(self, items: Sequence[Postable]) -> list[Landed | Exception]:
        item = items[0]
        vendor: Vendor = item.record
        adopted = self.adoptable.pop(item.key, None)
        same_name = adopted or self.directory.unlinked(vendor.name)
        if same_name is not None:
            if same_name.attribute(self.attribute) != vendor.id:
                await self.set_vendor(same_name.id, same_name.etag, vendor.id)
            supplier_id, action = same_name.id, "adopted" if adopted else "linked"
            self.directory.unlinked_by_name.pop(vendor.name.strip().lower(), None)
            self.directory.by_vendor[vendor.id] = await self.refetch(same_name.id)
        else:
            created = await self.ion.execute(CREATE_SUPPLIER, {"input": {k: v for k, v in supplier_fields(vendor).items() if v}})
            node = created["createSupplier"]["supplier"]
            supplier_id, action = int(node["id"]), "created"
            await self.set_vendor(supplier_id, str(node["_etag"]), vendor.id)
            self.created.add(vendor.id)
        item.row["action"] = action
        return [Landed(str(supplier_id), {"name": vendor.name})]

    async def set_vendor(self, supplier_id: int, etag: str, vendor_id: str) -> None:
        variables = {"supplierId": supplier_id, "key": self.attribute, "value": vendor_id, "etag": etag}
        await self.ion.execute(UPDATE_SUPPLIER_ATTRIBUTE, {"input": variables})

    async def refetch(self, supplier_id: int) -> Supplier:
        found = await supplier_directory(self.ion, self.attribute, {"id": {"eq": supplier_id}})
        supplier = next(iter(found.by_vendor.values()), None)
        if supplier is None:
            raise SyncError(f"ION supplier {supplier_id} vanished while being linked")
        return supplier


def postable(vendor: Vendor) -> Postable:
    row = {"ramp vendor": vendor.id, "supplier": None, "name": vendor.name, "action": None}
    label = f"Ramp vendor {vendor.id} ({vendor.name})"
    return Postable(supplier_key(vendor.id), f"ramp:vendor:{vendor.id}", label, dict(supplier_fields(vendor)), row, record=vendor)


async def import_vendors(ctx: RampContext, vendors: list[Vendor], directory: SupplierDirectory, dry_run: bool) -> SupplierReport:
    """Give each active vendor of the page a linked supplier (also a vendor whose earlier attempt
    the ledger has not settled), then update the linked suppliers whose fields differ."""
    report = SupplierReport()
    unsettled = {
        k
        for k, s in ctx.ledger.statuses(INTEGRATION, [supplier_key(v.id) for v in vendors]).items()
        if s is not EntryStatus.posted
    }
    to_link: list[Vendor] = []
    for vendor in vendors:
        linked = directory.by_vendor.get(vendor.id)
        if linked is None and not vendor.is_active:
            report.skipped_inactive += 1
        elif linked is None or (supplier_key(vendor.id) in unsettled and not dry_run):
            to_link.append(vendor)
    created: set[str] = set()
    planned: dict[str, Supplier] = {}  # dry run: vendor id -> the supplier it would be linked to
    if dry_run:
        for vendor in to_link:
            same_name = directory.unlinked(vendor.name)
            row = {"ramp vendor": vendor.id, "supplier": same_name.id if same_name else None, "name": vendor.name}
            if same_name is None:
                created.add(vendor.id)
                report.created.append({**row, "action": "would create"})
            else:
                planned[vendor.id] = same_name
                report.linked.append({**row, "action": "linked"})
    elif to_link:
        assert ctx.run is not None
        writer = SupplierWriter(ctx.ion, ctx.mappings.vendor_attribute, directory)
        page = await write_page(
            ctx.ledger,
            ctx.run,
            writer,
            [postable(v) for v in to_link],
            window=asyncio.Semaphore(1),
            retry_dead=True,
            max_attempts=ctx.max_attempts,
        )
        created = writer.created
        rows = [{**row, "supplier": int(row["supplier"])} for row in page.posted]  # an ION id, not the ledger's string
        report.linked = [row for row in rows if row["action"] == "linked"]
        report.created = [row for row in rows if row["action"] != "linked"]
        report.dead_letters = page.dead_letters
        report.unchanged += page.already_posted
        report.in_flight_elsewhere += page.in_flight_elsewhere
        report.failed += page.failed
    for vendor in vendors:
        linked = directory.by_vendor.get(vendor.id) or planned.get(vendor.id)
        if linked is not None and vendor.id not in created:
            await _update(ctx, report, vendor, linked, dry_run)
    return report


async def _update(ctx: RampContext, report: SupplierReport, vendor: Vendor, linked: Supplier, dry_run: bool) -> None:
    """Set the supplier fields that differ from the vendor's; one that fails is made again next run."""
    changes = {k: v for k, v in supplier_fields(vendor).items() if (getattr(linked, k) or None) != v}
    if not changes:
        report.unchanged += 1
        return
    if not dry_run:
        try:
            await ctx.ion.execute(UPDATE_SUPPLIER, {"input": {"id": linked.id, "etag": linked.etag, **changes}})
        except (DataError, TransientError) as exc:  # a stale etag: someone edited it meanwhile; next run
            report.failed += 1
            reason = f"update of supplier {linked.id} deferred: {exc}"
            report.dead_letters.append(dead_letter_row(DeadLetter(supplier_key(vendor.id), f"ramp:vendor:{vendor.id}", reason)))
            return
    report.updated.append(
        {"ramp vendor": vendor.id, "supplier": linked.id, "name": vendor.name, "action": f"updated {', '.join(sorted(changes))}"}
    )
