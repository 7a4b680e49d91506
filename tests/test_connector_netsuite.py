"""The NetSuite connector against the NetSuite simulator over real HTTP: both kinds of auth,
SuiteQL paging, transforms that land once, NetSuite's errors, and the concurrency limit.
Nothing is mocked; faults come from `PUT /_sandbox/faults`."""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from connectors import shared_budget
from connectors.errors import AuthError, ConfigError, DataError
from connectors.netsuite import NetSuiteClient, NetSuiteSettings
from connectors.retry import RetryPolicy
from connectors.settings import load_settings
from sandbox.netsuite import NetSuiteSimConfig, create_app
from sandbox.server import serving
from tests.world import DEFAULT_NETSUITE_FAULTS

COMPLETION = "workOrderCompletion"
WORK_ORDERS = {
    "2001": "WO1001",
    "2002": "WO1002",
    "2003": "WO1003",
    "2004": "WO1004",
    "2005": "WO1005",
    "2006": "WO1006",
    "2007": "WO1007",
    "2009": "WO1009",
}
TBA_ENV = {
    "NETSUITE_AUTH": "tba",
    "NETSUITE_CONSUMER_KEY": "tba-consumer-key",
    "NETSUITE_CONSUMER_SECRET": "tba-consumer-secret",
    "NETSUITE_TOKEN_ID": "tba-token-id",
    "NETSUITE_TOKEN_SECRET": "tba-token-secret",
}
WORK_ORDER_QUERY = "SELECT id, tranid, status FROM transaction WHERE type = ? ORDER BY id"


def completion_body(external_id: str, *, comp_200: float = 1.5, item: str = "502") -> dict[str, Any]:
    """WO1004 (internal id 2004): 1 × ASSY-100 (item 501) at Hawthorne (location 1), backflushing
    `comp_200` of COMP-200 from Hawthorne; the shape of `erp.netsuite.consumption.completion_body`."""
    return {
        "externalId": external_id,
        "tranDate": "2026-11-20",
        "quantity": 1,
        "completedQuantity": 1,
        "isBackflush": True,
        "location": {"id": "1"},
        "memo": "connector test",
        "component": {
            "items": [
                {
                    "item": {"id": item},
                    "quantity": comp_200,
                    "componentInventoryDetail": {"location": {"id": "1"}, "quantity": comp_200},
                }
            ]
        },
    }


async def complete_wo1004(ns: NetSuiteClient, external_id: str, *, check_first: bool = False, **body: Any):
    return await ns.transform_once(
        "workOrder",
        "2004",
        COMPLETION,
        completion_body(external_id, **body),
        external_id=external_id,
        check_first=check_first,
        replace=("component",),
    )


def balances(world) -> dict[tuple[str, str], float]:
    rows = world.admin("netsuite", "GET", "inventory")["items"]
    return {(r["itemId"], r["location"]): r["quantityOnHand"] for r in rows}


def assert_landed_once(world, external_id: str, target_id: str) -> None:
    """One completion with this external id, and inventory moved by it exactly once."""
    landed = world.completions_by_external_id()
    assert [r["id"] for r in landed.get(external_id, [])] == [target_id]
    on_hand = balances(world)
    assert on_hand[("ASSY-100", "1")] == pytest.approx(1)
    assert on_hand[("COMP-200", "1")] == pytest.approx(67.2 - 1.5)


def netsuite_faults(world, **config: Any) -> None:
    world.faults("netsuite", **{**DEFAULT_NETSUITE_FAULTS, **config})


def key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of a fresh EC P-256 key, as `ion-sync sandbox` makes them."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode(), public.decode()


TOKEN_TTL = 3  # seconds: long enough that a slow machine does not expire a token in flight


@pytest.fixture
def short_lived_account(no_netsuite_env) -> Iterator[tuple[Any, NetSuiteSettings]]:
    """A NetSuite account of our own whose access tokens live TOKEN_TTL seconds: (its simulator
    state, OAuth 2.0 settings for it)."""
    private, public = key_pair()
    with serving(create_app(NetSuiteSimConfig(oauth2_public_key_pem=public, token_ttl_seconds=TOKEN_TTL))) as running:
        settings = NetSuiteSettings(
            account_id="1234567_SB1",
            base_url=running.url,
            client_id="ns-sandbox-client",
            certificate_id="sandbox-cert",
            private_key=private,
            jwt_algorithm="ES256",
            retry=RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.02),
        )
        yield running.server.config.app.state.sim, settings


@pytest.fixture
def tba(world, monkeypatch):
    """ion-sync's environment switched to token-based auth with the simulator's TBA credentials."""
    for name, value in TBA_ENV.items():
        monkeypatch.setenv(name, value)
    return world


