"""Business Central webhooks end to end: ion-sync subscribes to purchase orders (BC calls the
receiver with a validation token, which it echoes), BC's notifications land in the inbox once
they carry our clientState, a forged one is refused, and the subscription is renewed before its
three days run out. The simulator runs in process, the receiver on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from connectors.business_central import literal
from erp.business_central.subscriptions import ensure_subscription, purchase_orders_offered
from ion_sync.webhooks.app import StoredEvent, create_app
from ion_sync.webhooks.sources import BusinessCentralWebhookSettings, WebhookSource, parse_business_central
from ledger.store import Ledger
from sandbox.business_central import BusinessCentralSimConfig
from sandbox.server import RunningServer, start
from tests.business_central_helpers import InProcessBc

PO = "PO5002"
CLIENT_STATE = "bc-client-state-5d1e"


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[RunningServer, list[StoredEvent]]]:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    source = WebhookSource(
        "business-central", BusinessCentralWebhookSettings(secret=CLIENT_STATE), parse_business_central, client_state=True
    )
    emitted: list[StoredEvent] = []
    server = start(create_app(ledger, {"business-central": source}, emit=emitted.extend))
    try:
        yield server, emitted
    finally:
        server.stop()
        ledger.close()


async def test_subscribe_receive_refuse_and_renew(receiver: tuple[RunningServer, list[StoredEvent]]) -> None:
    server, emitted = receiver
    url = f"{server.url}/webhooks/business-central"
    bc = InProcessBc(BusinessCentralSimConfig())
    async with bc.client() as client:
        assert await purchase_orders_offered(client) is True
        created = await ensure_subscription(client, url, CLIENT_STATE)
        assert created.action == "created" and bc.sim.webhooks.handshakes == 1
        assert (await ensure_subscription(client, url, CLIENT_STATE)).action == "kept"

        order = (
            await client.all("purchaseOrders", **{"$filter": f"number eq {literal('PO5002')}", "$expand": "purchaseOrderLines"})
        )[0]
        line = order["purchaseOrderLines"][1]
        await client.update(f"purchaseOrderLines({line['id']})", line["@odata.etag"], {"quantity": 45})
        for _ in range(100):
            if emitted:
                break
            await asyncio.sleep(0.02)
        [event] = emitted
        assert (event.event.event_type, event.event.object_id) == ("purchase_order.updated", order["id"])
        assert "clientState" not in event.event.payload

        assert len(bc.sim.store.all("subscriptions")) == 1  # kept: the receiver answered 200
        async with httpx.AsyncClient() as http:
            forged = {"value": [{**event.event.payload, "clientState": "guess"}]}
            assert (await http.post(url, json=forged)).status_code == 401
            replayed = {"value": [{**event.event.payload, "clientState": CLIENT_STATE}]}
            assert (await http.post(url, json=replayed)).json()["duplicates"] == 1

        for subscription in bc.sim.store.all("subscriptions"):
            subscription["expirationDateTime"] = "2099-01-01T00:00:00Z"
            bc.sim.store.put("subscriptions", subscription)
        assert (await ensure_subscription(client, url, CLIENT_STATE)).action == "kept"
        soon = bc.sim.store.all("subscriptions")[0]
        soon["expirationDateTime"] = (datetime.now(UTC) + timedelta(hours=2)).isoformat(timespec="seconds").replace("+00:00", "Z")
        bc.sim.store.put("subscriptions", soon)
        renewed = await ensure_subscription(client, url, CLIENT_STATE)
        assert renewed.action == "renewed" and bc.sim.webhooks.handshakes == 2
        assert renewed.expires > soon["expirationDateTime"]
