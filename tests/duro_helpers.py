"""A Duro simulator in this process (httpx.ASGITransport: no server, no port) and clients on it."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.duro import DuroClient, DuroSettings
from connectors.retry import RetryPolicy
from sandbox.duro import DuroSimConfig, create_app

SIM = DuroSimConfig()


def duro_app(**config: Any) -> Any:
    return create_app(DuroSimConfig(**config))


def duro_settings(**overrides: Any) -> DuroSettings:
    values: dict[str, Any] = {
        "api_url": "http://duro.test/graphql",
        "api_key": SIM.api_key,
        "organization": SIM.organization,
        "library": SIM.library,
        "part_number_field": "eid",
        "retry": RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.02),
        **overrides,
    }
    return DuroSettings(**values)


def duro_client(app: Any, **overrides: Any) -> DuroClient:
    return DuroClient(duro_settings(**overrides), transport=httpx.ASGITransport(app=app))


def post(app: Any, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
    """One raw GraphQL request to the in-process simulator, as Duro's docs show it."""
    sent = {"x-api-key": SIM.api_key, "x-organization": SIM.organization, "x-library": SIM.library, **(headers or {})}
    with httpx.Client(transport=_SyncASGI(app), base_url="http://duro.test") as http:
        return http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=sent)


class _SyncASGI(httpx.BaseTransport):
    """httpx's ASGITransport is async only; the simulator's tests read better synchronously."""

    def __init__(self, app: Any) -> None:
        self.transport = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        import anyio

        async def send() -> httpx.Response:
            response = await self.transport.handle_async_request(request)
            body = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=body)

        return anyio.run(send)
