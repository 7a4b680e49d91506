"""Arena → ION: released items become ION part revisions, eBOMs become mBOM versions, and
runs still building a superseded revision get an issue (seed 002, "PLM → ION"; rules 1-3, 8).

ION never authors engineering data here: the part number, revision and BOM come from Arena;
ION keeps its own manufacturing-only mBOM lines (consumables, fixtures), which no eBOM has.
Which lines are "from the eBOM" is what ion-sync applied last time (kept in the ledger with
the mBOM it created); before any sync, every line whose part Arena knows.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from connectors.arena import ArenaClient
from connectors.errors import DataError
from connectors.ion.plm import IonPart, IonPlm, Mbom, MbomLine
from connectors.validation import number_at
from core.config import Mappings
from core.writer import one_record
from ledger import EntryStatus, Ledger, RunHandle
from ledger.store import DeadLetter
from plm.arena.ledger import Write, WriteReport, dead_row, write_all

PARTS_LEDGER = "arena-parts"
MBOMS_LEDGER = "arena-mboms"
CHANGES_LEDGER = "arena-changes"
PHASE_ATTRIBUTE = "Arena Lifecycle Phase"
OPEN_RUN_STATES = ("TODO", "IN_PROGRESS", "HOLD", "REDLINE")


@dataclass(frozen=True)
class PartNumbers:
    """Arena item numbers ↔ ION part numbers (the mappings file's `arena.parts`, where they differ)."""

    arena_to_ion: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_mappings(cls, mappings: Mappings) -> PartNumbers:
        return cls(dict(mappings.arena.parts))

    def ion(self, arena_number: str) -> str:
        return self.arena_to_ion.get(arena_number, arena_number)

    def arena(self, ion_number: str) -> str:
        return next((a for a, i in self.arena_to_ion.items() if i == ion_number), ion_number)


@dataclass
class PlmContext:
    """What the tasks of one Arena → ION run share."""

    arena: ArenaClient
    ion: IonPlm
    ledger: Ledger
    run: RunHandle | None  # None in a dry run
    released_phases: list[str]
    numbers: PartNumbers = field(default_factory=PartNumbers)
    arena_numbers: set[str] = field(default_factory=set)  # ION numbers of every item Arena knows (filled by listing)

    @property
    def dry_run(self) -> bool:
        return self.run is None


@dataclass(frozen=True)
class ReleasedItem:
    guid: str
    number: str
    name: str
    revision: str
    phase: str
    assembly: bool


def released(
    items: list[dict[str, Any]], phases: list[str], numbers: PartNumbers
) -> tuple[list[ReleasedItem], list[str]]:
    """Items with an effective revision in a released lifecycle phase (by ION part number);
    and why the others were skipped."""
    out: list[ReleasedItem] = []
    skipped: list[str] = []
    for item in items:
        phase = (item.get("lifecyclePhase") or {}).get("name")
        if not item.get("revisionNumber"):
            skipped.append(f"{item.get('number')}: no effective revision (unreleased)")
        elif phase not in phases:
            skipped.append(f"{item.get('number')} rev {item['revisionNumber']}: lifecycle phase {phase!r} is not released")
        else:
            out.append(ReleasedItem(item["guid"], numbers.ion(item["number"]), item.get("name") or "", item["revisionNumber"], phase,
                                    item.get("assemblyType") not in (None, "NOT_AN_ASSEMBLY")))
    return out, skipped


def from_event_items(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`{effective, superseded}` revisions of an outbound event's items (their revisions carry the
    lifecycle phase, [AR endpoint_get_event_items.md])."""
    return [{"effective": e["effectiveItemRevision"], "superseded": e.get("supersededItemRevision")}
            for e in entries if e.get("effectiveItemRevision")]


def from_change_items(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same from a change's items: their revisions carry no lifecycle phase; the entry's
    `newLifecyclePhase` is the new revision's ([AR Endpoints/Change Item/endpoint_get_change_items.md])."""
    return [{"effective": {**e["newItemRevision"], "lifecyclePhase": e.get("newLifecyclePhase")},
             "superseded": e.get("affectedItemRevision")}
            for e in entries if e.get("newItemRevision")]


# --- parts ------------------------------------------------------------------------------------


def revision_order(revision: str | None) -> tuple[int, str]:
    """Letter revisions in order: A < B < … < Z < AA."""
    text = (revision or "").upper()
    return len(text), text


async def sync_parts(ctx: PlmContext, items: list[ReleasedItem]) -> WriteReport:
    """Each released item as an ION part revision, with its lifecycle phase as an attribute."""
    existing = await ctx.ion.parts(sorted({i.number for i in items}))
    creations: list[Write] = []
    updates: list[Write] = []  # on the part revision, once it exists
    dead: list[DeadLetter] = []
    report = WriteReport()
    for item in items:
        revisions = existing.get(item.number, [])
        current = next((p for p in revisions if p.revision == item.revision), None)
        key = f"arena:part:{item.number}:{item.revision}"
        if current is None:
            newer = [p.revision for p in revisions if p.latest and revision_order(p.revision) > revision_order(item.revision)]
            if newer:
                dead.append(DeadLetter(key, f"arena:item:{item.guid}",
                                       f"{item.number}: ION's latest revision {newer[0]} is newer than Arena's effective "
                                       f"revision {item.revision}; revisions are authored in Arena only"))
                continue
            creations.append(_part_write(ctx, item, revisions))
        # Keyed by the value found and the value wanted: ION drifting again later is corrected again.
        if current is None or current.attributes.get(PHASE_ATTRIBUTE) != item.phase:
            updates.append(_phase_write(ctx, item, current.attributes.get(PHASE_ATTRIBUTE) if current else None))
        if current is not None and item.name and current.description != item.name:
            updates.append(_description_write(ctx, item, current.description))
    if ctx.dry_run:
        report.posted = [{**w.row, "target id": "(dry run)"} for w in creations + updates]
        report.dead_letters = [dead_row(d.key, d.source_ref, d.reason) for d in dead]
        return report
    assert ctx.run is not None
    report.merge(await write_all(ctx.ledger, PARTS_LEDGER, ctx.run, creations, dead))
    report.merge(await write_all(ctx.ledger, PARTS_LEDGER, ctx.run, updates))
    return report


def _part_write(ctx: PlmContext, item: ReleasedItem, revisions: list[IonPart]) -> Write:
    async def lookup() -> str | None:
        found = await ctx.ion.parts([item.number])
        part = next((p for p in found.get(item.number, []) if p.revision == item.revision), None)
        return str(part.id) if part else None

    async def create() -> str:
        fresh = (await ctx.ion.parts([item.number])).get(item.number, [])  # the latest revision's etag now
        latest = next((p for p in reversed(fresh) if p.latest), None)
        if latest is None:
            return str((await ctx.ion.create_part(item.number, item.revision, item.name)).id)
        return str((await ctx.ion.create_revision(latest, item.revision)).id)

    action = "new part" if not revisions else f"revision from {revisions[-1].revision}"
    return Write(
        key=f"arena:part:{item.number}:{item.revision}", source_ref=f"arena:item:{item.guid}",
        label=f"{item.number} rev {item.revision}", lookup=lookup, create=create,
        row={"part": item.number, "revision": item.revision, "what": action, "phase": item.phase},
    )


async def _ion_part(ctx: PlmContext, item: ReleasedItem) -> IonPart:
    found = await ctx.ion.parts([item.number])
    match = next((p for p in found.get(item.number, []) if p.revision == item.revision), None)
    if match is None:
        raise DataError(f"ION has no part {item.number} rev {item.revision} to update")
    return match


def _digest_text(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()[:8]


def _description_write(ctx: PlmContext, item: ReleasedItem, found: str | None) -> Write:
    """Arena's item name is the engineering description (rule 8: PLM wins for engineering attributes)."""

    async def lookup() -> str | None:
        match = await _ion_part(ctx, item)
        return str(match.id) if match.description == item.name else None

    async def create() -> str:
        match = await _ion_part(ctx, item)
        await ctx.ion.set_description(match, item.name)
        return str(match.id)

    return Write(
        key=f"arena:part:{item.number}:{item.revision}:description:{_digest_text(found)}-{_digest_text(item.name)}",
        source_ref=f"arena:item:{item.guid}",
        label=f"{item.number} rev {item.revision} description", lookup=lookup, create=create,
        row={"part": item.number, "revision": item.revision, "what": f"description {item.name!r}", "phase": item.phase},
    )


def _phase_write(ctx: PlmContext, item: ReleasedItem, found: str | None) -> Write:
    async def lookup() -> str | None:
        match = await _ion_part(ctx, item)
        return str(match.id) if match.attributes.get(PHASE_ATTRIBUTE) == item.phase else None

    async def create() -> str:
        match = await _ion_part(ctx, item)
        await ctx.ion.set_attribute(match, PHASE_ATTRIBUTE, item.phase)
        return str(match.id)

    return Write(
        key=f"arena:part:{item.number}:{item.revision}:phase:{found or '-'}->{item.phase}", source_ref=f"arena:item:{item.guid}",
        label=f"{item.number} rev {item.revision} phase", lookup=lookup, create=create,
        row={"part": item.number, "revision": item.revision, "what": f"lifecycle phase {item.phase}", "phase": item.phase},
    )


# --- mBOMs ------------------------------------------------------------------------------------

_RANGE = re.compile(r"^([A-Za-z]*)(\d+)-(?:[A-Za-z]*)(\d+)$")


def reference_designators(text: str | None) -> tuple[str, ...]:
    """Arena's `refDes` ("C15,C6,C10-12") as single designators (C15, C6, C10, C11, C12)."""
    out: list[str] = []
    for token in (t.strip() for t in (text or "").split(",")):
        match = _RANGE.match(token)
        if match and int(match.group(3)) >= int(match.group(2)) and int(match.group(3)) - int(match.group(2)) < 1000:
            out += [f"{match.group(1)}{n}" for n in range(int(match.group(2)), int(match.group(3)) + 1)]
        elif token:
            out.append(token)
    return tuple(out)


def ebom_lines(bom: list[dict[str, Any]], numbers: PartNumbers) -> list[MbomLine]:
    """Arena BOM lines as mBOM lines of ION parts: one per child (repeated children summed), decimals kept."""
    merged: dict[str, tuple[float, tuple[str, ...]]] = {}
    for index, line in enumerate(bom):
        number = numbers.ion(line["item"]["number"])
        quantity, refdes = merged.get(number, (0.0, ()))
        each = number_at(line.get("quantity") or 0, f"bom[{index}].quantity")  # what ION can hold
        merged[number] = (quantity + each, refdes + reference_designators(line.get("refDes")))
    return [MbomLine(n, round(q, 6), r) for n, (q, r) in merged.items()]


def plan_mbom(ebom: list[MbomLine], base: Mbom | None, managed: set[str]) -> list[MbomLine]:
    """The new mBOM: the eBOM's lines, plus the base version's ION-only lines (parts the
    eBOM never managed), kept as ION had them."""
    numbers = {line.number for line in ebom}
    kept = [line for line in (base.lines if base else ()) if line.number not in managed and line.number not in numbers]
    return sorted([*ebom, *kept], key=lambda line: line.number)


def same_lines(a: tuple[MbomLine, ...] | list[MbomLine], b: tuple[MbomLine, ...] | list[MbomLine]) -> bool:
    def norm(lines: Any) -> set[tuple[str, float, tuple[str, ...]]]:
        return {(line.number, round(line.quantity, 6), tuple(sorted(line.refdes))) for line in lines}

    return norm(a) == norm(b)


def _digest(lines: list[MbomLine]) -> str:
    text = json.dumps([[line.number, line.quantity, list(line.refdes)] for line in lines])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def applied_ebom(ledger: Ledger, number: str) -> set[str] | None:
    """Part numbers of the eBOM ion-sync last applied to this part's mBOM (any revision)."""
    prefix = f"arena:mbom:{number}:"
    entries = [e for e in ledger.entries(MBOMS_LEDGER, EntryStatus.posted) if e.key.startswith(prefix) and e.payload]
    if not entries:
        return None
    latest = max(entries, key=lambda e: e.updated_at)
    return set((latest.payload or {}).get("ebom", []))


async def sync_mbom(
    ctx: PlmContext, guid: str, number: str, revision: str, bom: list[dict[str, Any]], previous: str | None = None
) -> WriteReport:
    """Make the released mBOM of ION part `number` rev `revision` follow Arena's eBOM `bom` (of
    item or revision `guid`); `previous` is the GUID of the revision it supersedes, whose eBOM
    tells which lines were engineering's when the ledger does not know yet."""
    report = WriteReport()
    key_base = f"arena:mbom:{number}:{revision}"
    dead: list[DeadLetter] = []
    with one_record(dead, f"{key_base}:ebom", f"arena:item:{guid}", f"{number} rev {revision} eBOM") as one:
        ebom = ebom_lines(bom, ctx.numbers)
    if one.failed:
        return await _keep_dead(ctx, report, dead)
    children = sorted({line.number for line in ebom})
    parts = await ctx.ion.parts([number, *children])
    target = next((p for p in parts.get(number, []) if p.revision == revision), None)
    missing = [c for c in children if c not in parts]
    if target is None or missing:
        what = f"ION has no part {number} rev {revision}" if target is None else f"ION has no part(s) {', '.join(missing)}"
        letter = DeadLetter(f"{key_base}:missing", f"arena:item:{guid}",
                            f"{number} rev {revision} eBOM: {what}; run arena-part-sync first (released items only)")
        return await _keep_dead(ctx, report, [letter])
    versions, revised_from = await ctx.ion.mboms(target.id)
    base = next((m for m in reversed(versions) if m.status == "RELEASED"), None)
    if base is None and not versions and revised_from is not None:
        earlier, _ = await ctx.ion.mboms(revised_from)  # a new revision starts from the one it replaces
        base = next((m for m in reversed(earlier) if m.status == "RELEASED"), None)
    managed = applied_ebom(ctx.ledger, number)
    if managed is None and previous:
        managed = {line.number for line in ebom_lines(await ctx.arena.bom(previous), ctx.numbers)}
    if managed is None:
        managed = ctx.arena_numbers or set(children)
    desired = plan_mbom(ebom, base, managed)
    if base is not None and versions and base in versions and same_lines(base.lines, desired):
        return report  # already follows the eBOM
    built_rev = {ctx.numbers.ion(line["item"]["number"]): line["item"].get("revisionNumber") for line in bom}
    part_ids = (base.part_ids if base else {}) | {
        n: next((p.id for p in ps if p.revision == built_rev.get(n)), ps[-1].id) for n, ps in parts.items() if n != number
    }
    row = {"part": number, "revision": revision, "lines": len(desired),
           "eBOM lines": len(ebom), "ION-only lines kept": len(desired) - len(ebom),
           "from": f"v{base.version}" if base else "nothing"}
    if ctx.dry_run:
        report.posted.append({**row, "target id": "(dry run)"})
        return report

    async def lookup() -> str | None:
        now, _ = await ctx.ion.mboms(target.id)
        done = next((m for m in reversed(now) if m.status == "RELEASED" and same_lines(m.lines, desired)), None)
        if done is not None:
            return str(done.id)
        return None

    async def create() -> str:
        now, _ = await ctx.ion.mboms(target.id)
        # A draft left by an interrupted run of ours holds only lines we want; anyone else's is left alone.
        draft = next((m for m in reversed(now) if m.status in ("DRAFT", "IN_REVIEW") and same_lines(
            m.lines, [line for line in desired if line.number in {have.number for have in m.lines}])), None)
        draft = draft or await ctx.ion.create_mbom(target.id)  # a released version is never edited
        have = {line.number for line in draft.lines}
        for line in desired:
            if line.number not in have:
                await ctx.ion.add_mbom_line(draft.id, part_ids[line.number], line)
        await ctx.ion.release_mbom(draft)
        return str(draft.id)

    write = Write(
        key=f"{key_base}:{_digest(desired)}", source_ref=f"arena:item:{guid}", label=f"{number} rev {revision} mBOM",
        lookup=lookup, create=create, payload={"ebom": [line.number for line in ebom]}, row=row,
    )
    assert ctx.run is not None
    report.merge(await write_all(ctx.ledger, MBOMS_LEDGER, ctx.run, [write]))
    return report


async def _keep_dead(ctx: PlmContext, report: WriteReport, letters: list[DeadLetter]) -> WriteReport:
    if not ctx.dry_run:
        assert ctx.run is not None
        report.merge(await write_all(ctx.ledger, MBOMS_LEDGER, ctx.run, [], letters))
    else:
        report.dead_letters += [dead_row(d.key, d.source_ref, d.reason) for d in letters]
    return report


# --- stale runs ---------------------------------------------------------------------------------


async def flag_stale_runs(ctx: PlmContext, change: str, number: str, superseded: str, effective: str) -> WriteReport:
    """An issue on every unfinished ION run building `number` rev `superseded`, once per change and run."""
    report = WriteReport()
    parts = await ctx.ion.parts([number])
    old = [p.id for p in parts.get(number, []) if p.revision == superseded]
    if not old:
        return report
    runs = await ctx.ion.open_runs(old)
    title_of = {r["id"]: f"[{change}] {number} rev {superseded} is superseded by rev {effective}" for r in runs}
    rows = [{"run": r["id"], "status": r["status"], "part": number, "built rev": superseded, "effective rev": effective,
             "change": change} for r in runs]
    if ctx.dry_run:
        report.posted = [{**row, "target id": "(dry run)"} for row in rows]
        return report
    writes = []
    for run, row in zip(runs, rows, strict=True):
        run_id, title = int(run["id"]), title_of[run["id"]]
        cause = json.dumps([{"children": [{"type": "p", "children": [{"text": (
            f"Arena change {change} made {number} rev {effective} effective while this run builds rev {superseded}. "
            "Check the build against the released revision before going on."
        )}]}]}])

        async def lookup(run_id: int = run_id, title: str = title) -> str | None:
            found = (await ctx.ion.run_issue_titles(run_id)).get(title)
            return str(found) if found is not None else None

        async def create(run_id: int = run_id, title: str = title, cause: str = cause) -> str:
            return str(await ctx.ion.create_issue(run_id, title, cause))

        writes.append(Write(key=f"arena:change:{change}:run:{run_id}:stale", source_ref=f"ion:run:{run_id}",
                            label=f"run {run_id} ({change})", lookup=lookup, create=create, row=row))
    assert ctx.run is not None
    report.merge(await write_all(ctx.ledger, CHANGES_LEDGER, ctx.run, writes))
    return report
