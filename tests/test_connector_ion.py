"""The ION connector against the ION simulator over real HTTP: tokens, pagination, retries,
and errors a person can act on. Nothing is mocked; faults come from `PUT /_sandbox/faults`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from connectors.errors import AuthError, ContractError, SyncError, TransientError
from connectors.ion import IonClient, IonSettings
from connectors.ion.models.purchase_orders import PurchaseOrder, PurchaseOrderLine
from connectors.ion.models.runs import Run
from connectors.ion.models.suppliers import SupplierRef
from connectors.ion.queries import COMPLETED_RUNS, LOCATIONS
from connectors.retry import RetryPolicy
from sandbox.ion import IonSimConfig, create_app
from sandbox.server import RunningServer, serving
from tests.http import HTTP

TOKEN_PATH = "/realms/api-keys/protocol/openid-connect/token"
DEMO_RUN_IDS = list(range(1001, 1010))
FAST_RETRY = RetryPolicy(attempts=4, initial_wait=0.01, max_wait=0.05)


def settings_for(url: str, **overrides: object) -> IonSettings:
    """Settings pointing at a simulator of our own (not the shared one the `world` resets)."""
    values: dict[str, object] = {
        "api_url": url,
        "auth_url": f"{url}{TOKEN_PATH}",
        "client_id": "ion-sync-sandbox",
        "client_secret": "sandbox-secret",
        "retry": FAST_RETRY,
        **overrides,
    }
    return IonSettings(**values)  # type: ignore[arg-type]


def stats(url: str) -> dict[str, object]:
    return HTTP.get(f"{url}/_sandbox/stats", timeout=10).json()


TOKEN_TTL = 3  # seconds


@pytest.fixture
def short_lived_ion() -> Iterator[RunningServer]:
    """An ION tenant whose access tokens live a few seconds (long enough that a slow machine
    does not expire a token between sending a request and the server reading it)."""
    with serving(create_app(IonSimConfig(token_ttl_seconds=TOKEN_TTL))) as running:
        yield running


async def run_ids(ion: IonClient, *, first: int | None = None) -> list[int]:
    return [node["id"] async for page in ion.pages(COMPLETED_RUNS, "runs", first=first) for node in page.nodes]


# --- authentication (ion.md §1) ----------------------------------------------------------------


async def test_client_credentials_token_opens_the_api(world):
    async with IonClient(IonSettings()) as ion:
        data = await ion.execute(LOCATIONS, {"first": 100})
    names = {edge["node"]["name"] for edge in data["locations"]["edges"]}
    assert {"Hawthorne", "Hawthorne / Stores", "Long Beach / Quarantine"} <= names
    counters = world.stats("ion")
    assert counters["tokens_issued"] == 1 and counters["auth_rejections"] == 0


async def test_a_bad_secret_is_an_auth_error_naming_the_settings_and_not_the_secret(world, monkeypatch):
    wrong = "not-the-secret-3f9a7c"
    monkeypatch.setenv("ION_CLIENT_SECRET", wrong)
    with pytest.raises(AuthError) as caught:
        async with IonClient(IonSettings()):
            pass
    message = str(caught.value)
    assert "ION_CLIENT_ID" in message and "ION_CLIENT_SECRET" in message
    assert wrong not in message and "sandbox-secret" not in message
    assert world.stats("ion")["token_rejections"] == 1
    assert world.stats("ion")["requests"] == 0  # nothing reached /graphql


async def test_an_expired_token_is_replaced_transparently(short_lived_ion):
    url = short_lived_ion.url
    async with IonClient(settings_for(url)) as ion:
        assert await run_ids(ion) == DEMO_RUN_IDS
        await asyncio.sleep(TOKEN_TTL + 0.3)  # the first token is now dead on the server
        assert await run_ids(ion) == DEMO_RUN_IDS
    counters = stats(url)
    assert counters["tokens_issued"] >= 2
    assert counters["auth_rejections"] == 0  # renewed before use (the leeway), never refused


async def test_a_token_the_server_no_longer_accepts_is_refreshed_once_after_a_401(short_lived_ion):
    """The client believes its token good for an hour, but ION expired it (revoked, or a
    shorter realm lifetime): the 401 triggers one fresh token and the query still succeeds."""
    url = short_lived_ion.url
    async with IonClient(settings_for(url)) as ion:
        ion.auth._refresh_at = time.monotonic() + 3600
        await asyncio.sleep(TOKEN_TTL + 0.3)
        assert await run_ids(ion) == DEMO_RUN_IDS
    counters = stats(url)
    assert counters["auth_rejections"] == 1  # one refusal, then a fresh token did the work
    assert counters["tokens_issued"] >= 2


async def test_a_token_refused_even_when_fresh_stops_with_an_auth_error():
    """ION_API_URL and ION_AUTH_URL pointing at different environments: every token is
    refused. The client refreshes once, then stops and says what to check."""
    with serving(create_app(IonSimConfig())) as api, serving(create_app(IonSimConfig())) as other_auth:
        settings = settings_for(api.url, auth_url=f"{other_auth.url}{TOKEN_PATH}")
        async with IonClient(settings) as ion:
            with pytest.raises(AuthError) as caught:
                await ion.execute(LOCATIONS, {"first": 10})
        assert "ION_API_URL" in str(caught.value) and "ION_AUTH_URL" in str(caught.value)
        assert "sandbox-secret" not in str(caught.value)
        assert stats(api.url)["auth_rejections"] == 2
        assert stats(other_auth.url)["tokens_issued"] == 2


async def test_an_api_key_revoked_mid_run_is_an_auth_error_naming_the_settings():
    """The key's user was deactivated while the sync ran: renewing the token fails, and that
    is the same AuthError as at start-up, not an exception from the OAuth library."""
    config = IonSimConfig(token_ttl_seconds=TOKEN_TTL)
    with serving(create_app(config)) as running:
        async with IonClient(settings_for(running.url)) as ion:
            assert len(await run_ids(ion)) == 9
            config.client_secret = "rotated-by-an-admin"
            await asyncio.sleep(TOKEN_TTL + 0.3)  # the token expires; renewing it is refused
            with pytest.raises(AuthError) as caught:
                await run_ids(ion)
        assert "ION_CLIENT_ID" in str(caught.value) and "ION_CLIENT_SECRET" in str(caught.value)
        assert "sandbox-secret" not in str(caught.value) and "rotated-by-an-admin" not in str(caught.value)
        assert stats(running.url)["token_rejections"] == 1


# --- pagination (ion.md §2.2) ------------------------------------------------------------------


async def test_pages_follow_end_cursor_and_return_every_run_once(world):
    async with IonClient(IonSettings()) as ion:
        pages = [page async for page in ion.pages(COMPLETED_RUNS, "runs", first=2)]
    assert [len(p.nodes) for p in pages] == [2, 2, 2, 2, 1]
    assert [p.has_next for p in pages] == [True, True, True, True, False]
    assert all(p.total == 9 for p in pages)
    ids = [node["id"] for page in pages for node in page.nodes]
    assert ids == DEMO_RUN_IDS and len(set(ids)) == len(ids)
    assert world.stats("ion")["requests"] == 5


async def test_paging_with_filters_and_settings_page_size(world, monkeypatch):
    for i in range(7):
        world.add_run(
            {
                "id": 3000 + i,
                "status": "COMPLETE",
                "workOrder": "WO1004",
                "produces": {"partNumber": "ASSY-100", "quantity": 1, "locationId": 3},
                "installations": [],
            }
        )
    monkeypatch.setenv("ION_PAGE_SIZE", "3")
    filters = {"filters": {"status": {"eq": "COMPLETE"}, "id": {"gte": 1004}}}
    async with IonClient(IonSettings()) as ion:
        pages = [page async for page in ion.pages(COMPLETED_RUNS, "runs", filters)]
    ids = [node["id"] for page in pages for node in page.nodes]
    assert ids == [1004, 1006, 1007, 1008, 1009, *range(3000, 3007)]
    assert len(pages) == 4 and all(len(p.nodes) <= 3 for p in pages)


async def test_a_step_reads_the_pages_that_hold_its_records_and_continues_where_it_stopped(world, monkeypatch):
    """A sync fetches, plans and posts a step (ION_STEP_RECORDS) as one task run each, whatever
    ION's page size: 9 demo runs in pages of 2, steps of 5 -> 3 pages (6 runs), then the last 3."""
    monkeypatch.setenv("ION_PAGE_SIZE", "2")
    monkeypatch.setenv("ION_STEP_RECORDS", "5")
    async with IonClient(IonSettings()) as ion:
        first = await ion.read_step(COMPLETED_RUNS, "runs", {}, after=None)
        second = await ion.read_step(COMPLETED_RUNS, "runs", {}, after=first.end_cursor)
    assert [len(first.nodes), len(second.nodes)] == [6, 3]
    assert (first.has_next, second.has_next) == (True, False) and first.total == 9
    assert [node["id"] for node in [*first.nodes, *second.nodes]] == DEMO_RUN_IDS
    assert world.stats("ion")["requests"] == 5


