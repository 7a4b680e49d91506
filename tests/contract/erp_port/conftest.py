"""The ERP-port contract suites' one fixture: `erp`, every ERP in `erps.ERPS` (how to add one: erps.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.contract.erp_port.erps import ERPS, Erp, ErpSession


# in the test's own event loop: the adapter's clients hold asyncio primitives of the loop they opened in
@pytest_asyncio.fixture(params=ERPS, ids=[e.name for e in ERPS], loop_scope="function")
async def erp(request: pytest.FixtureRequest) -> AsyncIterator[ErpSession]:
    """The ERP's adapter open on a fresh simulator of it, seeded with the demo."""
    entry: Erp = request.param
    async with entry.open() as session:
        yield session
