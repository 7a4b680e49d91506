"""Fault injection shared by every simulator: make the world hostile on demand.

A `FaultConfig` is set per simulator at run time (`PUT /_sandbox/faults`), so a test or a
benchmark can turn on 5xx/429 answers, timeouts, latency, a concurrency limit, or the worst
case for exactly-once delivery: the server commits a write and the client never hears back.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class FaultConfig(BaseModel):
    """What goes wrong, and how often. Rates are probabilities per request (0..1)."""

    error_rates: dict[int, float] = Field(
        default_factory=dict,
        description="HTTP status -> probability of answering it instead of running the request "
        "(nothing is committed), e.g. {500: 0.1, 503: 0.05, 429: 0.05}.",
    )
    script: list[int | None] = Field(
        default_factory=list,
        description="Statuses for the next requests, in order (null: serve it normally), before any random fault: "
        "e.g. [503, 429, null] fails two requests, then lets one through.",
    )
    timeout_rate: float = Field(0.0, description="Probability of holding a request for hang_seconds, never running it.")
    random_faults_on: Literal["all", "reads", "writes"] = Field(
        "all", description="Which requests error_rates and timeout_rate apply to (e.g. NetSuite up for reads, failing writes)."
    )
    hang_seconds: float = 30.0
    drop_after_commit_rate: float = Field(
        0.0, description="Writes only: run the request (it commits), then drop the connection mid-response."
    )
    error_after_commit_rate: float = Field(
        0.0, description="Writes only: run the request (it commits), then answer 500 as if it had failed."
    )
    latency_ms: float = Field(0.0, description="Added to every API request, while it holds a concurrency slot.")
    latency_is_response_time: bool = Field(
        False,
        description="latency_ms is the whole response time (answers are held until it has passed since the request "
        "arrived, the simulator's own work included), not an addition to it: a server whose calls take that long.",
    )
    concurrency_limit: int | None = Field(
        None, description="Requests in flight beyond this are rejected the vendor's way (e.g. NetSuite 429)."
    )
    seed: int | None = None


@dataclass
class FaultStats:
    """What the simulator did, for tests and benchmarks to read back."""

    requests: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    concurrency_rejections: int = 0
    incomplete: int = 0  # requests whose client went away before their whole body arrived: never handled
    max_in_flight: int = 0
    busy_seconds: float = 0.0  # summed over requests: time each held a concurrency slot
    first_request_at: float | None = None  # epoch seconds: when the first request arrived
    last_response_at: float | None = None  # epoch seconds: when the last one let go of its slot

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "injected": dict(self.injected),
            "concurrency_rejections": self.concurrency_rejections,
            "incomplete": self.incomplete,
            "max_in_flight": self.max_in_flight,
            "busy_seconds": round(self.busy_seconds, 4),
            "first_request_at": self.first_request_at,
            "last_response_at": self.last_response_at,
        }


ErrorResponder = Callable[[int, Request], Response]
"""Builds the vendor's own error response for an injected status (or a concurrency rejection)."""


