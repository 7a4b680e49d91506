"""The Arena client against the Arena simulator, below the flow level: sessions (one per
process, re-login on 401, idle expiry, a new login cancels the old one; shared across
processes through the ledger's session store), the quota reserve, paging up to 400 and
`errors[]` parsed into the connector error classes."""

from __future__ import annotations

import asyncio

import pytest

from connectors.arena import ArenaClient, ArenaSettings, QuotaExhausted
from connectors.arena.bodies import item_file_fields, request_body, request_item_body
from connectors.arena.client import SESSIONS, _Session
from connectors.errors import AuthError, DataError
from ledger import Ledger
from plm.arena.session import LedgerSessionStore
from tests.http import HTTP


def settings(world, **overrides) -> ArenaSettings:
    env = world.env
    values = {
        "api_url": env["ARENA_API_URL"],
        "email": env["ARENA_EMAIL"],
        "password": env["ARENA_PASSWORD"],
        "workspace_id": int(env["ARENA_WORKSPACE_ID"]),
        "integration_guid": env["ARENA_INTEGRATION_GUID"],
    }
    return ArenaSettings(**(values | overrides))


def run(coro):
    return asyncio.run(coro)


def test_clients_in_one_process_share_one_session_and_log_in_again_after_idle_expiry(world):
    async def scenario() -> tuple[int, int]:
        async with ArenaClient(settings(world)) as first, ArenaClient(settings(world)) as second:
            await first.item("ITEMASSY100000000001")
            await second.item("ITEMSAT5000000000001")  # no second login: it would cancel the first session
            logins = world.stats("arena")["logins"]
            world.admin("arena", "POST", "clock", {"advance_minutes": 91})  # 90 minutes idle: expired
            await first.bom("ITEMASSY100000000001")  # 401 → one new login → retried
            await second.bom("ITEMSAT5000000000001")  # uses the renewed session
            return logins, world.stats("arena")["logins"]

    before, after = run(scenario())
    assert (before, after) == (1, 2)
    assert SESSIONS.get(settings(world)).token is None  # logged out when the last client closed


def test_a_login_elsewhere_cancels_the_session_and_the_client_recovers(world):
    async def scenario() -> dict:
        async with ArenaClient(settings(world)) as arena:
            await arena.item("ITEMASSY100000000001")
            other = HTTP.post(
                f"{world.env['ARENA_API_URL']}/login",
                json={"email": world.env["ARENA_EMAIL"], "password": world.env["ARENA_PASSWORD"]},
            )
            assert other.status_code == 200
            return await arena.item("ITEMASSY100000000001")

    assert run(scenario())["number"] == "ASSY-100"


def elsewhere(client: ArenaClient) -> ArenaClient:
    """The client as another process holds it: without this process's in-memory session."""
    client.session = _Session()
    return client


def shared_store(world) -> LedgerSessionStore:
    return LedgerSessionStore(Ledger(world.ledger_url), settings(world).session_name)


def test_processes_share_the_stored_session_and_leave_it_open(world):
    store = shared_store(world)

    async def scenario() -> tuple[str | None, str | None]:
        async with (
            ArenaClient(settings(world), store=store) as first,
            elsewhere(ArenaClient(settings(world), store=store)) as second,
        ):
            await first.item("ITEMASSY100000000001")
            await second.item("ITEMSAT5000000000001")  # the stored session: no login to cancel the first's
            tokens = first.session.token, second.session.token
        async with elsewhere(ArenaClient(settings(world), store=store)) as later:  # a later run: the session is still live
            await later.item("ITEMASSY100000000001")
        return tokens

    first, second = run(scenario())
    stored = store.load()
    assert stored and first == second == stored["arena_session_id"]
    assert world.stats("arena")["logins"] == 1 and world.stats("arena")["sessions_cancelled"] == 0  # and no logout


def test_a_process_whose_session_was_replaced_adopts_the_stored_one(world):
    store = shared_store(world)

    async def scenario() -> tuple[str | None, str | None]:
        async with (
            ArenaClient(settings(world), store=store) as first,
            elsewhere(ArenaClient(settings(world), store=store)) as second,
        ):
            await first.item("ITEMASSY100000000001")
            world.admin("arena", "POST", "clock", {"advance_minutes": 91})  # idle: both hold a dead session
            await first.item("ITEMASSY100000000001")  # 401 → the store holds the refused one → one login
            await second.item("ITEMSAT5000000000001")  # 401 → the store holds a newer one → adopted
            return first.session.token, second.session.token

    first, second = run(scenario())
    stored = store.load()
    assert stored and first == second == stored["arena_session_id"]
    assert world.stats("arena")["logins"] == 2


def test_a_stored_session_is_not_used_with_other_credentials(world):
    store = shared_store(world)

    async def scenario(password: str) -> None:
        async with elsewhere(ArenaClient(settings(world, password=password), store=store)) as arena:
            await arena.item("ITEMASSY100000000001")

    run(scenario(world.env["ARENA_PASSWORD"]))
    with pytest.raises(AuthError, match="4001"):
        run(scenario("wrong"))  # logs in (refused) rather than use the session stored for the right password
    run(scenario(world.env["ARENA_PASSWORD"]))  # which is still stored and live
    assert world.stats("arena")["logins"] == 1


