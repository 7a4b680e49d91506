"""business-central-subscriptions against the BC simulator (served in this process, the receiver
on loopback answering BC's handshake): a missing subscription is created, one about to expire
is renewed, one with days left is kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.business_central_subscriptions import business_central_subscriptions
from ion_sync.webhooks.app import create_app
from ion_sync.webhooks.sources import BusinessCentralWebhookSettings, WebhookSource, parse_business_central
from ledger.store import Ledger
from sandbox.business_central import BusinessCentralSimConfig
from sandbox.business_central import create_app as business_central_app
from sandbox.business_central.store import Store
from sandbox.server import serving, start
from tests.business_central_helpers import settings_for

CLIENT_STATE = "bc-client-state-7a2c"


@pytest.fixture
def bc_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_api: str) -> Iterator[Store]:
    """The simulator's store, with ion-sync's environment pointing at it and at a receiver."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    source = WebhookSource(
        "business-central", BusinessCentralWebhookSettings(secret=CLIENT_STATE), parse_business_central, client_state=True
    )
    receiver = start(create_app(ledger, {"business-central": source}, emit=lambda _: None))
    config = BusinessCentralSimConfig(deliver_webhooks=False)
    app = business_central_app(config)
    try:
        with serving(app) as bc:
            settings = settings_for(config, bc.url)
            for name in ("tenant_id", "environment", "company_id", "client_id", "base_url", "token_url"):
                monkeypatch.setenv(f"BUSINESS_CENTRAL_{name.upper()}", str(getattr(settings, name)))
            monkeypatch.setenv("BUSINESS_CENTRAL_CLIENT_SECRET", config.client_secret)
            monkeypatch.setenv("BUSINESS_CENTRAL_WEBHOOK_URL", f"{receiver.url}/webhooks/business-central")
            monkeypatch.setenv("BUSINESS_CENTRAL_WEBHOOK_SECRET", CLIENT_STATE)
            store: Store = app.state.sim.store
            yield store
    finally:
        receiver.stop()
        ledger.close()


def _expire_in(store: Store, delta: timedelta) -> str:
    [subscription] = store.all("subscriptions")
    subscription["expirationDateTime"] = (datetime.now(UTC) + delta).isoformat(timespec="seconds").replace("+00:00", "Z")
    store.put("subscriptions", subscription)
    return str(subscription["expirationDateTime"])


async def test_a_missing_subscription_is_created_an_expiring_one_renewed(bc_store: Store) -> None:
    created = await business_central_subscriptions()
    assert created.action == "created" and len(bc_store.all("subscriptions")) == 1

    _expire_in(bc_store, timedelta(days=2))
    assert (await business_central_subscriptions()).action == "kept"

    soon = _expire_in(bc_store, timedelta(hours=3))
    renewed = await business_central_subscriptions()
    assert renewed.action == "renewed" and renewed.subscription_id == created.subscription_id and renewed.expires > soon
    assert len(bc_store.all("subscriptions")) == 1
