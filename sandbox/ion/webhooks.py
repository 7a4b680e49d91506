"""ION's webhook deliveries, simulated (ion.md §3.15): `POST /_sandbox/webhooks/send`.

ION signs each POST with `x-ion-signature`; algorithm, encoding and signed content are not
public, so the sender follows the reference's inference (hex HMAC-SHA256 of the raw body keyed
by the receiver's `sharedSecret`) and lets a request change every part of it. The payload
carries the published head (`event_id`, `subscription_id`, `resource`) and the inferred rest
(`action`, the record in `data`, `timestamp`). `forge: true` signs with a wrong secret;
`age_seconds` back-dates the delivery (a replay).

Body: `{url, secret, resource, action, data: {id, status?, ...}, event_id?, subscription_id?,
age_seconds?, forge?, unsigned?, signature_header?, encoding?, prefix?, timestamp_header?}`;
answers `{status, body, event_id}` with the receiver's answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_EVENT_IDS = itertools.count(int(time.time() * 1000) % 10**9)


class Delivery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    secret: str
    resource: str = "RUN"
    action: Literal["CREATE", "UPDATE", "DELETE"] = "UPDATE"
    data: dict[str, Any]
    event_id: int | None = None
    subscription_id: int = 1
    age_seconds: float = 0
    forge: bool = False
    unsigned: bool = False
    signature_header: str = "x-ion-signature"
    encoding: Literal["hex", "base64"] = "hex"
    prefix: str = ""
    timestamp_header: str | None = Field(None, description="send the time here and sign '<timestamp>.<body>'")


def delivery_request(d: Delivery) -> tuple[bytes, dict[str, str], int]:
    event_id = d.event_id if d.event_id is not None else next(_EVENT_IDS)
    sent = datetime.now(UTC) - timedelta(seconds=d.age_seconds)
    payload = {
        "event_id": event_id,
        "subscription_id": d.subscription_id,
        "resource": d.resource,
        "action": d.action,
        "data": d.data,
        "timestamp": sent.isoformat(),
    }
    body = json.dumps(payload).encode()
    headers = {"content-type": "application/json"}
    content = body
    if d.timestamp_header:
        stamp = str(int(sent.timestamp()))
        headers[d.timestamp_header] = stamp
        content = stamp.encode() + b"." + body
    if not d.unsigned:
        key = (d.secret + "-forged" if d.forge else d.secret).encode()
        digest = hmac.new(key, content, hashlib.sha256).digest()
        headers[d.signature_header] = d.prefix + (digest.hex() if d.encoding == "hex" else base64.b64encode(digest).decode())
    return body, headers, event_id


async def send(request: Request) -> JSONResponse:
    try:
        delivery = Delivery.model_validate_json(await request.body())
    except ValidationError as error:
        return JSONResponse({"detail": error.errors(include_url=False, include_context=False)}, status_code=422)
    body, headers, event_id = delivery_request(delivery)
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(delivery.url, content=body, headers=headers)
    try:
        answered: Any = answer.json()
    except ValueError:
        answered = answer.text
    return JSONResponse({"status": answer.status_code, "body": answered, "event_id": event_id})


def webhook_routes() -> list[Route]:
    return [Route("/_sandbox/webhooks/send", send, methods=["POST"])]
