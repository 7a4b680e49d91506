"""dead-letter-replay: re-process dead letters once their cause is fixed.

A dead letter is a ledger entry with status `dead` and the reason. Replaying it runs the
integration's own flow again for the source records behind the keys (for consumption-sync:
the ION runs), which claims the dead keys again through the ledger protocol: a key that turns
out to be posted meanwhile is never posted twice, and one whose cause is not fixed comes back
dead with today's reason. `dry_run` shows what the flow would post and writes nothing.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact
from prefect.runtime import flow_run
from prefect.states import State

from connectors.errors import ConfigError
from connectors.settings import load_settings
from core.config import AppSettings
from flows.integrations import Integration, find_integration
from ledger import EntryStatus, Ledger
from ledger.store import EntryView
from tasks.reporting import MAX_TABLE_ROWS, SyncSummary, final_state

NAME = "dead-letter-replay"
# The integrations whose dead letters can be replayed (those with `run_for` in the registry): a
# choice list in the Prefect UI's run form, not free text. A test keeps it equal to the registry.
Replayable = Literal[
    "consumption-sync",
    "purchase-order-sync",
    "receipt-sync",
    "labor-sync",
    "consumption-sync-business-central",
    "purchase-order-sync-business-central",
    "receipt-sync-business-central",
    "labor-sync-business-central",
    "consumption-sync-odoo",
    "purchase-order-sync-odoo",
    "receipt-sync-odoo",
    "labor-sync-odoo",
    "ramp-purchase-order-sync",
    "ramp-receipt-sync",
    "quickbooks-purchase-order-sync",
    # The ION -> PLM flows, per PLM (flows/integrations.py `_plm_integrations`).
    "plm-feedback-sync-arena",
    "plm-inspection-sync-arena",
    "plm-traceability-sync-arena",
    "plm-feedback-sync-duro",
    "plm-feedback-sync-onshape",
    "plm-inspection-sync-onshape",
    "plm-traceability-sync-onshape",
]


class ReplaySummary(SyncSummary):
    """`posted`: replayed keys now posted; `dead_letters`: still dead after the replay."""

    replayed: int = 0
    flow_state: str | None = None

    def line(self) -> str:
        return f"{super().line()} replayed={self.replayed}"


def _run_name() -> str:
    p = flow_run.parameters
    which = ", ".join(p["keys"][:3]) + ("…" if len(p["keys"]) > 3 else "") if p.get("keys") else "all"
    return f"replay · {p.get('integration')} · {which}{' (dry run)' if p.get('dry_run') else ''}"


@flow(name=NAME, flow_run_name=_run_name, persist_result=False)
async def dead_letter_replay(
    integration: Replayable = "consumption-sync", keys: list[str] | None = None, dry_run: bool = False
) -> ReplaySummary | State:
    """Replay dead letters of one integration.

    Args:
        integration: The integration whose dead letters to replay (e.g. consumption-sync).
        keys: Ledger keys to replay (see `ion-sync dead-letters list`); default: all of them.
        dry_run: Run the integration's flow as a dry run: show what would be posted, write nothing.
    """
    return final_state(await replay(find_integration(integration), keys, dry_run))


async def replay(integ: Integration, keys: list[str] | None, dry_run: bool) -> ReplaySummary:
    logger = get_run_logger()
    if integ.run_for is None or integ.source_ids is None:
        raise ConfigError(f"{integ.name} posts nothing, so it has no dead letters to replay")
    app = load_settings(AppSettings)
    ledger = Ledger(app.database_url)
    try:
        letters = ledger.entries(integ.ledger_name, EntryStatus.dead, keys)
        unknown = sorted(set(keys or []) - {d.key for d in letters})
        if unknown:
            logger.warning("not dead letters of %s (unknown, or already posted): %s", integ.name, ", ".join(unknown[:20]))
        summary = ReplaySummary(integration=NAME, dry_run=dry_run, fetched=len(letters))
        if not letters:
            await _publish(letters, {}, dry_run)
            return summary
        ids = integ.source_ids([d.key for d in letters])
        logger.info("replaying %d dead letter(s) of %s: source ids %s", len(letters), integ.name, ", ".join(ids[:20]))
        state = await integ.run_for(ids, dry_run)
        summary.flow_state = state.name
        result = await state.aresult(raise_on_failure=False)
        after = {e.key: e for e in ledger.entries(integ.ledger_name, keys=[d.key for d in letters])}
    finally:
        ledger.close()
    summary.replayed = len(letters)
    summary.posted = sum(1 for e in after.values() if e.status is EntryStatus.posted)
    summary.dead_letters = sum(1 for e in after.values() if e.status is EntryStatus.dead)
    summary.failed = sum(1 for e in after.values() if e.status is EntryStatus.failed)
    if dry_run and isinstance(result, SyncSummary):
        summary.would_post = result.would_post
    await _publish(letters, after, dry_run)
    return summary


async def _publish(letters: list[EntryView], after: dict[str, EntryView], dry_run: bool) -> None:
    rows: list[dict[str, Any]] = []
    for letter in letters[:MAX_TABLE_ROWS]:
        now = after.get(letter.key)
        rows.append(
            {
                "key": letter.key,
                "was": letter.reason,
                "now": (now.status.value if now else "dead") + (" (dry run)" if dry_run else ""),
                "target id": now.target_id if now else None,
                "reason now": now.reason if now and now.status is not EntryStatus.posted else None,
            }
        )
    await acreate_table_artifact(
        key=NAME, table=rows or [{"result": "no dead letters to replay"}], description="Dead letters replayed, before and after"
    )
