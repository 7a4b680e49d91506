"""Ramp connection settings, read from RAMP_* environment variables."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.retry import RetryPolicy
from connectors.shared_budget import Budget

# What the flows use (ramp.md B1: each operation's `security` in ramp-openapi.json), and entities:read,
# with which the Ramp preflight checks that RAMP_ENTITY_ID exists.
DEFAULT_SCOPES = (
    "purchase_orders:read purchase_orders:write item_receipts:read item_receipts:write vendors:read bills:read entities:read"
)


class RampSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAMP_", env_nested_delimiter="__", extra="ignore")

    base_url: AnyHttpUrl = Field(
        description="the Ramp API base: https://api.ramp.com (production) or https://demo-api.ramp.com (sandbox)"
    )
    client_id: str = Field(min_length=1, description="the Ramp developer app's client id")
    client_secret: SecretStr = Field(min_length=1, description="the Ramp developer app's client secret")
    entity_id: str = Field(min_length=1, description="the Ramp business entity (uuid) purchase orders are created under")
    scopes: str = Field(DEFAULT_SCOPES, description="space-separated scopes requested with the client-credentials grant")
    webhook_secret: SecretStr | None = Field(
        None, description="the webhook subscription's signing secret (ramp_sec_…), for the webhook receiver"
    )
    webhook_tolerance_seconds: int = Field(
        86400, ge=60, description="oldest webhook event `created_at` accepted (Ramp retries for hours); older is refused as stale"
    )
    page_size: int = Field(100, ge=2, le=100, description="records per list page (Ramp allows 2..100)")
    timeout_seconds: float = Field(30.0, gt=0, description="per-request timeout")
    rate_limit_requests: int = Field(
        180,
        ge=1,
        le=200,
        description="requests this process sends at most before pausing one quiet window (Ramp: 200 per 10 s, "
        "the timer restarting on every request)",
    )
    rate_limit_window_seconds: float = Field(
        10.0, gt=0, description="Ramp's rate-limit window, seconds; also the wait after a 429"
    )
    concurrency: int = Field(8, ge=1, le=50, description="requests in flight at once")
    retry: RetryPolicy = RetryPolicy()

    @property
    def budget(self) -> Budget:
        """Ramp's request budget, shared by every process using this app (the rolling window as a
        rate: its places free themselves at requests/window per second)."""
        return Budget("ramp-requests", self.rate_limit_requests, self.rate_limit_window_seconds, what="Ramp requests per window")

    @property
    def shared_budgets(self) -> tuple[Budget, ...]:
        """Every budget `ion-sync budgets` creates for this app."""
        return (self.budget,)

    @property
    def api(self) -> str:
        return f"{str(self.base_url).rstrip('/')}/developer/v1"
