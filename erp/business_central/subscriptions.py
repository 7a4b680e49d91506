"""Business Central API subscriptions for purchase-order changes (README fact 29): create one
for `notificationUrl` and the company's `purchaseOrders` (BC then calls the receiver with a
validation token), renew it by PATCH before its three days run out, and say so when the
environment does not offer purchase orders to webhooks (fact 30)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.business_central import BusinessCentralClient, key
from connectors.errors import DataError

RENEW_BEFORE = timedelta(days=1)  # renewed when less than this is left (they live three days)
RESOURCE = "purchaseOrders"


class SubscriptionSettings(BaseSettings):
    """What the business-central-subscriptions flow subscribes: the receiver's public URL and the
    clientState it checks (the same BUSINESS_CENTRAL_WEBHOOK_SECRET `ion-sync webhooks` reads)."""

    model_config = SettingsConfigDict(env_prefix="BUSINESS_CENTRAL_WEBHOOK_", extra="ignore")

    url: AnyHttpUrl = Field(
        description="the public URL of the receiver's Business Central route, e.g. https://sync.example.com/webhooks/business-central"
    )
    secret: SecretStr = Field(description="the clientState BC returns in every notification (at most 2048 characters)")


@dataclass(frozen=True)
class SubscriptionState:
    action: str  # created, renewed, kept
    subscription_id: str
    expires: str


def resource_path(bc: BusinessCentralClient) -> str:
    return f"/api/v2.0/companies({bc.settings.company_id})/{RESOURCE}"


async def ensure_subscription(
    bc: BusinessCentralClient, notification_url: str, client_state: str, *, now: datetime | None = None
) -> SubscriptionState:
    """The receiver's subscription to purchase orders, created or renewed as needed. The receiver
    must be reachable by BC and answer the handshake, or BC refuses (a DataError naming why)."""
    now = now or datetime.now(UTC)
    resource = resource_path(bc)
    listed: dict[str, Any] = await bc.subscriptions("GET")
    mine = [
        s
        for s in listed.get("value") or []
        if s.get("notificationUrl") == notification_url and str(s.get("resource", "")).lstrip("/") == resource.lstrip("/")
    ]
    if not mine:
        created = await bc.subscriptions(
            "POST", body={"notificationUrl": notification_url, "resource": resource, "clientState": client_state}
        )
        return SubscriptionState("created", str(created["subscriptionId"]), str(created["expirationDateTime"]))
    current = mine[0]
    expires = datetime.fromisoformat(str(current["expirationDateTime"]).replace("Z", "+00:00"))
    if expires - now > RENEW_BEFORE and current.get("clientState") == client_state:
        return SubscriptionState("kept", str(current["subscriptionId"]), str(current["expirationDateTime"]))
    renewed = await bc.subscriptions(
        "PATCH", key(str(current["subscriptionId"])), body={"clientState": client_state}, etag=str(current["@odata.etag"])
    )
    return SubscriptionState("renewed", str(renewed["subscriptionId"]), str(renewed["expirationDateTime"]))


async def purchase_orders_offered(bc: BusinessCentralClient) -> bool | None:
    """Does this environment list purchaseOrders among its webhook resources? None when the
    runtime list cannot be read (fact 30)."""
    url = (
        f"{bc.settings.environment_root}/api/microsoft/runtime/beta/companies({bc.settings.company_id})/webhookSupportedResources"
    )
    try:
        rows = await bc.all(url)
    except DataError:
        return None
    return any(str(row.get("resource", "")).endswith(f"v2.0/{RESOURCE}") for row in rows)
