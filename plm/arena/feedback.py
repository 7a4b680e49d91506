"""ION → Arena: the as-built BOM of each finished unit and the NCRs found in production
(seed 002, "Canonical data flows: ION → PLM"; rule 3: problems go back as records for
engineering, never as edits to the item).

- As-built: one JSON file per produced serial, lot or untracked run, uploaded onto the Arena
  item (`POST /items/{guid}/files`, multipart/form-data), titled with the revision ION built
  and named `ion-asbuilt-<part inventory id>.json`, which is how a retry finds it again.
- NCRs: one change request per dispositioned ION issue (`POST /requests` in the configured
  category and number sequence, then `POST /requests/{guid}/items`), titled
  `[ION NCR <id>] <title>`; Arena creates it UNSUBMITTED, for engineering to triage.
Arena has no idempotency key for either, so each is a `Lookup` found again by that name or
tag before it is created again (`core.lookup_writer`, on the one engine). Bodies:
`connectors.arena.bodies`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from connectors.arena import ArenaClient
from connectors.arena.bodies import item_file_fields, request_body, request_item_body
from connectors.errors import ConfigError
from core.lookup_writer import LookupWriter, write_lookups
from core.writer import Postable, PostReport, check_body, one_record
from ledger import EntryStatus, Ledger, RunHandle
from ledger.store import DeadLetter
from plm.arena.engineering import PartNumbers

FEEDBACK_LEDGER = "plm-feedback"


@dataclass
class FeedbackContext:
    arena: ArenaClient
    ledger: Ledger
    run: RunHandle | None
    retry_dead: bool = False
    numbers: PartNumbers = field(default_factory=PartNumbers)
    request_category: str | None = None  # the mappings file's arena.request_category_guid
    request_prefix: str | None = None  # arena.request_number_prefix
    file_category: str | None = None  # arena.file_category_guid (None: Arena's default)
    items: dict[str, str | None] = field(default_factory=dict)  # part number -> Arena item guid

    def require_request_settings(self) -> tuple[str, str]:
        """The request category and number prefix NCRs need, or a ConfigError saying how to set them."""
        if not (self.request_category and self.request_prefix):
            raise ConfigError(
                "arena.request_category_guid and arena.request_number_prefix must be set in the mappings file to send "
                "NCRs as Arena change requests (GET /settings/requests/categories lists them; `ion-sync preflight "
                "arena` checks them); or run with ncrs=false"
            )
        return self.request_category, self.request_prefix


async def arena_item(ctx: FeedbackContext, ion_number: str) -> str | None:
    """The Arena item GUID of an ION part, cached for the run."""
    number = ctx.numbers.arena(ion_number)
    if number not in ctx.items:
        found = await ctx.arena.all("/items", {"number": number})
        ctx.items[number] = next((i["guid"] for i in found if i.get("number") == number), None)
    return ctx.items[number]


def as_built_document(node: dict[str, Any]) -> dict[str, Any]:
    """What was built and consumed: components per unit and in total, lots, serials, where from,
    and substitutions (an installed part other than the one the build requirement asked for)."""
    unit = node["partInventory"] or {}
    produced = float(unit.get("quantity") or 0)
    components = []
    for requirement in unit.get("buildRequirements") or []:
        wanted = (requirement.get("part") or {}).get("partNumber")
        for installation in requirement.get("abomInstallations") or []:
            child = installation.get("partInventory") or {}
            part = child.get("part") or {}
            per_unit = installation.get("quantityInstalledPerParentPartInventory")
            components.append(
                {
                    "partNumber": part.get("partNumber"),
                    "revision": part.get("revision"),
                    "quantityPerUnit": per_unit,
                    "quantity": installation.get("quantity")
                    if installation.get("quantity") is not None
                    else (per_unit or 0) * produced,
                    "serialNumber": child.get("serialNumber"),
                    "lotNumber": child.get("lotNumber"),
                    "location": (child.get("location") or {}).get("name"),
                    "substituteFor": wanted if wanted and wanted != part.get("partNumber") else None,
                }
            )
    part = unit.get("part") or {}
    return {
        "source": "ION Factory OS",
        "run": {"id": node["id"], "title": node.get("title"), "completed": node.get("endTime")},
        "built": {
            "partNumber": part.get("partNumber"),
            "revision": part.get("revision"),
            "quantity": produced,
            "serialNumber": unit.get("serialNumber"),
            "lotNumber": unit.get("lotNumber"),
        },
        "components": components,
    }


def _unit_label(node: dict[str, Any]) -> str:
    unit = node.get("partInventory") or {}
    if unit.get("serialNumber"):
        return f"serial {unit['serialNumber']}"
    if unit.get("lotNumber"):
        return f"lot {unit['lotNumber']}"
    return f"run {node['id']}"


async def post_as_built(ctx: FeedbackContext, nodes: list[dict[str, Any]]) -> PostReport:
    """One page of completed runs → one as-built file each on the Arena item."""
    keyed = {f"ion:asbuilt:{(n.get('partInventory') or {}).get('id')}": n for n in nodes if n.get("partInventory")}
    writes: list[Postable] = []
    dead: list[DeadLetter] = []
    pending, already = _unsettled(ctx, keyed)
    for key, node in pending:
        with one_record(dead, key, f"ion:run:{node.get('id')}", f"as-built of ION run {node.get('id')}") as one:
            document = as_built_document(node)
            check_body(document, "Arena")
            built = document["built"]
            label = f"as-built of {built['partNumber']} rev {built['revision']} {_unit_label(node)}"
        if one.failed:
            continue
        item_guid = await arena_item(ctx, built["partNumber"])
        if item_guid is None:
            dead.append(
                DeadLetter(
                    key,
                    f"ion:run:{node['id']}",
                    f"{label}: {built['partNumber']} is not an Arena item, so there is nowhere to attach it",
                )
            )
            continue
        name = f"ion-asbuilt-{node['partInventory']['id']}.json"
        row = {
            "record": "as-built",
            "run": node["id"],
            "part": built["partNumber"],
            "revision": built["revision"],
            "unit": _unit_label(node),
            "components": len(document["components"]),
        }
        writes.append(
            Postable(
                key,
                f"ion:run:{node['id']}",
                label,
                document,
                row,
                record=AsBuiltFile(ctx, item_guid, name, f"As-built {label} (ION run {node['id']})", document),
            )
        )
    return await _write(ctx, writes, dead, already)


@dataclass
class AsBuiltFile:
    """An as-built JSON file on an Arena item, found again by its name (or title)."""

    ctx: FeedbackContext
    item_guid: str
    name: str
    title: str
    document: dict[str, Any]

    async def find(self) -> str | None:
        files = await self.ctx.arena.item_files(self.item_guid)
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
            title=self.title,
            description=f"As-built BOM from ION: {len(self.document['components'])} component line(s).",
            file_format="json",
            category_guid=self.ctx.file_category,
        )
        content = json.dumps(self.document, sort_keys=True).encode()
        return await self.ctx.arena.upload_item_file(self.item_guid, fields, self.name, content, "application/json")


def ncr_title(node: dict[str, Any]) -> str:
    return f"[ION NCR {node['id']}] {node.get('title') or ''}".strip()


def _slate_text(value: str | None) -> str:
    """Plain text of a Slate JSON value (§3.13), or the value itself."""
    try:
        nodes = json.loads(value or "")
    except ValueError:
        return value or ""

    def walk(node: Any) -> str:
        if isinstance(node, dict):
            return str(node.get("text", "")) + "".join(walk(c) for c in node.get("children", []))
        if isinstance(node, list):
            return " ".join(walk(n) for n in node)
        return ""

    return walk(nodes).strip()


async def post_ncrs(ctx: FeedbackContext, nodes: list[dict[str, Any]]) -> PostReport:
    """One page of ION issues → a change request per issue that has a disposition."""
    keyed = {f"ion:issue:{n['id']}:ncr": n for n in nodes if n.get("disposition")}
    writes: list[Postable] = []
    dead: list[DeadLetter] = []
    pending, already = _unsettled(ctx, keyed)
    for key, node in pending:
        unit = node.get("partInventory") or {}
        part = unit.get("part") or ((node.get("run") or {}).get("part")) or {}
        label = f"NCR {node['id']} ({part.get('partNumber')} rev {part.get('revision')})"
        item_guid = await arena_item(ctx, part["partNumber"]) if part.get("partNumber") else None
        if item_guid is None:
            dead.append(
                DeadLetter(
                    key, f"ion:issue:{node['id']}", f"{label}: the affected part is not an Arena item; raise the request by hand"
                )
            )
            continue
        request = change_request(ctx, node, item_guid, part, unit)
        row = {
            "record": "NCR → change request",
            "issue": node["id"],
            "part": part.get("partNumber"),
            "revision": part.get("revision"),
            "disposition": node.get("disposition"),
        }
        writes.append(Postable(key, f"ion:issue:{node['id']}", label, request.body, row, record=request))
    return await _write(ctx, writes, dead, already)


@dataclass
class ChangeRequest:
    """An NCR as an Arena change request naming the affected item: two writes (the request, then
    its item), found again by the `[ION NCR <id>]` tag of its title. A request found without its
    item (the attach was lost) is remembered, and writing it again only attaches the item."""

    ctx: FeedbackContext
    issue: int
    title: str
    body: dict[str, Any]
    item_body: dict[str, Any]
    unattached: str | None = None  # the GUID of a request found without its item

    async def find(self) -> str | None:
        found = await self.ctx.arena.find_requests(f"[ION NCR {self.issue}]")
        guid = next((r["guid"] for r in found if r.get("title") == self.title), None)
        if guid is None:
            return None
        items = await self.ctx.arena.request_items(guid)
        if any((i.get("item") or {}).get("guid") == self.item_body["item"]["guid"] for i in items):
            return str(guid)
        self.unattached = str(guid)
        return None

    async def write(self) -> str:
        guid = self.unattached or str((await self.ctx.arena.create_request(self.body))["guid"])
        await self.ctx.arena.add_request_item(guid, self.item_body)
        return guid


def change_request(
    ctx: FeedbackContext, node: dict[str, Any], item_guid: str, part: dict[str, Any], unit: dict[str, Any]
) -> ChangeRequest:
    """The change request for ION issue `node` on the Arena item `item_guid`."""
    category, prefix = ctx.require_request_settings()
    where = (
        f"serial {unit['serialNumber']}"
        if unit.get("serialNumber")
        else f"lot {unit['lotNumber']}"
        if unit.get("lotNumber")
        else None
    )
    built = f"{part.get('partNumber')} rev {part.get('revision')}" + (f", {where}" if where else "")
    problem = "\n".join(
        line
        for line in [
            f"Nonconformance raised in ION production (issue {node['id']}, status {node.get('status')}).",
            f"Part: {built}",
            f"Run: {(node.get('run') or {}).get('id')} {(node.get('run') or {}).get('title') or ''}".rstrip(),
            f"Found: {_slate_text(node.get('causeCondition'))}",
            f"Expected: {node.get('expectedCondition') or ''}",
        ]
        if line
    )
    action = f"Production dispositioned it as {node.get('disposition')}; review whether the design or process must change."
    title = ncr_title(node)
    return ChangeRequest(
        ctx,
        int(node["id"]),
        title,
        request_body(category_guid=category, prefix=prefix, title=title, problem=problem, requested_action=action),
        request_item_body(item_guid, f"Built in ION as {built}"),
    )


def _unsettled(ctx: FeedbackContext, keyed: dict[str, dict[str, Any]]) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """The keyed records the ledger does not show settled (posted, or dead unless retrying dead
    letters), so a page already sent costs no Arena request."""
    known = ctx.ledger.statuses(FEEDBACK_LEDGER, list(keyed))
    settled = {EntryStatus.posted} | (set() if ctx.retry_dead else {EntryStatus.dead})
    already = sum(1 for status in known.values() if status is EntryStatus.posted)
    return [(key, node) for key, node in keyed.items() if known.get(key) not in settled], already


async def _write(ctx: FeedbackContext, writes: list[Postable], dead: list[DeadLetter], already: int) -> PostReport:
    report = await write_lookups(
        ctx.ledger, ctx.run, LookupWriter(FEEDBACK_LEDGER, "Arena"), writes, dead, retry_dead=ctx.retry_dead
    )
    report.already_posted += already
    return report
