"""Configuration of the NetSuite simulator.

Defaults follow `shared/reference/netsuite.md`; every fact the reference marks as INFERENCE or
uncertain (error codes nobody documents, date formats, null handling in SuiteQL, ...) is a field
here rather than a constant, so a test can flip it to the other plausible behaviour.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

PropertyValidation = Literal["ignore", "warning", "error"]


class NetSuiteSimConfig(BaseModel):
    """Everything that shapes the simulated account. Defaults: `sandbox/README.md` credentials."""

    # --- account and URLs (§1.1) ---
    account_id: str = Field("1234567_SB1", description="Account id; realm of TBA, host form lower-case with '-'.")
    public_base_url: str | None = Field(
        None,
        description="Absolute base used in Location headers and links; None = the request's own "
        "scheme://host (so a loopback client can follow them). Real: https://<host-form>.suitetalk.api.netsuite.com",
    )

    # --- OAuth 2.0 client credentials, JWT assertion (§1.2 A) ---
    oauth2_client_id: str = "ns-sandbox-client"
    oauth2_certificate_id: str = "sandbox-cert"
    oauth2_public_key_pem: str | None = Field(None, description="PEM public key; None disables OAuth 2.0.")
    oauth2_algorithms: list[str] = Field(
        default_factory=lambda: ["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"],
        description="Accepted JWT assertion algorithms [NS-JWT].",
    )
    oauth2_max_assertion_lifetime_seconds: int = Field(3600, description="exp - iat must be strictly below this.")
    oauth2_extra_audiences: list[str] = Field(
        default_factory=list,
        description="Accepted `aud` values besides the request's own token URL and the suitetalk/restlets "
        "hosts of the account (INFERENCE: Oracle's sample uses the restlets host).",
    )
    oauth2_required_scope: str | None = Field("rest_webservices", description="Scope the assertion must carry.")
    oauth2_error_status: int = Field(400, description="Status of token-endpoint errors (INFERENCE).")
    oauth2_error_code: str = Field("invalid_grant", description="OAuth `error` for a rejected assertion (INFERENCE).")
    token_ttl_seconds: float = Field(3600, description="Access-token lifetime; `expires_in` reports it.")

    # --- Token-based authentication, OAuth 1.0a (§1.2 B) ---
    tba_consumer_key: str = "tba-consumer-key"
    tba_consumer_secret: str = "tba-consumer-secret"
    tba_token_id: str = "tba-token-id"
    tba_token_secret: str = "tba-token-secret"
    tba_signature_methods: list[str] = Field(default_factory=lambda: ["HMAC-SHA256"])
    tba_timestamp_skew_seconds: int = Field(300, description="Max |now - oauth_timestamp| (INFERENCE).")
    tba_reject_nonce_reuse: bool = Field(
        True, description="A re-sent signed request (same nonce) is a 401 (practitioner note [HG client.py])."
    )

    # --- governance, faults (§1.7) ---
    default_concurrency_limit: int | None = Field(5, description="Initial FaultConfig.concurrency_limit; None = unlimited.")
    concurrency_error_title: str = Field(
        "Too Many Requests", description="Oracle's sample says 'Bad Request' with status 429; set that to mimic it."
    )
    faults_apply_to_token_endpoint: bool = False

    # --- storage ---
    database: str | None = Field(None, description="SQLite file path; None = a fresh temporary file.")
    seed_demo: bool = True

    # --- record service (§1.3-§1.6) ---
    collection_default_limit: int = 1000
    collection_max_limit: int = 1000
    collection_max_results: int = Field(100_000, description="Offsets at or past this are rejected [NS-PAGE].")
    filter_date_formats: list[str] = Field(
        default_factory=lambda: [
            "%m/%d/%Y",
            "%Y-%m-%d",
            "%m/%d/%Y %H:%M",
            "%m/%d/%Y %I:%M %p",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M:%SZ",
            "%Y-%m-%dT%H:%M:%S.%fZ",
        ],
        description="Accepted `q=` date values; the real format follows user preferences (INFERENCE; UTC here).",
    )
    property_name_validation_default: PropertyValidation = Field(
        "warning", description="Used when X-NetSuite-PropertyNameValidation is absent [NS-ERR]."
    )
    property_names_case_insensitive: bool = Field(
        True, description="Accept `itemreceive` for `itemReceive` (INFERENCE from practitioner code)."
    )
    unknown_property_error_code: str = Field("NONEXISTENT_FIELD", description="INFERENCE.")
    warning_header: str = Field("X-NetSuite-Warning", description="Header carrying property warnings (INFERENCE).")
    duplicate_external_id_error_code: str = Field(
        "DUP_RCRD", description="Code of the 400 for a duplicate externalId (INFERENCE; SuiteScript's code)."
    )
    invalid_reference_error_code: str = Field("INVALID_CONTENT", description="INVALID_KEY_OR_REF is the SOAP variant [§1.6].")
    external_id_pattern: str | None = Field(
        r"^[A-Za-z0-9_\-]+$", description="Allowed externalId characters [NS-EID]; None = anything."
    )
    transform_accepts_eid_source: bool = Field(
        False, description="The transform path id is documented as an int32 internal id; True also accepts eid:."
    )
    closed_work_order_statuses: list[str] = Field(default_factory=lambda: ["H"])
    allow_negative_inventory: bool = Field(True, description="False: a component line may not exceed on-hand.")
    completion_prefills_components: bool = Field(
        True,
        description="A completion transform starts with the work order's BOM component lines (§1.3, §1.5); a body's "
        "component lines are added to them unless the request says ?replace=component (Replacing a Sublist, "
        "https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1545297048.html).",
    )
    bill_of_materials: dict[str, dict[str, float]] = Field(
        default_factory=lambda: {"ASSY-100": {"COMP-200": 2.0, "COMP-300": 1.0}},
        description="Assembly itemid -> component itemid -> quantity per assembly: what a completion pre-fills "
        "(INFERENCE: the demo BOM; NetSuite takes it from the work order's bill of materials).",
    )
    component_accepts_receipt_number: bool = Field(
        False,
        description="Accept receiptInventoryNumber (new numbers) on a consumed component; Oracle says numbers that "
        "exist are selected with issueInventoryNumber (section_4687606595.html) (INFERENCE: NetSuite's answer).",
    )

    # --- purchasing loop: purchaseOrder, itemReceipt transform, vendorBill, timeBill (§1.3, §1.5, §2 item 5) ---
    seed_purchasing: bool = Field(
        False,
        description="Also seed the purchasing demo data (vendors, employees, department/class/terms, the "
        "'Direct Labor' service item, PO5001-PO5004, the PO5001 vendor bill; sandbox/README.md). Off by default "
        "because it adds rows to `transaction`/`item` that the consumption-era tests count; "
        "`POST /_sandbox/seed/purchasing` seeds it at run time.",
    )
    receipt_omitted_lines_receive: bool = Field(
        False,
        description="INFERENCE (§1.5): a pre-filled open PO line the request does not mention keeps its defaults; "
        "True = it is received with its remaining quantity, False = it is not received. Ignored with ?replace=item.",
    )
    receipt_sent_line_receive_default: bool = Field(
        True, description="itemReceive of a line that is sent without the flag (INFERENCE: pre-filled lines default to true)."
    )
    receipt_match_by_item: bool = Field(
        True,
        description="A receipt line without orderLine is matched to the only open PO line of its item "
        "(the RESTlet practice of [PRAC-IR-RESTLET]); False = orderLine is required.",
    )
    receipt_reject_empty: bool = Field(True, description="A receipt that receives no line is a 400 (§2 item 5, INFERENCE).")
    unreceivable_po_statuses: list[str] = Field(
        default_factory=lambda: ["P", "A", "C", "H"],
        description="PO status letters a receipt cannot be transformed from (planned, pending approval, rejected, closed).",
    )
    po_partial_receipt_status: Literal["auto", "D", "E"] = Field(
        "auto",
        description="Status of a partially received PO (§1.3 letters; the D/E split is INFERENCE): 'auto' = E "
        "(Pending Billing/Partially Received) while some received quantity is unbilled, else D.",
    )
    bill_limit: Literal["ordered", "received"] = Field(
        "ordered", description="A vendor-bill line may bill up to the ordered (or only the received) quantity (INFERENCE)."
    )
    time_bill_numeric_hours: bool = Field(
        True, description="timeBill.hours also accepts JSON numbers; strings 'H:MM' and decimals always (INFERENCE, §1.3)."
    )
    time_bill_max_hours: float | None = Field(24, description="Largest accepted duration of one entry (INFERENCE).")

    # --- SuiteQL (§1.9) ---
    suiteql_numbers_as_strings: bool = True
    suiteql_omit_nulls: bool = Field(
        True, description="Null columns are left out of each item (INFERENCE: observed behaviour of the service)."
    )
    suiteql_leading_zero: bool = Field(True, description="False renders 0.5 Oracle-style as '.5' (INFERENCE).")
    suiteql_status_format: Literal["letter", "prefixed"] = Field(
        "letter", description="transaction.status as 'B' or 'WorkOrd:B' [PRAC-NSQ]."
    )
    suiteql_component_lines_negative: bool = Field(
        False, description="Store completion component lines with negative quantity (INFERENCE)."
    )
    suiteql_max_limit: int = 1000
    suiteql_max_results: int = 100_000
    suiteql_hidden_tables: list[str] = Field(
        default_factory=list, description="Catalog tables this role cannot see (missing permission or feature)."
    )
    suiteql_hidden_columns: list[str] = Field(
        default_factory=list,
        description="'table.column' entries of the catalog this account does not expose (e.g. an INFERENCE column).",
    )