async def test_a_completed_run_arrives_with_its_as_built_installations(world):
    async with IonClient(IonSettings()) as ion:
        page = await ion.page(COMPLETED_RUNS, "runs", {"filters": {"id": {"eq": 1001}}}, first=10, after=None)
    (run,) = page.nodes
    assert run["status"] == "COMPLETE"
    assert {"key": "NetSuite Work Order", "value": "WO1001"} in run["attributes"]
    installed = [
        (inv["part"]["partNumber"], i["quantityInstalledPerParentPartInventory"], inv["location"]["id"])
        for req in run["partInventory"]["buildRequirements"]
        for i in req["abomInstallations"]
        for inv in [i["partInventory"]]
    ]
    assert sorted(installed) == [("COMP-200", 2.4, 2), ("COMP-200", 2.6, 11), ("COMP-300", 3, 2)]


# --- retries (ion.md §2.1, §2.6) ---------------------------------------------------------------


async def test_injected_503_502_and_429_are_retried_and_the_read_succeeds(world):
    world.faults("ion", script=[503, 502, 429, None])
    async with IonClient(IonSettings()) as ion:
        started = time.monotonic()
        data = await ion.execute(LOCATIONS, {"first": 100})
        elapsed = time.monotonic() - started
    assert data["locations"]["pageInfo"]["totalCount"] == 8
    counters = world.stats("ion")
    assert counters["injected"] == {"status_503": 1, "status_502": 1, "status_429": 1}
    assert counters["by_status"] == {"200": 1, "429": 1, "502": 1, "503": 1}
    assert elapsed >= 0.95  # the 429's Retry-After: 1 was honoured


