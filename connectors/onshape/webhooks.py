"""Onshape webhook notifications: signature check and parsing.

Onshape POSTs a JSON notification to the registered URL (https://onshape-public.github.io/docs/app-dev/webhook/).
With webhook signature keys set in Company settings > Webhooks, every notification carries
`X-onshape-webhook-timestamp` and `X-onshape-webhook-signature-primary` / `-secondary`, each
`Base64(HMAC-SHA256(key, "<timestamp header value>.<payload>"))`; "If either key matches, it
will be accepted" (https://cad.onshape.com/help/Content/Plans/webhooks.htm). The timestamp's
format is not stated: it is signed as sent, and checked for freshness when it reads as epoch
seconds, epoch milliseconds or ISO 8601 (INFERENCE). A replay inside the window carries the
same `messageId`, which the webhook inbox stores once.

Lifecycle notifications (`webhook.register`, `webhook.ping`, `webhook.unregister`) need only a
200: Onshape cancels a registration whose trial `webhook.register` is not answered 200.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from connectors.errors import ConfigError
from connectors.onshape.models import Notification
from connectors.onshape.settings import OnshapeSettings

SOURCE = "onshape"
TIMESTAMP_HEADER = "x-onshape-webhook-timestamp"
SIGNATURE_HEADERS = ("x-onshape-webhook-signature-primary", "x-onshape-webhook-signature-secondary")
LIFECYCLE = frozenset({"webhook.register", "webhook.ping", "webhook.unregister"})
CLOCK_SKEW = timedelta(minutes=5)


class WebhookRejected(Exception):
    """Not a genuine, fresh Onshape notification: answer 401 and store nothing."""


def notification_signature(key: str, timestamp: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).digest()).decode()


def sent_at(timestamp: str) -> datetime | None:
    """The timestamp header as a time, when it reads as one (INFERENCE: the format is not documented)."""
    text = timestamp.strip()
    try:
        number = float(text)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, tz=UTC)


def parse_notification(body: bytes) -> Notification:
    try:
        return Notification.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise WebhookRejected(f"not an Onshape notification: {exc}") from None


def verify_notification(
    keys: Iterable[str], headers: Mapping[str, str], body: bytes, now: datetime, *, tolerance: timedelta
) -> Notification:
    """The notification if one of its signatures matches one of `keys` and it is fresh."""
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp = lower.get(TIMESTAMP_HEADER)
    signatures = [lower[name].strip() for name in SIGNATURE_HEADERS if lower.get(name)]
    if timestamp is None or not signatures:
        raise WebhookRejected("unsigned: no X-onshape-webhook-timestamp or X-onshape-webhook-signature-* header")
    expected = [notification_signature(key, timestamp, body) for key in keys]
    if not any(hmac.compare_digest(e, s) for e in expected for s in signatures):
        raise WebhookRejected("forged: no signature matches the body")
    when = sent_at(timestamp)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    if when is not None and not (now - tolerance <= when <= now + CLOCK_SKEW):
        raise WebhookRejected(f"stale: sent at {when.isoformat()}, outside {tolerance} of now")
    return parse_notification(body)


def receive_onshape_delivery(settings: OnshapeSettings, headers: Mapping[str, str], body: bytes, now: datetime) -> Notification:
    """What the receiver calls for a delivery on its Onshape route: the verified notification,
    or WebhookRejected (answer 401); ConfigError when no signature key is set."""
    keys = [k.get_secret_value() for k in (settings.webhook_signature_key, settings.webhook_secondary_key) if k is not None]
    if not keys:
        raise ConfigError(
            "ONSHAPE_WEBHOOK_SIGNATURE_KEY is not set: generate the webhook signature keys in Onshape's Company "
            "settings > Webhooks and copy the primary key here"
        )
    return verify_notification(keys, headers, body, now, tolerance=timedelta(seconds=settings.webhook_tolerance_seconds))


def inbox_fields(notification: Notification) -> tuple[str, str, str | None, dict[str, Any]]:
    """(event id, type, subject, payload) for `Inbox.accept(SOURCE, ...)`: the id is Onshape's
    `messageId`; the subject the revision (or workflow object, or document) it is about."""
    subject = notification.revision_id or notification.object_id or notification.release_id or notification.document_id
    event_id = notification.message_id or f"{notification.webhook_id}:{notification.event}:{notification.timestamp}"
    return event_id, notification.event, subject, notification.model_dump(mode="json", by_alias=True)
