"""The registry of integrations: what the event drain, integration-health and
dead-letter-replay need to know about each one. A new integration plugs in with one entry.

- `routes`: the inbox events it handles (and whether they are batched rather than triggered);
- `run_for`: run its flow for a set of source ids (events to handle, dead letters to replay);
- `source_ids`: the source ids behind ledger keys (which runs, POs, receipts to fetch again);
- `sla`: a successful run is expected at least this often; `quiet_after`: posting nothing for
  longer than this is unusual (None for read-only reports);
- `credentials`: credential-store names whose tokens expire (OAuth), checked by health;
- `concurrency_limit`: the Prefect global concurrency limit metering its API budget, if any.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from connectors.errors import ConfigError
from flows.consumption_sync import RUN_COMPLETED, consumption_sync
from flows.inventory_reconciliation import inventory_reconciliation
from tasks.consumption import INTEGRATION as CONSUMPTION
from tasks.inbox import EventRoute

RunFor = Callable[[list[str], bool], Awaitable[Any]]  # (source ids, dry_run) -> the flow's final state


@dataclass(frozen=True)
class Integration:
    name: str  # deployment, flow and ledger integration name alike
    sla: timedelta
    quiet_after: timedelta | None = None
    routes: tuple[EventRoute, ...] = ()
    run_for: RunFor | None = None
    source_ids: Callable[[Sequence[str]], list[str]] | None = None
    credentials: tuple[str, ...] = field(default=())
    concurrency_limit: str | None = None


def _key_ids(keys: Sequence[str]) -> list[str]:
    """`ion:run:1007:completion` → `1007`: the id is the third part of every ION-sourced key."""
    return sorted({key.split(":")[2] for key in keys if key.count(":") >= 3}, key=lambda v: (len(v), v))


async def _consumption_for(run_ids: list[str], dry_run: bool) -> Any:
    return await consumption_sync(run_ids=[int(r) for r in run_ids], dry_run=dry_run, return_state=True)


INTEGRATIONS: dict[str, Integration] = {
    CONSUMPTION: Integration(
        name=CONSUMPTION,
        sla=timedelta(minutes=45),
        quiet_after=timedelta(days=2),
        routes=(RUN_COMPLETED,),
        run_for=_consumption_for,
        source_ids=_key_ids,
    ),
    "inventory-reconciliation": Integration(name=inventory_reconciliation.name, sla=timedelta(hours=26)),
}


def find_integration(name: str) -> Integration:
    if name not in INTEGRATIONS:
        raise ConfigError(f"no integration named {name!r}; known: {', '.join(sorted(INTEGRATIONS))}")
    return INTEGRATIONS[name]
