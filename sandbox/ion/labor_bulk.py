"""Benchmark sessions (`POST /_sandbox/seed/bulk-sessions`, sandbox/README.md "ION purchasing,
receiving and time tracking"): one checked-out time-tracking session on each of the bulk runs
(`seed/bulk-runs`), so labor-sync has a backfill to post as the other syncs do. A test seed:
every session is stored as `POST /_sandbox/sessions` stores one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sandbox.ion.purchasing import Purchasing
from sandbox.ion.timestamps import to_stored


class BulkSessionsSpec(BaseModel):
    """Body of `POST /_sandbox/seed/bulk-sessions`."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=0, le=100_000)
    first_run_id: int = 100000
    user_email: str = "alice@factory.example"
    updated_at: datetime = datetime(2026, 11, 21, tzinfo=UTC)


def seed_bulk_sessions(purchasing: Purchasing, spec: BulkSessionsSpec) -> dict[str, Any]:
    """Session i (0-based) on run `first_run_id + i`, step 1, by `user_email`: checked in one hour
    before and out at `updated_at + i` s, which is also its `_created` and `_updated` (so ids
    increase with them). Raises GraphQLError if a run does not exist."""
    ids = []
    for i in range(spec.count):
        out = spec.updated_at + timedelta(seconds=i)
        stamp = to_stored(out)
        created = purchasing.create_session(
            spec.first_run_id + i, 1, spec.user_email, to_stored(out - timedelta(hours=1)), stamp, stamp
        )
        ids.append(created["id"])
    return {"sessions": len(ids), "first_session_id": ids[0] if ids else None, "last_session_id": ids[-1] if ids else None}
