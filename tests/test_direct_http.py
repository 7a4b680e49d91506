"""Requests sent straight to the pool carry what httpx's own `json=` would: the same JSON, typed."""

from __future__ import annotations

import asyncio
import json

import httpx

from connectors.direct_http import DirectSender


def test_a_json_body_reaches_the_server_as_json_with_its_content_type():
    body = {"externalId": "ion-run-7-completion", "name": "Bolzen Ø8", "quantity": 1e-05, "items": [{"q": 2.5}], "none": None}
    seen: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async def send() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
            sender = DirectSender(client, "https://1234567-sb1.suitetalk.api.netsuite.com")
            await sender.request("POST", "https://1234567-sb1.suitetalk.api.netsuite.com/record", json=body)
            await sender.request("GET", "https://1234567-sb1.suitetalk.api.netsuite.com/record", headers={"Prefer": "transient"})

    asyncio.run(send())
    posted, read = seen
    assert json.loads(posted.content) == body
    assert posted.headers["content-type"] == "application/json"
    assert posted.headers["content-length"] == str(len(posted.content))
    assert read.content == b"" and "content-type" not in read.headers and read.headers["prefer"] == "transient"


def test_an_answer_and_its_body_are_freed_as_soon_as_they_are_dropped():
    """A large answer (an ION page of 200 runs is ~1 MB) must not wait for a cyclic collection:
    through `AsyncClient.send` a response sits in a cycle with its stream, and during a sync,
    whose collector runs rarely (core.collector), peak RSS grew with the run (306 -> 425 MB over
    20,000 runs); through the pool it is freed when the caller lets go of it."""
    import gc
    import weakref

    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 1_000_000)

    async def send() -> weakref.ref[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
            answer = await DirectSender(client, "https://api.buildwithion.com").request(
                "POST", "https://api.buildwithion.com/graphql", json={"query": "{ runs { edges { node { id } } } }"}
            )
            assert len(answer.content) == 1_000_000
            dropped = weakref.ref(answer)
            del answer
            return dropped

    gc.disable()
    try:
        assert asyncio.run(send())() is None
    finally:
        gc.enable()
