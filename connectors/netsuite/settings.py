"""NetSuite connection settings, read from NETSUITE_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.retry import RetryPolicy
from connectors.shared_budget import Budget

JwtAlgorithm = Literal["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]


class NetSuiteSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NETSUITE_", env_nested_delimiter="__", extra="ignore")

    account_id: str = Field(min_length=1, description="the NetSuite account id, e.g. 1234567 or 1234567_SB1")
    base_url: AnyHttpUrl | None = Field(
        None, description="the SuiteTalk host; defaults to https://<account>.suitetalk.api.netsuite.com"
    )
    auth: Literal["oauth2", "tba"] | None = Field(
        None, description="oauth2 (client credentials, M2M) or tba (token-based auth); guessed from what is set"
    )
    client_id: str | None = Field(None, description="OAuth 2.0: the integration record's client id")
    certificate_id: str | None = Field(None, description="OAuth 2.0: the certificate id from the M2M setup")
    private_key: SecretStr | None = Field(None, description="OAuth 2.0: the PEM private key (or use PRIVATE_KEY_PATH)")
    private_key_path: Path | None = Field(None, description="OAuth 2.0: path of the PEM private key file")
    jwt_algorithm: JwtAlgorithm = Field("PS256", description="OAuth 2.0: the assertion's signing algorithm")
    scopes: list[str] = Field(default_factory=lambda: ["rest_webservices"], description="OAuth 2.0 scopes")
    consumer_key: str | None = Field(None, description="TBA: the integration's consumer key")
    consumer_secret: SecretStr | None = Field(None, description="TBA: the integration's consumer secret")
    token_id: str | None = Field(None, description="TBA: the access token id")
    token_secret: SecretStr | None = Field(None, description="TBA: the access token secret")
    concurrency: int = Field(
        5, ge=1, le=100, description="requests in flight at once; stay under the account's concurrency limit"
    )
    timeout_seconds: float = Field(60.0, gt=0, description="per-request timeout, seconds")
    suiteql_page_size: int = Field(1000, ge=1, le=1000, description="SuiteQL rows per page (at most 1000)")
    component_number_field: Literal["issueInventoryNumber", "receiptInventoryNumber"] = Field(
        "issueInventoryNumber",
        description="inventoryAssignment field naming a consumed component's lot/serial: issueInventoryNumber "
        "(a reference to an existing inventoryNumber, what Oracle documents for stock that leaves inventory) or "
        "receiptInventoryNumber (the number as text); the NetSuite preflight probes inventorynumber",
    )
    retry: RetryPolicy = RetryPolicy()

    @property
    def budget(self) -> Budget:
        """The account's concurrency slots, shared by every process that uses this account."""
        return Budget(f"netsuite-{self.account_id.lower()}-concurrency", self.concurrency, what="NetSuite requests in flight")

    @property
    def shared_budgets(self) -> tuple[Budget, ...]:
        """Every budget `ion-sync budgets` creates for this account."""
        return (self.budget,)

    @model_validator(mode="after")
    def _credentials_for_the_chosen_auth(self) -> NetSuiteSettings:
        oauth2 = {"NETSUITE_CLIENT_ID": self.client_id, "NETSUITE_CERTIFICATE_ID": self.certificate_id}
        tba = {
            "NETSUITE_CONSUMER_KEY": self.consumer_key,
            "NETSUITE_CONSUMER_SECRET": self.consumer_secret,
            "NETSUITE_TOKEN_ID": self.token_id,
            "NETSUITE_TOKEN_SECRET": self.token_secret,
        }
        if self.auth is None:
            self.auth = "oauth2" if self.client_id else "tba" if self.consumer_key else None
        if self.auth is None:
            raise ValueError(
                "no NetSuite credentials: set NETSUITE_CLIENT_ID, NETSUITE_CERTIFICATE_ID and NETSUITE_PRIVATE_KEY(_PATH) "
                "for OAuth 2.0, or NETSUITE_CONSUMER_KEY/SECRET and NETSUITE_TOKEN_ID/SECRET for token-based auth"
            )
        required = oauth2 if self.auth == "oauth2" else tba
        missing = [name for name, value in required.items() if not value]
        if self.auth == "oauth2" and not (self.private_key or self.private_key_path):
            missing.append("NETSUITE_PRIVATE_KEY or NETSUITE_PRIVATE_KEY_PATH")
        if self.private_key_path and not self.private_key_path.is_file():
            missing.append(f"NETSUITE_PRIVATE_KEY_PATH (no file at {self.private_key_path})")
        if missing:
            raise ValueError(f"NetSuite {self.auth} auth needs: {', '.join(missing)}")
        return self

    @property
    def host_account(self) -> str:
        """Sandbox account ids are written 1234567_SB1 but hosts use 1234567-sb1 (§1.1)."""
        return self.account_id.lower().replace("_", "-")

    @property
    def realm(self) -> str:
        """TBA realm: the account id upper-cased with an underscore (§1.1)."""
        return self.account_id.upper().replace("-", "_")

    @property
    def root(self) -> str:
        if self.base_url:
            return str(self.base_url).rstrip("/")
        return f"https://{self.host_account}.suitetalk.api.netsuite.com"

    @property
    def token_url(self) -> str:
        return f"{self.root}/services/rest/auth/oauth2/v1/token"

    def private_key_pem(self) -> str:
        if self.private_key:
            return self.private_key.get_secret_value()
        assert self.private_key_path is not None
        return self.private_key_path.read_text()
