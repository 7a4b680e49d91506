"""The receiver: `POST /webhooks/<source>`, answered only after the events are in the inbox.

Order per delivery: size and time limits on the body → signature (and age) → strict parse
within the limits of `limits` → inbox (one atomic insert per event: accepted, duplicate or
conflict) → 200 (409 if any conflict) → a Prefect event per accepted event, sent after the
answer so a slow or absent Prefect API never delays or fails a delivery: the scheduled
`ion-event-drain` handles whatever no triggered run did. Input it can refuse gets a 4xx naming
the field, never a 5xx.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ion_sync.webhooks.body import MalformedDelivery
from ion_sync.webhooks.signatures import SignatureRejected
from ion_sync.webhooks.sources import ParsedEvent, WebhookSource
from ledger.inbox import Inbox, InboxOutcome
from ledger.store import Ledger

log = logging.getLogger("ion_sync.webhooks")
VALIDATION_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{1,256}")


class ReceiverSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ION_SYNC_WEBHOOK_", extra="ignore")

    max_body_bytes: int = Field(262_144, ge=1024, description="larger deliveries are refused with 413")
    head_timeout_seconds: float = Field(
        10, gt=0, description="a connection whose request head has not arrived within this is closed"
    )
    body_timeout_seconds: float = Field(
        10, gt=0, description="a body not fully received within this is refused with 408: a slow sender cannot hold the receiver"
    )
    keep_alive_seconds: int = Field(5, ge=1, description="an idle keep-alive connection is closed after this")
    max_concurrency: int = Field(
        100, ge=1, description="connections and requests at once; beyond it new requests get 503 (the sender retries)"
    )
    emit_events: bool = Field(True, description="emit a Prefect event per accepted event (false: the drain alone handles them)")


@dataclass(frozen=True)
class StoredEvent:
    source: str
    inbox_id: int
    event: ParsedEvent


Emitter = Callable[[Sequence[StoredEvent]], None]


class BodyTooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refusing early (by Content-Length, then while streaming) past `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def refuse(status: int, field: str, error: str) -> JSONResponse:
    """A 4xx naming the field; the connection is closed when the body was left unread."""
    headers = {"connection": "close"} if status in (408, 413) else None
    return JSONResponse({"error": error, "field": field}, status_code=status, headers=headers)


def create_app(
    ledger: Ledger,
    sources: dict[str, WebhookSource],
    *,
    settings: ReceiverSettings | None = None,
    emit: Emitter | None = None,
) -> Starlette:
    settings = settings or ReceiverSettings()
    inbox = Inbox(ledger)

    def store(source: str, events: list[ParsedEvent]) -> tuple[list[StoredEvent], int, list[str]]:
        """Each event in its own short transaction (no lock held across events)."""
        fresh, duplicates, conflicts = [], 0, []
        for event in events:
            received = inbox.receive(source, event.event_id, event.event_type, event.subject, event.payload, event.fingerprint)
            if received.outcome is InboxOutcome.accepted:
                fresh.append(StoredEvent(source, received.inbox_id, event))
            elif received.outcome is InboxOutcome.duplicate:
                duplicates += 1
            else:
                conflicts.append(event.event_id)
        return fresh, duplicates, conflicts

    async def receive(request: Request) -> Response:
        name = request.path_params["source"]
        source = sources.get(name)
        if source is None:
            return JSONResponse({"error": f"no webhook source {name!r} is enabled"}, status_code=404)
        token = request.query_params.get("validationToken")
        if token is not None and source.handshake:
            # Business Central confirms a subscription (create, renew) by this echo, 200 with the token as the body
            if not VALIDATION_TOKEN.fullmatch(token):
                return refuse(400, "validationToken", "not a validation token")
            return PlainTextResponse(token)
        try:
            body = await asyncio.wait_for(read_limited(request, settings.max_body_bytes), settings.body_timeout_seconds)
        except BodyTooLarge:
            return refuse(413, "body", f"body larger than {settings.max_body_bytes} bytes")
        except TimeoutError:
            log.warning("cut off a slow %s delivery from %s", name, request.client.host if request.client else "?")
            return refuse(408, "body", f"the body did not arrive within {settings.body_timeout_seconds:g} s")
        except ClientDisconnect:
            return refuse(400, "body", "client went away")
        try:
            events = await run_in_threadpool(source.accept, request.headers, body)  # parsing a large body takes a while
        except SignatureRejected as exc:
            log.warning("refused a %s delivery from %s: %s", name, request.client.host if request.client else "?", exc)
            return JSONResponse({"error": "signature rejected"}, status_code=401)
        except MalformedDelivery as exc:
            log.warning("refused a malformed %s delivery: %s", name, exc)
            return refuse(400, exc.field, str(exc))
        fresh, duplicates, conflicts = await run_in_threadpool(store, name, events)
        task = BackgroundTask(emit, fresh) if emit and fresh and settings.emit_events else None
        answer: dict[str, object] = {"accepted": len(fresh), "duplicates": duplicates, "inbox_ids": [s.inbox_id for s in fresh]}
        if conflicts:
            log.warning("%s redelivered event(s) %s with a different payload: recorded as conflicts", name, conflicts)
            error = "already received with a different payload: the first is kept, this one is recorded as a conflict"
            return JSONResponse({"error": error, "conflicts": conflicts, **answer}, status_code=409, background=task)
        return JSONResponse(answer, background=task)

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "sources": sorted(sources)})

    return Starlette(routes=[Route("/webhooks/{source}", receive, methods=["POST"]), Route("/healthz", health, methods=["GET"])])
