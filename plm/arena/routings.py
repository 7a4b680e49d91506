"""Routings out of Arena, by convention: Arena's REST API has no routing or operation object
(its objects are items, BOMs, changes, requests, quality processes, suppliers and files
[AR api_overview.md]; its only "routing" is a change's approval routing, "groups of users who
vote on changes" [AR Objects/object_routing.md]). Arena shops keep process documents as
items with files, so (INFERENCE, configurable with ARENA_ROUTING_SUFFIX):

- the routing of item N is the item numbered N + suffix (`ASSY-100-RTG`), released by its own
  lifecycle phase and revision like any item (so an ECO revises it);
- its operations are its files (`GET /items/{guid}/files` [AR Endpoints/Item Files/
  endpoint_get_item_file_assocs.md]) titled `Op <n> <title>` (or `<n> <title>`): the title is
  the step, the file's `description` its work instructions, and the file's `location` (a WEB or
  FTP file's URL [AR Objects/object_file.md]) or else the routing item's page (`url.app`
  [AR endpoint_get_items.md]) the step's drawing link. Other files are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.arena import ArenaClient
from plm.arena.engineering import KEY, PartNumbers
from plm.port.items import ReleasedItem
from plm.port.routings import Routing, Routings, RoutingStep, Settled

OPERATION = re.compile(r"^\s*(?:op(?:eration)?\.?\s*)?(\d+)\s*[-–:.]?\s+(\S.*)$", re.IGNORECASE)
LINKED = ("WEB", "FTP")  # storage methods whose `location` is a URL [AR Objects/object_file.md]


def operation(association: dict[str, Any], fallback_url: str | None) -> RoutingStep | None:
    """One file association as an operation, or None if its title names no operation."""
    file = association.get("file") or {}
    match = OPERATION.match(file.get("title") or "")
    if match is None:
        return None
    link = file.get("location") if file.get("storageMethodName") in LINKED and file.get("location") else fallback_url
    return RoutingStep(
        key=str(file.get("guid") or association.get("guid")),
        sequence=int(match.group(1)),
        title=match.group(2).strip(),
        instructions=file.get("description") or "",
        drawing_url=link,
    )


@dataclass
class ArenaRoutings:
    """`RoutingSource` over Arena's item listing (the routing items are items too)."""

    arena: ArenaClient
    numbers: PartNumbers
    suffix: str | None
    released_phases: list[str]
    listing: dict[str, dict[str, Any]] = field(default_factory=dict)  # Arena number -> item, from this run's full listing

    def is_routing(self, number: str) -> bool:
        return bool(self.suffix) and number.endswith(str(self.suffix))

    async def routings(self, items: Sequence[ReleasedItem], settled: Settled | None = None) -> Routings:
        found = Routings()
        if not self.suffix:
            found.skipped.append("ARENA_ROUTING_SUFFIX is not set: Arena keeps no routings for ion-sync")
            return found
        for item in items:
            number = f"{item.plm_number or self.numbers.arena(item.number)}{self.suffix}"
            # the listing of this run holds every item: a number not in it has no routing (no request)
            routing = self.listing.get(number) if self.listing else await self._find(number)
            if routing is None or routing.get("number") != number:
                continue  # no routing kept for this item
            phase = (routing.get("lifecyclePhase") or {}).get("name")
            if not routing.get("revisionNumber") or phase not in self.released_phases:
                found.skipped.append(f"{number}: routing not released (phase {phase!r})")
                continue
            if settled is not None and settled(item, routing["revisionNumber"]):
                found.unchanged += 1  # a released routing revision's files change only by an ECO (a new revision)
                continue
            app = (routing.get("url") or {}).get("app")
            steps = [s for s in (operation(a, app) for a in await self.arena.item_files(routing["guid"])) if s is not None]
            if not steps:
                found.skipped.append(f"{number}: no file titled 'Op <n> <title>', so no operations")
                continue
            found.routings.append(
                Routing(
                    item,
                    routing["guid"],
                    routing["revisionNumber"],
                    routing.get("name") or number,
                    sorted(steps, key=lambda s: s.sequence),
                    KEY,
                )
            )
        return found

    async def _find(self, number: str) -> dict[str, Any] | None:
        return next(iter(await self.arena.all("/items", {"number": number})), None)
