"""ramp-supplier-import's rules and steps: Ramp vendors → ION suppliers (seed 000: "you need to
maintain and import suppliers from Ramp into ION").

An ION supplier belongs to a Ramp vendor when its attribute `ramp.vendor_attribute` holds the
vendor id. For each active vendor, page by page:
- a linked supplier whose name, address or description differ is updated (compare-and-set on
  `_etag`: setting a value twice is harmless, so updates need no ledger key);
- else an unlinked supplier with the same name (one only) is linked: the first import adopts
  suppliers people created by hand;
- else a supplier is created, through the ledger (key `ramp:vendor:<id>:ion-supplier`): a
  create that may have landed (a dead run's claim) is looked up by name before creating again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

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
from core.writer import dead_letter_row, dead_outcome
from ledger import EntryStatus, Outcome
from ledger.store import ClaimRequest, DeadLetter
from payments.ramp.common import RampContext, failure_outcome, ion_nodes

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


@task(name="import-ramp-vendors", cache_policy=NO_CACHE)
async def import_vendors(ctx: RampContext, vendors: list[Vendor], directory: SupplierDirectory, dry_run: bool) -> SupplierReport:
    return await import_vendors_page(ctx, vendors, directory, dry_run)


async def import_vendors_page(ctx: RampContext, vendors: list[Vendor], directory: SupplierDirectory, dry_run: bool) -> SupplierReport:
    report = SupplierReport()
    attribute = ctx.mappings.vendor_attribute
    to_create: list[Vendor] = []
    for vendor in vendors:
        wanted = supplier_fields(vendor)
        linked = directory.by_vendor.get(vendor.id)
        if linked is None and not vendor.is_active:
            report.skipped_inactive += 1
            continue
        if linked is None and (same_name := directory.unlinked(vendor.name)) is not None:
            row = {"ramp vendor": vendor.id, "supplier": same_name.id, "name": vendor.name, "action": "linked"}
            if not dry_run:
                try:  # setting the attribute twice is harmless: a failed try is simply made again next run
                    await _set_vendor_attribute(ctx.ion, same_name.id, same_name.etag, attribute, vendor.id)
                    same_name = await _refetch(ctx.ion, same_name.id, attribute)
                except (DataError, TransientError):
                    report.failed += 1
                    continue
                directory.unlinked_by_name.pop(vendor.name.strip().lower(), None)
                directory.by_vendor[vendor.id] = same_name
            report.linked.append(row)
            linked = same_name
        if linked is None:
            to_create.append(vendor)
            continue
        changes = {k: v for k, v in wanted.items() if (getattr(linked, k) or None) != v}
        if not changes:
            report.unchanged += 1
            continue
        if not dry_run:
            try:
                await ctx.ion.execute(UPDATE_SUPPLIER, {"input": {"id": linked.id, "etag": linked.etag, **changes}})
            except (DataError, TransientError) as exc:  # a stale etag: someone edited it meanwhile; next run
                report.failed += 1
                report.dead_letters.append(dead_letter_row(DeadLetter(supplier_key(vendor.id), f"ramp:vendor:{vendor.id}", f"update of supplier {linked.id} deferred: {exc}")))
                continue
        report.updated.append({"ramp vendor": vendor.id, "supplier": linked.id, "name": vendor.name, "action": f"updated {', '.join(sorted(changes))}"})
    if to_create:
        await _create(ctx, to_create, directory, report, dry_run)
    return report


async def _create(ctx: RampContext, vendors: list[Vendor], directory: SupplierDirectory, report: SupplierReport, dry_run: bool) -> None:
    if dry_run or ctx.run is None:
        report.created += [{"ramp vendor": v.id, "supplier": None, "name": v.name, "action": "would create"} for v in vendors]
        return
    by_key = {supplier_key(v.id): v for v in vendors}
    batch = ctx.ledger.claim(INTEGRATION, ctx.run, [ClaimRequest(k, f"ramp:vendor:{v.id}") for k, v in by_key.items()], retry_dead=True)
    report.in_flight_elsewhere += len(batch.in_flight_elsewhere)
    attribute = ctx.mappings.vendor_attribute
    outcomes: list[Outcome] = []
    try:
        for claim in batch.mine:
            vendor = by_key[claim.key]
            try:
                adopted = None
                if claim.resolve_first:  # a dead run may have created it without linking it
                    found = await supplier_directory(ctx.ion, attribute, {"name": {"eq": vendor.name.strip()}})
                    adopted = found.by_vendor.get(vendor.id) or found.unlinked(vendor.name)
                if adopted is None:
                    created = await ctx.ion.execute(CREATE_SUPPLIER, {"input": {k: v for k, v in supplier_fields(vendor).items() if v}})
                    node = created["createSupplier"]["supplier"]
                    supplier_id, etag = int(node["id"]), str(node["_etag"])
                else:
                    supplier_id, etag = adopted.id, adopted.etag
                if adopted is None or adopted.attribute(attribute) != vendor.id:
                    await _set_vendor_attribute(ctx.ion, supplier_id, etag, attribute, vendor.id)
            except (DataError, TransientError) as exc:
                outcomes.append(failure_outcome(ctx, claim, exc, f"Ramp vendor {vendor.id} ({vendor.name})", None))
                continue
            except Exception as exc:  # this vendor alone: its dead letter, never a key left `pending`
                outcomes.append(dead_outcome(claim.key, f"Ramp vendor {vendor.id} ({vendor.name})", exc))
                continue
            outcomes.append(Outcome(claim.key, EntryStatus.posted, target_id=str(supplier_id), payload={"name": vendor.name}))
            report.created.append({"ramp vendor": vendor.id, "supplier": supplier_id, "name": vendor.name, "action": "adopted" if adopted else "created"})
    finally:
        ctx.ledger.record(INTEGRATION, ctx.run, outcomes)
    for outcome in outcomes:
        if outcome.status is EntryStatus.dead:
            report.dead_letters.append(dead_letter_row(DeadLetter(outcome.key, by_key[outcome.key].id, outcome.reason or "")))
        elif outcome.status is EntryStatus.failed:
            report.failed += 1


async def _set_vendor_attribute(ion: IonClient, supplier_id: int, etag: str, attribute: str, vendor_id: str) -> None:
    await ion.execute(UPDATE_SUPPLIER_ATTRIBUTE, {"input": {"supplierId": supplier_id, "key": attribute, "value": vendor_id, "etag": etag}})


async def _refetch(ion: IonClient, supplier_id: int, attribute: str) -> Supplier:
    found = await supplier_directory(ion, attribute, {"id": {"eq": supplier_id}})
    supplier = next(iter(found.by_vendor.values()), None)
    if supplier is None:
        raise SyncError(f"ION supplier {supplier_id} vanished while being linked")
    return supplier