class FaultInjector:
    """ASGI middleware applying the current `FaultConfig` to API requests.

    `is_api(scope)` selects the requests subject to faults (admin and token routes usually
    are not); `is_write(scope, body)` tells writes from reads, because only a write can be
    committed-then-lost. `error_response(status, request)` renders errors in the vendor's format.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        is_api: Callable[[Scope], bool],
        is_write: Callable[[Scope, bytes], bool],
        error_response: ErrorResponder,
        concurrency_response: Callable[[Request], Response],
    ) -> None:
        self.app = app
        self.is_api = is_api
        self.is_write = is_write
        self.error_response = error_response
        self.concurrency_response = concurrency_response
        self.config = FaultConfig()
        self.stats = FaultStats()
        self._rng = random.Random()
        self._in_flight = 0

    def configure(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)

    def reset_stats(self) -> None:
        self.stats = FaultStats()

    def _roll(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    def _pick_error(self, rates: dict[int, float]) -> int | None:
        """One roll for all statuses, so each fires at its own configured rate."""
        draw = self._rng.random()
        for status, rate in rates.items():
            if draw < rate:
                return int(status)
            draw -= rate
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.is_api(scope):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            self.stats.incomplete += 1
            return
        replay = _replay(body)
        request = Request(scope, replay)
        cfg = self.config
        self.stats.requests += 1
        if self.stats.first_request_at is None:
            self.stats.first_request_at = time.time()

        arrived = asyncio.get_running_loop().time()
        hold = cfg.latency_ms / 1000 if cfg.latency_is_response_time else 0.0

        async def send_counting(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.stats.by_status[message["status"]] += 1
                if hold:
                    await asyncio.sleep(max(0.0, hold - (asyncio.get_running_loop().time() - arrived)))
            await send(message)

        if cfg.concurrency_limit is not None and self._in_flight >= cfg.concurrency_limit:
            self.stats.concurrency_rejections += 1
            await self.concurrency_response(request)(scope, replay, send_counting)
            return
        self._in_flight += 1
        self.stats.max_in_flight = max(self.stats.max_in_flight, self._in_flight)
        admitted = time.monotonic()
        try:
            if cfg.latency_ms and not cfg.latency_is_response_time:
                await asyncio.sleep(cfg.latency_ms / 1000)
            write = self.is_write(scope, body)
            random_faults = cfg.random_faults_on == "all" or (cfg.random_faults_on == "writes") == write
            status = cfg.script.pop(0) if cfg.script else self._pick_error(cfg.error_rates) if random_faults else None
            if status is not None:
                self.stats.injected[f"status_{status}"] += 1
                await self.error_response(status, request)(scope, replay, send_counting)
                return
            if random_faults and self._roll(cfg.timeout_rate):
                self.stats.injected["timeout"] += 1
                await asyncio.sleep(cfg.hang_seconds)
                await self.error_response(504, request)(scope, replay, send_counting)
                return
            if write and self._roll(cfg.drop_after_commit_rate):
                self.stats.injected["drop_after_commit"] += 1
                await self.app(scope, replay, _swallow)
                await _drop_connection(send)
                return
            if write and self._roll(cfg.error_after_commit_rate):
                self.stats.injected["error_after_commit"] += 1
                await self.app(scope, replay, _swallow)
                await self.error_response(500, request)(scope, replay, send_counting)
                return
            await self.app(scope, replay, send_counting)
        finally:
            # Done once its answer is written: in the same step of the event loop (uvicorn writes
            # the last body part to the socket and returns, nothing awaits between), so no client
            # that read the answer and handed its place on can find the slot still taken.
            # NetSuite says only that each request counts (reference/netsuite.md §1.7 [NS-GOV]):
            # INFERENCE that it counts until its answer leaves (no vendor says when; counting it
            # done at the answer's start would be the same step here, so nothing to configure).
            self._in_flight -= 1
            self.stats.busy_seconds += time.monotonic() - admitted
            self.stats.last_response_at = time.time()


def fault_routes(injector: FaultInjector) -> list[Route]:
    """`PUT/GET /_sandbox/faults`, `GET /_sandbox/stats`, `POST /_sandbox/stats/reset` over one
    injector: the admin routes every simulator has (sandbox/README.md, "Admin routes")."""

    async def put_faults(request: Request) -> Response:
        try:
            config = FaultConfig.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            return JSONResponse({"error": "invalid FaultConfig", "details": exc.errors(include_url=False)}, status_code=422)
        injector.configure(config)
        return JSONResponse(config.model_dump(mode="json"))

    async def get_faults(_request: Request) -> Response:
        return JSONResponse(injector.config.model_dump(mode="json"))

    async def get_stats(_request: Request) -> Response:
        return JSONResponse(injector.stats.as_dict())

    async def reset_stats(_request: Request) -> Response:
        injector.reset_stats()
        return JSONResponse(injector.stats.as_dict())

    return [
        Route("/_sandbox/faults", put_faults, methods=["PUT"]),
        Route("/_sandbox/faults", get_faults, methods=["GET"]),
        Route("/_sandbox/stats", get_stats, methods=["GET"]),
        Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
    ]


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body; None when the client went away before all of it arrived (killed
    mid-send). Such a request is incomplete and no server acts on it (RFC 9112 §8, "Handling
    Incomplete Messages"); handling what did arrive would, for instance, store an empty
    QuickBooks create's 2020 fault under its requestid and replay it to the client's retry."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # a disconnect never comes: the request is complete
        raise AssertionError("unreachable")

    return receive


async def _swallow(message: Message) -> None:
    """Discard the real response: the client will never see it."""


class DroppedConnection(Exception):
    """Raised mid-response on purpose: uvicorn closes the connection (and `server.start`
    keeps it out of the logs)."""


async def _drop_connection(send: Send) -> None:
    """Promise a body, send part of it, and abort: the server closes the connection and the
    client sees a broken response (httpx: RemoteProtocolError), after the write committed."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1024")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"partial":', "more_body": True})
    raise DroppedConnection
