"""What every sync counts and how a table is capped; `tasks.reporting` publishes them as artifacts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

MAX_TABLE_ROWS = 500


class SyncSummary(BaseModel):
    """The counts of one sync run; also what `ion-sync run` and the demo print."""

    integration: str
    dry_run: bool = False
    fetched: int = 0
    posted: int = 0
    would_post: int = 0
    dead_letters: int = 0
    already_posted: int = 0
    in_flight_elsewhere: int = 0
    failed: int = 0
    interrupted_resolved: int = 0
    watermark: str | None = None

    def line(self) -> str:
        """The counts a person reads last: `posted=N dead_letters=M` (a dry run adds `would_post=W`)."""
        would = f" would_post={self.would_post}" if self.dry_run else ""
        return f"posted={self.posted}{would} dead_letters={self.dead_letters}"


def capped(rows: list[dict[str, Any]], total: int) -> tuple[list[dict[str, Any]], str]:
    note = (
        ""
        if total <= len(rows)
        else f" Showing the first {len(rows)} of {total}; `ion-sync dead-letters` and the ledger hold all."
    )
    return rows[:MAX_TABLE_ROWS], note
