"""ION's side of a PLM loop, whichever PLM it is: released revisions become ION part
revisions, eBOMs become mBOM versions, and runs still building a superseded revision get an
issue (seed 002, "PLM → ION"; rules 1-3, 8).

ION never authors engineering data here: the part number, revision and BOM come from the PLM;
ION keeps its own manufacturing-only mBOM lines (consumables, fixtures), which no eBOM has.
Which lines are "from the eBOM" is what ion-sync applied last time (kept in the ledger with
the mBOM it created); before any sync, the superseded revision's eBOM or every part the PLM knows.

ION's mutations take no idempotency key, so every write is a `Lookup` whose `find` is "ION
already shows it" (the revision, the attribute value, a released mBOM with these lines, the
issue title), run by the one engine through `core.lookup_writer`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from connectors.errors import DataError
from connectors.ion.plm import IonPart, IonPlm, Mbom, MbomLine
from core.lookup_writer import LookupWriter, write_lookups
from core.writer import Postable, PostReport, one_record
from ledger import EntryStatus, Ledger, RunHandle
from ledger.store import DeadLetter
from plm.port import PlmAdapter, plm_integration
from plm.port.boms import AssemblyBom


@dataclass(frozen=True)
class PlmNames:
    """How one PLM's writes into ION are named: keys (`arena:part:…`), ledgers, reasons, and the
    ION part attributes that hold its lifecycle phase and drawing link. The ledgers are the
    PLM's, shared by every flow that writes them (a part revision plm-change-sync made is not
    made again by plm-part-sync)."""

    plm: str  # "Arena"
    key: str  # "arena"
    parts_ledger: str
    mboms_ledger: str
    changes_ledger: str
    procedures_ledger: str
    phase_attribute: str
    drawing_attribute: str
    part_sync: str  # the flow that creates the parts an mBOM needs

    @classmethod
    def of(cls, adapter: PlmAdapter) -> PlmNames:
        key = adapter.key
        return cls(
            plm=adapter.name,
            key=key,
            parts_ledger=f"{key}-parts",
            mboms_ledger=f"{key}-mboms",
            changes_ledger=f"{key}-changes",
            procedures_ledger=f"{key}-procedures",
            phase_attribute=adapter.phase_attribute,
            drawing_attribute=f"{adapter.name} Drawing",
            part_sync=plm_integration("plm-part-sync", key),
        )


class Released(Protocol):
    """A PLM item's effective revision in a released lifecycle phase, by ION part number."""

    @property
    def number(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def revision(self) -> str: ...
    @property
    def phase(self) -> str: ...
    @property
    def source_ref(self) -> str: ...
    @property
    def drawing_url(self) -> str | None: ...


@dataclass(frozen=True)
class Ebom:
    """A released revision's eBOM as ION needs it: its lines by ION part number, and the
    revision the PLM builds each child at."""

    lines: list[MbomLine]
    built: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def of(cls, level: AssemblyBom) -> Ebom:
        """One level of the port's eBOM; a level the PLM could not read is a DataError (its dead letter)."""
        if level.problem:
            raise DataError(level.problem)
        return cls([MbomLine(b.number, b.quantity, b.refdes) for b in level.lines], {b.number: b.revision for b in level.lines})


@dataclass
class IonEngineering:
    """One run's writes of a PLM's engineering data into ION."""

    ion: IonPlm
    ledger: Ledger
    run: RunHandle | None  # None in a dry run
    names: PlmNames


def revision_order(revision: str | None) -> tuple[int, str]:
    """Letter revisions in order: A < B < … < Z < AA."""
    text = (revision or "").upper()
    return len(text), text


def _digest_text(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()[:8]


async def part_revision(ion: IonPlm, number: str, revision: str) -> IonPart | None:
    found = await ion.parts([number])
    return next((p for p in found.get(number, []) if p.revision == revision), None)


# --- parts ------------------------------------------------------------------------------------


@dataclass
class NewPartRevision:
    """A new ION part, or a new revision of it (`createPartRevision` keeps its attributes)."""

    ion: IonPlm
    number: str
    revision: str
    name: str

    async def find(self) -> str | None:
        part = await part_revision(self.ion, self.number, self.revision)
        return str(part.id) if part else None

    async def write(self) -> str:
        fresh = (await self.ion.parts([self.number])).get(self.number, [])  # the latest revision's etag now
        latest = next((p for p in reversed(fresh) if p.latest), None)
        if latest is None:
            return str((await self.ion.create_part(self.number, self.revision, self.name)).id)
        return str((await self.ion.create_revision(latest, self.revision)).id)


@dataclass
class PartField:
    """An engineering attribute of an existing part revision: its description (`attribute`
    None) or the PLM's lifecycle phase (rule 8: PLM wins for engineering attributes)."""

    ion: IonPlm
    number: str
    revision: str
    attribute: str | None
    value: str

    async def _part(self) -> IonPart:
        part = await part_revision(self.ion, self.number, self.revision)
        if part is None:
            raise DataError(f"ION has no part {self.number} rev {self.revision} to update")
        return part

    async def find(self) -> str | None:
        part = await self._part()
        found = part.attributes.get(self.attribute) if self.attribute else part.description
        return str(part.id) if found == self.value else None

    async def write(self) -> str:
        part = await self._part()
        if self.attribute:
            await self.ion.set_attribute(part, self.attribute, self.value)
        else:
            await self.ion.set_description(part, self.value)
        return str(part.id)


def unsettled(ledger: Ledger, integration: str) -> set[str]:
    """Keys an earlier attempt left pending (a run that died) or failed."""
    return {e.key for status in (EntryStatus.pending, EntryStatus.failed) for e in ledger.entries(integration, status)}


def version_keys(ledger: Ledger, integration: str, content_key: str, following: bool, replaced: int | None) -> list[str]:
    """The ledger keys of a new released version (mBOM, procedure) holding what `content_key`
    (`…:<digest>`) names, replacing released version `replaced`: `<content_key>@<id or none>`.
    Keyed by the version replaced too, so an ION edit whose wanted content equals a version
    applied before is a new write, not that earlier one again. When ION already follows
    (`following`), no new key: only those an interrupted attempt left open for this content
    (the old form without `@` included), for the engine's `find` to settle without writing."""
    if not following:
        return [f"{content_key}@{'none' if replaced is None else replaced}"]
    return [k for k in unsettled(ledger, integration) if k == content_key or k.startswith(f"{content_key}@")]


async def sync_parts(target: IonEngineering, items: Sequence[Released]) -> PostReport:
    """Each released revision as an ION part revision, with its lifecycle phase as an attribute.

    A key an earlier attempt left open is handed over again even when ION already shows what it
    asked for (its `find` then settles it), so nothing stays `pending` after a run that died; an
    attribute of a part whose creation did not land this run waits for the next run."""
    names, ion = target.names, target.ion
    existing = await ion.parts(sorted({i.number for i in items}))
    open_keys = unsettled(target.ledger, names.parts_ledger)
    creations: list[Postable] = []
    updates: list[Postable] = []  # on the part revision, once it exists
    created_first: dict[str, str] = {}  # update key -> the key of the creation it needs
    dead: list[DeadLetter] = []
    for item in items:
        revisions = existing.get(item.number, [])
        current = next((p for p in revisions if p.revision == item.revision), None)
        key = f"{names.key}:part:{item.number}:{item.revision}"
        row = {"part": item.number, "revision": item.revision, "phase": item.phase}
        body = {"partNumber": item.number, "revision": item.revision}
        if current is None:
            newer = [p.revision for p in revisions if p.latest and revision_order(p.revision) > revision_order(item.revision)]
            if newer:
                dead.append(
                    DeadLetter(
                        key,
                        item.source_ref,
                        f"{item.number}: ION's latest revision {newer[0]} is newer than {names.plm}'s effective "
                        f"revision {item.revision}; revisions are authored in {names.plm} only",
                    )
                )
                continue
        if current is None or key in open_keys:
            action = "new part" if not revisions else f"revision from {revisions[-1].revision}"
            creations.append(
                Postable(
                    key,
                    item.source_ref,
                    f"{item.number} rev {item.revision}",
                    body,
                    {**row, "what": action if current is None else "found in ION"},
                    record=NewPartRevision(ion, item.number, item.revision, item.name),
                )
            )
        # Keyed by the value found and the value wanted: ION drifting again later is corrected again.
        fields: dict[str, tuple[PartField, str, str]] = {}  # key -> (the write, its label, what it does)
        for name, attribute, value, label in (
            ("phase", names.phase_attribute, item.phase, "phase"),
            ("drawing", names.drawing_attribute, item.drawing_url, "drawing link"),
            ("description", None, item.name if current is not None else None, "description"),  # a new part has it
        ):
            if not value:
                continue
            found = (current.attributes.get(attribute) if attribute else current.description) if current else None
            sep, before, after = (
                ("->", found or "-", value) if name == "phase" else ("-", _digest_text(found), _digest_text(value))
            )
            write = (PartField(ion, item.number, item.revision, attribute, value), label, f"{label} {value}")
            if found != value:
                fields[f"{key}:{name}:{before}{sep}{after}"] = write
            for open_key in open_keys:  # what an interrupted attempt may have written already: `find` settles it
                if open_key.startswith(f"{key}:{name}:") and open_key.endswith(f"{sep}{after}"):
                    fields.setdefault(open_key, write)
        for field_key, (record, label, what) in fields.items():
            updates.append(
                Postable(
                    field_key,
                    item.source_ref,
                    f"{item.number} rev {item.revision} {label}",
                    body,
                    {**row, "what": what},
                    record=record,
                )
            )
            if current is None:
                created_first[field_key] = key
    writer = LookupWriter(names.parts_ledger, "ION")
    report = await write_lookups(target.ledger, target.run, writer, creations, dead)
    if target.run is not None and created_first:
        landed = target.ledger.statuses(names.parts_ledger, sorted(set(created_first.values())))
        updates = [u for u in updates if u.key not in created_first or landed.get(created_first[u.key]) == EntryStatus.posted]
    report.merge(await write_lookups(target.ledger, target.run, writer, updates))
    return report


# --- mBOMs ------------------------------------------------------------------------------------


def plan_mbom(ebom: list[MbomLine], base: Mbom | None, managed: set[str]) -> list[MbomLine]:
    """The new mBOM: the eBOM's lines, plus the base version's ION-only lines (parts the
    eBOM never managed), kept as ION had them."""
    numbers = {line.number for line in ebom}
    kept = [line for line in (base.lines if base else ()) if line.number not in managed and line.number not in numbers]
    return sorted([*ebom, *kept], key=lambda line: line.number)


def same_lines(a: tuple[MbomLine, ...] | list[MbomLine], b: tuple[MbomLine, ...] | list[MbomLine]) -> bool:
    def norm(lines: tuple[MbomLine, ...] | list[MbomLine]) -> set[tuple[str, float, tuple[str, ...]]]:
        return {(line.number, round(line.quantity, 6), tuple(sorted(line.refdes))) for line in lines}

    return norm(a) == norm(b)


def _digest(lines: list[MbomLine]) -> str:
    text = json.dumps([[line.number, line.quantity, list(line.refdes)] for line in lines])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def applied(ledger: Ledger, integration: str, prefix: str, field: str) -> set[str] | None:
    """What ion-sync last applied from the PLM to an ION object whose keys start with `prefix`
    (a part, any revision): the `field` list kept with the latest posted entry (an mBOM's
    eBOM part numbers, a procedure's operation steps)."""
    entries = [e for e in ledger.entries(integration, EntryStatus.posted) if e.key.startswith(prefix) and e.payload]
    if not entries:
        return None
    latest = max(entries, key=lambda e: e.updated_at)
    return set((latest.payload or {}).get(field, []))


def applied_revisions(ledger: Ledger, integration: str, prefix: str, field: str | None = None) -> set[tuple[str, ...]]:
    """(number, revision[, payload `field`]) of every posted `<prefix><number>:<revision>:<digest>[@…]`
    entry: the released revisions whose eBOM or routing ion-sync applied to ION. A released
    revision's eBOM and files change only by a change that makes a new revision (Arena ECO,
    Duro change order, Onshape release), so an incremental run need not read them again; a
    full resync compares them with ION anyway (repairing ION-side drift)."""
    found: set[tuple[str, ...]] = set()
    for entry in ledger.entries(integration, EntryStatus.posted):
        if entry.key.startswith(prefix) and entry.key.count(":") >= prefix.count(":") + 2:
            number, revision, _ = entry.key[len(prefix) :].rsplit(":", 2)
            extra = () if field is None else (str((entry.payload or {}).get(field)),)
            found.add((number, revision, *extra))
    return found


@dataclass
class MbomVersion:
    """A released mBOM version of part `part_id` holding `desired` (a released one is never edited)."""

    ion: IonPlm
    part_id: int
    desired: list[MbomLine]
    part_ids: dict[str, int]

    async def find(self) -> str | None:
        now, _ = await self.ion.mboms(self.part_id)
        done = next((m for m in reversed(now) if m.status == "RELEASED" and same_lines(m.lines, self.desired)), None)
        return str(done.id) if done is not None else None

    def _ours(self, draft: Mbom) -> bool:
        """A draft an interrupted attempt of ours left: each of its lines is a wanted line, its
        reference designators perhaps not all added yet (anyone else's draft is left alone)."""
        wanted = {line.number: line for line in self.desired}
        return all(
            line.number in wanted
            and round(line.quantity, 6) == round(wanted[line.number].quantity, 6)
            and set(line.refdes) <= set(wanted[line.number].refdes)
            for line in draft.lines
        )

    async def write(self) -> str:
        now, _ = await self.ion.mboms(self.part_id)
        draft = next((m for m in reversed(now) if m.status in ("DRAFT", "IN_REVIEW") and self._ours(m)), None)
        draft = draft or await self.ion.create_mbom(self.part_id)
        have = {line.number: line for line in draft.lines}
        for line in self.desired:
            if line.number not in have:
                await self.ion.add_mbom_line(draft.id, self.part_ids[line.number], line)
            elif missing := [r for r in line.refdes if r not in have[line.number].refdes]:
                await self.ion.add_refdes(draft.item_ids[line.number], missing)
        await self.ion.release_mbom(draft)
        return str(draft.id)


async def sync_mbom(
    target: IonEngineering,
    item: Released,
    read_ebom: Callable[[], Ebom],
    known: set[str],
    previous: Callable[[], Awaitable[list[MbomLine]]] | None = None,
) -> PostReport:
    """Make the released mBOM of ION part `item` follow its eBOM (`read_ebom`: a line ION cannot
    hold is this record's dead letter). Which base lines were engineering's: what the ledger says
    was applied, else the `previous` revision's eBOM, else every part the PLM `known`s."""
    names, ion = target.names, target.ion
    number, revision = item.number, item.revision
    writer = LookupWriter(names.mboms_ledger, "ION")
    key_base = f"{names.key}:mbom:{number}:{revision}"
    dead: list[DeadLetter] = []
    with one_record(dead, f"{key_base}:ebom", item.source_ref, f"{number} rev {revision} eBOM") as one:
        ebom = read_ebom()
    if one.failed:
        return await write_lookups(target.ledger, target.run, writer, [], dead)
    children = sorted({line.number for line in ebom.lines})
    parts = await ion.parts([number, *children])
    part = next((p for p in parts.get(number, []) if p.revision == revision), None)
    missing = [c for c in children if c not in parts]
    if part is None or missing:
        what = f"ION has no part {number} rev {revision}" if part is None else f"ION has no part(s) {', '.join(missing)}"
        letter = DeadLetter(
            f"{key_base}:missing",
            item.source_ref,
            f"{number} rev {revision} eBOM: {what}; run {names.part_sync} first (released items only)",
        )
        return await write_lookups(target.ledger, target.run, writer, [], [letter])
    versions, revised_from = await ion.mboms(part.id)
    base = next((m for m in reversed(versions) if m.status == "RELEASED"), None)
    if base is None and revised_from is not None:
        # A new revision starts from the released mBOM of the one it replaces, also when an
        # interrupted attempt left its first version a draft: a draft is never a base (its lines
        # may be only those added before the interruption, without the ION-only ones).
        earlier, _ = await ion.mboms(revised_from)
        base = next((m for m in reversed(earlier) if m.status == "RELEASED"), None)
    managed = applied(target.ledger, names.mboms_ledger, f"{names.key}:mbom:{number}:", "ebom")
    if managed is None and previous:
        managed = {line.number for line in await previous()}
    if managed is None:
        managed = known or set(children)
    desired = plan_mbom(ebom.lines, base, managed)
    following = base is not None and base in versions and same_lines(base.lines, desired)
    keys = version_keys(target.ledger, names.mboms_ledger, f"{key_base}:{_digest(desired)}", following, base.id if base else None)
    if not keys:
        return PostReport()  # already follows the eBOM
    part_ids = (base.part_ids if base else {}) | {
        n: next((p.id for p in ps if p.revision == ebom.built.get(n)), ps[-1].id) for n, ps in parts.items() if n != number
    }
    row = {
        "part": number,
        "revision": revision,
        "lines": len(desired),
        "eBOM lines": len(ebom.lines),
        "ION-only lines kept": len(desired) - len(ebom.lines),
        "from": f"v{base.version}" if base else "nothing",
    }
    body = {"lines": [{"partNumber": line.number, "quantity": line.quantity} for line in desired]}
    record = MbomVersion(ion, part.id, desired, part_ids)
    payload = {"ebom": [line.number for line in ebom.lines]}
    writes = [
        Postable(k, item.source_ref, f"{number} rev {revision} mBOM", body, row, record=record, payload=payload) for k in keys
    ]
    return await write_lookups(target.ledger, target.run, writer, writes)


# --- stale runs ---------------------------------------------------------------------------------


@dataclass
class RunIssue:
    """An issue on an ION run, found again by its title."""

    ion: IonPlm
    run_id: int
    title: str
    cause: str

    async def find(self) -> str | None:
        found = (await self.ion.run_issue_titles(self.run_id)).get(self.title)
        return str(found) if found is not None else None

    async def write(self) -> str:
        return str(await self.ion.create_issue(self.run_id, self.title, self.cause))


async def flag_stale_runs(target: IonEngineering, change: str, number: str, superseded: str, effective: str) -> PostReport:
    """An issue on every unfinished ION run building `number` rev `superseded`, once per change and run."""
    names, ion = target.names, target.ion
    parts = await ion.parts([number])
    old = [p.id for p in parts.get(number, []) if p.revision == superseded]
    if not old:
        return PostReport()
    writes = []
    for run in await ion.open_runs(old):
        run_id, title = int(run["id"]), f"[{change}] {number} rev {superseded} is superseded by rev {effective}"
        cause = json.dumps(
            [
                {
                    "children": [
                        {
                            "type": "p",
                            "children": [
                                {
                                    "text": (
                                        f"{names.plm} change {change} made {number} rev {effective} effective while this run builds rev {superseded}. "
                                        "Check the build against the released revision before going on."
                                    )
                                }
                            ],
                        }
                    ]
                }
            ]
        )
        row = {
            "run": run["id"],
            "status": run["status"],
            "part": number,
            "built rev": superseded,
            "effective rev": effective,
            "change": change,
        }
        writes.append(
            Postable(
                f"{names.key}:change:{change}:run:{run_id}:stale",
                f"ion:run:{run_id}",
                f"run {run_id} ({change})",
                {"runId": run_id, "title": title},
                row,
                record=RunIssue(ion, run_id, title, cause),
            )
        )
    return await write_lookups(target.ledger, target.run, LookupWriter(names.changes_ledger, "ION"), writes)
