"""Business Central connection settings, read from BUSINESS_CENTRAL_* environment variables.

Every default is cited in connectors/business_central/README.md ("Facts"); the ones no source
states are marked INFERENCE there and are settings for that reason."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.retry import RetryPolicy
from connectors.shared_budget import Budget

API_HOST = "https://api.businesscentral.dynamics.com"  # [BC-ENDPOINT]
LOGIN_HOST = "https://login.microsoftonline.com"  # [BC-S2S-SETUP]


class CustomApi(BaseSettings):
    """The customer-side API page group ion-sync reads and writes production through (README,
    "The ion-sync production API"): `api/<publisher>/<group>/<version>` [BC-CUSTOM-API]."""

    model_config = SettingsConfigDict(extra="ignore")

    publisher: str = Field("ionsync", min_length=1, description="the API page's APIPublisher")
    group: str = Field("production", min_length=1, description="the API page's APIGroup")
    version: str = Field("v1.0", min_length=1, description="the API page's APIVersion, e.g. v1.0")

    @property
    def route(self) -> str:
        return f"api/{self.publisher}/{self.group}/{self.version}"


class BusinessCentralSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BUSINESS_CENTRAL_", env_nested_delimiter="__", extra="ignore")

    tenant_id: str = Field(min_length=1, description="the Microsoft Entra tenant id (GUID) or domain of the customer")
    environment: str = Field(min_length=1, description="the Business Central environment name, e.g. production or sandbox")
    company_id: str = Field(min_length=1, description="the company's id (GUID), from GET .../api/v2.0/companies")
    client_id: str = Field(min_length=1, description="the Entra app registration's application (client) id")
    client_secret: SecretStr = Field(description="a client secret of that app registration")
    base_url: AnyHttpUrl = Field(AnyHttpUrl(API_HOST), description=f"the API host; {API_HOST} for Business Central online")
    token_url: AnyHttpUrl | None = Field(
        None, description=f"the Entra token endpoint; defaults to {LOGIN_HOST}/<tenant>/oauth2/v2.0/token"
    )
    scope: str = Field(f"{API_HOST}/.default", description="the client-credentials scope")
    concurrency: int = Field(
        5, ge=1, le=100, description="requests in flight at once (BC runs 5 per user at a time and queues the rest, 100 at most)"
    )
    requests_per_window: int = Field(
        6000, ge=1, description="requests per sliding window per service principal (6000 per 5 minutes online)"
    )
    window_seconds: float = Field(300.0, gt=0, description="the request budget's sliding window, seconds")
    page_size: int = Field(
        1000, ge=1, le=20000, description="entities per page asked with Prefer: odata.maxpagesize (at most 20000)"
    )
    timeout_seconds: float = Field(120.0, gt=0, description="per request, seconds (BC gives up after 8 to 10 minutes)")
    cool_off_seconds: float = Field(
        10.0, gt=0, description="wait after a 429 that names no Retry-After, seconds (BC asks for a cool-off, names none)"
    )
    custom_api: CustomApi = CustomApi()
    retry: RetryPolicy = RetryPolicy()

    @property
    def shared_budgets(self) -> tuple[Budget, ...]:
        """The principal's budgets, shared by every process using this app registration
        (`ion-sync budgets` creates them; README "Request budget"): requests in flight, and
        requests per sliding window."""
        principal = f"business-central-{self.client_id.lower()}"
        return (
            Budget(f"{principal}-concurrency", self.concurrency, what="Business Central requests in flight"),
            Budget(
                f"{principal}-rate",
                self.requests_per_window,
                self.window_seconds,
                what=f"Business Central requests per {self.window_seconds:g} s",
            ),
        )

    @property
    def host(self) -> str:
        return str(self.base_url).rstrip("/")

    @property
    def environment_root(self) -> str:
        """`<host>/v2.0/<tenant>/<environment>` [BC-ENDPOINT]."""
        return f"{self.host}/v2.0/{self.tenant_id}/{self.environment}"

    def company_root(self, route: str = "api/v2.0") -> str:
        return f"{self.environment_root}/{route}/companies({self.company_id})"

    @property
    def token_endpoint(self) -> str:
        return str(self.token_url) if self.token_url else f"{LOGIN_HOST}/{self.tenant_id}/oauth2/v2.0/token"