async def test_persistent_5xx_is_a_transient_error_after_the_retry_budget(world):
    world.faults("ion", error_rates={500: 1.0})
    settings = IonSettings(retry=RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.02))
    async with IonClient(settings) as ion:
        with pytest.raises(TransientError) as caught:
            await ion.execute(LOCATIONS, {"first": 10})
    assert "500" in str(caught.value) and caught.value.uncertain is False  # a read cannot have committed
    assert world.stats("ion")["requests"] == 3


async def test_pagination_survives_faults_mid_way_without_losing_or_repeating_runs(world):
    world.faults("ion", script=[None, 503, None, 503, None, None])
    async with IonClient(IonSettings(retry=FAST_RETRY)) as ion:
        ids = await run_ids(ion, first=3)
    assert ids == DEMO_RUN_IDS
    assert world.stats("ion")["injected"] == {"status_503": 2}


# --- GraphQL errors (ion.md §2.5) --------------------------------------------------------------


async def test_a_graphql_error_is_a_contract_error_carrying_ions_message(world):
    async with IonClient(IonSettings()) as ion:
        token = ion.auth.token
        with pytest.raises(ContractError) as caught:
            await ion.execute(COMPLETED_RUNS, {"filters": {"procedure": {"eq": 1}}, "first": 5})
    raw = HTTP.post(
        f"{world.env['ION_API_URL']}/graphql",
        json={"query": COMPLETED_RUNS.text, "variables": {"filters": {"procedure": {"eq": 1}}, "first": 5}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    ion_message = raw["errors"][0]["message"]
    assert "procedure" in ion_message
    assert ion_message in str(caught.value)
    assert isinstance(caught.value, SyncError) and not isinstance(caught.value, TransientError)
    assert world.stats("ion")["requests"] == 2  # the client's one try (not retried) and ours


def test_one_attribute_rule_for_every_ion_object_that_carries_attributes():
    """Runs, purchase orders, their lines and suppliers read attributes alike: an attribute ION
    holds with an empty value is as unset as one it does not have (the join key is missing)."""
    attributes = [{"key": "Work Order", "value": ""}, {"key": "Customer", "value": "ACME"}]
    run = {"id": 1, "title": "r", "status": "COMPLETE", "attributes": attributes}
    objects = [
        Run.model_validate(run),
        PurchaseOrderLine.model_validate({"id": 2, "attributes": attributes}),
        PurchaseOrder.model_validate(
            {"id": 3, "_etag": "e", "_created": "2026-11-20T08:00:00Z", "status": "APPROVED", "attributes": attributes}
        ),
        SupplierRef.model_validate({"id": 4, "name": "Acme Metals", "attributes": attributes}),
    ]
    read = [(o.attribute("Work Order"), o.attribute("Customer"), o.attribute("Nope")) for o in objects]
    assert read == [(None, "ACME", None)] * len(objects)
