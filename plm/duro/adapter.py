"""Duro behind the PLM port (`open_duro`): what Duro's API supports, and what it does not.

| capability       | Duro                                                                            |
|------------------|---------------------------------------------------------------------------------|
| items            | components in a released status, state RELEASED (`component.findAll`)          |
| boms             | `children` of the current revision, level by level (multi-level by recursion)   |
| changes          | change orders resolved as approved, polled (change-order webhooks are "not yet   |
|                  | implemented"); nothing to acknowledge                                           |
| nonconformances  | a draft change order `[ION NCR <id>] …` with the component on it                |
| routings         | not supported: Duro documents no routings or operations                         |
| as_built, inspections, traceability | not supported: Duro's API documents no way to attach a   |
|                  | record or file to a component (its documents are not writable through it)       |

Sources: connectors/duro/README.md. The superseded revision's children are not readable (the
API answers the current revision's only), so `AffectedItem.superseded_key` is None.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.duro import DuroClient
from connectors.errors import DataError
from core.environment import Environment
from core.lookup_writer import LookupWriter
from core.writer import PlannedWrites, Postable, Writer
from ledger import Ledger
from ledger.store import DeadLetter
from plm.duro.engineering import (
    KEY,
    PLM,
    Numbering,
    as_item,
    bom_lines,
    effective_at,
    made_effective,
    status_name,
    why_not_released,
)
from plm.port import PlmAdapter, Usage
from plm.port.boms import AssemblyBom, BomLine
from plm.port.changes import AffectedItem, EngineeringChange
from plm.port.items import ReleasedItem, ReleasedItems
from plm.port.nonconformances import Nonconformance

# What Duro's API has no place for (README "Duro behind the PLM port"): no routings, and nothing
# can be attached to a component (no as-built, inspection or traceability records).
LACKS = frozenset({"routings", "as_built", "inspections", "traceability"})


@dataclass
class DuroItems:
    duro: DuroClient
    numbering: Numbering
    statuses: list[str]

    async def released(self, part_numbers: Sequence[str] | None = None) -> ReleasedItems:
        out = ReleasedItems()
        filters = self.numbering.filter(list(part_numbers)) if part_numbers else [{}]
        for filter in filters:
            async for page in self.duro.components(filter):
                for component in page:
                    number = self.numbering.number(component)
                    if number:
                        out.known.add(number)
                    reason = why_not_released(component, self.numbering, self.statuses)
                    if reason:
                        out.skipped.append(reason)
                    elif number:
                        out.released.append(as_item(component, number))
        return out


@dataclass
class DuroBoms:
    duro: DuroClient
    numbering: Numbering
    statuses: list[str]
    depth: int

    async def ebom(self, item: ReleasedItem) -> list[AssemblyBom]:
        """Breadth first from `item`: each released sub-assembly once, parents before children."""
        levels: list[AssemblyBom] = []
        queue: list[tuple[ReleasedItem, int]] = [(item, 1)]
        seen = {item.key}
        while queue:
            assembly, depth = queue.pop(0)
            component = await self.duro.component(assembly.key)
            if component is None:
                levels.append(AssemblyBom(assembly, [], f"{assembly.number}: Duro component {assembly.key} no longer exists"))
                continue
            try:
                lines = bom_lines(component.get("children") or [], self.numbering)
            except DataError as exc:
                levels.append(AssemblyBom(assembly, [], f"{assembly.number} rev {assembly.revision}: {exc}"))
                continue
            levels.append(AssemblyBom(assembly, lines))
            if depth >= self.depth:
                continue
            for child in component.get("children") or []:
                sub = child.get("component") or {}
                if (sub.get("category") or {}).get("type") != "ASSEMBLY" or sub.get("id") in seen:
                    continue
                number = self.numbering.number(sub)
                if number and why_not_released(sub, self.numbering, self.statuses) is None:
                    seen.add(sub["id"])
                    queue.append((as_item(sub, number), depth + 1))
        return levels

    async def lines(self, revision_key: str) -> list[BomLine]:
        """`<component id>[@<revision>]`: Duro answers the children of the current revision only."""
        component_id, _, revision = revision_key.partition("@")
        component = await self.duro.component(component_id)
        if component is None:
            raise DataError(f"Duro component {component_id} does not exist")
        if revision and component.get("revisionValue") != revision:
            raise DataError(
                f"Duro component {component.get('cpn')} is at revision {component.get('revisionValue')}: its API "
                f"gives the children of the current revision only, not of {revision}"
            )
        return bom_lines(component.get("children") or [], self.numbering)


@dataclass
class DuroChanges:
    duro: DuroClient
    numbering: Numbering
    statuses: list[str]

    async def effective(self, since: datetime | None, *, poll: bool = False) -> list[EngineeringChange]:
        """Approved change orders resolved since `since`, oldest first (always polled)."""
        found = [co async for page in self.duro.change_orders() for co in page if made_effective(co, since)]
        changes = []
        for co in sorted(found, key=lambda c: str(c.get("resolvedAt"))):
            affected = []
            for listed in (co.get("affectedItems") or {}).get("components") or []:
                component = await self.duro.component(listed["id"])
                number = self.numbering.number(component or {})
                if component is None or number is None:
                    continue
                history = component.get("revisions") or []
                affected.append(
                    AffectedItem(
                        as_item(component, number),
                        status_name(component) in self.statuses,
                        history[-1].get("revisionValue") if history else None,
                        None,  # the superseded revision's children are not readable
                    )
                )
            changes.append(EngineeringChange(str(co.get("number")), affected, effective_at(co), None, KEY))
        return changes

    async def acknowledge(self, change: EngineeringChange) -> None:
        """Polled change orders need no acknowledgement."""


@dataclass
class ChangeOrders:
    """The library's change orders by name, read once per page of NCRs (each find would otherwise page them all)."""

    duro: DuroClient
    by_name: dict[str, dict[str, Any]] | None = None

    async def named(self, name: str) -> dict[str, Any] | None:
        if self.by_name is None:
            self.by_name = {str(co.get("name")): co async for page in self.duro.change_orders() for co in page}
        return self.by_name.get(name)


