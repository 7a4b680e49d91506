"""Configuration of the Onshape simulator (sandbox/onshape/SOURCES.md has each rule's source).

What Onshape's docs leave open is a field here, marked INFERENCE: the error body, how paging
continues, whether a nonce may be reused, the webhook timestamp's format, rate-limit windows.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from sandbox.faults import FaultConfig


class OnshapeSimConfig(BaseModel):
    """Everything that shapes the simulated Onshape company. Defaults: sandbox/README.md."""

    seed_demo: bool = Field(True, description="Seed the demo products (the ION demo factory's part numbers).")
    access_key: str = "onshapeSandboxAccessKey01"
    secret_key: str = "onshapeSandboxSecretKeyForSigningRequests0001"
    oauth_token: str = Field("onshape-sandbox-oauth2-token", description="A bearer token accepted as OAuth2 (no OAuth flow).")
    company_id: str = "6a1b2c3d4e5f60718293a4b5"
    company_name: str = "Factory Demo Co"
    company_admin: bool = Field(True, description="The key's user is a company admin (enumerateRevisions needs one).")
    clock_skew_seconds: int = Field(300, description="`Date` must be within this of the server's clock (docs: 5 minutes).")
    min_nonce_length: int = Field(16, description="On-Nonce: at least 16 characters (docs).")
    refuse_reused_nonce: bool = Field(
        True, description="INFERENCE: a nonce seen within the clock window is refused (docs: 'Unique for each request')."
    )
    rate_limit_per_window: int | None = Field(
        None, description="INFERENCE (Onshape publishes no numbers): requests per endpoint per window; then 429."
    )
    rate_limit_window_seconds: int = 60
    fault_retry_after_seconds: int = Field(1, description="Retry-After of an injected 429 (docs: seconds until the reset).")
    annual_call_limit: int | None = Field(None, description="2xx/3xx calls allowed; past it every call is 402 (docs).")
    bom_table_exists: bool = Field(
        False,
        description="INFERENCE: whether an assembly already has a stored BOM table; False = 404 unless generateIfAbsent=true.",
    )
    webhook_signature_primary: str | None = Field(
        "onshape-sandbox-webhook-signature-key", description="Company settings > Webhooks primary key (None: unsigned)."
    )
    webhook_signature_secondary: str | None = None
    webhook_timestamp_format: Literal["epoch_ms", "epoch_s", "iso"] = Field(
        "epoch_ms", description="INFERENCE: X-onshape-webhook-timestamp's format is not documented."
    )
    deliver_webhooks: bool = Field(True, description="POST notifications to registered URLs (False: only record them).")
    change_released_at_seed: bool = Field(
        True, description="Seed the ASSY-100 rev B release as RELEASED (False: PENDING, released via /_sandbox)."
    )
    faults: FaultConfig = Field(default_factory=FaultConfig)
