"""The configured ERP's adapter for one flow run (ION_SYNC_ERP), its client open while the flow uses it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from connectors.errors import ConfigError
from connectors.netsuite import NetSuiteClient
from core.environment import Environment
from erp.netsuite.adapter import netsuite_adapter
from erp.port import ErpAdapter


@asynccontextmanager
async def open_erp(env: Environment) -> AsyncIterator[ErpAdapter]:
    """The adapter of `env.app.erp`, whose settings `load_environment("erp")` loaded."""
    if env.app.erp == "netsuite":
        async with NetSuiteClient(env.netsuite) as client:
            yield netsuite_adapter(client, env)
        return
    raise ConfigError(f"ION_SYNC_ERP={env.app.erp}: no adapter for this ERP")
