"""ION connection settings, read from ION_* environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.retry import RetryPolicy


class IonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ION_", env_nested_delimiter="__", extra="ignore")

    api_url: AnyHttpUrl = Field(
        description="the ION API base URL (GraphQL is served at <base>/graphql), e.g. https://api.buildwithion.com"
    )
    auth_url: AnyHttpUrl = Field(
        description="the token endpoint, e.g. https://auth.buildwithion.com/realms/api-keys/protocol/openid-connect/token"
    )
    client_id: str = Field(min_length=1, description="the ION API key's client id")
    client_secret: SecretStr = Field(min_length=1, description="the ION API key's client secret")
    audience: str | None = Field(None, description="optional `audience` sent with the token request")
    page_size: int = Field(100, ge=1, le=1000, description="records per GraphQL page (ION_PAGE_SIZE)")
    step_records: int = Field(
        500,
        ge=1,
        description="records a paged sync reads before it plans and posts them (ION_STEP_RECORDS): as many pages "
        "as it takes (`IonClient.read_step`), so a step's three Prefect task runs serve the same records at any page size",
    )
    timeout_seconds: float = Field(30.0, gt=0, description="per-request timeout; ION's gateway gives up at 30 s")
    retry: RetryPolicy = RetryPolicy()
    # Range operators on filters are not published (reference §2.3, INFERENCE): configurable.
    run_time_field: str = Field("endTime", description="the run field a time window filters on (ION_RUN_TIME_FIELD)")
    since_operator: str = Field("gte", description="filter operator for 'at or after' (ION_SINCE_OPERATOR)")
    until_operator: str = Field("lt", description="filter operator for 'before' (ION_UNTIL_OPERATOR)")
    range_filters: Literal["server", "client"] = Field(
        "server",
        description="where time windows are applied (ION_RANGE_FILTERS): `server` sends the range operators above in "
        "`filters`; `client` sends only the confirmed eq/neq/in and filters the window itself (connectors.ion.range_filters)",
    )
    installed_quantity: Literal["per_parent", "installation_total"] = Field(
        "per_parent",
        description="where consumption-sync reads installed quantities (ION_INSTALLED_QUANTITY): `per_parent` = "
        "quantityInstalledPerParentPartInventory (ION's integration guide); `installation_total` = the confirmed "
        "AbomInstallation.quantity divided by the quantity produced (connectors.ion.installed_quantity)",
    )
    session_time_field: str = Field(
        "_updated", description="the session field labor-sync's window filters on (ION_SESSION_TIME_FIELD); an edit must bump it"
    )

    @property
    def pages_per_step(self) -> int:
        """The ION pages a sync's step reads (`IonClient.read_step`): ceil(step_records / page_size)."""
        return -(-self.step_records // self.page_size)

    @property
    def graphql_url(self) -> str:
        base = str(self.api_url).rstrip("/")
        return base if base.endswith("/graphql") else f"{base}/graphql"