@pytest.fixture
def no_netsuite_env(monkeypatch) -> Iterator[None]:
    for name in [n for n in os.environ if n.startswith("NETSUITE_")]:
        monkeypatch.delenv(name)
    yield


# --- OAuth 2.0 client credentials (netsuite.md §1.2 A) -----------------------------------------


async def test_oauth2_m2m_reads_and_writes_end_to_end(world):
    settings = NetSuiteSettings()
    assert settings.auth == "oauth2"
    async with NetSuiteClient(settings) as ns:
        rows = await ns.suiteql_all("SELECT id, tranid, status FROM transaction WHERE tranid = ?", ["WO1004"])
        result = await complete_wo1004(ns, "ion-run-1004-oauth2")
        record = await ns.get(COMPLETION, result.target_id)
    assert rows == [{"id": "2004", "tranid": "WO1004", "status": "B"}]
    assert result.adopted is False
    assert record is not None and record["externalId"] == "ion-run-1004-oauth2"
    assert record["createdFrom"]["id"] == "2004" and record["quantity"] == 1
    assert_landed_once(world, "ion-run-1004-oauth2", result.target_id)
    counters = world.stats("netsuite")
    assert counters["tokens_issued"] == 1 and counters["auth_failures"] == 0


async def test_a_wrong_private_key_is_an_auth_error_before_any_request(world, monkeypatch, tmp_path: Path):
    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "wrong.pem").write_bytes(pem)
    monkeypatch.setenv("NETSUITE_PRIVATE_KEY_PATH", str(tmp_path / "wrong.pem"))
    with pytest.raises(AuthError) as caught:
        async with NetSuiteClient(NetSuiteSettings()):
            pass
    message = str(caught.value)
    assert "NETSUITE_CLIENT_ID" in message and "NETSUITE_CERTIFICATE_ID" in message and "private key" in message
    assert "PRIVATE KEY-----" not in message and pem.decode().splitlines()[1] not in message
    counters = world.stats("netsuite")
    assert counters["token_rejections"] == 1 and counters["requests"] == 0


async def test_a_token_expired_on_the_server_is_renewed_after_one_401(short_lived_account):
    sim, settings = short_lived_account
    async with NetSuiteClient(settings) as ns:
        # the client trusts its token for an hour; the account expired it after TOKEN_TTL
        ns.auth._refresh_at = time.monotonic() + 3600
        await asyncio.sleep(TOKEN_TTL + 0.3)
        record = await ns.get("workOrder", "2004")
    assert record is not None and record["tranId"] == "WO1004"
    assert sim.auth.auth_failures == 1 and sim.auth.tokens_issued >= 2


async def test_a_place_in_the_shared_budget_is_held_per_request_at_netsuite_not_while_a_token_is_renewed(
    short_lived_account, monkeypatch
):
    """The request refused with 401 and its resend each hold a place of the account's budget
    (NetSuite counts both); the token renewed between them holds none, so another worker's
    request can have it meanwhile."""
    sim, settings = short_lived_account
    holds: list[tuple[int, int]] = []  # tokens issued when each place was taken, and when given back

    class Recording:
        @asynccontextmanager
        async def hold(self, budgets: tuple[shared_budget.Budget, ...]) -> AsyncIterator[object]:
            taken = sim.auth.tokens_issued
            yield None
            holds.append((taken, sim.auth.tokens_issued))

    monkeypatch.setattr(shared_budget, "_holder", Recording())
    async with NetSuiteClient(settings) as ns:
        ns.auth._refresh_at = time.monotonic() + 3600  # the client trusts a token the account expired
        await asyncio.sleep(TOKEN_TTL + 0.3)
        record = await ns.get("workOrder", "2004")
    assert record is not None and sim.auth.auth_failures == 1
    assert len(holds) == 2
    assert all(taken == given for taken, given in holds)


async def test_a_certificate_revoked_mid_run_is_an_auth_error_naming_the_settings(short_lived_account):
    """The M2M certificate mapping was revoked while the sync ran: renewing the token fails,
    and that is the same AuthError as at start-up, not an exception from the OAuth library."""
    sim, settings = short_lived_account
    async with NetSuiteClient(settings) as ns:
        assert (await ns.get("workOrder", "2004")) is not None
        sim.config.oauth2_certificate_id = "revoked-by-an-admin"
        await asyncio.sleep(TOKEN_TTL + 0.3)  # the token expires; renewing it is refused
        with pytest.raises(AuthError) as caught:
            await ns.get("workOrder", "2004")
    assert "NETSUITE_CERTIFICATE_ID" in str(caught.value) and "PRIVATE KEY" not in str(caught.value)
    assert sim.auth.token_rejections == 1


# --- token-based auth, OAuth 1.0a (netsuite.md §1.2 B) -----------------------------------------


