"""ION → Arena: the port's ION → PLM records as Arena holds them (seed 002, "Canonical data
flows: ION → PLM"; rule 3: problems go back as records for engineering, never as edits to the item).

- As-built records, inspection / test results and traceability records: one JSON file each,
  uploaded onto the Arena item (`POST /items/{guid}/files`, multipart/form-data
  [AR Endpoints/Item Files/endpoint_upload_file_to_item.md]) and named after the record
  (`ion-asbuilt-<unit>.json`, `ion-inspection-<run>-<unit>.json`, `ion-trace-<unit>.json`),
  which is how a retry finds it again. Arena's REST API has no object for production test data
  or unit genealogy: its objects are items, BOMs, changes, requests, quality processes,
  suppliers and files [AR api_overview.md]; a quality process is a CAPA/NCR workflow with
  steps to complete [AR Endpoints/Quality Process/*], not a place for measurements.
- NCR / MRB outcomes: one change request per dispositioned ION issue (`POST /requests` in the
  configured category and number sequence, then `POST /requests/{guid}/items`), titled
  `[ION NCR <id>] <title>`; Arena creates it UNSUBMITTED, for engineering to triage.
Arena has no idempotency key for either, so each is a `Lookup` found again by that name or
tag before it is created again (`core.lookup_writer`, on the one engine). Bodies:
`connectors.arena.bodies`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from connectors.arena import ArenaClient
from connectors.arena.bodies import item_file_fields, request_body, request_item_body
from connectors.errors import ConfigError
from core.lookup_writer import LookupWriter
from core.writer import PlannedWrites, Postable, Writer, check_body, one_record
from ledger.store import DeadLetter
from plm.arena.engineering import PLM, PartNumbers
from plm.port.nonconformances import Nonconformance
from plm.port.writes import Record, Unit


@dataclass
class ArenaFeedback:
    """What every ION → Arena target shares: the client, the part numbers, the mappings
    file's request and file settings, and the item GUIDs looked up this run."""

    arena: ArenaClient
    numbers: PartNumbers = field(default_factory=PartNumbers)
    request_category: str | None = None  # the mappings file's arena.request_category_guid
    request_prefix: str | None = None  # arena.request_number_prefix
    file_category: str | None = None  # arena.file_category_guid (None: Arena's default)
    items: dict[str, str | None] = field(default_factory=dict)  # Arena item number -> GUID

    async def item_guid(self, ion_number: str) -> str | None:
        """The Arena item GUID of an ION part, cached for the run."""
        number = self.numbers.arena(ion_number)
        if number not in self.items:
            found = await self.arena.all("/items", {"number": number})
            self.items[number] = next((i["guid"] for i in found if i.get("number") == number), None)
        return self.items[number]

    def require_request_settings(self) -> tuple[str, str]:
        """The request category and number prefix NCRs need, or a ConfigError saying how to set them."""
        if not (self.request_category and self.request_prefix):
            raise ConfigError(
                "arena.request_category_guid and arena.request_number_prefix must be set in the mappings file to send "
                "NCRs as Arena change requests (GET /settings/requests/categories lists them; `ion-sync preflight "
                "arena` checks them); or run with ncrs=false"
            )
        return self.request_category, self.request_prefix

    def writer(self, integration: str) -> Writer:
        return LookupWriter(integration, PLM)


# --- records as files on the item ---------------------------------------------------------------


class FileRecord(Record, Protocol):
    """A port record Arena keeps as a JSON file on the item of the unit's part."""

    @property
    def unit(self) -> Unit: ...
    @property
    def run_id(self) -> str: ...
    def document(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=FileRecord)


@dataclass
class ItemFiles(Generic[R]):
    """`AsBuiltTarget`, `InspectionTarget`, `TraceabilityTarget`: each record as one file on its item."""

    feedback: ArenaFeedback
    kind: str  # "as-built": the report's `record` column
    name: Callable[[R], str]  # the file name, how a retry finds it
    summary: Callable[[R], str]  # the file's description

    async def plan(self, records: Sequence[R]) -> PlannedWrites:
        planned = PlannedWrites()
        for record in records:
            with one_record(planned.dead_letters, record.key, record.source_ref, record.label) as one:
                document = record.document()
                check_body(document, PLM)
            if one.failed:
                continue
            unit = record.unit
            item_guid = await self.feedback.item_guid(unit.part_number)
            if item_guid is None:
                planned.dead_letters.append(
                    DeadLetter(
                        record.key,
                        record.source_ref,
                        f"{record.label}: {unit.part_number} is not an Arena item, so there is nowhere to attach it",
                    )
                )
                continue
            title = f"{record.label[:1].upper()}{record.label[1:]}"
            row = {
                "record": self.kind,
                "run": record.run_id,
                "part": unit.part_number,
                "revision": unit.revision,
                "unit": unit.label,
            }
            file = ItemFile(self.feedback, item_guid, self.name(record), title, self.summary(record), document)
            planned.ready.append(Postable(record.key, record.source_ref, record.label, document, row, record=file))
        return planned

    def writer(self, integration: str) -> Writer:
        return self.feedback.writer(integration)


