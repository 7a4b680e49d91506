"""Duro connection settings, read from DURO_* environment variables (connectors/duro/README.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.retry import RetryPolicy


class DuroSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DURO_", env_nested_delimiter="__", extra="ignore")

    api_url: AnyHttpUrl = Field(
        AnyHttpUrl("https://api.durohub.com/graphql"),
        description="Duro's GraphQL endpoint (https://api.durohub.com/graphql; the legacy mfg.duro.app API is not supported)",
    )
    api_key: SecretStr = Field(
        min_length=1,
        description="an API key of the library, made at https://durohub.com/org/@<org>/libs/<library>/settings/api-keys",
    )
    organization: str = Field(pattern=r"^@\S+$", description="the organisation slug with its @, e.g. @acme (x-organization)")
    library: str = Field(pattern=r"^@\S+/\S+$", description="the library as @<org>/<library>, e.g. @acme/main (x-library)")
    page_size: int = Field(
        50, ge=1, le=500, description="edges per page (`pagination.first`); Duro documents no maximum (INFERENCE)"
    )
    part_number_field: Literal["cpn", "eid"] = Field(
        "cpn",
        description="which Duro field holds the ION part number: cpn (the Component Part Number) or eid (the "
        "external id, where legacy part numbers are kept)",
    )
    released_statuses: list[str] = Field(
        default_factory=lambda: ["Production"],
        description='lifecycle status names whose released revisions go to ION, as JSON (e.g. ["Production"])',
    )
    bom_depth: int = Field(10, ge=1, le=50, description="deepest assembly level read for a multi-level eBOM")
    version_conflict_codes: list[str] = Field(
        default_factory=lambda: ["VERSION_CONFLICT", "CONFLICT"],
        description="GraphQL error codes Duro answers a stale expectedVersion with, as JSON (INFERENCE: undocumented)",
    )
    timeout_seconds: float = Field(30.0, gt=0, description="per-request timeout, seconds")
    retry: RetryPolicy = RetryPolicy()

    @property
    def url(self) -> str:
        return str(self.api_url)
