"""What a person reads after a run: the summary, the posted table, the dead letters.

Every sync publishes the same three artifacts (keys `<integration>-summary`, `-posted`,
`-dead-letters`), so the Prefect UI reads alike for every integration. Tables are capped:
a run of 100,000 records shows the first rows and says where the rest are (the ledger).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.settings import PREFECT_UI_URL
from prefect.states import Completed, State

from connectors.settings import load_settings
from core.config import AppSettings
from core.reporting import MAX_TABLE_ROWS, SyncSummary, capped
from ledger import EntryStatus, Ledger

__all__ = ["MAX_TABLE_ROWS", "SyncSummary", "capped", "publish_sync_report"]


@task(name="publish-report", cache_policy=NO_CACHE)
def publish_sync_report(
    summary: SyncSummary,
    posted: list[dict[str, Any]],
    dead_letters: list[dict[str, Any]],
    details: str = "",
    ledger_names: Sequence[str] = (),
) -> None:
    """The run's three artifacts. `-dead-letters` is the standing table of every dead letter the
    integration's ledger (`ledger_names`, default the integration's own name) holds, each naming
    the flow run that produced it; a dry run, which writes nothing, shows its own."""
    slug = summary.integration
    if summary.dry_run:
        posted = publish_dry_run_bodies(slug, posted, summary.would_post)
    posted_rows, posted_note = capped(posted, summary.posted or summary.would_post)
    if not summary.dry_run:
        dead_letters = standing_dead_letters(ledger_names or (slug,))
    dead_rows, dead_note = capped(dead_letters, len(dead_letters))
    verb = "Would post" if summary.dry_run else "Posted"
    create_table_artifact(
        key=f"{slug}-posted",
        table=posted_rows or [{"result": "nothing posted in this run"}],
        description=f"{verb} by {slug}.{posted_note}",
    )
    create_table_artifact(
        key=f"{slug}-dead-letters",
        table=dead_rows or [{"result": "no dead letters waiting" if not summary.dry_run else "no dead letters in this run"}],
        description=f"Records {slug} could not post, with the reason and the run that found them. Fix the cause, then replay.{dead_note}",
    )
    lines = [
        f"# {slug}{' (dry run: nothing written)' if summary.dry_run else ''}",
        "",
        "| | count |",
        "|---|---|",
        f"| runs fetched from ION | {summary.fetched} |",
        f"| {'would post' if summary.dry_run else 'posted'} | {summary.would_post if summary.dry_run else summary.posted} |",
        f"| dead letters (new) | {summary.dead_letters} |",
        f"| already posted earlier (skipped) | {summary.already_posted} |",
        f"| held by another run (skipped) | {summary.in_flight_elsewhere} |",
        f"| failed, retried next run | {summary.failed} |",
        f"| interrupted posts resolved | {summary.interrupted_resolved} |",
        "",
        f"Watermark: {summary.watermark or 'unchanged'}",
    ]
    if details:
        lines += ["", details]
    create_markdown_artifact(key=f"{slug}-summary", markdown="\n".join(lines), description=f"{slug} run summary")


MAX_BODIES = 100  # a dry run of thousands shows the first bodies; the table lists more


def dry_run_key(integration: str) -> str:
    return f"{integration}-dry-run"


def publish_dry_run_bodies(integration: str, rows: list[dict[str, Any]], total: int) -> list[dict[str, Any]]:
    """A dry run's exact bodies, pretty-printed, one block per record, in the markdown artifact
    `<integration>-dry-run` (which `ion-sync run` prints); returns the rows without them, for the
    table (a body in a table cell is one escaped line cut at the column edge)."""
    blocks: list[str] = []
    table: list[dict[str, Any]] = []
    for row in rows:
        columns = {k: v for k, v in row.items() if k != "body"}
        table.append(columns)
        if "body" in row and len(blocks) < MAX_BODIES:
            title = " · ".join(f"{k} {v}" for k, v in columns.items() if v not in (None, ""))
            blocks.append(f"### {title}\n\n```json\n{json.dumps(row['body'], indent=2, sort_keys=True, default=str)}\n```")
    if blocks:
        more = total - len(blocks)
        head = f"# {integration}: what the dry run would send ({total}; nothing was written)"
        tail = [f"…and {more} more; the `{integration}-posted` table lists them."] if more > 0 else []
        create_markdown_artifact(
            key=dry_run_key(integration),
            markdown="\n\n".join([head, *blocks, *tail]),
            description=f"The exact bodies {integration} would send",
        )
    return table


WITH_DEAD_LETTERS = "Completed with dead letters"


def final_state(summary: SyncSummary) -> State[SyncSummary]:
    """How a sync run ends: `Completed`, or the named state "Completed with dead letters" when it
    left any, so the dashboard and automations can tell; its message is the counts line."""
    name = WITH_DEAD_LETTERS if summary.dead_letters else "Completed"
    return Completed(name=name, message=summary.line(), data=summary)


def standing_dead_letters(ledger_names: Sequence[str]) -> list[dict[str, Any]]:
    """Every dead letter waiting in these ledgers, newest first, with the flow run that produced it."""
    ledger = Ledger(load_settings(AppSettings).database_url)
    try:
        entries = [e for name in ledger_names for e in ledger.entries(name, EntryStatus.dead)]
    finally:
        ledger.close()
    ui = PREFECT_UI_URL.value()
    return [
        {
            "key": e.key,
            "source": e.source_ref,
            "reason": e.reason,
            "attempts": e.attempts,
            "since": f"{e.updated_at:%Y-%m-%d %H:%M}Z",
            "flow run": (f"{ui}/runs/flow-run/{e.flow_run_id}" if ui else e.flow_run_id) if e.flow_run_id else "-",
        }
        for e in sorted(entries, key=lambda e: e.updated_at, reverse=True)
    ]
