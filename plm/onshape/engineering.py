"""Onshape → ION: released parts and assemblies, their eBOMs and the releases that changed them.

How Onshape's model maps onto "released revision" (connectors/onshape/README.md, "Released
revisions"): a document's workspace is where engineers edit; a *version* is an immutable
snapshot of it; a release package (the release workflow) turns items of one version into
*revisions* (`partNumber` + `revision`, e.g. ASSY-100 B), each pointing at that version, element
and part. So a revision never changes: its eBOM is the assembly's BOM read at the revision's
version (`/assemblies/d/{did}/v/{vid}/e/{eid}/bom`), never at the workspace (work in progress)
or a microversion. An item is a part number; its released revision is the latest revision that
is not obsolete. A change is a release package that reached its released state: the revisions
it made, each superseding its `previousRevisionId`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from connectors.errors import DataError
from connectors.onshape import ASSEMBLY, Bom, BomRow, OnshapeClient, Revision
from connectors.onshape.models import DRAWING
from connectors.validation import number_at
from plm.port.boms import AssemblyBom, BomLine
from plm.port.changes import AffectedItem, EngineeringChange
from plm.port.items import ReleasedItem, ReleasedItems

PLM = "onshape"
RELEASED = "Released"  # BTMetadataStateType RELEASED, as a person reads it
OBSOLETE = "Obsolete"


def revision_key(revision: Revision) -> str:
    """Where a revision's content is, as Onshape's own paths name it: d/{did}/v/{vid}/e/{eid}[/p/{pid}]
    (`AffectedItem.superseded_key`, read back by `BomSource.lines`)."""
    key = f"d/{revision.document_id}/v/{revision.version_id}/e/{revision.element_id}"
    return f"{key}/p/{revision.part_id}" if revision.part_id else key


def address(key: str) -> tuple[str, str, str]:
    """(document, version, element) of a `revision_key`."""
    parts = key.split("/")
    if len(parts) < 6 or parts[0] != "d" or parts[2] != "v" or parts[4] != "e":
        raise DataError(f"{key!r} is not an Onshape revision address (d/<did>/v/<vid>/e/<eid>)", field="revision_key")
    return parts[1], parts[3], parts[5]


def item_key(document_id: str | None, element_id: str | None, part_id: str | None) -> str:
    """The item across its revisions: the document, element and part that carry the part number."""
    return "/".join(part for part in (document_id, element_id, part_id) if part)


def released_item(revision: Revision, drawing_url: str | None = None) -> ReleasedItem:
    return ReleasedItem(
        key=item_key(revision.document_id, revision.element_id, revision.part_id),
        number=revision.part_number,
        name=revision.name or revision.part_number,
        revision=revision.revision,
        phase=OBSOLETE if revision.is_obsolete else RELEASED,
        assembly=revision.element_type == ASSEMBLY,
        plm=PLM,
        drawing_url=drawing_url or revision.view_ref,
    )


def latest(revisions: Sequence[Revision]) -> dict[str, Revision]:
    """The latest revision of each part number (no `nextRevisionId`, else the last created)."""
    found: dict[str, Revision] = {}
    for revision in sorted(revisions, key=lambda r: (r.created_at is not None, r.created_at)):
        current = found.get(revision.part_number)
        if current is None or current.next_revision_id is not None or revision.previous_revision_id == current.id:
            found[revision.part_number] = revision
    return found


@dataclass
class OnshapeItems:
    """`ItemSource`: the latest revision of each part number of the configured element types."""

    onshape: OnshapeClient
    element_types: Sequence[int]

    async def revisions(self, after: datetime | None = None) -> list[Revision]:
        return [revision async for page in self.onshape.revisions(after=after) for revision in page]

    async def released(self, part_numbers: Sequence[str] | None = None) -> ReleasedItems:
        revisions = await self.revisions()
        drawings = {n: r.view_ref for n, r in latest([r for r in revisions if r.element_type == DRAWING]).items()}
        current = latest([r for r in revisions if r.element_type in self.element_types])
        unreleased = await self.unreleased({r.document_id for r in revisions}, set(current))
        wanted = set(part_numbers) if part_numbers else None
        out = ReleasedItems(known=set(current) | set(unreleased))
        for number, revision in sorted(current.items()):
            if wanted is not None and number not in wanted:
                continue
            if revision.is_obsolete:
                out.skipped.append(f"{number} rev {revision.revision}: obsolete in Onshape")
                continue
            out.released.append(released_item(revision, drawings.get(number)))
        for number, state in sorted(unreleased.items()):
            if wanted is None or number in wanted:
                out.skipped.append(f"{number}: {state} in Onshape, never released")
        for number in sorted((wanted or set()) - set(current) - set(unreleased)):
            out.skipped.append(f"{number}: no released revision in Onshape")
        return out

    async def unreleased(self, documents: set[str], released: set[str]) -> dict[str, str]:
        """Part numbers the released documents' workspaces hold that no revision has, with their state
        (Part Studio parts only: an assembly's number is element metadata, not listed here)."""
        found: dict[str, str] = {}
        for document in sorted(documents):
            for part in await self.onshape.parts(document, await self.onshape.default_workspace(document)):
                if part.part_number and part.part_number not in released:
                    found[part.part_number] = (part.state or "IN_PROGRESS").replace("_", " ").lower()
        return found


@dataclass
class _Node:
    row: BomRow
    children: list[_Node] = field(default_factory=list)


def _tree(bom: Bom) -> list[_Node]:
    """The indented rows as a tree (a row's children follow it one `indentLevel` deeper)."""
    roots: list[_Node] = []
    stack: list[_Node] = []
    for row in bom.rows:
        node = _Node(row)
        while stack and stack[-1].row.indent_level >= row.indent_level:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def _line(bom: Bom, node: _Node, index: int) -> BomLine:
    number = bom.cell(node.row, "partNumber")
    if not number:
        raise DataError(f"BOM line {index} ({node.row.name or 'unnamed'}): it has no part number in Onshape", field="partNumber")
    quantity = number_at(bom.cell(node.row, "quantity"), f"BOM line {index} ({number}).quantity")
    revision = bom.cell(node.row, "revision") or None
    return BomLine(number=str(number), quantity=quantity, revision=str(revision) if revision else None)


def _level(bom: Bom, nodes: list[_Node]) -> list[BomLine]:
    return [_line(bom, node, index) for index, node in enumerate(nodes, 1)]


def _child_item(bom: Bom, node: _Node) -> ReleasedItem:
    source = node.row.item_source
    number = str(bom.cell(node.row, "partNumber") or "")
    state = str(bom.cell(node.row, "state") or "")
    return ReleasedItem(
        key=item_key(source.document_id, source.element_id, source.part_id or None) if source else number,
        number=number,
        name=node.row.name or number,
        revision=str(bom.cell(node.row, "revision") or ""),
        phase=RELEASED if state.upper() == "RELEASED" else state.title(),
        assembly=True,
        plm=PLM,
    )


@dataclass
class OnshapeBoms:
    """`BomSource`: the multi-level structured BOM of an assembly at its revision's version."""

    onshape: OnshapeClient

    async def revision(self, item: ReleasedItem) -> Revision:
        """The revision `item` names (its part number at its revision): where its content is."""
        history = await self.onshape.revision_history(item.plm_number or item.number, ASSEMBLY)
        found = next((r for r in history if r.revision == item.revision), None)
        if found is None:
            raise DataError(f"{item.number} rev {item.revision}: no such assembly revision in Onshape", field="revision")
        return found

    async def ebom(self, item: ReleasedItem) -> list[AssemblyBom]:
        if not item.assembly:
            return []
        bom = await self.onshape.bom(*address(revision_key(await self.revision(item))), multi_level=True)
        levels: list[AssemblyBom] = []
        seen: set[str] = set()

        def add(level_item: ReleasedItem, nodes: list[_Node]) -> None:
            try:
                levels.append(AssemblyBom(level_item, _level(bom, nodes)))
            except DataError as exc:
                levels.append(AssemblyBom(level_item, [], problem=f"{level_item.number} rev {level_item.revision}: {exc}"))
            for node in nodes:
                if node.children:
                    child = _child_item(bom, node)
                    if child.number and child.number not in seen and child.phase == RELEASED:
                        seen.add(child.number)
                        add(child, node.children)

        add(item, _tree(bom))
        return levels

    async def lines(self, revision_key: str) -> list[BomLine]:
        bom = await self.onshape.bom(*address(revision_key), multi_level=False)
        return _level(bom, _tree(bom))


@dataclass
class OnshapeChanges:
    """`ChangeSource` by polling: releases whose revisions were made since `since`, oldest first.
    Onshape's webhooks (`onshape.revision.created`, `onshape.workflow.transition`) only trigger
    a run (ion-sync webhooks → a Prefect event); what to apply is always read back from Onshape,
    so a missed or repeated notification changes nothing. There is no queue to acknowledge."""

    items: OnshapeItems

    async def effective(self, since: datetime | None, *, poll: bool = False) -> list[EngineeringChange]:
        # A revision a later release already superseded is no longer effective: that release's change covers its part.
        made = [
            r
            for r in await self.items.revisions(after=since)
            if r.element_type in self.items.element_types and r.next_revision_id is None
        ]
        releases: dict[str, list[Revision]] = {}
        for revision in made:
            releases.setdefault(revision.release_id or revision.id, []).append(revision)
        changes = []
        for release_id, revisions in releases.items():
            affected = [await self._affected(revision) for revision in revisions]
            moments = [r.created_at for r in revisions if r.created_at is not None]
            changes.append(
                EngineeringChange(
                    number=revisions[0].release_name or release_id,
                    affected=affected,
                    effective_at=max(moments) if moments else None,
                    plm=PLM,
                )
            )
        return sorted(changes, key=lambda c: (c.effective_at is not None, c.effective_at))

    async def _affected(self, revision: Revision) -> AffectedItem:
        previous = None
        if revision.previous_revision_id:
            history = await self.items.onshape.revision_history(revision.part_number, revision.element_type)
            previous = next((r for r in history if r.id == revision.previous_revision_id), None)
        return AffectedItem(
            effective=released_item(revision),
            released=not revision.is_obsolete,
            superseded_revision=previous.revision if previous else None,
            superseded_key=revision_key(previous) if previous else None,
        )

    async def acknowledge(self, change: EngineeringChange) -> None:
        """Nothing to tell Onshape: changes are polled (see the class docstring)."""
