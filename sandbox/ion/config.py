"""Configuration of the ION simulator.

Every behaviour that `../shared/reference/ion.md` marks as INFERENCE or leaves unpublished
(token lifetime §1.3, accepted header schemes §1.2, page-size caps §2.2, DateTime rendering
§2.7, batching §2.1, the expired-token message §2.5, rate-limit answers §2.6; for purchasing:
attribute definitions and etags §3.14, PO/line status rules §3.5-§3.6, receiving §3.8, §10) is a field
here rather than a constant, so a test can flip it and see whether the client copes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from sandbox.faults import FaultConfig
from sandbox.ion.attributes import AttributeDefinition

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
        default_factory=lambda: list(get_args(AuthScheme)),
        description="Accepted Authorization forms: the raw token, `Bearer <t>`, `Token <t>`.",
    )
    expired_token_message: str = Field("Signature has expired.", description="401 message for an expired token (not documented).")
    # --- GraphQL behaviour (§2) -------------------------------------------------------------
    max_page_size: int | None = Field(1000, ge=1, description="Cap on first/last (unpublished, §2.2); None = no cap.")
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
    # --- what the flows assume but no public source confirms (SOURCES.md, "Switches") ---------
    range_operators: bool = Field(
        True,
        description="Filters take gt/gte/lt/lte besides eq/neq/in. INFERENCE: ion.md §2.3 confirms only eq/neq/in;"
        " False leaves only those three in every *Filter input, as a stricter ION would.",
    )
    run_attributes: bool = Field(
        True,
        description="Run.attributes exists. INFERENCE from RunAttributesInputFilters and updateRunAttribute (ion.md §3.1,"
        " §4 [EX commit 0d5fc02]); no public query selects it. False drops the field.",
    )
    installed_per_parent_field: bool = Field(
        True,
        description="AbomInstallation.quantityInstalledPerParentPartInventory exists: stated by seed 002 ('Syncing to"
        " ERP') and in no public schema (ion.md §3.9, §7). False drops the field.",
    )
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
    # --- purchasing (§3.5-§3.8, §3.12, §3.14; the INFERENCE points are fields) ------------------
    purchase_order_attributes: list[AttributeDefinition] = Field(
        default_factory=lambda: [
            AttributeDefinition(key="Netsuite PO Number"),
            AttributeDefinition(key="Department", type="SELECT", options=["Production", "Engineering", "Operations"]),
            AttributeDefinition(key="Class", type="SELECT", options=["Hardware", "Flight Programs", "R&D"]),
            AttributeDefinition(key="NetSuite Location", type="SELECT", options=["Hawthorne", "Long Beach"]),
            AttributeDefinition(key="Project Code"),
        ],
        description="Org-level PurchaseOrder attribute definitions (§3.14; ION's NetSuite connector keys POs by 'Netsuite PO Number', §6).",
    )
    purchase_order_line_attributes: list[AttributeDefinition] = Field(
        default_factory=lambda: [
            AttributeDefinition(key="Netsuite Line Number"),
            AttributeDefinition(key="GL Account Override"),
            AttributeDefinition(key="Tax Code", type="SELECT", options=["CA-STANDARD", "EXEMPT", "OUT-OF-STATE"]),
            AttributeDefinition(key="Project Code"),
            AttributeDefinition(key="Class", type="SELECT", options=["Hardware", "Flight Programs", "R&D"]),
            AttributeDefinition(
                key="Expense Account", type="SELECT", options=["Office Supplies", "Tools and Equipment", "Travel", "Software"]
            ),
        ],
        description="Org-level PurchaseOrderLine attribute definitions (§3.14).",
    )
    supplier_attributes: list[AttributeDefinition] = Field(
        default_factory=lambda: [
            AttributeDefinition(
                key="Payment Terms", type="SELECT", options=["Net 15", "Net 30", "Net 45", "Net 60", "Due on receipt"]
            ),
            AttributeDefinition(key="Netsuite Vendor Id"),
        ],
        description="Org-level Supplier attribute definitions (§3.12, §3.14).",
    )
    attribute_options_format: Literal["json_string", "list"] = Field(
        "json_string",
        description="How attribute `options` leave: a JSONString (graphene, §8) or a plain list of strings (§3.14 INFERENCE).",
    )
    attribute_etag: Literal["attribute", "parent", "either"] = Field(
        "either",
        description="Which etag update<X>Attribute's `etag` must match: the attribute's Etag, the parent's _etag"
        " (as FR's run example passes, §4), or either (§3.14 INFERENCE).",
    )
    child_writes_touch_parent: bool = Field(
        True,
        description="A write to a PO line, fee, receipt item or attribute also bumps the parent's _etag/_updated (INFERENCE).",
    )
    enforce_line_editability: bool = Field(
        True,
        description="Outside DRAFT only line ETA/paid/status-cancel/attributes may change; lines cannot be added or deleted (§3.5).",
    )
    purchase_order_status_rollup: bool = Field(
        True,
        description="Roll the PO status up from lines: all canceled -> CANCELED; ORDERED with every line received or canceled -> RECEIVED (§3.5).",
    )
    allow_over_receipt: bool = Field(True, description="Receiving more than the line quantity is accepted (INFERENCE).")
    received_inventory_status: Literal["AVAILABLE", "UNAVAILABLE"] = Field(
        "AVAILABLE", description="Status of the part inventory a receipt item creates (§10)."
    )
