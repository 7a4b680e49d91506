"""Configuration of the ION simulator.

Every behaviour that `../shared/reference/ion.md` marks as INFERENCE or leaves unpublished
(token lifetime §1.3, accepted header schemes §1.2, page-size caps §2.2, DateTime rendering
§2.7, batching §2.1, the expired-token message §2.5, rate-limit answers §2.6) is a field
here rather than a constant, so a test can flip it and see whether the client copes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sandbox.faults import FaultConfig

AuthScheme = Literal["raw", "Bearer", "Token"]


class IonSimConfig(BaseModel):
    """Settings of one simulated ION tenant (defaults: `sandbox/README.md`, Credentials)."""

    model_config = ConfigDict(extra="forbid")

    # --- Keycloak client credentials (§1.1) -------------------------------------------------
    client_id: str = "ion-sync-sandbox"
    client_secret: str = "sandbox-secret"
    token_ttl_seconds: int = Field(300, ge=1, description="Access-token lifetime; unpublished (§1.3).")
    token_scope: str = "profile email"
    bad_credentials_error: str = Field(
        "unauthorized_client", description="`error` of the 401 on bad client credentials (README)."
    )
    # --- /graphql authentication (§1.2, §2.5) -----------------------------------------------
    auth_schemes: list[AuthScheme] = Field(
        default_factory=lambda: ["raw", "Bearer", "Token"],
        description="Accepted Authorization forms: the raw token, `Bearer <t>`, `Token <t>`.",
    )
    expired_token_message: str = Field(
        "Signature has expired.", description="401 message for an expired token (not documented)."
    )
    # --- GraphQL behaviour (§2) -------------------------------------------------------------
    max_page_size: int | None = Field(
        1000, ge=1, description="Cap on first/last (unpublished, §2.2); None = no cap."
    )
    default_page_size: int | None = Field(
        None, ge=1, description="Page size without first/last; None = everything up to the cap (§2.2)."
    )
    page_size_overflow: Literal["clamp", "error"] = Field(
        "clamp", description="first/last above the cap: silently clamp, or answer a GraphQL error."
    )
    datetime_utc_suffix: str = Field(
        "+00:00", description="How DateTime values end: graphene isoformat gives '+00:00'; 'Z' is the other common form."
    )
    allow_batch: bool = Field(True, description="Accept a JSON array of operations (§2.1, historical).")
    fast_executor: bool = Field(
        True, description="Execute with the simulator's own executor; False = graphql-core's (reference, slower)."
    )
    retry_after_seconds: int | None = Field(1, description="Retry-After on injected 429/503; None = omit.")
    # --- identity (`me`, §2.7) --------------------------------------------------------------
    user_id: int = 1
    user_name: str = "ION Sync Service Account"
    user_email: str = "ion@ion-sync.example"
    # --- state ------------------------------------------------------------------------------
    database: Path | None = Field(None, description="SQLite file; None = a fresh temporary file.")
    seed_demo: bool = True
    work_order_attribute_key: str = "NetSuite Work Order"
    bulk_end_time_origin: datetime = Field(
        datetime(2026, 11, 21, tzinfo=UTC), description="endTime of bulk run index 0 (index 1 is one step later)."
    )
    bulk_end_time_step_seconds: float = Field(1.0, gt=0)
    faults: FaultConfig = Field(default_factory=FaultConfig, description="Faults in force at start-up.")
