"""ION's side of routings → procedures, whichever PLM the routing comes from (seed 002, PLM →
ION: routings "imported as procedure / step templates").

A released routing becomes a version of the ION procedure titled `<part number> <routing
title>`: one step per operation (`Op <n> <title>`; content: the work instructions and the
reference link to the PLM's drawing, which ION never hosts), plus the steps manufacturing
added in ION, kept where they were (after the operation they followed). A released version is
never edited: a change is a new version (`cloneProcedure` of the released one, or a new
procedure the first time) whose steps are then made to match, and released (which archives the
one before, as with mBOMs: INFERENCE, ion.md §3.10). Which steps were the PLM's: what ion-sync
applied last time (kept in the ledger with the version), and every step titled `Op <n> …`, the
form ion-sync writes operations in (so steps added in ION must not be titled so).

ION's mutations take no idempotency key, so the version is a `Lookup` whose `find` is "a
released version of the family holds exactly these steps", run by the one engine.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from connectors.ion.plm import IonPlm, IonProcedure
from core.lookup_writer import LookupWriter, write_lookups
from core.writer import Postable, PostReport
from mes.ion.engineering import IonEngineering, applied, version_keys
from plm.port.routings import Routing, RoutingStep

Step = tuple[str, str]  # (title, content): what a step holds that the sync compares
OPERATION_TITLE = re.compile(r"^Op \d+ ")


def step_of(operation: RoutingStep, plm: str) -> Step:
    link = f"\n\nDrawing ({plm}): {operation.drawing_url}" if operation.drawing_url else ""
    return f"Op {operation.sequence} {operation.title}", f"{operation.instructions}{link}".strip()


def plan_steps(routing: list[Step], base: IonProcedure | None, managed: set[str]) -> list[Step]:
    """The new version's steps: the routing's, and after each the ION-only steps of `base` that
    followed it there (those before any routing step stay first)."""
    titles = {title for title, _ in routing}
    after: dict[str | None, list[Step]] = {}
    anchor: str | None = None
    for step in base.steps if base else ():
        if step.title in managed or step.title in titles:
            anchor = step.title if step.title in titles else anchor
            continue
        after.setdefault(anchor, []).append((step.title, step.content))
    planned = list(after.pop(None, []))
    for operation in routing:
        planned += [operation, *after.pop(operation[0], [])]
    return planned + [s for rest in after.values() for s in rest]  # anchored to an operation that is gone


def same_steps(procedure: IonProcedure, steps: list[Step]) -> bool:
    return [(s.title, s.content) for s in procedure.steps] == steps


def _digest(steps: list[Step]) -> str:
    return hashlib.sha256(json.dumps(steps).encode()).hexdigest()[:12]


def released(versions: list[IonProcedure]) -> IonProcedure | None:
    return next((p for p in reversed(versions) if p.status == "RELEASED"), None)


@dataclass
class ProcedureVersion:
    """A released version of the procedure titled `title` holding `steps`."""

    ion: IonPlm
    title: str
    description: str
    steps: list[Step]

    async def find(self) -> str | None:
        done = next(
            (p for p in await self.ion.procedures(self.title) if p.status == "RELEASED" and same_steps(p, self.steps)), None
        )
        return str(done.id) if done else None

    def _ours(self, draft: IonProcedure, base: IonProcedure | None) -> bool:
        """A draft an interrupted attempt of ours left, part-way from the released version's clone
        (or a new procedure) to `steps`: each of its steps a wanted one, or the released version's
        as cloned (an operation the routing dropped, not deleted yet). Anyone else's draft is left alone."""
        wanted = {title for title, _ in self.steps}
        cloned = {(s.title, s.content) for s in base.steps} if base else set()
        return all(s.title in wanted or (s.title, s.content) in cloned for s in draft.steps)

    async def write(self) -> str:
        versions = await self.ion.procedures(self.title)
        wanted = {title for title, _ in self.steps}
        base = released(versions)
        draft = next((p for p in reversed(versions) if p.status == "DRAFT" and self._ours(p, base)), None)
        if draft is None:
            draft = (
                await self.ion.clone_procedure(base) if base else await self.ion.create_procedure(self.title, self.description)
            )
        have = {s.title: s for s in draft.steps}
        for step in draft.steps:
            if step.title not in wanted:
                await self.ion.delete_step(step)
        for position, (title, content) in enumerate(self.steps, 1):
            found = have.get(title)
            if found is None:
                await self.ion.create_step(draft.id, title, content, position)
            elif (found.content, found.position) != (content, position):
                await self.ion.update_step(found, content, position)
        await self.ion.release_procedure(draft)
        return str(draft.id)


async def sync_procedure(target: IonEngineering, routing: Routing) -> PostReport:
    """Make the released version of the routing's ION procedure hold the routing's operations."""
    names, ion = target.names, target.ion
    item = routing.item
    title = f"{item.number} {routing.title}"
    operations = [step_of(op, names.plm) for op in routing.steps]
    versions = await ion.procedures(title)
    base = released(versions)
    key_base = f"{names.key}:procedure:{item.number}:{item.revision}"
    managed = applied(target.ledger, names.procedures_ledger, f"{names.key}:procedure:{item.number}:", "steps") or set()
    managed |= {s.title for s in base.steps if OPERATION_TITLE.match(s.title)} if base else set()
    desired = plan_steps(operations, base, managed)
    following = base is not None and same_steps(base, desired)
    keys = version_keys(
        target.ledger, names.procedures_ledger, f"{key_base}:{_digest(desired)}", following, base.id if base else None
    )
    if not keys:
        return PostReport()  # already follows the routing
    row = {
        "part": item.number,
        "revision": item.revision,
        "procedure": title,
        "routing rev": routing.revision,
        "steps": len(desired),
        "ION-only steps kept": len(desired) - len(operations),
        "from": f"v{base.version}" if base else "nothing",
    }
    body = {"title": title, "steps": [{"title": t, "content": c} for t, c in desired]}
    record = ProcedureVersion(ion, title, f"{names.plm} routing {routing.title} rev {routing.revision}", desired)
    payload = {"steps": [t for t, _ in operations], "routing_revision": routing.revision}
    what = f"{title} (routing rev {routing.revision})"
    writes = [Postable(k, routing.source_ref, what, body, row, record=record, payload=payload) for k in keys]
    return await write_lookups(target.ledger, target.run, LookupWriter(names.procedures_ledger, "ION"), writes)
