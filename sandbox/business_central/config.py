"""Configuration of the Business Central simulator. Defaults follow SOURCES.md; every rule no
source states (INFERENCE there) is a field, so a test can flip it to the other plausible reading."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class BusinessCentralSimConfig(BaseModel):
    database: str | None = Field(None, description="SQLite file of the simulator's state; None = a fresh temporary file.")
    seed_demo: bool = Field(True, description="Seed the demo company (SOURCES.md 'Demo company') on start and reset.")
    tenant_id: str = "8d1fd8a5-2c2b-4d49-9e2b-b0b0b0b0b0b0"
    environment: str = "sandbox"
    company_id: str = "c0ffee00-0000-4000-8000-000000000001"
    company_name: str = "ION Demo Factory"
    client_id: str = "bc-sandbox-client"
    client_secret: str = "bc-sandbox-secret"
    scope: str = Field("https://api.businesscentral.dynamics.com/.default", description="[BC-S2S-SETUP]")
    token_ttl_seconds: int = Field(3599, description="expires_in of an Entra access token (INFERENCE: about an hour).")

    # custom API page group of the ion-sync production contract (connectors/business_central/README.md)
    custom_api_publisher: str = "ionsync"
    custom_api_group: str = "production"
    custom_api_version: str = "v1.0"
    custom_api_installed: bool = Field(True, description="False: the partner has not installed the page group (404).")

    # limits [BC-LIMITS-USER], [BC-PAGING], [BC-BATCH]
    max_page_size: int = Field(20000, description="Entities per page online; Prefer: odata.maxpagesize may ask fewer.")
    requests_per_window: int = Field(6000, description="Requests per principal per sliding window; more is 429.")
    window_seconds: float = Field(300.0, description="The sliding window (5 minutes).")
    max_connections: int = Field(100, description="Requests in flight (processed + queued) per user; more is 429.")
    max_batch_operations: int = Field(100, description="Operations in one $batch.")
    retry_after_seconds: int | None = Field(
        None, description="Retry-After on a 429: INFERENCE (BC asks for a cool-off without naming one); None sends none."
    )

    # purchasing rules
    receive_and_invoice_errors_when_nothing_invoiced: bool = Field(
        True,
        description="[BC-ISSUE-3106], [BC-APIV2-PO-SRC]: receiveAndInvoice with every invoiceQuantity 0 posts the "
        "receipt, commits, then answers 400 Internal_DataNotFoundFilter.",
    )
    default_receive_quantity: Literal["remainder", "blank"] = Field(
        "remainder",
        description="What receiveQuantity becomes on a new line and after a posting: the outstanding quantity "
        "(Purchases & Payables Setup 'Default Qty. to Receive' = Remainder) or 0 (Blank). INFERENCE of the default.",
    )
    etag_status: int = Field(
        412, description="Status of an If-Match that no longer matches (INFERENCE: 412; code Request_EntityChanged)."
    )

    # webhooks [BC-WEBHOOKS]
    subscription_days: float = Field(3.0, description="A subscription expires this long after creation or renewal.")
    max_subscriptions: int = Field(200, description="Webhook subscriptions per environment [BC-LIMITS-ENV].")
    webhook_resources: list[str] = Field(
        default_factory=lambda: ["purchaseOrders", "vendors", "items", "paymentTerms"],
        description="Entity sets a subscription may name. INFERENCE for purchaseOrders: the documented list of "
        "webhook-supported entities has purchaseInvoices but not purchaseOrders; BC answers "
        "webhookSupportedResources per environment. Remove it to play a BC that refuses.",
    )
    deliver_webhooks: bool = Field(True, description="POST notifications to subscribers after changes.")
    webhook_delay_seconds: float = Field(0.0, description="BC waits 30 s after a change before notifying; 0 here.")
