"""Arena connection settings, read from ARENA_* environment variables."""

from __future__ import annotations

import httpx
from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.retry import RetryPolicy


class ArenaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARENA_", env_nested_delimiter="__", extra="ignore")

    api_url: AnyHttpUrl = Field(
        AnyHttpUrl("https://api.arenasolutions.com/v1"),
        description="the Arena REST base for your app host (app.bom.com → https://api.arenasolutions.com/v1, "
        "arenagov → https://api.arenagov.com/v1, europe → https://api.europe.arenaplm.com/v1)",
    )
    email: str = Field(min_length=1, description="the dedicated integration user's e-mail (ARENA_EMAIL)")
    password: SecretStr = Field(min_length=1, description="that user's password (ARENA_PASSWORD)")
    workspace_id: int | None = Field(None, description="the workspace to log in to; unset = the user's last workspace")
    integration_guid: str | None = Field(
        None,
        description="GUID of the outbound integration (event queue) Arena support set up for ion-sync; "
        "unset = plm-change-sync-arena polls changes instead",
    )
    page_size: int = Field(400, ge=1, le=400, description="rows per list request (Arena allows at most 400)")
    quota_reserve: int = Field(
        200,
        ge=0,
        description="requests of the daily quota (X-Arena-Requests-Remaining) a flow leaves unused; "
        "it stops cleanly when only this many remain",
    )
    released_phases: list[str] = Field(
        default_factory=lambda: ["In Production"],
        description="lifecycle phase names whose effective revisions count as released into production",
    )
    routing_suffix: str | None = Field(
        None,
        description="Arena keeps no routings (INFERENCE, see plm/arena/README.md): the routing of item N is the item "
        "numbered N + this suffix (e.g. -RTG), its operations its files titled 'Op <n> <title>'; unset or empty = no routings",
    )
    timeout_seconds: float = Field(30.0, gt=0, description="per-request timeout, seconds")
    retry: RetryPolicy = RetryPolicy()

    @property
    def base(self) -> str:
        return str(self.api_url).rstrip("/")

    @property
    def session_name(self) -> str:
        """Where the shared login session lives in the ledger's credential store."""
        workspace = self.workspace_id if self.workspace_id is not None else "last"
        return f"arena:{self.email}@{httpx.URL(self.base).host}/{workspace}"
