"""A Business Central simulator in process (its ASGI app) and a client on it: fast tests of the
connector, the simulator and the adapter without a server or a port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette

from connectors.business_central import BusinessCentralClient, BusinessCentralSettings
from connectors.retry import RetryPolicy
from sandbox.business_central import BusinessCentralSimConfig, create_app

HOST = "http://bc.test"


def settings_for(config: BusinessCentralSimConfig, base_url: str = HOST, **overrides: Any) -> BusinessCentralSettings:
    values: dict[str, Any] = {
        "tenant_id": config.tenant_id,
        "environment": config.environment,
        "company_id": config.company_id,
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "base_url": base_url,
        "token_url": f"{base_url}/{config.tenant_id}/oauth2/v2.0/token",
        "retry": RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.02),
        "cool_off_seconds": 0.05,
    }
    return BusinessCentralSettings(**(values | overrides))


class InProcessBc:
    def __init__(self, config: BusinessCentralSimConfig | None = None) -> None:
        self.config = config or BusinessCentralSimConfig(deliver_webhooks=False)
        self.app: Starlette = create_app(self.config)
        self.sim = self.app.state.sim

    @asynccontextmanager
    async def client(self, **overrides: Any) -> AsyncIterator[BusinessCentralClient]:
        async with BusinessCentralClient(
            settings_for(self.config, **overrides), transport=httpx.ASGITransport(app=self.app)
        ) as bc:
            yield bc

    def entities(self, name: str) -> list[dict[str, Any]]:
        return [{k: v for k, v in row.items() if not k.startswith("_")} for row in self.sim.store.all(name)]

    def faults(self, **config: Any) -> None:
        from sandbox.faults import FaultConfig

        self.sim.injector.configure(FaultConfig(**config))
