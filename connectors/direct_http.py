"""Requests to one origin sent straight to the connection pool of an httpx.AsyncClient, for a
client that sends thousands a run (NetSuite: one workOrderCompletion per ION run) or large
answers (ION's pages: through `AsyncClient.send` a response sits in a cycle with its stream, so
its body waited for a rare full collection and a sync's peak RSS grew with the run).

The client's own layer around its pool (merging URL, headers and cookies into each request, its
cookie jar written from each answer, redirect and event-hook bookkeeping, a log line) took ~20%
of the CPU of a transform POST against the simulator: 1.8 ms of CPU per request through
`AsyncClient.request`, 1.4 ms straight to the pool, under the same load
(benchmarks/consumption.py's machine). What a connector relies on is the client's own: its
headers, its auth flow (a bearer refreshed on a 401, OAuth 1.0 signing), its timeout, the pool
or proxy it would use for the origin, httpx's exceptions. Left out: cookies (every request
carries its own credentials) and redirects (never followed), and the client's event hooks,
which a client sent through here must not have.

A request is built and signed before it is `within` its vendor budget (a place in a shared
budget, a concurrency slot) and leaves it as soon as its answer is read, before anyone parses it:
the place covers the exchange, not this machine's CPU on either side of it (traced under load:
17-32% of the slot-time three syncs wanted went between a request taking its place and the
simulator seeing it). A token-based-auth signature is good for +-5 minutes at NetSuite (Oracle,
"Error Messages for the TBA Authorization Flow", InvalidTimestamp); a shared budget that gives no
place within 3 minutes is left for the client's own limiter (`tasks.budgets.STUCK_SECONDS`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

import httpx
import orjson


class DirectSender:
    """`await DirectSender(client, origin).request("POST", url, json=..., within=...)`: the answer, read."""

    def __init__(self, client: httpx.AsyncClient, origin: str) -> None:
        if any(client.event_hooks.values()):
            raise ValueError("DirectSender skips the client's event hooks: send through the client itself")
        self.client = client
        self._auth = client.auth or httpx.Auth()  # httpx.Auth itself sends the request as it is
        # The pool (or proxy) the client would pick for every URL of `origin` (httpx 0.28's own
        # choice; mounts match on scheme, host and port, never on the path).
        self._transport = client._transport_for_url(httpx.URL(origin))
        self._timeout = client.timeout.as_dict()

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        within: Callable[[], AbstractAsyncContextManager[object]] = nullcontext,
    ) -> httpx.Response:
        """`within()` holds each send (a retry after a 401 is a send of its own)."""
        sent = self.client.headers
        if headers or (json is not None and "content-type" not in sent):
            sent = sent.copy()
            sent.update(headers or {})
            if json is not None:
                sent.setdefault("Content-Type", "application/json")
        # orjson: the same compact UTF-8 JSON as httpx's `json=`, in 2.6 us instead of 33 us for a
        # NetSuite completion body (a number no target can hold never gets here: core.writer.check_body)
        content = None if json is None else orjson.dumps(json)
        request = httpx.Request(method, url, params=params, content=content, headers=sent, extensions={"timeout": self._timeout})
        flow = self._auth.async_auth_flow(request)
        try:
            request = await flow.__anext__()
            while True:
                async with within():
                    response = await self._send(request)
                try:
                    request = await flow.asend(response)
                except StopAsyncIteration:
                    return response
        finally:
            await flow.aclose()

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        except BaseException:
            await response.aclose()
            raise
        return response
