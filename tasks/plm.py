"""The PLM a PLM-port flow talks to (its `plm` parameter, else ION_SYNC_PLM), its client open
while the flow uses it. A new PLM is one entry of `ADAPTERS`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from connectors.errors import ConfigError
from core.environment import Environment
from ledger import Ledger
from plm.arena.adapter import open_arena
from plm.duro.adapter import LACKS as DURO_LACKS
from plm.duro.adapter import open_duro
from plm.onshape import LACKS as ONSHAPE_LACKS
from plm.onshape import open_onshape
from plm.port import PlmAdapter, PlmName

# (env, ledger) -> the adapter, its clients open; the ledger holds shared sessions (Arena's login)
PlmOpener = Callable[[Environment, Ledger], AbstractAsyncContextManager[PlmAdapter]]

ADAPTERS: dict[PlmName, PlmOpener] = {
    "arena": open_arena,
    "duro": open_duro,
    "onshape": open_onshape,
}
# Capabilities a PLM has no place for, known without opening it: its flows for them get no
# deployment, and health does not expect their runs.
LACKS: dict[PlmName, frozenset[str]] = {"onshape": ONSHAPE_LACKS, "duro": DURO_LACKS}


def plm_of(env: Environment, plm: PlmName | None) -> PlmName:
    """The PLM a run talks to: its parameter, else the one its settings were loaded for (ION_SYNC_PLM)."""
    return plm or env.plm


@asynccontextmanager
async def open_plm(env: Environment, ledger: Ledger, plm: PlmName | None = None) -> AsyncIterator[PlmAdapter]:
    """The adapter of `plm` (None: ION_SYNC_PLM), whose settings `load_environment("plm", plm=...)` loaded."""
    name = plm_of(env, plm)
    opener = ADAPTERS.get(name)
    if opener is None:
        raise ConfigError(f"ION_SYNC_PLM / plm={name}: no adapter for this PLM in this build (see README, 'PLM port')")
    async with opener(env, ledger) as adapter:
        yield adapter
