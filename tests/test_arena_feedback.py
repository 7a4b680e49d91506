"""An NCR is two Arena writes (the request, then its item): a lost answer on the second must
not create a second request. Arena is a mock transport here; the shapes are Arena's documented ones."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from connectors.arena import ArenaClient, ArenaSettings
from connectors.arena.client import SESSIONS
from connectors.errors import TransientError
from plm.arena.feedback import ArenaFeedback, change_request
from plm.port.nonconformances import Nonconformance
from plm.port.writes import Unit

NCR = Nonconformance(
    issue_id="7",
    title="Scratch",
    disposition="REWORK",
    unit=Unit("SAT-500", "B", serial="SN-1"),
    status="IN_REVIEW",
    run_id="1",
    run_title="Run 1",
    found="scratch",
    expected="none",
)
QUOTA = {"X-Arena-Requests-Remaining": "900"}


def test_a_lost_item_attach_is_found_again_not_sent_as_a_second_request():
    calls: list[str] = []
    attached: list[dict[str, Any]] = []

    def arena(request: httpx.Request) -> httpx.Response:
        path, method = request.url.path.removeprefix("/v1"), request.method
        calls.append(f"{method} {path}")
        if path == "/login":
            return httpx.Response(200, json={"arena_session_id": "S", "workspaceId": 1}, headers=QUOTA)
        if (method, path) == ("POST", "/requests"):
            return httpx.Response(
                201,
                json={
                    "guid": "REQUEST0000000000001",
                    "title": json.loads(request.content)["title"],
                    "lifecycleStatus": {"type": "UNSUBMITTED"},
                },
                headers=QUOTA,
            )
        if (method, path) == ("GET", "/requests"):
            return httpx.Response(
                200,
                json={"count": 1, "results": [{"guid": "REQUEST0000000000001", "title": "[ION NCR 7] Scratch"}]},
                headers=QUOTA,
            )
        if path == "/requests/REQUEST0000000000001/items" and method == "GET":
            return httpx.Response(200, json={"count": len(attached), "results": attached}, headers=QUOTA)
        if path == "/requests/REQUEST0000000000001/items":
            if calls.count(f"POST {path}") == 1:
                raise httpx.ConnectError("lost")  # the first attach never arrives
            attached.append(json.loads(request.content))
            return httpx.Response(201, json={"guid": "LINE", **attached[-1]}, headers=QUOTA)
        return httpx.Response(200, headers=QUOTA)

    async def scenario() -> Any:
        SESSIONS.by_key.clear()
        settings = ArenaSettings(email="e", password="p")
        async with ArenaClient(settings, transport=httpx.MockTransport(arena)) as client:
            feedback = ArenaFeedback(client, request_category="I0K3MZKBY1KUDWBIIJ7C", request_prefix="MCR-")
            request = change_request(feedback, NCR, "ITEMSAT5000000000001")
            with pytest.raises(TransientError):
                await request.write()  # the attach is lost: the engine leaves the key `failed`
            assert await request.find() is None  # the next run finds the request without its item ...
            return await request.write()  # ... and only attaches it

    assert asyncio.run(scenario()) == "REQUEST0000000000001"
    assert calls.count("POST /requests") == 1
    assert attached == [{"item": {"guid": "ITEMSAT5000000000001"}, "notes": "Built in ION as SAT-500 rev B, serial SN-1"}]
