"""Configuration of the Ramp simulator.

Every behaviour `../shared/reference/ramp.md` marks [INFERRED] or leaves open (token lifetime:
spec example 3600 s vs guide 864000 s; the rate-limit window's reset rule; the 429 body and
Retry-After; money units of request prices; PO number uniqueness) is a field here, so a test
can flip it and see whether the client copes. Each field says its source; INFERENCE where none.
There is no PO approval to configure: the spec exposes none (B3), so the simulator has none.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sandbox.faults import FaultConfig

SCOPES = [
    "purchase_orders:read",
    "purchase_orders:write",
    "item_receipts:read",
    "item_receipts:write",
    "vendors:read",
    "vendors:write",
    "bills:read",
    "bills:write",
    "entities:read",
]


class RampSimConfig(BaseModel):
    """Settings of one simulated Ramp business (defaults: `sandbox/README.md`, Credentials)."""

    model_config = ConfigDict(extra="forbid")

    # --- OAuth client credentials (B1) ----------------------------------------------------------
    client_id: str = "ramp-sandbox-client"
    client_secret: str = "ramp-sandbox-secret"
    allowed_scopes: list[str] = Field(default_factory=lambda: list(SCOPES), description="The app's permitted scopes.")
    token_ttl_seconds: int = Field(
        864000, ge=1, description="`expires_in` of client-credentials tokens (guide: 10 days; spec example: 3600)."
    )
    require_scope: bool = Field(True, description="`scope` is required with client_credentials (spec TokenRequestBody).")
    # --- limits (B2) -------------------------------------------------------------------------------
    rate_limit_requests: int = Field(200, ge=1, description="Requests allowed per window (rate-limiting.mdx, B2).")
    rate_limit_window_seconds: float = Field(10.0, gt=0, description="10 s (rate-limiting.mdx, B2).")
    rate_limit_mode: Literal["rolling", "reset_on_request"] = Field(
        "reset_on_request",
        description="reset_on_request (default): 'every new request resets the 10-second timer' and 'if you continue "
        "making requests during the window [after a 429], the rolling timer will extend accordingly' (rate-limiting.mdx "
        "'Reset Mechanism' and 'Example Scenario', B2): the count clears only after a whole quiet window, refused "
        "requests restarting the timer too. rolling: at most N requests in any window (the same page's 'rolling window').",
    )
    retry_after_seconds: int | None = Field(None, description="Retry-After on 429: none documented (B2, B9), so omitted.")
    default_page_size: int = 20  # pagination.mdx, spec list params: default 20, "must be between 2 and 100" (B2)
    min_page_size: int = 2
    max_page_size: int = 100
    # --- money and purchase orders (B2 Money, B3) ----------------------------------------------
    request_price_units: Literal["major", "minor"] = Field(
        "major", description="Request `unit_price` is a decimal in major units (dollars), stored as cents (B2 Money). INFERENCE."
    )
    reject_unknown_fields: bool = Field(
        True,
        description="A create body's field its request schema (ramp-openapi.json) does not name is refused 422 "
        "'Unknown field.'. INFERENCE: the schemas list the fields; how Ramp answers an extra one is not published.",
    )
    enforce_unique_po_number: bool = Field(
        False, description="Reject a second PO with the same number (spec: 'Unique'; enforcement unconfirmed, B9)."
    )
    entity_id: str = "7b96a1f2-4b86-45f8-943a-f1ca6b5194d4"  # the spec's example entity id (ApiPurchaseOrderResource)
    entity_name: str = "Demo Manufacturing Inc"
    entity_currency: str = "USD"
    business_id: str = "3f2c8d1e-6a5b-4c7d-9e0f-1a2b3c4d5e6f"
    user_id: str = "54683adc-f49d-4163-b407-f231c62943ea"
    # --- webhooks (B8) -----------------------------------------------------------------------------
    deliver_webhooks: bool = Field(True, description="POST events to active subscriptions (always also kept in the outbox).")
    webhook_timeout_seconds: float = Field(10.0, description="Ramp waits 10 s for a 2xx.")
    # --- state -------------------------------------------------------------------------------------
    seed_demo: bool = True
    public_base_url: str | None = Field(None, description="Base of `page.next` URLs; default: the request's own.")
    faults: FaultConfig = Field(default_factory=FaultConfig)
    faults_apply_to_token_endpoint: bool = False