@dataclass
class ItemFile:
    """A JSON file on an Arena item, found again by its name (or title)."""

    feedback: ArenaFeedback
    item_guid: str
    name: str
    title: str
    description: str
    document: dict[str, Any]

    async def find(self) -> str | None:
        files = await self.feedback.arena.item_files(self.item_guid)
        return next(
            (
                f["guid"]
                for f in files
                if (f.get("file") or {}).get("name") == self.name or (f.get("file") or {}).get("title") == self.title
            ),
            None,
        )

    async def write(self) -> str:
        fields = item_file_fields(
            title=self.title, description=self.description, file_format="json", category_guid=self.feedback.file_category
        )
        content = json.dumps(self.document, sort_keys=True).encode()
        return await self.feedback.arena.upload_item_file(self.item_guid, fields, self.name, content, "application/json")


# --- NCRs as change requests ------------------------------------------------------------------------


@dataclass
class ChangeRequests:
    """`NonconformanceTarget`: each dispositioned NCR as an Arena change request naming the item."""

    feedback: ArenaFeedback

    async def plan(self, records: Sequence[Nonconformance]) -> PlannedWrites:
        planned = PlannedWrites()
        for ncr in records:
            unit = ncr.unit
            item_guid = await self.feedback.item_guid(unit.part_number) if unit.part_number else None
            if item_guid is None:
                planned.dead_letters.append(
                    DeadLetter(
                        ncr.key, ncr.source_ref, f"{ncr.label}: the affected part is not an Arena item; raise the request by hand"
                    )
                )
                continue
            request = change_request(self.feedback, ncr, item_guid)
            row = {
                "record": "NCR → change request",
                "issue": ncr.issue_id,
                "part": unit.part_number,
                "revision": unit.revision,
                "disposition": ncr.disposition,
            }
            planned.ready.append(Postable(ncr.key, ncr.source_ref, ncr.label, request.body, row, record=request))
        return planned

    def writer(self, integration: str) -> Writer:
        return self.feedback.writer(integration)


@dataclass
class ChangeRequest:
    """An NCR as an Arena change request naming the affected item: two writes (the request, then
    its item), found again by the `[ION NCR <id>]` tag of its title. A request found without its
    item (the attach was lost) is remembered, and writing it again only attaches the item."""

    feedback: ArenaFeedback
    tag: str
    title: str
    body: dict[str, Any]
    item_body: dict[str, Any]
    unattached: str | None = None  # the GUID of a request found without its item

    async def find(self) -> str | None:
        arena = self.feedback.arena
        found = await arena.find_requests(self.tag)
        guid = next((r["guid"] for r in found if r.get("title") == self.title), None)
        if guid is None:
            return None
        items = await arena.request_items(guid)
        if any((i.get("item") or {}).get("guid") == self.item_body["item"]["guid"] for i in items):
            return str(guid)
        self.unattached = str(guid)
        return None

    async def write(self) -> str:
        arena = self.feedback.arena
        guid = self.unattached or str((await arena.create_request(self.body))["guid"])
        await arena.add_request_item(guid, self.item_body)
        return guid


def change_request(feedback: ArenaFeedback, ncr: Nonconformance, item_guid: str) -> ChangeRequest:
    """The change request for `ncr` on the Arena item `item_guid`."""
    category, prefix = feedback.require_request_settings()
    unit = ncr.unit
    where = f"serial {unit.serial}" if unit.serial else f"lot {unit.lot}" if unit.lot else None
    built = f"{unit.part_number} rev {unit.revision}" + (f", {where}" if where else "")
    problem = "\n".join(
        line
        for line in [
            f"Nonconformance raised in ION production (issue {ncr.issue_id}, status {ncr.status}).",
            f"Part: {built}",
            f"Run: {ncr.run_id} {ncr.run_title or ''}".rstrip(),
            f"Found: {ncr.found}",
            f"Expected: {ncr.expected}",
        ]
        if line
    )
    action = f"Production dispositioned it as {ncr.disposition}; review whether the design or process must change."
    title = f"{ncr.tag} {ncr.title}".strip()
    return ChangeRequest(
        feedback,
        ncr.tag,
        title,
        request_body(category_guid=category, prefix=prefix, title=title, problem=problem, requested_action=action),
        request_item_body(item_guid, f"Built in ION as {built}"),
    )