async def test_tba_reads_and_writes_end_to_end_through_a_retried_request(tba):
    world = tba
    settings = NetSuiteSettings()
    assert settings.auth == "tba" and settings.realm == "1234567_SB1"
    async with NetSuiteClient(settings) as ns:
        # the read: 503, then the re-signed retry succeeds
        netsuite_faults(world, script=[503, None])
        rows = await ns.suiteql_all(WORK_ORDER_QUERY, ["WorkOrd"])
        assert world.stats("netsuite")["injected"] == {"status_503": 1}
        # the write: 503, then a look-up by external id (not there) and a re-signed POST
        world.admin("netsuite", "POST", "stats/reset")
        netsuite_faults(world, script=[503, None, None])
        result = await complete_wo1004(ns, "ion-run-1004-tba")
    assert {r["id"]: r["tranid"] for r in rows} == WORK_ORDERS
    assert result.adopted is False
    assert_landed_once(world, "ion-run-1004-tba", result.target_id)
    counters = world.stats("netsuite")
    assert counters["injected"] == {"status_503": 1}
    assert counters["by_status"] == {"204": 1, "404": 1, "503": 1}
    assert counters["auth_failures"] == 0 and counters["tokens_issued"] == 0


async def test_tba_survives_a_response_lost_after_the_server_verified_and_committed(tba):
    """The server checked the signature (and remembered its nonce) and committed, then the
    connection dropped: every follow-up request must carry a fresh signature."""
    world = tba
    netsuite_faults(world, drop_after_commit_rate=1.0)
    async with NetSuiteClient(NetSuiteSettings()) as ns:
        result = await complete_wo1004(ns, "ion-run-1004-tba-drop")
        again = await complete_wo1004(ns, "ion-run-1004-tba-drop", check_first=True)
    assert result.adopted is True and again == result
    assert_landed_once(world, "ion-run-1004-tba-drop", result.target_id)
    assert world.stats("netsuite")["auth_failures"] == 0


async def test_tba_with_a_wrong_token_secret_is_an_auth_error(tba, monkeypatch):
    monkeypatch.setenv("NETSUITE_TOKEN_SECRET", "wrong-token-secret-81c2")
    async with NetSuiteClient(NetSuiteSettings()) as ns:
        with pytest.raises(AuthError) as caught:
            await ns.suiteql_all("SELECT id FROM location")
    assert "credentials" in str(caught.value) and "wrong-token-secret-81c2" not in str(caught.value)
    assert tba.stats("netsuite")["auth_failures"] == 1  # refused once, not hammered


# --- SuiteQL (netsuite.md §1.9) ----------------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 3, 4])
async def test_suiteql_small_pages_equal_one_big_page(world, page_size):
    async with NetSuiteClient(NetSuiteSettings(suiteql_page_size=1000)) as ns:
        big = await ns.suiteql_all(WORK_ORDER_QUERY, ["WorkOrd"])
    world.admin("netsuite", "POST", "stats/reset")
    async with NetSuiteClient(NetSuiteSettings(suiteql_page_size=page_size)) as ns:
        paged = await ns.suiteql_all(WORK_ORDER_QUERY, ["WorkOrd"])
    assert paged == big and len(big) == len(WORK_ORDERS)
    assert [r["id"] for r in paged] == sorted(WORK_ORDERS)
    assert all("links" not in row for row in paged)
    assert world.stats("netsuite")["suiteql_queries"] == math.ceil(len(WORK_ORDERS) / page_size)


# --- writes that land once (netsuite.md §1.5) --------------------------------------------------


async def test_transform_once_adopts_a_completion_whose_response_was_lost(world):
    netsuite_faults(world, drop_after_commit_rate=1.0)
    async with NetSuiteClient(NetSuiteSettings()) as ns:
        result = await complete_wo1004(ns, "ion-run-1004-dropped")
    assert result.adopted is True
    assert_landed_once(world, "ion-run-1004-dropped", result.target_id)
    assert world.stats("netsuite")["injected"] == {"drop_after_commit": 1}


async def test_transform_once_adopts_a_completion_committed_behind_a_500(world):
    netsuite_faults(world, error_after_commit_rate=1.0)
    async with NetSuiteClient(NetSuiteSettings()) as ns:
        result = await complete_wo1004(ns, "ion-run-1004-500")
    assert result.adopted is True
    assert_landed_once(world, "ion-run-1004-500", result.target_id)


async def test_posting_a_landed_completion_again_adopts_it_instead_of_duplicating(world):
    async with NetSuiteClient(NetSuiteSettings()) as ns:
        first = await complete_wo1004(ns, "ion-run-1004-twice")
        blind = await complete_wo1004(ns, "ion-run-1004-twice")  # NetSuite answers DUP_RCRD
        checked = await complete_wo1004(ns, "ion-run-1004-twice", check_first=True)
    assert first.adopted is False
    assert blind == checked == type(first)(first.target_id, adopted=True)
    assert_landed_once(world, "ion-run-1004-twice", first.target_id)


