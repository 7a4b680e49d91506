"""Configuration of the Duro simulator. What Duro's docs leave open is a field here, marked
INFERENCE (sandbox/duro/SOURCES.md), not a constant."""

from __future__ import annotations

from pydantic import BaseModel, Field

from sandbox.faults import FaultConfig


class DuroSimConfig(BaseModel):
    seed_demo: bool = Field(True, description="Seed the demo factory's products (sandbox/duro/demo.py).")
    api_key: str = "duro-sandbox-library-key"
    organization: str = "@factory"
    library: str = "@factory/main"
    error_http_status: int = Field(
        200,
        description="INFERENCE: the HTTP status of an answer carrying GraphQL errors (a third-party gateway: "
        "'GraphQL always ret[urns 200]'); 401 and 403 are read the same way by the client.",
    )
    rate_limit_retry_after: int = Field(
        60, description="`extensions.retryAfter` of a RATE_LIMITED error, seconds (60 in Duro's error-handling example)."
    )
    max_page_size: int = Field(100, description="INFERENCE: `pagination.first` above this is refused (no limit documented).")
    default_page_size: int = Field(20, description="INFERENCE: edges returned without `pagination.first`.")
    version_conflict_code: str = Field(
        "VERSION_CONFLICT",
        description="INFERENCE: the code of a stale `expectedVersion` (the concurrency rule is documented, its code is not).",
    )
    refuse_duplicate_items: bool = Field(
        True, description="INFERENCE: adding a component already on the change order is refused (BAD_USER_INPUT)."
    )
    faults: FaultConfig = Field(default_factory=FaultConfig)
