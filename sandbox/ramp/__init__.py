"""Ramp Developer API simulator (contract: shared/reference/ramp.md and ramp-openapi.json; sandbox/README.md).

`create_app(RampSimConfig(...))` serves `/developer/v1/token` (client credentials), vendors
(`start`/`page.next` paging), purchase orders, item receipts (PO `receipt_status` follows
them), bills (read), webhooks (challenge verification, `X-Ramp-Webhook-Signature` hex
HMAC-SHA256 deliveries), the 200-per-10-s limit and `error_v2` errors, plus `/_sandbox/*`.
Module map: `config`, `state`, `auth`, `ratelimit`, `errors`, `demo`, `admin`, `app`.
"""

from sandbox.ramp.app import RampSimulator, create_app
from sandbox.ramp.config import RampSimConfig

__all__ = ["RampSimConfig", "RampSimulator", "create_app"]
