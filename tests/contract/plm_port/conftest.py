"""Every PLM adapter behind the PLM port, against its own simulator, in-process (no Prefect,
no sockets): the suites in this folder are parametrised over `PLMS`.

How a PLM joins (Onshape, Duro): write a fixture returning a `cases.PlmCase` whose `open` yields
your adapter over a freshly seeded simulator (an `httpx.ASGITransport` on the simulator's app),
and add its name to `PLMS`. Override the `PlmCase` fields only where your simulator's demo
product is named otherwise. Capabilities your adapter leaves None are skipped, with the reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from connectors.arena import ArenaClient, ArenaSettings
from connectors.onshape import OnshapeClient, OnshapeSettings
from plm.arena.adapter import arena_adapter
from plm.duro.adapter import adapter as duro_adapter
from plm.onshape.adapter import onshape_adapter
from plm.port import PlmAdapter
from sandbox.arena import ArenaSimConfig, create_app
from sandbox.onshape import OnshapeSimConfig
from sandbox.onshape import create_app as create_onshape
from tests.contract.plm_port.cases import PlmCase, arena_mappings, environment
from tests.duro_helpers import duro_app, duro_client

PLMS = ["arena_case", "duro_case", "onshape_case"]  # one fixture name per PLM adapter


@pytest.fixture
def arena_case(tmp_path) -> PlmCase:
    @asynccontextmanager
    async def open_arena() -> AsyncIterator[PlmAdapter]:
        config = ArenaSimConfig(database=str(tmp_path / "arena.db"))
        settings = ArenaSettings(
            api_url="http://arena.test/v1",
            email=config.email,
            password=config.password,
            workspace_id=config.workspace_id,
            integration_guid=config.integration_guid,
            routing_suffix="-RTG",
        )
        transport = httpx.ASGITransport(app=create_app(config))
        async with ArenaClient(settings, transport=transport) as client:
            yield arena_adapter(client, environment(arena_mappings(), arena=settings))

    return PlmCase(name="arena", open=open_arena)


@pytest.fixture
def duro_case() -> PlmCase:
    """Duro's demo library keeps the ION part number in `eid` (DURO_PART_NUMBER_FIELD=eid)."""

    @asynccontextmanager
    async def open_duro() -> AsyncIterator[PlmAdapter]:
        async with duro_client(duro_app()) as client:
            yield duro_adapter(client)

    return PlmCase(name="duro", open=open_duro)


@pytest.fixture
def onshape_case() -> PlmCase:
    @asynccontextmanager
    async def open_onshape() -> AsyncIterator[PlmAdapter]:
        config = OnshapeSimConfig(deliver_webhooks=False)
        settings = OnshapeSettings(
            api_url="http://onshape.test/api/v16",
            access_key=config.access_key,
            secret_key=config.secret_key,
            company_id=config.company_id,
        )
        transport = httpx.ASGITransport(app=create_onshape(config))
        async with OnshapeClient(settings, transport=transport) as client:
            yield onshape_adapter(client)

    return PlmCase(name="onshape", open=open_onshape)


@pytest.fixture(params=PLMS)
def plm_case(request: pytest.FixtureRequest) -> PlmCase:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]
