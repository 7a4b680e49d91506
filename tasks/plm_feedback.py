"""ION → Arena: the as-built BOM of each finished unit and the NCRs found in production
(seed 002, "Canonical data flows: ION → PLM"; rule 3: problems go back as records for
engineering, never as edits to the item).

- As-built: one JSON file per produced serial, lot or untracked run, attached to the Arena
  item at the revision ION built (`POST /items/{guid}/files`), named
  `ion-asbuilt-<part inventory id>.json`, which is how a retry finds it again.
- NCRs: one change request per dispositioned ION issue (`POST /requests`), titled
  `[ION NCR <id>] <title>`, naming the affected item.
Arena has no idempotency key for either, so each is looked up before it is created
(`tasks.plm_ledger`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from connectors.arena import ArenaClient
from ledger import EntryStatus, Ledger, RunHandle
from ledger.store import DeadLetter
from tasks.plm_engineering import PartNumbers
from tasks.plm_ledger import Write, WriteReport, dead_row, write_all
from tasks.posting import check_body, one_record

FEEDBACK_LEDGER = "plm-feedback"


@dataclass
class FeedbackContext:
    arena: ArenaClient
    ledger: Ledger
    run: RunHandle | None
    retry_dead: bool = False
    numbers: PartNumbers = field(default_factory=PartNumbers)
    items: dict[str, str | None] = field(default_factory=dict)  # part number -> Arena item guid
    revisions: dict[tuple[str, str], str | None] = field(default_factory=dict)  # (guid, rev) -> revision guid


async def arena_target(ctx: FeedbackContext, ion_number: str, revision: str | None) -> tuple[str | None, str | None]:
    """(item guid, revision guid) of an ION part in Arena, cached for the run."""
    number = ctx.numbers.arena(ion_number)
    if number not in ctx.items:
        found = await ctx.arena.all("/items", {"number": number})
        ctx.items[number] = next((i["guid"] for i in found if i.get("number") == number), None)
    guid = ctx.items[number]
    if guid is None or not revision:
        return guid, None
    if (guid, revision) not in ctx.revisions:
        revisions = await ctx.arena.revisions(guid)
        ctx.revisions[(guid, revision)] = next((r["guid"] for r in revisions if r.get("number") == revision), None)
    return guid, ctx.revisions[(guid, revision)]


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
                    "quantity": installation.get("quantity") if installation.get("quantity") is not None
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
        "built": {"partNumber": part.get("partNumber"), "revision": part.get("revision"), "quantity": produced,
                  "serialNumber": unit.get("serialNumber"), "lotNumber": unit.get("lotNumber")},
        "components": components,
    }


def _unit_label(node: dict[str, Any]) -> str:
    unit = node.get("partInventory") or {}
    if unit.get("serialNumber"):
        return f"serial {unit['serialNumber']}"
    if unit.get("lotNumber"):
        return f"lot {unit['lotNumber']}"
    return f"run {node['id']}"


async def post_as_built(ctx: FeedbackContext, nodes: list[dict[str, Any]]) -> WriteReport:
    """One page of completed runs → one as-built file each on the Arena item."""
    report = WriteReport(fetched=len(nodes))
    keyed = {f"ion:asbuilt:{(n.get('partInventory') or {}).get('id')}": n for n in nodes if n.get("partInventory")}
    known = ctx.ledger.statuses(FEEDBACK_LEDGER, list(keyed))
    settled = {EntryStatus.posted} | (set() if ctx.retry_dead else {EntryStatus.dead})
    report.already_posted = sum(1 for k in keyed if known.get(k) is EntryStatus.posted)
    writes: list[Write] = []
    dead: list[DeadLetter] = []
    for key, node in keyed.items():
        if known.get(key) in settled:
            continue
        with one_record(dead, key, f"ion:run:{node.get('id')}", f"as-built of ION run {node.get('id')}") as one:
            document = as_built_document(node)
            check_body(document, "Arena")
            built = document["built"]
            label = f"as-built of {built['partNumber']} rev {built['revision']} {_unit_label(node)}"
        if one.failed:
            continue
        item_guid, revision_guid = await arena_target(ctx, built["partNumber"], built["revision"])
        if item_guid is None:
            dead.append(DeadLetter(key, f"ion:run:{node['id']}",
                                   f"{label}: {built['partNumber']} is not an Arena item, so there is nowhere to attach it"))
            continue
        writes.append(_file_write(ctx, key, node, label, revision_guid or item_guid, item_guid, document))
    return await _write(ctx, report, writes, dead)


def _file_write(ctx: FeedbackContext, key: str, node: dict[str, Any], label: str, target: str, item_guid: str,
                document: dict[str, Any]) -> Write:
    name = f"ion-asbuilt-{node['partInventory']['id']}.json"

    async def lookup() -> str | None:
        files = await ctx.arena.item_files(item_guid)
        return next((f["guid"] for f in files if (f.get("file") or {}).get("name") == name), None)

    async def create() -> str:
        body = {
            "file": {
                "title": f"As-built {label} (ION run {node['id']})",
                "name": name,
                "description": f"As-built BOM from ION: {len(document['components'])} component line(s).",
                "format": "json",
                "edition": "1",
                "storageMethodName": "FILE",
                "content": json.dumps(document, sort_keys=True),
            },
            "primary": False,
            "latestEditionAssociation": True,
        }
        return str((await ctx.arena.create_item_file(target, body))["guid"])

    built = document["built"]
    return Write(key=key, source_ref=f"ion:run:{node['id']}", label=label, lookup=lookup, create=create,
                 row={"record": "as-built", "run": node["id"], "part": built["partNumber"], "revision": built["revision"],
                      "unit": _unit_label(node), "components": len(document["components"])})


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


async def post_ncrs(ctx: FeedbackContext, nodes: list[dict[str, Any]]) -> WriteReport:
    """One page of ION issues → a change request per issue that has a disposition."""
    report = WriteReport(fetched=len(nodes))
    candidates = [n for n in nodes if n.get("disposition")]
    keyed = {f"ion:issue:{n['id']}:ncr": n for n in candidates}
    known = ctx.ledger.statuses(FEEDBACK_LEDGER, list(keyed))
    settled = {EntryStatus.posted} | (set() if ctx.retry_dead else {EntryStatus.dead})
    report.already_posted = sum(1 for k in keyed if known.get(k) is EntryStatus.posted)
    writes: list[Write] = []
    dead: list[DeadLetter] = []
    for key, node in keyed.items():
        if known.get(key) in settled:
            continue
        unit = node.get("partInventory") or {}
        part = unit.get("part") or ((node.get("run") or {}).get("part")) or {}
        label = f"NCR {node['id']} ({part.get('partNumber')} rev {part.get('revision')})"
        item_guid, revision_guid = (None, None)
        if part.get("partNumber"):
            item_guid, revision_guid = await arena_target(ctx, part["partNumber"], part.get("revision"))
        if item_guid is None:
            dead.append(DeadLetter(key, f"ion:issue:{node['id']}",
                                   f"{label}: the affected part is not an Arena item; raise the request by hand"))
            continue
        writes.append(_request_write(ctx, key, node, label, revision_guid or item_guid, part, unit))
    return await _write(ctx, report, writes, dead)


def _request_write(ctx: FeedbackContext, key: str, node: dict[str, Any], label: str, target: str,
                   part: dict[str, Any], unit: dict[str, Any]) -> Write:
    title = ncr_title(node)

    async def lookup() -> str | None:
        found = await ctx.arena.find_requests(f"[ION NCR {node['id']}]")
        return next((r["guid"] for r in found if r.get("title") == title), None)

    async def create() -> str:
        where = unit.get("serialNumber") and f"serial {unit['serialNumber']}" or unit.get("lotNumber") and f"lot {unit['lotNumber']}"
        description = "\n".join(line for line in [
            f"Nonconformance raised in ION production (issue {node['id']}, status {node.get('status')}).",
            f"Part: {part.get('partNumber')} rev {part.get('revision')}" + (f", {where}" if where else ""),
            f"Run: {(node.get('run') or {}).get('id')} {(node.get('run') or {}).get('title') or ''}".rstrip(),
            f"Found: {_slate_text(node.get('causeCondition'))}",
            f"Expected: {node.get('expectedCondition') or ''}",
            f"Disposition: {node.get('disposition')}",
        ] if line)
        body = {"title": title, "description": description, "items": [{"guid": target}]}
        return str((await ctx.arena.create_request(body))["guid"])

    return Write(key=key, source_ref=f"ion:issue:{node['id']}", label=label, lookup=lookup, create=create,
                 row={"record": "NCR → change request", "issue": node["id"], "part": part.get("partNumber"),
                      "revision": part.get("revision"), "disposition": node.get("disposition")})


async def _write(ctx: FeedbackContext, report: WriteReport, writes: list[Write], dead: list[DeadLetter]) -> WriteReport:
    if ctx.run is None:
        report.posted = [{**w.row, "target id": "(dry run)"} for w in writes]
        report.dead_letters = [dead_row(d.key, d.source_ref, d.reason) for d in dead]
        return report
    report.merge(await write_all(ctx.ledger, FEEDBACK_LEDGER, ctx.run, writes, dead))
    return report