def test_bad_credentials_say_which_settings_to_check(world):
    with pytest.raises(AuthError, match="ARENA_EMAIL, ARENA_PASSWORD and ARENA_WORKSPACE_ID") as caught:
        run(ArenaClient(settings(world, password="wrong")).__aenter__())
    assert "4001" in str(caught.value)


def test_lists_page_until_a_short_page(world):
    async def scenario() -> tuple[list[str], int]:
        async with ArenaClient(settings(world, page_size=3)) as arena:
            numbers = [i["number"] for i in await arena.all("/items")]
            return numbers, arena.requests

    numbers, requests = run(scenario())
    assert len(numbers) == 10 and len(set(numbers)) == 10  # the demo's 8 items and its 2 routing items
    assert requests == 4  # 3 + 3 + 3 + 1


def test_error_bodies_become_data_errors_with_arenas_words(world):
    async def scenario(path: str, params: dict | None = None) -> None:
        async with ArenaClient(settings(world)) as arena:
            await arena.get(path, params)

    with pytest.raises(DataError, match=r'HTTP 400 \[3011\] The guid "BAD" is not valid') as bad:
        run(scenario("/items/BAD"))
    assert bad.value.code == "3011" and bad.value.status == 400
    with pytest.raises(DataError, match=r'\[3019\] The attribute "owner.Name" is not searchable'):
        run(scenario("/items", {"owner.Name": "x"}))
    with pytest.raises(DataError, match=r"\[3041\] The limit or offset parameter is invalid"):
        run(scenario("/items", {"limit": 401}))


def test_the_quota_reserve_stops_before_the_request_and_429_is_never_retried(world):
    world.admin("arena", "PUT", "quota", {"remaining": 5})

    async def scenario(reserve: int) -> int:
        async with ArenaClient(settings(world, quota_reserve=reserve)) as arena:
            for _ in range(10):
                await arena.item("ITEMASSY100000000001")
            return arena.requests

    with pytest.raises(QuotaExhausted, match=r"2 request\(s\) left and ARENA_QUOTA_RESERVE=2") as reserved:
        run(scenario(2))
    assert reserved.value.remaining == 2 and world.stats("arena")["quota_remaining"] == 2
    world.admin("arena", "PUT", "quota", {"remaining": 0})  # spent elsewhere: this client learns it from a 429
    with pytest.raises(QuotaExhausted, match="quota is used up"):
        run(scenario(0))
    assert world.stats("arena")["by_status"].get("429") == 1  # one 429, not retried


def test_acknowledging_an_event_is_idempotent_in_arena(world):
    async def scenario() -> tuple[int, int]:
        async with ArenaClient(settings(world)) as arena:
            pending = await arena.pending_events()
            items = await arena.event_items(pending[0]["guid"])
            assert items[0]["supersededItemRevision"]["revisionNumber"] == "A"
            assert items[0]["effectiveItemRevision"]["revisionNumber"] == "B"
            await arena.reconcile_event(pending[0]["guid"])
            await arena.reconcile_event(pending[0]["guid"])
            return len(pending), len(await arena.pending_events())

    assert run(scenario()) == (1, 0)


def test_the_simulator_wants_json_and_a_session(world):
    url = world.env["ARENA_API_URL"]
    no_type = HTTP.get(f"{url}/items", headers={"arena_session_id": "x"})
    assert no_type.status_code == 415 and no_type.json()["errors"][0]["code"] == 415
    no_session = HTTP.get(f"{url}/items", headers={"content-type": "application/json"})
    assert no_session.status_code == 401 and "X-Arena-Requests-Remaining" in no_session.headers


def test_feedback_writes_go_the_way_arena_takes_them(world):
    async def scenario() -> tuple[str, list, dict, list]:
        async with ArenaClient(settings(world)) as arena:
            fields = item_file_fields(title="As-built SN-1", description="1 line", file_format="json")
            guid = await arena.upload_item_file(
                "ITEMSAT5000000000001", fields, "ion-asbuilt-1.json", b'{"a": 1}', "application/json"
            )
            files = await arena.item_files("ITEMSAT5000000000001")
            body = request_body(
                category_guid="I0K3MZKBY1KUDWBIIJ7C",
                prefix="MCR-",
                title="[ION NCR 9] x",
                problem="found",
                requested_action="review",
            )
            with pytest.raises(DataError, match=r'\[3004\] The attribute "description" is not recognized'):
                await arena.create_request({**body, "description": "Arena has no such attribute"})
            request = await arena.create_request(body)
            await arena.add_request_item(request["guid"], request_item_body("ITEMSAT5000000000001", "rev B"))
            return guid, files, request, await arena.request_items(request["guid"])

    guid, files, request, items = run(scenario())
    assert [(f["guid"], f["file"]["name"]) for f in files] == [(guid, "ion-asbuilt-1.json")]
    assert (request["number"], request["lifecycleStatus"]["type"]) == ("MCR-000001", "UNSUBMITTED")
    assert [(i["item"]["number"], i["notes"]) for i in items] == [("SAT-500", "rev B")]
