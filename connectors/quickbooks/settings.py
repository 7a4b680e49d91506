"""QuickBooks Online connection settings, read from QUICKBOOKS_* environment variables.

The account and attribute NAMES of the setup are mappings (the `quickbooks:` section of the
mappings file), not settings: they are resolved against the company on every run."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.retry import RetryPolicy
from connectors.shared_budget import Budget


class QuickBooksSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUICKBOOKS_", env_nested_delimiter="__", extra="ignore")

    realm_id: str = Field(min_length=1, description="the company (realm) id QuickBooks returned when the app was connected")
    client_id: str = Field(min_length=1, description="the Intuit app's OAuth 2.0 client id")
    client_secret: SecretStr = Field(min_length=1, description="the Intuit app's OAuth 2.0 client secret")
    refresh_token: SecretStr | None = Field(
        None,
        description="the refresh token from connecting the app (OAuth playground or your connect flow); used once, "
        "then the rotated tokens live in the ledger. Set a new one to reconnect after invalid_grant",
    )
    base_url: AnyHttpUrl = Field(
        "https://quickbooks.api.intuit.com",  # type: ignore[assignment]
        description="API host: https://quickbooks.api.intuit.com, or https://sandbox-quickbooks.api.intuit.com",
    )
    token_url: AnyHttpUrl = Field(
        "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",  # type: ignore[assignment]
        description="the OAuth 2.0 token endpoint",
    )
    minor_version: int = Field(75, ge=75, description="the `minorversion` sent with every request (75 since 2025)")
    requests_per_minute: int = Field(500, ge=1, description="request budget per minute for the realm (batch included)")
    requests_per_second: int = Field(10, ge=1, description="request budget per second for the realm")
    batch_requests_per_minute: int = Field(40, ge=1, description="batch calls per minute for the realm and app")
    batch_size: int = Field(30, ge=1, le=30, description="operations per batch request (at most 30)")
    throttle_wait_seconds: float = Field(60.0, ge=0, description="wait after a 429 without Retry-After (Intuit: 60 s)")
    refresh_leeway_seconds: float = Field(300.0, ge=0, description="refresh the access token this long before it expires")
    timeout_seconds: float = Field(60.0, gt=0, description="per-request timeout, seconds")
    page_size: int = Field(1000, ge=1, le=1000, description="MAXRESULTS of query pages (at most 1000)")
    retry: RetryPolicy = RetryPolicy()

    def budgets(self, *, batch: bool = False) -> tuple[Budget, ...]:
        """The realm's request budgets one request counts against, shared by every process
        using this realm (a batch call also counts against the batch budget)."""
        realm = f"quickbooks-{self.realm_id}"
        general = (
            Budget(f"{realm}-per-minute", self.requests_per_minute, 60.0, what="QuickBooks requests per minute"),
            Budget(f"{realm}-per-second", self.requests_per_second, 1.0, what="QuickBooks requests per second"),
        )
        batches = Budget(
            f"{realm}-batch-per-minute", self.batch_requests_per_minute, 60.0, what="QuickBooks batch calls per minute"
        )
        return (*general, batches) if batch else general

    @property
    def shared_budgets(self) -> tuple[Budget, ...]:
        """Every budget `ion-sync budgets` creates for this realm."""
        return self.budgets(batch=True)

    @property
    def company_url(self) -> str:
        return f"{str(self.base_url).rstrip('/')}/v3/company/{self.realm_id}"

    @property
    def credential_name(self) -> str:
        """Where the rotating tokens live in the ledger's credential store."""
        return f"quickbooks:{self.realm_id}"
