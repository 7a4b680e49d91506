"""ION → Onshape: the records Onshape has a place for, as comments on the released revision.

Onshape keeps no quality, inspection, as-built or change-request objects: its API has
documents, versions, elements, parts, release packages, tasks and comments (Glassworks spec).
A comment (`POST /comments`, BTCommentParams `documentId`, `versionId`, `elementId`, `message`)
sits on the released version's element, where the engineer who owns the part reads it, and is
listed back by `GET /comments?did=&eid=` (BTCommentInfo). So:

- nonconformances (NCR/MRB outcomes): a comment `[ION NCR <id>] <title>` with the disposition,
  for engineering to triage into a release (Onshape has no ECR object);
- inspection and test results: a comment `[ION inspection <run>:<unit>]` with the record as JSON;
- traceability: a comment `[ION trace <unit>]` with the record as JSON (the seed's "reference");
- as-built BOMs: no place (no as-built / configuration record; a comment is not one), so the
  adapter offers no `as_built` target and a flow asking for it stops with one ConfigError.

Onshape has no idempotency key for comments: each is a `Lookup` that finds itself by the tag its
message starts with before it is written again (`core.lookup_writer`, on the one engine).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from connectors.errors import DataError
from connectors.onshape import OnshapeClient, Revision
from core.lookup_writer import LookupWriter
from core.writer import PlannedWrites, Postable
from ledger.store import DeadLetter
from plm.port.inspections import InspectionResult
from plm.port.nonconformances import Nonconformance
from plm.port.traceability import TraceabilityRecord
from plm.port.writes import Unit

TARGET = "Onshape"
MESSAGE_LIMIT = 10_000  # INFERENCE: Onshape states no comment length limit; a longer record is a dead letter


@dataclass
class Revisions:
    """The revisions of ION part numbers, looked up once per run."""

    onshape: OnshapeClient
    by_number: dict[str, list[Revision]] = field(default_factory=dict)

    async def of(self, unit: Unit) -> Revision:
        """The revision ION built (its `revision`), else the latest; DataError naming the field if none."""
        if unit.part_number not in self.by_number:
            self.by_number[unit.part_number] = await self.onshape.revision_history(unit.part_number)
        revisions = self.by_number[unit.part_number]
        if not revisions:
            raise DataError(
                f"unit.part_number = {unit.part_number!r}: Onshape has no released revision of this part number",
                field="unit.part_number",
            )
        exact = [r for r in revisions if r.revision == unit.revision]
        if unit.revision and not exact:
            known = ", ".join(r.revision for r in revisions)
            raise DataError(
                f"unit.revision = {unit.revision!r}: {unit.part_number} has no such revision in Onshape (it has {known})",
                field="unit.revision",
            )
        return (exact or revisions)[-1]


@dataclass(frozen=True)
class CommentLookup:
    """One comment to write: found again by the tag its message starts with."""

    onshape: OnshapeClient
    body: dict[str, Any]
    tag: str

    async def find(self) -> str | None:
        async for page in self.onshape.comments(self.body["documentId"], self.body.get("elementId")):
            for comment in page:
                if (comment.message or "").startswith(self.tag):
                    return comment.id
        return None

    async def write(self) -> str:
        return (await self.onshape.create_comment(self.body)).id


R = TypeVar("R", Nonconformance, InspectionResult, TraceabilityRecord)


@dataclass
class CommentTarget(Generic[R]):
    """A `RecordTarget`: each record becomes one comment on its unit's released revision."""

    onshape: OnshapeClient
    revisions: Revisions
    tag: Callable[[R], str]
    text: Callable[[R], str]

    async def plan(self, records: Sequence[R]) -> PlannedWrites:
        planned = PlannedWrites()
        for record in records:
            try:
                revision = await self.revisions.of(record.unit)
                message = f"{self.tag(record)} {self.text(record)}"
                if len(message) > MESSAGE_LIMIT:
                    raise DataError(f"the comment would be {len(message)} characters (limit {MESSAGE_LIMIT})", field="message")
            except DataError as exc:
                planned.dead_letters.append(DeadLetter(record.key, record.source_ref, f"{record.label}: {exc}"))
                continue
            body = {
                "documentId": revision.document_id,
                "versionId": revision.version_id,
                "elementId": revision.element_id,
                "message": message,
            }
            planned.ready.append(
                Postable(
                    key=record.key,
                    source_ref=record.source_ref,
                    label=record.label,
                    body=body,
                    row={"record": record.label, "part": revision.part_number, "revision": revision.revision},
                    record=CommentLookup(self.onshape, body, self.tag(record)),
                    what=f"the comment on {revision.part_number} rev {revision.revision}",
                )
            )
        return planned

    def writer(self, integration: str) -> LookupWriter:
        return LookupWriter(integration, TARGET)


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, default=str)


def nonconformance_text(ncr: Nonconformance) -> str:
    lines = [ncr.title, f"Disposition: {ncr.disposition}", f"Unit: {ncr.unit.label}"]
    lines += [f"Found: {ncr.found}"] if ncr.found else []
    lines += [f"Expected: {ncr.expected}"] if ncr.expected else []
    lines += [f"Run: {ncr.run_id} {ncr.run_title or ''}".rstrip()] if ncr.run_id else []
    return "\n".join(lines)


def nonconformances(onshape: OnshapeClient, revisions: Revisions) -> CommentTarget[Nonconformance]:
    return CommentTarget(onshape, revisions, tag=lambda r: r.tag, text=nonconformance_text)


def inspections(onshape: OnshapeClient, revisions: Revisions) -> CommentTarget[InspectionResult]:
    return CommentTarget(
        onshape,
        revisions,
        tag=lambda r: f"[ION inspection {r.run_id}:{r.unit.unit_id}]",
        text=lambda r: f"{'PASS' if r.passed else 'FAIL'} {r.label}\n{_json(r.document())}",
    )


def traceability(onshape: OnshapeClient, revisions: Revisions) -> CommentTarget[TraceabilityRecord]:
    return CommentTarget(
        onshape,
        revisions,
        tag=lambda r: f"[ION trace {r.unit.unit_id}]",
        text=lambda r: f"{r.label}\n{_json(r.document())}",
    )
