"""Ramp webhook deliveries: signature verification and event parsing (ramp.md B8).

Ramp signs the raw body: `X-Ramp-Webhook-Signature` = hex HMAC-SHA256(body, subscription
secret). It sends no timestamp header, so staleness is judged from the event's own
`created_at` (constant across Ramp's retries, which run for hours: the tolerance is a
setting). A replay inside the tolerance is the same event id, which the webhook inbox
stores once (`ledger.inbox.Inbox.accept` returns False).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.errors import ConfigError
from connectors.ramp.settings import RampSettings

SOURCE = "ramp"
SIGNATURE_HEADER = "X-Ramp-Webhook-Signature"
CLOCK_SKEW = timedelta(minutes=5)


class WebhookRejected(Exception):
    """Not a genuine, fresh Ramp delivery: answer 401 and store nothing."""


class RampObject(BaseModel):
    id: str


class RampEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    type: str = Field(min_length=1)
    created_at: datetime
    business_id: str | None = None
    object: RampObject | None = None

    @property
    def subject(self) -> str | None:
        return self.object.id if self.object else None

    def inbox_fields(self) -> tuple[str, str, str | None, dict[str, Any]]:
        """(event id, type, subject, payload): the arguments of `Inbox.accept` after the source."""
        return self.id, self.type, self.subject, self.model_dump(mode="json")


def parse_ramp_event(body: bytes) -> RampEvent:
    try:
        return RampEvent.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise WebhookRejected(f"not a Ramp event: {exc}") from None


def verify_ramp_webhook(
    secret: str, headers: Mapping[str, str], body: bytes, now: datetime, *, tolerance: timedelta = timedelta(days=1)
) -> RampEvent:
    """The event if the delivery is signed with `secret` and fresh; else WebhookRejected."""
    signature = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), None)
    if not signature:
        raise WebhookRejected(f"unsigned: no {SIGNATURE_HEADER} header")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise WebhookRejected("forged: the signature does not match the body")
    event = parse_ramp_event(body)
    created = event.created_at if event.created_at.tzinfo else event.created_at.replace(tzinfo=UTC)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    if created < now - tolerance:
        raise WebhookRejected(f"stale: event {event.id} was created at {created.isoformat()}, older than {tolerance}")
    if created > now + CLOCK_SKEW:
        raise WebhookRejected(f"event {event.id} is dated in the future ({created.isoformat()})")
    return event


def receive_ramp_delivery(settings: RampSettings, headers: Mapping[str, str], body: bytes, now: datetime) -> RampEvent:
    """What a webhook receiver calls for a delivery on its Ramp route: the verified event (then
    `Inbox.accept(SOURCE, *event.inbox_fields())`), or WebhookRejected (answer 401, store nothing).
    ConfigError when RAMP_WEBHOOK_SECRET is not set."""
    if settings.webhook_secret is None:
        raise ConfigError("RAMP_WEBHOOK_SECRET is not set: copy the secret Ramp returned when the webhook was created")
    tolerance = timedelta(seconds=settings.webhook_tolerance_seconds)
    return verify_ramp_webhook(settings.webhook_secret.get_secret_value(), headers, body, now, tolerance=tolerance)
