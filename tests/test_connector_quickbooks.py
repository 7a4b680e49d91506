"""The QuickBooks connector against the simulator: OAuth refresh and rotation kept in the
ledger (also across a crash right after a refresh, and two processes refreshing at once),
invalid_grant, the request budget and 429s, Fault mapping, SyncToken and requestid."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.errors import (
    AuthError,
    ConfigError,
    DataError,
    RateLimitedError,
    TransientError,
)
from connectors.quickbooks import QuickBooksClient, QuickBooksSettings
from connectors.quickbooks.errors import Fault, error_for_fault
from erp.quickbooks.setup import LedgerTokenStore
from ledger import Ledger
from ledger.credentials import Credentials
from sandbox.quickbooks import QuickBooksSimConfig, create_app
from sandbox.server import serving
from tests.http import HTTP

CONFIG = QuickBooksSimConfig(rotation="strict")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(create_app(CONFIG)) as running:
        yield running.url


def admin(url: str, method: str, path: str, json: object = None) -> dict:
    response = HTTP.request(method, f"{url}/_sandbox/{path}", json=json)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def qbo_url(server: str) -> str:
    admin(server, "POST", "reset")
    admin(server, "POST", "stats/reset")
    admin(server, "PUT", "faults", {})
    admin(server, "PUT", "config", {"rotation": "strict"})
    admin(
        server,
        "PUT",
        "limits",
        {"requests_per_minute": 100_000, "requests_per_second": 10_000, "batch_requests_per_minute": 1000},
    )
    return server


def settings(url: str, **overrides: object) -> QuickBooksSettings:
    values: dict[str, object] = {
        "realm_id": CONFIG.realm_id,
        "client_id": CONFIG.client_id,
        "client_secret": CONFIG.client_secret,
        "refresh_token": CONFIG.initial_refresh_token,
        "base_url": url,
        "token_url": f"{url}/oauth2/v1/tokens/bearer",
        "throttle_wait_seconds": 0.2,
        "retry": {"initial_wait": 0.02, "max_wait": 0.2},
    }
    return QuickBooksSettings(**{**values, **overrides})  # type: ignore[arg-type]


def client(url: str, ledger: Ledger, **overrides: object) -> QuickBooksClient:
    s = settings(url, **overrides)
    return QuickBooksClient(s, LedgerTokenStore(ledger, s.credential_name))


def stored(ledger: Ledger) -> dict:
    credential = Credentials(ledger).get(f"quickbooks:{CONFIG.realm_id}")
    assert credential is not None
    return credential.value


async def vendors(qbo: QuickBooksClient) -> int:
    return int((await qbo.query("SELECT count(*) FROM Vendor"))["totalCount"])


def test_rotated_refresh_token_is_kept_and_used_after_expiry(qbo_url, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")

    async def scenario() -> None:
        async with client(qbo_url, ledger) as first:
            assert await vendors(first) == 2
        rotated = stored(ledger)["refresh_token"]
        assert rotated != CONFIG.initial_refresh_token and stored(ledger)["status"] == "connected"
        credential = Credentials(ledger).get(f"quickbooks:{CONFIG.realm_id}")
        assert credential.expires_at is not None  # the access token's expiry, for integration health
        assert credential.value["refresh_token_expires_at"] > credential.expires_at.isoformat()
        async with client(qbo_url, ledger) as second:  # reuses the saved access token
            assert await vendors(second) == 2
            assert admin(qbo_url, "GET", "stats")["token_refreshes"] == 1
            admin(qbo_url, "POST", "oauth/expire-access-tokens")
            assert await vendors(second) == 2  # 401 → refresh with the rotated token → retried
        assert stored(ledger)["refresh_token"] not in (rotated, CONFIG.initial_refresh_token)
        assert admin(qbo_url, "GET", "stats")["invalid_grants"] == 0

    asyncio.run(scenario())


def test_a_refresh_token_rotated_just_before_a_crash_survives_it(qbo_url, tmp_path):
    """A process refreshes (strict rotation: the env token dies at once) and is SIGKILLed right after."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    script = textwrap.dedent(
        f"""
        import asyncio, os, signal
        from tests.test_connector_quickbooks import client
        from ledger import Ledger
        async def main():
            qbo = client({qbo_url!r}, Ledger({url!r}))
            await qbo.auth.access_token()
            os.kill(os.getpid(), signal.SIGKILL)
        asyncio.run(main())
        """
    )
    crashed = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parent.parent, env=os.environ.copy())
    assert crashed.returncode == -9
    assert admin(qbo_url, "GET", "stats")["token_rotations"] == 1
    ledger = Ledger(url)
    admin(qbo_url, "POST", "oauth/expire-access-tokens")

    async def after() -> int:
        async with client(qbo_url, ledger) as qbo:
            return await vendors(qbo)

    assert asyncio.run(after()) == 2
    assert admin(qbo_url, "GET", "stats")["invalid_grants"] == 0


def test_two_processes_refreshing_at_once_do_not_burn_the_token(qbo_url, database_url):
    """Strict rotation: if both refreshed with the same token, the second would get invalid_grant."""
    first, second = Ledger(database_url), Ledger(database_url)

    async def both() -> list[int]:
        async def one(ledger: Ledger) -> int:
            async with client(qbo_url, ledger) as qbo:
                return await vendors(qbo)

        return await asyncio.gather(one(first), one(second))

    assert asyncio.run(both()) == [2, 2]
    stats = admin(qbo_url, "GET", "stats")
    assert stats["invalid_grants"] == 0 and stats["token_refreshes"] == 1


