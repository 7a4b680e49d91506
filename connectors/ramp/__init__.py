"""Ramp Developer API: purchase orders, item receipts, vendors, bills, webhooks.

Follows `../shared/reference/ramp.md` and `ramp-openapi.json`: B1 client-credentials token
(Basic client auth, `scope`, honour `expires_in`), B2 keyset pages (`start`, `page.next`),
200 requests per 10 s with the timer restarting on each request, `error_v2` errors, no idempotency keys (look up by number
before creating), money in minor units; B3 purchase orders, B4 item receipts, B5 vendors,
B6 bills (payment), B8 webhooks (`X-Ramp-Webhook-Signature`).
"""

from connectors.ramp.client import RampClient, WriteResult
from connectors.ramp.settings import RampSettings
from connectors.ramp.webhooks import (
    SOURCE,
    RampEvent,
    WebhookRejected,
    parse_ramp_event,
    receive_ramp_delivery,
    verify_ramp_webhook,
)

__all__ = [
    "SOURCE",
    "RampClient",
    "RampEvent",
    "RampSettings",
    "WebhookRejected",
    "WriteResult",
    "parse_ramp_event",
    "receive_ramp_delivery",
    "verify_ramp_webhook",
]
