"""The receiver: `POST /webhooks/<source>`, answered only after the events are in the inbox.

Order per delivery: size limit → signature (and age) → strict parse → inbox (deduplicated by
source and event id, one short transaction) → 200 → a Prefect event per newly stored event,
sent after the answer so a slow or absent Prefect API never delays or fails a delivery: the
scheduled `ion-event-drain` handles whatever no triggered run did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ledger.inbox import Inbox
from ledger.store import Ledger
from ion_sync.webhooks.signatures import SignatureRejected
from ion_sync.webhooks.sources import MalformedDelivery, ParsedEvent, WebhookSource

log = logging.getLogger("ion_sync.webhooks")


class ReceiverSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ION_SYNC_WEBHOOK_", extra="ignore")

    max_body_bytes: int = Field(262_144, ge=1024, description="larger deliveries are refused with 413")
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


def create_app(
    ledger: Ledger,
    sources: dict[str, WebhookSource],
    *,
    settings: ReceiverSettings | None = None,
    emit: Emitter | None = None,
) -> Starlette:
    settings = settings or ReceiverSettings()
    inbox = Inbox(ledger)

    def store(source: str, events: list[ParsedEvent]) -> tuple[list[StoredEvent], int]:
        fresh, duplicates = [], 0
        for event in events:
            if inbox.accept(source, event.event_id, event.event_type, event.subject, event.payload):
                stored = inbox.find(source, event.event_id)
                fresh.append(StoredEvent(source, stored, event))
            else:
                duplicates += 1
        return fresh, duplicates

    async def receive(request: Request) -> JSONResponse:
        name = request.path_params["source"]
        source = sources.get(name)
        if source is None:
            return JSONResponse({"error": f"no webhook source {name!r} is enabled"}, status_code=404)
        try:
            body = await read_limited(request, settings.max_body_bytes)
        except BodyTooLarge:
            return JSONResponse({"error": f"body larger than {settings.max_body_bytes} bytes"}, status_code=413)
        except ClientDisconnect:
            return JSONResponse({"error": "client went away"}, status_code=400)
        try:
            events = source.accept(request.headers, body)
        except SignatureRejected as exc:
            log.warning("refused a %s delivery from %s: %s", name, request.client.host if request.client else "?", exc)
            return JSONResponse({"error": "signature rejected"}, status_code=401)
        except MalformedDelivery as exc:
            log.warning("refused a malformed %s delivery: %s", name, exc)
            return JSONResponse({"error": str(exc)}, status_code=400)
        fresh, duplicates = await run_in_threadpool(store, name, events)
        task = BackgroundTask(emit, fresh) if emit and fresh and settings.emit_events else None
        return JSONResponse(
            {"accepted": len(fresh), "duplicates": duplicates, "inbox_ids": [s.inbox_id for s in fresh]},
            background=task,
        )

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "sources": sorted(sources)})

    return Starlette(
        routes=[Route("/webhooks/{source}", receive, methods=["POST"]), Route("/healthz", health, methods=["GET"])]
    )
