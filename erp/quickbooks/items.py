"""QuickBooks Inventory items for ION parts: planning a part, the lookup-or-create both QuickBooks
syncs share (`ensure_items`), and `ItemWriter`, quickbooks-item-sync's writer on the engine.

Item names are unique in QuickBooks (6240 on a duplicate), so creating an item is naturally
keyed by its name: look the names up, create the missing ones 30 to a batch request, and adopt
any that a duplicate error says exist already. A part's ledger key carries the digest of its
name and description, so a changed description is a new key: a sparse update of the item.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.errors import DataError, TransientError
from connectors.quickbooks import QuickBooksClient
from connectors.quickbooks.errors import DUPLICATE_NAME, STALE
from core.times import parse_time
from core.writer import Postable, Writer, one_record
from erp.quickbooks.pages import PagePlan
from erp.quickbooks.rules import ITEM_INTEGRATION, SetupIds, digest, inventory_item_body, item_name, item_name_problem
from erp.quickbooks.setup import NameCache
from ledger import Claim, Ledger
from ledger.store import DeadLetter


@dataclass(frozen=True)
class PartItem:
    """What an ION part becomes: a QuickBooks Inventory item by name."""

    part_id: int
    name: str
    part_number: str
    description: str | None
    updated: datetime | None

    @property
    def key(self) -> str:
        return f"{self.source_ref}@{digest([self.name, self.description])}"

    @property
    def source_ref(self) -> str:
        return f"ion:part:{self.part_id}"

    @property
    def label(self) -> str:
        return f"ION part {self.part_id} → item {self.name!r}"

    def landed(self, item: Mapping[str, Any] | None) -> bool:
        """QuickBooks holds this version: the item exists and carries this description (a part
        without one leaves the item's alone)."""
        return item is not None and (not self.description or item.get("Description") == self.description)


PartLookup = Callable[[int], Awaitable[PartItem | None]]  # an ION part as it stands now, or None


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def unnamed_key(node: dict[str, Any]) -> str:
    """The ledger key of a part that cannot become an item (its name is what is wrong)."""
    return f"ion:part:{node.get('id')}@{digest([node.get('partNumber'), node.get('revision')])}"


def plan_part(node: dict[str, Any]) -> PartItem | DeadLetter | None:
    """An ION part as the item it becomes; a dead letter if QuickBooks would refuse its name;
    None for tools, which are not inventory."""
    if node.get("partType") == "TOOL":
        return None
    updated = parse_time(node.get("_updated"))
    problem = item_name_problem(node.get("partNumber"), node.get("revision"))
    if problem:
        return DeadLetter(unnamed_key(node), f"ion:part:{node.get('id')}", f"ION part {node.get('id')}: {problem}", None, updated)
    name = item_name(node["partNumber"], node["revision"])
    return PartItem(int(node["id"]), name, node["partNumber"], node.get("description"), updated)


def part_postable(part: PartItem, setup: SetupIds) -> Postable:
    """The part as the engine posts it; its body is what a create sends (checked before the claim)."""
    body = inventory_item_body(part.name, part.part_number, part.description, setup, today())
    row = {"part": part.part_id, "item": part.name}
    return Postable(part.key, part.source_ref, part.label, body, row, part.updated, record=part)


def plan_parts_page(ledger: Ledger, setup: SetupIds, nodes: list[dict[str, Any]], *, retry_dead: bool) -> PagePlan:
    """Parts → items by name; a part whose name QuickBooks would refuse is a dead letter."""
    page = PagePlan()
    planned: list[Postable] = []
    for node in nodes:
        source, updated = f"ion:part:{node.get('id')}", parse_time(node.get("_updated"))
        with one_record(page.dead_letters, unnamed_key(node), source, f"ION part {node.get('id')}", updated):
            part = plan_part(node)
            if isinstance(part, DeadLetter):
                page.dead_letters.append(part)
            elif part is not None:
                planned.append(part_postable(part, setup))
    page.ready, _ = page.sort_out(ledger, ITEM_INTEGRATION, planned, retry_dead=retry_dead)
    return page


async def ensure_items(
    qbo: QuickBooksClient, names: NameCache, setup: SetupIds, wanted: dict[str, tuple[str, str | None]], run_key: str
) -> dict[str, Exception]:
    """Make sure every item in `wanted` (name -> (part number, description)) exists; returns the
    names that could not be created, with why. Creates go 30 to a batch request."""
    await names.fill_items(qbo, list(wanted))
    missing = sorted(name for name in wanted if names.items.get(name) is None)
    errors: dict[str, Exception] = {}
    duplicates: list[str] = []
    size = qbo.settings.batch_size
    for chunk in (missing[i : i + size] for i in range(0, len(missing), size)):
        bodies = [("create", inventory_item_body(n, wanted[n][0], wanted[n][1], setup, today())) for n in chunk]
        results = await qbo.batch("Item", bodies, key=f"{run_key}:items:{'|'.join(chunk)}")
        for name, result in zip(chunk, results, strict=True):
            if result.entity is not None:
                names.items[name] = result.entity
            elif isinstance(result.error, DataError) and result.error.code == DUPLICATE_NAME:
                duplicates.append(name)  # an earlier attempt (or someone) created it: adopt it
            else:
                errors[name] = result.error or DataError("no answer")
    if duplicates:
        await names.fill_items(qbo, duplicates, again=True)
        for name in duplicates:
            if names.items.get(name) is None:
                errors[name] = DataError(f"QuickBooks says an item named {name!r} exists, but no active item has that name")
    return errors


class ItemWriter(Writer):
    """ION parts as Inventory items, a QuickBooks batch (30) per `write`: the missing items created
    in one batch request, the changed descriptions sparse-updated in another. `find` is the item by
    name carrying this version's description; for a key a dead run left, the part's name comes from
    ION (`lookup`), since the key does not hold it."""

    integration = ITEM_INTEGRATION
    target = "QuickBooks"
    id_column = "quickbooks id"

    def __init__(self, qbo: QuickBooksClient, names: NameCache, setup: SetupIds, run_key: str, lookup: PartLookup) -> None:
        self.qbo = qbo
        self.names = names
        self.setup = setup
        self.run_key = run_key
        self.lookup = lookup
        self.batch_size = qbo.settings.batch_size
        self.parts: dict[str, PartItem] = {}  # ledger key -> part, for the claims of this page

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        """The page's item names, looked up in one go (what `find` and `write` then read)."""
        self.parts.update({item.key: item.record for item in items})
        try:
            await self.names.fill_items(self.qbo, [item.record.name for item in items])
        except TransientError as exc:
            return {item.key: exc for item in items}
        return {}

    async def find(self, claim: Claim) -> str | None:
        part = self.parts.get(claim.key)
        if part is None:
            part = await self.lookup(int(claim.source_ref.rsplit(":", 1)[-1]))
            if part is None or part.key != claim.key:  # gone, or changed since: that version will not be written
                return None
            await self.names.fill_items(self.qbo, [part.name])
        item = self.names.items.get(part.name)
        return str(item["Id"]) if item is not None and part.landed(item) else None

    async def write(self, items: Sequence[Postable]) -> list[str | Exception]:
        parts: list[PartItem] = [item.record for item in items]
        wanted = {p.name: (p.part_number, p.description) for p in parts}
        errors = await ensure_items(self.qbo, self.names, self.setup, wanted, self.run_key)
        stale = [p for p in parts if p.name not in errors and not p.landed(self.names.items.get(p.name))]
        if stale:
            errors.update(await self._update_descriptions(stale))
        results: list[str | Exception] = []
        for part in parts:
            item = self.names.items.get(part.name)
            results.append(errors.get(part.name) or (str(item["Id"]) if item else DataError("no answer")))
        return results

    async def _update_descriptions(self, parts: list[PartItem]) -> dict[str, Exception]:
        """Existing items whose description changed: one sparse update batch (SyncToken each)."""
        updates = []
        for part in parts:
            item = self.names.items[part.name] or {}
            updates.append(
                (
                    "update",
                    {
                        "Id": item["Id"],
                        "SyncToken": item["SyncToken"],
                        "sparse": True,
                        "Description": part.description,
                        "PurchaseDesc": part.description,
                    },
                )
            )
        results = await self.qbo.batch("Item", updates, key=f"{self.run_key}:update:{'|'.join(p.name for p in parts)}")
        errors: dict[str, Exception] = {}
        for part, result in zip(parts, results, strict=True):
            if result.entity is not None:
                self.names.items[part.name] = result.entity
            elif isinstance(result.error, DataError) and result.error.code == STALE:
                self.names.items.pop(part.name, None)  # re-read next run
                errors[part.name] = TransientError(f"item {part.name!r} changed in QuickBooks meanwhile (stale SyncToken)")
            else:
                errors[part.name] = result.error or DataError("no answer")
        return errors
