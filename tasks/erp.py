"""The ERP an ERP-port flow run talks to (its `erp` parameter, else ION_SYNC_ERP): its adapter,
with its client open while the flow uses it. A new ERP adds one entry to `ADAPTERS`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from connectors.errors import ConfigError
from core.config import ErpName
from core.environment import Environment
from erp.netsuite.adapter import open_netsuite
from erp.port import ErpAdapter

ADAPTERS: dict[ErpName, Callable[[Environment], AbstractAsyncContextManager[ErpAdapter]]] = {
    "netsuite": open_netsuite,
}


@asynccontextmanager
async def open_erp(env: Environment) -> AsyncIterator[ErpAdapter]:
    """The adapter of `env.erp`, whose settings `load_environment("erp", erp=...)` loaded."""
    opener = ADAPTERS.get(env.erp)
    if opener is None:
        raise ConfigError(f"ERP {env.erp!r}: ion-sync has no adapter for it yet (known: {', '.join(ADAPTERS)})")
    async with opener(env) as adapter:
        yield adapter