def test_invalid_grant_stops_with_reconnect_instructions_until_reconnected(qbo_url, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    dead = client(qbo_url, ledger, refresh_token="RT1-revoked")
    with pytest.raises(AuthError) as raised:
        asyncio.run(dead.__aenter__())
    assert "invalid_grant" in str(raised.value) and "QUICKBOOKS_REFRESH_TOKEN" in str(raised.value)
    assert "RT1-revoked" not in str(raised.value)
    assert stored(ledger)["status"] == "invalid_grant"  # what health shows: the refresh token expired now
    assert stored(ledger)["refresh_token_expires_at"] <= datetime.now(UTC).isoformat()
    with pytest.raises(AuthError):
        asyncio.run(client(qbo_url, ledger, refresh_token="RT1-revoked").__aenter__())
    assert admin(qbo_url, "GET", "stats")["token_refreshes"] == 1  # not retried blindly
    code = admin(qbo_url, "POST", "oauth/connect")["code"]
    basic = base64.b64encode(f"{CONFIG.client_id}:{CONFIG.client_secret}".encode()).decode()
    fresh = HTTP.post(
        f"{qbo_url}/oauth2/v1/tokens/bearer",
        data={"grant_type": "authorization_code", "code": code},
        headers={"Authorization": f"Basic {basic}"},
    ).json()["refresh_token"]

    async def reconnected() -> int:
        async with client(qbo_url, ledger, refresh_token=fresh) as qbo:
            return await vendors(qbo)

    assert asyncio.run(reconnected()) == 2 and stored(ledger)["status"] == "connected"


def test_bad_client_credentials_are_an_auth_error_naming_the_settings(qbo_url, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    with pytest.raises(AuthError, match="QUICKBOOKS_CLIENT_ID"):
        asyncio.run(client(qbo_url, ledger, client_secret="wrong").__aenter__())


def test_the_budget_keeps_requests_under_the_limit_and_429s_are_waited_out(qbo_url, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    admin(qbo_url, "PUT", "limits", {"requests_per_second": 5})

    async def burst(qbo: QuickBooksClient, n: int) -> list[int]:
        return await asyncio.gather(*(vendors(qbo) for _ in range(n)))

    async def within_budget() -> None:
        async with client(qbo_url, ledger, requests_per_second=5) as qbo:
            assert await burst(qbo, 12) == [2] * 12
            assert qbo.throttled == 0

    asyncio.run(within_budget())
    assert admin(qbo_url, "GET", "stats")["throttled"] == 0

    async def over_budget() -> int:
        async with client(qbo_url, ledger, requests_per_second=50, throttle_wait_seconds=1.0) as qbo:
            assert await burst(qbo, 8) == [2] * 8  # 429 (XML body) → wait → retry
            return qbo.throttled

    assert asyncio.run(over_budget()) > 0
    assert admin(qbo_url, "GET", "stats")["throttled"] > 0


def test_clients_of_one_realm_share_its_budget_so_runs_one_after_another_are_not_throttled(qbo_url, tmp_path):
    """`make demo` runs the purchase-order sync, then preflight, in one process: each client had
    windows of its own, the two went over QuickBooks' 10 a second together, and a 429 cost 60 s."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    admin(qbo_url, "PUT", "limits", {"requests_per_second": 5})

    async def one_run() -> int:
        async with client(qbo_url, ledger, requests_per_second=5, throttle_wait_seconds=30.0) as qbo:
            assert await asyncio.gather(*(vendors(qbo) for _ in range(4))) == [2] * 4
            return qbo.throttled

    assert [asyncio.run(one_run()) for _ in range(3)] == [0, 0, 0]
    assert admin(qbo_url, "GET", "stats")["throttled"] == 0


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("610", DataError),
        ("2020", DataError),
        ("5010", DataError),
        ("6000", DataError),
        ("6140", DataError),
        ("6240", DataError),
        ("3200", AuthError),
        ("3001", RateLimitedError),
        ("5020", ConfigError),
        ("10000", TransientError),
    ],
)
def test_fault_codes_map_to_the_error_vocabulary(code, kind):
    error = error_for_fault([Fault(code, "Message", "Detail text", "Line[0].Amount")], status=400, where="QuickBooks", write=True)
    assert isinstance(error, kind)
    if isinstance(error, DataError):
        assert error.code == code and error.field == "Line[0].Amount" and "Detail text" in str(error)


def test_stale_sync_token_is_re_read_and_retried_once(qbo_url, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")

    async def scenario() -> dict:
        async with client(qbo_url, ledger) as qbo:
            vendor = await qbo.read("Vendor", "1")
            await qbo.save("Vendor", {**vendor, "sparse": True, "AcctNum": "A-1"}, requestid="someone-else")
            return await qbo.update("Vendor", vendor, lambda current: {"sparse": True, "AcctNum": "A-2"}, key="k")

    updated = asyncio.run(scenario())
    assert updated["SyncToken"] == "2" and updated["AcctNum"] == "A-2"


def test_a_write_whose_answer_is_lost_is_replayed_not_repeated(qbo_url, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    admin(qbo_url, "PUT", "faults", {"script": [None, None, None], "drop_after_commit_rate": 1.0, "seed": 1})

    async def scenario() -> dict:
        async with client(qbo_url, ledger) as qbo:
            admin(qbo_url, "PUT", "faults", {"script": [], "drop_after_commit_rate": 0.5, "seed": 3})
            return await qbo.save("Class", {"Name": "Payload"}, requestid="class-payload")

    created = asyncio.run(scenario())
    classes = [c for c in admin(qbo_url, "GET", "entities/Class")["items"] if c["Name"] == "Payload"]
    assert [c["Id"] for c in classes] == [created["Id"]]