async def test_a_validation_error_is_a_data_error_with_netsuites_detail_and_path(world):
    async with NetSuiteClient(NetSuiteSettings()) as ns:
        with pytest.raises(DataError) as caught:
            await complete_wo1004(ns, "ion-run-1004-bad-item", item="9999")
    error = caught.value
    assert error.status == 400 and error.code == "INVALID_CONTENT"
    assert error.field == "component.items[0].item"
    assert "You have entered an Invalid Field Value 9999 for the following field: item" in str(error)
    assert world.completions() == []
    assert world.stats("netsuite")["requests"] == 1  # a rejected record is not retried


# --- the account concurrency limit (netsuite.md §1.7) ------------------------------------------


async def test_concurrency_rejections_are_waited_out_and_retried(world):
    netsuite_faults(world, concurrency_limit=1, latency_ms=60)
    settings = NetSuiteSettings(concurrency=4, retry=RetryPolicy(attempts=40, initial_wait=0.02, max_wait=0.1))
    async with NetSuiteClient(settings) as ns:
        records = await asyncio.gather(*(ns.get("workOrder", wid) for wid in WORK_ORDERS))
    assert {r["id"]: r["tranId"] for r in records if r} == WORK_ORDERS
    counters = world.stats("netsuite")
    assert counters["concurrency_rejections"] > 0
    assert ns.throttled == counters["concurrency_rejections"]
    assert counters["by_status"]["200"] == len(WORK_ORDERS)


async def test_an_injected_429_is_retried(world):
    netsuite_faults(world, script=[429, None])
    async with NetSuiteClient(NetSuiteSettings()) as ns:
        record = await ns.get("workOrder", "2004")
    assert record is not None and record["tranId"] == "WO1004"
    assert ns.throttled == 1 and world.stats("netsuite")["injected"] == {"status_429": 1}


async def test_the_client_never_has_more_than_its_concurrency_in_flight(world):
    netsuite_faults(world, concurrency_limit=10, latency_ms=80)
    async with NetSuiteClient(NetSuiteSettings(concurrency=3)) as ns:
        results = await asyncio.gather(*(ns.get("workOrder", wid) for wid in [*WORK_ORDERS, *WORK_ORDERS]))
    assert all(r is not None for r in results) and len(results) == 16
    counters = world.stats("netsuite")
    assert counters["max_in_flight"] == 3  # all of its allowance, never more
    assert counters["concurrency_rejections"] == 0 and ns.throttled == 0


# --- settings (netsuite.md §1.1) ---------------------------------------------------------------


def test_settings_derive_host_and_realm_from_a_sandbox_account_id(no_netsuite_env, monkeypatch):
    monkeypatch.setenv("NETSUITE_ACCOUNT_ID", "1234567_SB1")
    for name, value in TBA_ENV.items():
        if name != "NETSUITE_AUTH":
            monkeypatch.setenv(name, value)
    settings = load_settings(NetSuiteSettings)
    assert settings.auth == "tba"  # guessed from what is set
    assert settings.root == "https://1234567-sb1.suitetalk.api.netsuite.com"
    assert settings.token_url == "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    assert settings.realm == "1234567_SB1"
    lower = load_settings(NetSuiteSettings, account_id="1234567-sb1")
    assert (lower.root, lower.realm) == (settings.root, "1234567_SB1")


def test_settings_without_credentials_are_a_config_error_naming_what_to_set(no_netsuite_env, monkeypatch):
    monkeypatch.setenv("NETSUITE_ACCOUNT_ID", "1234567_SB1")
    with pytest.raises(ConfigError) as caught:
        load_settings(NetSuiteSettings)
    message = str(caught.value)
    for variable in (
        "NETSUITE_CLIENT_ID",
        "NETSUITE_CERTIFICATE_ID",
        "NETSUITE_PRIVATE_KEY",
        "NETSUITE_CONSUMER_KEY",
        "NETSUITE_TOKEN_ID",
    ):
        assert variable in message, variable


def test_half_configured_settings_name_the_missing_variables(no_netsuite_env, monkeypatch):
    monkeypatch.setenv("NETSUITE_CLIENT_ID", "ns-sandbox-client")
    with pytest.raises(ConfigError) as caught:
        load_settings(NetSuiteSettings)
    assert "NETSUITE_ACCOUNT_ID is not set" in str(caught.value)
    monkeypatch.setenv("NETSUITE_ACCOUNT_ID", "1234567_SB1")
    with pytest.raises(ConfigError) as caught:
        load_settings(NetSuiteSettings)
    message = str(caught.value)
    assert "NETSUITE_CERTIFICATE_ID" in message and "NETSUITE_PRIVATE_KEY or NETSUITE_PRIVATE_KEY_PATH" in message
