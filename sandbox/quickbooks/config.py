"""Configuration of the QuickBooks Online simulator.

Defaults follow `shared/reference/quickbooks.md`; what the reference marks [INFERRED] or where
its sources disagree (refresh-token rotation, the 429 body, Retry-After, statuses of some
faults) is a field here, so a test can flip it to the other plausible behaviour.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class QuickBooksSimConfig(BaseModel):
    """Everything that shapes the simulated company. Defaults: `sandbox/README.md` credentials."""

    database: str | None = Field(None, description="SQLite file of the simulator's state; None = a fresh temporary file.")
    seed_demo: bool = Field(True, description="Seed the demo company (accounts, vendors, classes, an item) on start and reset.")
    realm_id: str = Field("9341453050271958", description="The one company (realm) this simulator serves.")

    # --- OAuth 2.0 (A2) ---
    client_id: str = "qbo-sandbox-client"
    client_secret: str = "qbo-sandbox-secret"
    initial_refresh_token: str = Field(
        "RT1-sandbox-initial-refresh-token", description="The refresh token a fresh connection hands over (seeded)."
    )
    access_token_ttl_seconds: int = Field(3600, description="`expires_in` of access tokens (A2: one hour).")
    refresh_token_ttl_seconds: int = Field(8726400, description="Rolling `x_refresh_token_expires_in` (A2: ~101 days).")
    rotation: Literal["sticky_24h", "strict"] = Field(
        "sticky_24h",
        description="[INFERRED] sticky_24h: a refresh returns the same refresh token until it is 24 h old, then a new "
        "one, the old staying valid for `rotation_grace_seconds`; strict: a new token on every refresh, the old one "
        "dead at once (the sources disagree, A2).",
    )
    rotation_interval_seconds: int = Field(86400, description="sticky_24h: age after which a refresh rotates the token.")
    rotation_grace_seconds: int = Field(86400, description="sticky_24h: how long a replaced refresh token still works.")

    # --- company preferences (A7, A8) ---
    company_name: str = Field("ion-sync demo company", description="CompanyInfo.CompanyName.")
    purchase_orders_enabled: bool = Field(True, description="False = a plan without purchase orders: 5020 on PO writes.")
    inventory_tracking: bool = Field(
        True,
        description="Preferences.ProductAndServicesPrefs.QuantityOnHand (Plus/Advanced); False = Inventory item "
        "creates refused (INFERENCE: code 6000).",
    )
    class_tracking_per_line: bool = Field(True, description="Preferences.AccountingInfoPrefs.ClassTrackingPerLine.")
    multicurrency_enabled: bool = Field(True, description="Preferences.MultiCurrencyEnabled.")
    home_currency: str = "USD"
    currencies: list[str] = Field(default_factory=lambda: ["USD", "EUR", "GBP", "CAD"])
    check_line_amounts: bool = Field(True, description="[INFERRED] 6070 when Amount != Qty x UnitPrice on an item line.")
    sparse_line_merge: bool = Field(
        False,
        description="INFERENCE: a line sent with the Id of a stored line keeps that line's omitted fields (True) "
        "or is taken as sent (False, default). No source says which; the Line array itself always replaces the list.",
    )

    # --- minorversion (A1) ---
    max_minor_version: int = Field(
        75,
        description="Newest minorversion the simulated service knows; a request naming a newer one is refused "
        "(INFERENCE: code 500 'Unsupported Operation'). Below 75 is ignored and none means 75 (A1, Intuit 2025 blog).",
    )

    # --- limits (A5) ---
    requests_per_minute: int = Field(500, description="Per realm, batch included.")
    requests_per_second: int = Field(10, description="Per realm and app.")
    batch_requests_per_minute: int = Field(40, description="Batch calls per realm and app.")
    max_batch_items: int = Field(30, description="More items in one batch: fault 1040.")
    throttle_body: Literal["xml", "json"] = Field("xml", description="429 body: XML even for JSON requests (A5), or JSON.")
    retry_after_seconds: int | None = Field(None, description="[INFERRED] a Retry-After header on 429s; None = none sent.")
    max_query_results: int = 1000
    default_query_results: int = 100
    honour_requestid: bool = Field(
        True, description="False = the 'broken idempotency' reports (A3 caveats): a repeated requestid runs again."
    )
    requestid_max_length: int = 50
    batch_requestid_max_length: int = 36
