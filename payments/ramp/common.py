"""What the four Ramp flows share: their context, summary, ION page reads, lookups by number,
and the map of ION purchase orders that live in Ramp (read from the ledger of
ramp-purchase-order-sync, where each posted entry keeps the Ramp PO id and line ids)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from connectors.ion import IonClient
from connectors.ion.queries import Query
from connectors.ramp import RampClient, WriteResult
from connectors.ramp.models import Vendor
from core.ramp_config import RampMappings
from core.reporting import SyncSummary
from core.writer import Landed, Postable, PostReport, Writer
from ledger import Claim, EntryStatus, Ledger, RunHandle

PURCHASE_ORDER_INTEGRATION = "ramp-purchase-order-sync"
PO_KEY = re.compile(r"^ion:po:(\d+):ramp-po$")
T = TypeVar("T")


@dataclass
class RampContext:
    ion: IonClient
    ramp: RampClient
    ledger: Ledger
    run: RunHandle | None  # None in a dry run: nothing is claimed
    mappings: RampMappings
    entity_id: str = ""
    retry_dead: bool = False
    max_attempts: int = 5
    vendors: dict[str, Vendor | None] = field(default_factory=dict)  # Ramp vendors looked up in this run
    window: asyncio.Semaphore = field(init=False)  # Ramp writes in flight, across the pages of a run

    def __post_init__(self) -> None:
        self.window = asyncio.Semaphore(self.ramp.settings.concurrency)


class RampSummary(SyncSummary):
    """The shared counts, plus what the Ramp flows do besides posting."""

    adopted: int = 0
    updated: int = 0
    skipped: int = 0
    events_handled: int = 0

    def add_report(self, report: PostReport) -> None:
        """A posted page of POs or item receipts (a row says whether Ramp already had it)."""
        self.posted += len(report.posted)
        self.adopted += sum(1 for row in report.posted if row.get("adopted"))
        self.dead_letters += len(report.dead_letters)
        self.already_posted += report.already_posted
        self.in_flight_elsewhere += report.in_flight_elsewhere
        self.failed += report.failed


def drop_settled(ledger: Ledger, integration: str, plan: Any, *, retry_dead: bool) -> int:
    """Leave out of a page plan (its `ready` and `dead_letters`) what the ledger has settled;
    returns how many were already posted."""
    known = ledger.statuses(integration, [r.key for r in plan.ready] + [d.key for d in plan.dead_letters])
    settled = {EntryStatus.posted} | (set() if retry_dead else {EntryStatus.dead})
    already = sum(1 for r in plan.ready if known.get(r.key) is EntryStatus.posted)
    plan.ready = [r for r in plan.ready if known.get(r.key) not in settled]
    plan.dead_letters = [d for d in plan.dead_letters if known.get(d.key) not in settled]
    return already


@dataclass(frozen=True)
class RampPurchaseOrderRef:
    """An ION PO that lives in Ramp: its Ramp id, number and ION line id -> Ramp line id."""

    ion_id: int
    ramp_id: str
    number: str
    lines: dict[int, str]


def purchase_order_key(po_id: int | str) -> str:
    return f"ion:po:{po_id}:ramp-po"


def purchase_orders_in_ramp(ledger: Ledger) -> dict[int, RampPurchaseOrderRef]:
    refs: dict[int, RampPurchaseOrderRef] = {}
    for entry in ledger.entries(PURCHASE_ORDER_INTEGRATION, EntryStatus.posted):
        match = PO_KEY.match(entry.key)
        if not match or not entry.target_id:
            continue
        payload = entry.payload or {}
        lines = {int(k): str(v) for k, v in (payload.get("lines") or {}).items()}
        refs[int(match.group(1))] = RampPurchaseOrderRef(
            int(match.group(1)), entry.target_id, str(payload.get("number", "")), lines
        )
    return refs


async def ion_nodes(
    ion: IonClient, query: Query, connection: str, filters: dict[str, Any]
) -> AsyncIterator[list[dict[str, Any]]]:
    async for page in ion.pages(query, connection, {"filters": filters}):
        yield page.nodes


class NumberLookup(Generic[T]):
    """Ramp objects by number. Ramp's lists take no number filter, so every lookup scans a list:
    the numbers asked for together (the keys a dead run left `pending`, checked at once by
    `resolve_orphans`) share one scan instead of one scan each."""

    def __init__(self, scan: Callable[[set[str]], Awaitable[Mapping[str, T]]]) -> None:
        self._scan = scan
        self._wanted: set[str] = set()
        self._batch: asyncio.Future[Mapping[str, T]] | None = None

    async def get(self, number: str) -> T | None:
        self._wanted.add(number)
        if self._batch is None:
            self._batch = asyncio.ensure_future(self._run())
        return (await asyncio.shield(self._batch)).get(number)

    async def _run(self) -> Mapping[str, T]:
        await asyncio.sleep(0)  # the lookups started together join this scan
        wanted, self._wanted, self._batch = self._wanted, set(), None
        return await self._scan(wanted)


class AdoptingWriter(Writer):
    """A create in Ramp, which has no idempotency key, told apart by its number: once a page is
    claimed its numbers are looked up (`remember`), and a number Ramp already has is adopted,
    never created again; `find` looks a number up (one scan for all the keys a dead run left
    `pending`). Each landed row says whether it was adopted."""

    target = "Ramp"
    batch_size = 1
    idempotent = False
    id_column = "ramp id"

    def __init__(self, scan: Callable[[set[str]], Awaitable[Mapping[str, BaseModel]]]) -> None:
        self.existing: dict[str, dict[str, Any]] = {}  # claimed numbers Ramp already has -> the object
        self.looked_up: set[str] = set()
        self.lookup = NumberLookup(scan)
        self.items: dict[str, Postable] = {}

    def number(self, key: str) -> str:
        raise NotImplementedError

    async def create(self, item: Postable) -> WriteResult:
        raise NotImplementedError

    def details(self, resource: dict[str, Any] | None) -> dict[str, Any]:
        """What the ledger keeps about the object besides its number (e.g. a PO's line ids)."""
        return {}

    def remember(self, items: Sequence[Postable], found: Mapping[str, BaseModel]) -> None:
        """What looking the claimed items' numbers up in Ramp found."""
        self.items = {item.key: item for item in items}
        self.looked_up.update(self.number(item.key) for item in items)
        self.existing.update({number: resource.model_dump(mode="json") for number, resource in found.items()})

    async def find(self, claim: Claim) -> Landed | None:
        number = self.number(claim.key)
        if number in self.looked_up:
            resource = self.existing.get(number)
        else:
            found = await self.lookup.get(number)
            resource = found.model_dump(mode="json") if found else None
        if resource is None:
            return None
        return self.landed(self.items.get(claim.key), number, WriteResult(str(resource["id"]), adopted=True, resource=resource))

    async def write(self, items: Sequence[Postable]) -> list[Landed | Exception]:
        item = items[0]
        number = self.number(item.key)
        resource = self.existing.get(number)
        result = WriteResult(str(resource["id"]), adopted=True, resource=resource) if resource else await self.create(item)
        return [self.landed(item, number, result)]

    def landed(self, item: Postable | None, number: str, result: WriteResult) -> Landed:
        if item is not None:
            item.row["adopted"] = result.adopted
        return Landed(result.target_id, {"number": number, **self.details(result.resource), "adopted": result.adopted})
