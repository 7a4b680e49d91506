"""What the four Ramp flows share: their context, summary, ION page reads, outcome rules, and
the map of ION purchase orders that live in Ramp (read from the ledger of
ramp-purchase-order-sync, where each posted entry keeps the Ramp PO id and line ids)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import DataError, TransientError
from connectors.ion import IonClient
from connectors.ion.queries import Query
from connectors.ramp import RampClient
from connectors.ramp.models import Vendor
from core.ramp_config import RampMappings
from core.reporting import SyncSummary
from ledger import Claim, EntryStatus, Ledger, Outcome, RunHandle

PURCHASE_ORDER_INTEGRATION = "ramp-purchase-order-sync"
PO_KEY = re.compile(r"^ion:po:(\d+):ramp-po$")


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


class RampSummary(SyncSummary):
    """The shared counts, plus what the Ramp flows do besides posting."""

    adopted: int = 0
    updated: int = 0
    skipped: int = 0
    events_handled: int = 0

    def add_report(self, report: Any) -> None:
        """A posted page (PO or item-receipt report: the same counts)."""
        self.posted += len(report.posted)
        self.adopted += report.adopted
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
        refs[int(match.group(1))] = RampPurchaseOrderRef(int(match.group(1)), entry.target_id, str(payload.get("number", "")), lines)
    return refs


async def ion_nodes(ion: IonClient, query: Query, connection: str, filters: dict[str, Any]) -> AsyncIterator[list[dict[str, Any]]]:
    async for page in ion.pages(query, connection, {"filters": filters}):
        yield page.nodes


def failure_outcome(ctx: RampContext, claim: Claim, exc: Exception, what: str, payload: dict[str, Any] | None) -> Outcome:
    """Data errors are dead letters in the target's words; transient ones are retried next run
    (dead after `max_attempts` runs)."""
    if isinstance(exc, DataError):
        code = f" [{exc.code}]" if exc.code else ""
        field = f" (field {exc.field})" if exc.field else ""
        return Outcome(claim.key, EntryStatus.dead, reason=f"{what}: rejected{code}: {exc}{field}", payload=payload)
    assert isinstance(exc, TransientError)
    if claim.attempts + 1 >= ctx.max_attempts:
        return Outcome(claim.key, EntryStatus.dead, reason=f"{what}: gave up after {claim.attempts + 1} runs: {exc}", payload=payload)
    return Outcome(claim.key, EntryStatus.failed, reason=str(exc))
