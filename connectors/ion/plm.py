"""ION's side of the PLM loop: part revisions, mBOM versions, procedure versions and their
steps, issues, as-built records and inspection data.

Queries live in `queries/plm_*.graphql` (ion.md §3.3 parts, §3.10 mBOM, §3.13 issues, §3.9
aBOM, §3.2 run-step fields; procedures and steps: [AB] procedures.gql, steps.gql,
cloneProcedure.gql, deleteStep.gql, updateProcedure.gql and [EX] queries.py CREATE_PROCEDURE,
CREATE_STEP, UPDATE_STEP). Mutations are sent once (`IonClient.execute` never retries them); the callers look
the object up before trying again, as the ledger protocol asks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from connectors.ion.client import IonClient, Page
from connectors.ion.queries import load

PARTS = load("plm_parts")
CREATE_PART = load("plm_create_part")
CREATE_PART_REVISION = load("plm_create_part_revision")
UPDATE_PART = load("plm_update_part")
UPDATE_PART_ATTRIBUTE = load("plm_update_part_attribute")
MBOMS = load("plm_mboms")
CREATE_MBOM = load("plm_create_mbom")
UPDATE_MBOM = load("plm_update_mbom")
CREATE_MBOM_ITEM = load("plm_create_mbom_item")
CREATE_MBOM_REFDES = load("plm_create_mbom_refdes")
OPEN_RUNS = load("plm_open_runs")
CREATE_ISSUE = load("plm_create_issue")
RUN_ISSUES = load("plm_run_issues")
AS_BUILT = load("plm_as_built")
NCRS = load("plm_ncrs")
COMPLETE = {"status": {"eq": "COMPLETE"}}  # runs whose as-built is final
DISPOSITIONED = {"status": {"in": ["IN_PROGRESS", "IN_REVIEW", "RESOLVED"]}}  # issues that are NCRs
INSPECTIONS = load("plm_inspections")
PROCEDURES = load("plm_procedures")
CREATE_PROCEDURE = load("plm_create_procedure")
CLONE_PROCEDURE = load("plm_clone_procedure")
UPDATE_PROCEDURE = load("plm_update_procedure")
CREATE_STEP = load("plm_create_step")
UPDATE_STEP = load("plm_update_step")
DELETE_STEP = load("plm_delete_step")


@dataclass(frozen=True)
class IonPart:
    id: int
    etag: str
    number: str
    revision: str | None
    description: str | None
    latest: bool
    revised_from: int | None
    attributes: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> IonPart:
        return cls(
            id=int(node["id"]),
            etag=node["_etag"],
            number=node["partNumber"],
            revision=node.get("revision"),
            description=node.get("description"),
            latest=bool(node.get("isLatestRevision")),
            revised_from=int(node["revisedFromId"]) if node.get("revisedFromId") is not None else None,
            attributes={a["key"]: a.get("value") for a in node.get("attributes") or []},
        )


@dataclass(frozen=True)
class MbomLine:
    """One mBOM line as the sync compares them: part number, quantity, reference designators."""

    number: str
    quantity: float
    refdes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mbom:
    id: int
    etag: str
    version: int
    status: str
    lines: tuple[MbomLine, ...]
    part_ids: dict[str, int]
    item_ids: dict[str, int] = field(default_factory=dict)  # the mBOM item of each part number


@dataclass(frozen=True)
class IonStep:
    id: int
    etag: str
    title: str
    content: str
    position: int


@dataclass(frozen=True)
class IonProcedure:
    """One version of a procedure (versions of one procedure share `family_id`)."""

    id: int
    etag: str
    title: str
    version: int
    status: str
    family_id: int | None
    steps: tuple[IonStep, ...] = ()

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> IonProcedure:
        steps = sorted(node.get("steps") or [], key=lambda s: s.get("position") or 0)
        return cls(
            int(node["id"]),
            node["_etag"],
            node.get("title") or "",
            int(node.get("version") or 1),
            node.get("status") or "",
            int(node["familyId"]) if node.get("familyId") is not None else None,
            tuple(
                IonStep(int(s["id"]), s["_etag"], s.get("title") or "", s.get("content") or "", int(s.get("position") or 0))
                for s in steps
            ),
        )


class IonPlm:
    """The PLM calls, over one `IonClient`."""

    def __init__(self, ion: IonClient) -> None:
        self.ion = ion

    async def parts(self, numbers: list[str]) -> dict[str, list[IonPart]]:
        """Every revision of these part numbers, oldest first, by number."""
        found: dict[str, list[IonPart]] = {}
        for start in range(0, len(numbers), 200):
            async for page in self.ion.pages(PARTS, "parts", {"numbers": numbers[start : start + 200]}):
                for node in page.nodes:
                    part = IonPart.from_node(node)
                    found.setdefault(part.number, []).append(part)
        return found

    async def create_part(self, number: str, revision: str, description: str | None) -> IonPart:
        data = await self.ion.execute(
            CREATE_PART, {"input": {"partNumber": number, "revision": revision, "description": description}}
        )
        node = data["createPart"]["part"]
        return IonPart(int(node["id"]), node["_etag"], number, revision, description, True, None)

    async def create_revision(self, source: IonPart, revision: str) -> IonPart:
        data = await self.ion.execute(
            CREATE_PART_REVISION, {"input": {"id": source.id, "etag": source.etag, "revision": revision}}
        )
        node = data["createPartRevision"]["part"]
        return IonPart(
            int(node["id"]), node["_etag"], source.number, revision, source.description, True, source.id, dict(source.attributes)
        )

    async def set_description(self, part: IonPart, description: str) -> None:
        await self.ion.execute(UPDATE_PART, {"input": {"id": part.id, "etag": part.etag, "description": description}})

    async def set_attribute(self, part: IonPart, key: str, value: str) -> None:
        await self.ion.execute(
            UPDATE_PART_ATTRIBUTE, {"input": {"partId": part.id, "key": key, "value": value, "etag": part.etag}}
        )

    async def mboms(self, part_id: int) -> tuple[list[Mbom], int | None]:
        """The part's mBOM versions (oldest first) and the part it was revised from."""
        data = await self.ion.execute(MBOMS, {"id": part_id})
        part = data.get("part") or {}
        versions = []
        for m in sorted(part.get("mboms") or [], key=lambda m: m["version"]):
            items = m.get("items") or []
            lines = tuple(
                MbomLine(
                    i["part"]["partNumber"],
                    float(i["quantity"] or 0),
                    tuple(r["value"] for r in i.get("referenceDesignators") or []),
                )
                for i in items
            )
            versions.append(
                Mbom(
                    int(m["id"]),
                    m["_etag"],
                    int(m["version"]),
                    m["status"],
                    lines,
                    {i["part"]["partNumber"]: int(i["partId"]) for i in items},
                    {i["part"]["partNumber"]: int(i["id"]) for i in items},
                )
            )
        revised_from = part.get("revisedFromId")
        return versions, int(revised_from) if revised_from is not None else None

    async def create_mbom(self, part_id: int) -> Mbom:
        node = (await self.ion.execute(CREATE_MBOM, {"input": {"partId": part_id}}))["createMbom"]["mbom"]
        return Mbom(int(node["id"]), node["_etag"], int(node["version"]), node["status"], (), {})

    async def add_mbom_line(self, mbom_id: int, part_id: int, line: MbomLine) -> None:
        data = await self.ion.execute(
            CREATE_MBOM_ITEM, {"input": {"mbomId": mbom_id, "partId": part_id, "quantity": line.quantity}}
        )
        await self.add_refdes(int(data["createMbomItem"]["mbomItem"]["id"]), line.refdes)

    async def add_refdes(self, item_id: int, values: Iterable[str]) -> None:
        for value in values:
            await self.ion.execute(CREATE_MBOM_REFDES, {"input": {"mbomItemId": item_id, "value": value}})

    async def release_mbom(self, mbom: Mbom) -> None:
        await self.ion.execute(UPDATE_MBOM, {"input": {"id": mbom.id, "etag": mbom.etag, "status": "RELEASED"}})

    async def open_runs(self, part_ids: list[int]) -> list[dict[str, Any]]:
        runs: list[dict[str, Any]] = []
        async for page in self.ion.pages(OPEN_RUNS, "runs", {"partIds": part_ids}):
            runs += page.nodes
        return runs

    async def run_issue_titles(self, run_id: int) -> dict[str, int]:
        run = (await self.ion.execute(RUN_ISSUES, {"id": run_id})).get("run") or {}
        return {i["title"]: int(i["id"]) for i in run.get("issues") or []}

    async def create_issue(self, run_id: int, title: str, cause: str) -> int:
        data = await self.ion.execute(CREATE_ISSUE, {"input": {"runId": run_id, "title": title, "causeCondition": cause}})
        return int(data["createIssue"]["issue"]["id"])

    def as_built_pages(self, window: dict[str, Any] | None = None) -> AsyncIterator[Page]:
        """Completed runs, oldest first; `window`: more run filters (the end-time window of a watermark)."""
        return self.ion.pages(AS_BUILT, "runs", {"filters": {**COMPLETE, **(window or {})}})

    def ncr_pages(self, window: dict[str, Any] | None = None) -> AsyncIterator[Page]:
        """Issues with a disposition, oldest first; `window`: more issue filters (an `_updated` window)."""
        return self.ion.pages(NCRS, "issues", {"filters": {**DISPOSITIONED, **(window or {})}})

    def inspection_pages(self) -> AsyncIterator[Page]:
        return self.ion.pages(INSPECTIONS, "runs")

    async def procedures(self, title: str) -> list[IonProcedure]:
        """Every version of the procedures titled `title`, oldest first."""
        found: list[IonProcedure] = []
        async for page in self.ion.pages(PROCEDURES, "procedures", {"title": title}):
            found += [IonProcedure.from_node(n) for n in page.nodes]
        return sorted(found, key=lambda p: (p.family_id or 0, p.version))

    async def create_procedure(self, title: str, description: str) -> IonProcedure:
        data = await self.ion.execute(CREATE_PROCEDURE, {"title": title, "description": description})
        return IonProcedure.from_node(data["createProcedure"]["procedure"])

    async def clone_procedure(self, procedure: IonProcedure) -> IonProcedure:
        """A new editable version of `procedure`'s family, holding its steps."""
        data = await self.ion.execute(CLONE_PROCEDURE, {"procedureId": procedure.id, "etag": procedure.etag})
        return IonProcedure.from_node(data["cloneProcedure"]["procedure"])

    async def create_step(self, procedure_id: int, title: str, content: str, position: int) -> None:
        await self.ion.execute(
            CREATE_STEP, {"input": {"procedureId": procedure_id, "title": title, "content": content, "position": position}}
        )

    async def update_step(self, step: IonStep, content: str, position: int) -> None:
        await self.ion.execute(
            UPDATE_STEP, {"input": {"id": step.id, "etag": step.etag, "content": content, "position": position}}
        )

    async def delete_step(self, step: IonStep) -> None:
        await self.ion.execute(DELETE_STEP, {"id": step.id, "etag": step.etag})

    async def release_procedure(self, procedure: IonProcedure) -> None:
        """RELEASED: the family's previously released version is archived (as with mBOMs, ion.md §3.10)."""
        await self.ion.execute(UPDATE_PROCEDURE, {"input": {"id": procedure.id, "etag": procedure.etag, "status": "RELEASED"}})
