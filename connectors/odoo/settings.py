"""Odoo connection settings, read from ODOO_* environment variables (connectors/odoo/README.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.retry import RetryPolicy

Transport = Literal["json2", "jsonrpc"]
SUPPORTED_VERSIONS = (16, 17, 18, 19)  # major versions the adapter is written and simulated for


class OdooSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ODOO_", env_nested_delimiter="__", extra="ignore")

    url: AnyHttpUrl = Field(description="the Odoo server, e.g. https://mycompany.odoo.com (no /json/2 or /jsonrpc suffix)")
    database: str | None = Field(
        None,
        description="the database name: required by jsonrpc; json2 sends it as X-Odoo-Database only when set "
        "(needed when one server hosts several databases)",
    )
    transport: Transport = Field(
        "json2",
        description="json2 (Odoo 19+: POST /json/2/<model>/<method>, bearer API key) or jsonrpc "
        "(Odoo 16-18: /jsonrpc execute_kw, deprecated in 19, removal announced for Odoo 22)",
    )
    api_key: SecretStr = Field(
        description="the bot user's API key (Preferences > Account Security > New API Key; at most 3 months): "
        "the bearer token of json2, the password of jsonrpc"
    )
    username: str | None = Field(None, description="jsonrpc only: the bot user's login the API key belongs to")
    version: int | None = Field(
        None,
        ge=16,
        description="Odoo's major version (16-19); unset: asked once per run (/web/version or common.version)",
    )
    timeout_seconds: float = Field(60.0, gt=0, description="per-request timeout, seconds")
    concurrency: int = Field(4, ge=1, le=32, description="calls in flight at once (Odoo publishes no limit)")
    page_size: int = Field(500, ge=1, le=10000, description="records per search_read page")
    retry: RetryPolicy = RetryPolicy()

    @model_validator(mode="after")
    def _jsonrpc_needs_a_login(self) -> OdooSettings:
        if self.transport == "jsonrpc":
            missing = [name for name, value in (("ODOO_DATABASE", self.database), ("ODOO_USERNAME", self.username)) if not value]
            if missing:
                raise ValueError(f"ODOO_TRANSPORT=jsonrpc needs {' and '.join(missing)} (execute_kw sends db, uid, password)")
        return self

    @property
    def root(self) -> str:
        return str(self.url).rstrip("/")
