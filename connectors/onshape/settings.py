"""Onshape connection settings, read from ONSHAPE_* environment variables (README.md in this package)."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.retry import RetryPolicy


class OnshapeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONSHAPE_", env_nested_delimiter="__", extra="ignore")

    api_url: AnyHttpUrl = Field(
        AnyHttpUrl("https://cad.onshape.com/api/v16"),
        description="the REST base with its version (Glassworks: https://cad.onshape.com/api/v16; an Enterprise "
        "uses its own domain, e.g. https://acme.onshape.com/api/v16)",
    )
    auth: Literal["hmac", "basic", "oauth2"] = Field(
        "hmac",
        description="hmac: API keys with request signatures (Onshape: 'for testing and internal use'); basic: API keys "
        "as HTTP Basic ('for local testing only'); oauth2: an OAuth2 bearer token (ONSHAPE_OAUTH_TOKEN)",
    )
    access_key: str | None = Field(None, description="the API key's access key (ONSHAPE_ACCESS_KEY), for hmac or basic")
    secret_key: SecretStr | None = Field(None, description="the API key's secret key (ONSHAPE_SECRET_KEY), for hmac or basic")
    oauth_token: SecretStr | None = Field(None, description="an OAuth2 access token (ONSHAPE_OAUTH_TOKEN), for oauth2")
    company_id: str = Field(
        min_length=1,
        description="the company/enterprise id (cid) that owns the released items; GET /companies lists yours. "
        "Enumerating a company's revisions needs a company admin's key",
    )
    released_element_types: list[int] = Field(
        default_factory=lambda: [0, 1],
        description="element types whose revisions are items: 0 Part Studio (parts), 1 Assembly (Onshape's enum)",
    )
    page_size: int = Field(100, ge=1, le=100, description="entries per list request (revisions: at most 100)")
    timeout_seconds: float = Field(30.0, gt=0, description="per-request timeout, seconds")
    retry: RetryPolicy = RetryPolicy()

    @model_validator(mode="after")
    def _credentials_for_the_scheme(self) -> OnshapeSettings:
        if self.auth == "oauth2" and self.oauth_token is None:
            raise ValueError("ONSHAPE_AUTH=oauth2 needs ONSHAPE_OAUTH_TOKEN")
        if self.auth != "oauth2" and (not self.access_key or self.secret_key is None):
            raise ValueError(f"ONSHAPE_AUTH={self.auth} needs ONSHAPE_ACCESS_KEY and ONSHAPE_SECRET_KEY (an API key pair)")
        return self

    @property
    def base(self) -> str:
        return str(self.api_url).rstrip("/")
