"""Prefect tasks of the PLM loop: each is one batched step over a list of items, one change
event or one page of ION records, wrapping `plm.arena.engineering` and `plm.arena.feedback`."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from plm.arena.engineering import (
    PlmContext,
    ReleasedItem,
    flag_stale_runs,
    released,
    sync_mbom,
    sync_parts,
)
from plm.arena.feedback import FeedbackContext, post_as_built, post_ncrs
from plm.arena.ledger import WriteReport


@task(name="fetch-released-items", cache_policy=NO_CACHE)
async def fetch_released_items(ctx: PlmContext, numbers: list[str] | None) -> tuple[list[ReleasedItem], list[str]]:
    """Arena's items (every page, ≤ 400 a page), narrowed to released effective revisions."""
    items = await ctx.arena.all("/items")
    ctx.arena_numbers = {ctx.numbers.ion(i["number"]) for i in items}
    if numbers:
        items = [i for i in items if i["number"] in set(numbers)]
    return released(items, ctx.released_phases, ctx.numbers)


@task(name="sync-part-revisions", cache_policy=NO_CACHE)
async def sync_part_revisions(ctx: PlmContext, items: list[ReleasedItem]) -> WriteReport:
    return await sync_parts(ctx, items)


@task(name="sync-mboms", cache_policy=NO_CACHE)
async def sync_mboms(ctx: PlmContext, items: list[ReleasedItem], numbers: list[str] | None = None) -> WriteReport:
    """Each released assembly's eBOM (or only those in `numbers`) into its mBOM; children that
    are assemblies too are walked in turn (Arena's BOM endpoint returns one level)."""
    by_guid = {i.guid: i for i in items}
    wanted = {ctx.numbers.ion(n) for n in numbers or []}  # Arena item numbers, as the parameter is given
    queue = [i for i in items if i.assembly and (not wanted or i.number in wanted)]
    report = WriteReport(fetched=len(queue))
    seen: set[str] = set()
    while queue:
        item = queue.pop(0)
        if item.guid in seen:
            continue
        seen.add(item.guid)
        bom = await ctx.arena.bom(item.guid)
        report.merge(await sync_mbom(ctx, item.guid, item.number, item.revision, bom))
        for line in bom:
            child = by_guid.get(line["item"]["guid"])
            if child is not None and child.assembly and child.guid not in seen:
                queue.append(child)
    return report


@task(name="apply-change", cache_policy=NO_CACHE)
async def apply_change(ctx: PlmContext, change: str, affected: list[dict[str, Any]]) -> WriteReport:
    """One effective change: new ION part revisions, their mBOMs, issues on stale runs."""
    report = WriteReport(fetched=1)
    for entry in affected:
        effective, superseded = entry["effective"], entry.get("superseded")
        item = ReleasedItem(guid=effective["guid"], number=ctx.numbers.ion(effective["number"]), name=effective.get("name") or "",
                            revision=effective["revisionNumber"], phase=(effective.get("lifecyclePhase") or {}).get("name") or "",
                            assembly=True)
        if item.phase in ctx.released_phases:  # e.g. made Obsolete: nothing new to build, runs are still flagged
            report.merge(await sync_parts(ctx, [item]))
            bom = await ctx.arena.bom(item.guid)
            if bom:
                previous = superseded.get("guid") if superseded else None
                report.merge(await sync_mbom(ctx, item.guid, item.number, item.revision, bom, previous))
        if superseded and superseded.get("revisionNumber"):
            report.merge(await flag_stale_runs(ctx, change, item.number, superseded["revisionNumber"], item.revision))
    return report


@task(name="post-as-built", cache_policy=NO_CACHE)
async def post_as_built_page(ctx: FeedbackContext, nodes: list[dict[str, Any]]) -> WriteReport:
    return await post_as_built(ctx, nodes)


@task(name="post-ncrs", cache_policy=NO_CACHE)
async def post_ncr_page(ctx: FeedbackContext, nodes: list[dict[str, Any]]) -> WriteReport:
    return await post_ncrs(ctx, nodes)
