"""The connector contract, for every client (ION, NetSuite, QuickBooks, Ramp, Arena, Duro, Onshape) against its
simulator over real HTTP: a passing 5xx is retried and the read succeeds; a 5xx that persists is
a TransientError after exactly the retry budget; a 429 is waited out, at least as long as the
server's Retry-After says or, without one, the vendor's documented wait (or, for Arena, whose 429 means the daily quota is spent, never
retried); a server that hangs is a timeout, retried, then a TransientError; a bad credential is
an AuthError that names the settings to check and never the secret. Faults come from the
simulators' `PUT /_sandbox/faults` (sandbox/faults.py); nothing is mocked.

Adding a client is adding one `Client` below: how to make it from the environment and one read.
What only one client has (token rotation in the ledger, sessions, GraphQL errors, paging
shapes) stays in its own tests/test_connector_*.py.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from connectors.arena import ArenaClient, ArenaSettings
from connectors.duro import DuroClient, DuroSettings
from connectors.duro.queries import COMPONENTS
from connectors.errors import AuthError, RateLimitedError, SyncError, TransientError
from connectors.ion import IonClient, IonSettings
from connectors.ion.queries import LOCATIONS
from connectors.netsuite import NetSuiteClient, NetSuiteSettings
from connectors.onshape import OnshapeClient, OnshapeSettings
from connectors.quickbooks import QuickBooksClient, QuickBooksSettings
from connectors.ramp import RampClient, RampSettings
from connectors.settings import load_settings
from tests.contract.quickbooks.test_quickbooks_contract import MemoryTokens
from tests.quickbooks_helpers import QuickBooksWorld
from tests.world import World

ATTEMPTS = 3


async def ion_read() -> Any:
    async with IonClient(IonSettings()) as ion:  # type: ignore[call-arg]
        return await ion.execute(LOCATIONS, {"first": 10})


async def netsuite_read() -> Any:
    async with NetSuiteClient(NetSuiteSettings()) as netsuite:  # type: ignore[call-arg]
        return await netsuite.get("workOrder", "2004")


async def quickbooks_read() -> Any:
    async with QuickBooksClient(QuickBooksSettings(), MemoryTokens()) as qbo:  # type: ignore[call-arg]
        return await qbo.query("SELECT count(*) FROM Vendor")


async def ramp_read() -> Any:
    async with RampClient(load_settings(RampSettings)) as ramp:
        return [vendor async for page in ramp.vendors() for vendor in page]


async def arena_read() -> Any:
    async with ArenaClient(ArenaSettings()) as arena:  # type: ignore[call-arg]
        return await arena.get("/items", {"limit": 5})


async def duro_read() -> Any:
    async with DuroClient(DuroSettings()) as duro:  # type: ignore[call-arg]
        return await duro.read(COMPONENTS, {"pagination": {"first": 5}})


async def onshape_read() -> Any:
    async with OnshapeClient(load_settings(OnshapeSettings)) as onshape:
        return [revision async for page in onshape.revisions() for revision in page]


@dataclass(frozen=True)
class Client:
    system: str  # the simulator, and the settings' environment prefix in upper case
    read: Callable[[], Awaitable[Any]]
    secret: str  # the environment variable of the credential a bad value of which must be an AuthError
    wait_after_429: float | None = 0.0  # the least wait before retrying a 429, seconds; None: never retried
    env: dict[str, str] | None = None

    @property
    def prefix(self) -> str:
        return self.system.upper()


CLIENTS = [
    Client("ion", ion_read, "ION_CLIENT_SECRET", wait_after_429=1),  # its simulator sends Retry-After: 1 (ion.md §2.1)
    Client("netsuite", netsuite_read, "NETSUITE_CLIENT_ID"),  # NetSuite sends no Retry-After: the client's backoff
    # an injected 429 carries no Retry-After (it is an INFERENCE, quickbooks.md A5): Intuit's 60 s wait, 0.2 s here
    Client("quickbooks", quickbooks_read, "QUICKBOOKS_CLIENT_SECRET", wait_after_429=0.2),
    # Ramp sends no Retry-After (ramp.md B2, B9): a 429 waits out one whole quiet window, 1 s here
    Client("ramp", ramp_read, "RAMP_CLIENT_SECRET", wait_after_429=1, env={"RAMP_RATE_LIMIT_WINDOW_SECONDS": "1"}),
    Client("arena", arena_read, "ARENA_PASSWORD", wait_after_429=None),  # Arena's 429: the daily quota is spent
    # Duro's RATE_LIMITED carries extensions.retryAfter (60 s in its docs' example; the sandbox says 1 s)
    Client("duro", duro_read, "DURO_API_KEY", wait_after_429=1),
    # Onshape's 429 carries Retry-After seconds (its docs, "Response Codes"); the simulator's injected one says 1
    Client("onshape", onshape_read, "ONSHAPE_SECRET_KEY", wait_after_429=1),
]


@pytest.fixture(params=CLIENTS, ids=lambda c: c.system)
def client(request: pytest.FixtureRequest, world: World, monkeypatch: pytest.MonkeyPatch) -> Client:
    current: Client = request.param
    if current.system == "quickbooks":
        QuickBooksWorld(world).reset()
    if current.system == "ramp":
        world.admin("ramp", "POST", "reset")
    world.faults(current.system)
    world.admin(current.system, "POST", "stats/reset")
    for name, value in {
        "RETRY__ATTEMPTS": str(ATTEMPTS),
        "RETRY__INITIAL_WAIT": "0.01",
        "RETRY__MAX_WAIT": "0.05",
        "TIMEOUT_SECONDS": "0.5",
        "THROTTLE_WAIT_SECONDS": "0.2",
    }.items():
        monkeypatch.setenv(f"{current.prefix}_{name}", value)
    for name, value in (current.env or {}).items():
        monkeypatch.setenv(name, value)
    return current


def api_requests(world: World, client: Client) -> int:
    return int(world.stats(client.system)["requests"])


async def test_a_passing_5xx_is_retried_and_the_read_succeeds(client: Client, world: World):
    await client.read()  # signed in: what follows counts API requests only
    world.admin(client.system, "POST", "stats/reset")
    world.faults(client.system, script=[503, None])
    assert await client.read()
    assert world.stats(client.system)["injected"] == {"status_503": 1}


async def test_a_5xx_that_persists_is_a_transient_error_after_the_retry_budget(client: Client, world: World):
    await client.read()
    world.admin(client.system, "POST", "stats/reset")
    world.faults(client.system, error_rates={500: 1.0})
    with pytest.raises(TransientError):
        await client.read()
    assert api_requests(world, client) == ATTEMPTS


async def test_a_429_is_waited_out_as_long_as_retry_after_says(client: Client, world: World):
    await client.read()
    world.admin(client.system, "POST", "stats/reset")
    world.faults(client.system, script=[429, None])
    started = time.monotonic()
    if client.wait_after_429 is None:
        with pytest.raises(SyncError) as refused:
            await client.read()
        assert isinstance(refused.value, RateLimitedError) or "quota" in str(refused.value).lower(), refused.value
        assert api_requests(world, client) == 1  # never retried: the quota is spent until its reset
        return
    assert await client.read()
    assert time.monotonic() - started >= client.wait_after_429 * 0.95
    assert world.stats(client.system)["injected"] == {"status_429": 1}


async def test_a_server_that_hangs_is_a_timeout_retried_then_a_transient_error(client: Client, world: World):
    await client.read()
    world.admin(client.system, "POST", "stats/reset")
    world.faults(client.system, timeout_rate=1.0, hang_seconds=2)
    started = time.monotonic()
    with pytest.raises(TransientError):
        await client.read()
    assert time.monotonic() - started < ATTEMPTS * 2, "the client waited for the server instead of its own timeout"
    assert api_requests(world, client) == ATTEMPTS


async def test_a_bad_credential_is_an_auth_error_naming_the_setting_not_the_secret(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
):
    wrong = "wrong-S3CRET-value"
    monkeypatch.setenv(client.secret, wrong)
    with pytest.raises(AuthError) as caught:
        await client.read()
    assert wrong not in str(caught.value)
    assert client.prefix in str(caught.value), caught.value
