"""The configured ERP's adapter for one flow run, its client open while the flow uses it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from connectors.netsuite import NetSuiteClient
from core.environment import Environment
from erp.netsuite.adapter import netsuite_adapter
from erp.port import ErpAdapter


@asynccontextmanager
async def open_erp(env: Environment) -> AsyncIterator[ErpAdapter]:
    async with NetSuiteClient(env.netsuite) as client:
        yield netsuite_adapter(client, env)