@dataclass
class NcrChangeOrder:
    """An NCR as a draft Duro change order naming the component: two writes (create, then add the
    component at the version create answered), found again by its name. One found without the
    component (the second write was lost) is completed with its current version; a version gone
    stale meanwhile raises StaleVersion (transient): the next run reads it again."""

    orders: ChangeOrders
    name: str
    description: str
    component_id: str
    found: dict[str, Any] | None = None

    async def find(self) -> str | None:
        self.found = await self.orders.named(self.name)
        if self.found is None:
            return None
        components = (self.found.get("affectedItems") or {}).get("components") or []
        return str(self.found["id"]) if any(c.get("id") == self.component_id for c in components) else None

    async def write(self) -> str:
        order = self.found or await self.orders.duro.create_change_order(self.name, self.description)
        self.found = order
        done = await self.orders.duro.add_change_order_items(str(order["id"]), [self.component_id], int(order["version"]))
        return str(done["id"])


def ncr_description(record: Nonconformance) -> str:
    lines = [
        f"Nonconformance raised in ION production (issue {record.issue_id}, status {record.status}).",
        f"Part: {record.unit.label}",
        f"Run: {record.run_id} {record.run_title or ''}".rstrip() if record.run_id else "",
        f"Found: {record.found}" if record.found else "",
        f"Expected: {record.expected}" if record.expected else "",
        f"Production dispositioned it as {record.disposition}; review whether the design or process must change.",
    ]
    return "\n".join(line for line in lines if line)


@dataclass
class DuroNonconformances:
    duro: DuroClient
    numbering: Numbering
    components: dict[str, str | None] = field(default_factory=dict)  # ION part number -> component id

    async def _component(self, number: str) -> str | None:
        if number not in self.components:
            found = None
            for filter in self.numbering.filter([number]):
                async for page in self.duro.components(filter):
                    found = found or next((c["id"] for c in page if self.numbering.number(c) == number), None)
            self.components[number] = found
        return self.components[number]

    async def plan(self, records: Sequence[Nonconformance]) -> PlannedWrites:
        planned = PlannedWrites()
        orders = ChangeOrders(self.duro)
        for record in records:
            component = await self._component(record.unit.part_number)
            if component is None:
                reason = f"{record.label}: {record.unit.part_number} is not a Duro component; raise the change order by hand"
                planned.dead_letters.append(DeadLetter(record.key, record.source_ref, reason))
                continue
            name = f"{record.tag} {record.title}".strip()
            order = NcrChangeOrder(orders, name, ncr_description(record), component)
            row = {
                "record": "NCR → change order",
                "issue": record.issue_id,
                "part": record.unit.part_number,
                "revision": record.unit.revision,
                "disposition": record.disposition,
            }
            body = {"name": name, "description": order.description, "componentIds": [component]}
            planned.ready.append(Postable(record.key, record.source_ref, record.label, body, row, record=order))
        return planned

    def writer(self, integration: str) -> Writer:
        return LookupWriter(integration, PLM)


def adapter(duro: DuroClient) -> PlmAdapter:
    settings = duro.settings
    numbering = Numbering.of(settings)
    statuses = list(settings.released_statuses)
    return PlmAdapter(
        name=PLM,
        key=KEY,
        usage=lambda: Usage(duro.requests),
        items=DuroItems(duro, numbering, statuses),
        boms=DuroBoms(duro, numbering, statuses, settings.bom_depth),
        changes=DuroChanges(duro, numbering, statuses),
        nonconformances=DuroNonconformances(duro, numbering),
    )


@asynccontextmanager
async def open_duro(env: Environment, _ledger: Ledger) -> AsyncIterator[PlmAdapter]:
    """The Duro adapter with its client open (an API key needs no session to share)."""
    async with DuroClient(env.duro) as duro:
        yield adapter(duro)
