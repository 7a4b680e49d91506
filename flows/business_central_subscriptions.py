"""business-central-subscriptions: keeps Business Central's API subscription to purchase orders
alive. BC's subscriptions expire after three days (connectors/business_central/README.md, fact
29) and BC deletes one its receiver failed; this flow, daily, renews the receiver's subscription
before it runs out or creates it again (`erp.business_central.subscriptions`)."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.states import Completed, State

from connectors.business_central import BusinessCentralClient, BusinessCentralSettings
from connectors.settings import load_settings
from erp.business_central.subscriptions import SubscriptionSettings, SubscriptionState, ensure_subscription

NAME = "business-central-subscriptions"


@flow(name=NAME, persist_result=False)
async def business_central_subscriptions() -> State[SubscriptionState]:
    """Create or renew the subscription of BUSINESS_CENTRAL_WEBHOOK_URL to BC's purchase orders;
    the run's message (the demo's summary line) says which, and until when."""
    wanted = load_settings(SubscriptionSettings)
    async with BusinessCentralClient(load_settings(BusinessCentralSettings)) as bc:
        state = await ensure_subscription(bc, str(wanted.url), wanted.secret.get_secret_value())
    message = f"subscription {state.subscription_id} {state.action}, expires {state.expires}"
    get_run_logger().info("%s: %s", NAME, message)
    return Completed(message=message, data=state)
