"""The demo's webhook act: the receiver, signed and forged ION deliveries, the runs they trigger.

The ION simulator sends the deliveries (`POST /_sandbox/webhooks/send`), signed with the
demo's shared secret, or forged, unsigned, or replayed an hour late. Accepted events land in
the ledger inbox. The demo's embedded Prefect API runs no automations (and is started on
demand by the first flow, not by the receiver's thread), so instead of emitting Prefect events
the demo matches each accepted event against the triggers `prefect.yaml` declares and runs the
deployment with the trigger's rendered parameters, as a Prefect server would
(`tests/test_event_trigger_e2e.py` shows a real server and worker doing exactly that).
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jinja2
import yaml
from pydantic import SecretStr

from connectors.business_central import BusinessCentralClient, BusinessCentralSettings
from connectors.settings import load_settings
from erp.business_central.subscriptions import ensure_subscription
from ion_sync.deployments import load_deployments
from ion_sync.runner import RunResult, run_deployment
from ion_sync.webhooks.app import StoredEvent, create_app
from ion_sync.webhooks.events import prefect_event_name
from ion_sync.webhooks.sources import (
    BusinessCentralWebhookSettings,
    IonWebhookSettings,
    WebhookSource,
    parse_business_central,
    parse_ion,
)
from ledger.store import Ledger
from sandbox.server import RunningServer, start

DEMO_SECRET = "demo-ion-webhook-secret"
DEMO_BC_CLIENT_STATE = "demo-business-central-client-state"

DELIVERIES: list[tuple[str, dict[str, Any]]] = [
    ("run 1001 completed (signed)", {"event_id": 9001, "data": {"id": 1001, "status": "COMPLETE"}}),
    ("run 1002 completed (signed)", {"event_id": 9002, "data": {"id": 1002, "status": "COMPLETE"}}),
    ("run 1001 completed again (ION redelivers)", {"event_id": 9001, "data": {"id": 1001, "status": "COMPLETE"}}),
    ("PO 1 ordered (signed)", {"event_id": 9003, "resource": "PURCHASE_ORDER", "data": {"id": 1, "status": "ORDERED"}}),
    ("run 1003 completed (forged signature)", {"event_id": 9004, "data": {"id": 1003, "status": "COMPLETE"}, "forge": True}),
    ("run 1004 completed (unsigned)", {"event_id": 9005, "data": {"id": 1004, "status": "COMPLETE"}, "unsigned": True}),
    (
        "run 1009 completed (replayed an hour late)",
        {"event_id": 9006, "data": {"id": 1009, "status": "COMPLETE"}, "age_seconds": 3600},
    ),
]


@dataclass
class Receiver:
    server: RunningServer
    ledger: Ledger
    stored: list[StoredEvent]

    def stop(self) -> None:
        self.server.stop()
        self.ledger.close()


def start_receiver(database_url: str) -> Receiver:
    ledger = Ledger(database_url)
    stored: list[StoredEvent] = []
    sources = {
        "ion": WebhookSource("ion", IonWebhookSettings(secret=SecretStr(DEMO_SECRET)), parse_ion),
        "business-central": WebhookSource(
            "business-central",
            BusinessCentralWebhookSettings(secret=SecretStr(DEMO_BC_CLIENT_STATE)),
            parse_business_central,
            client_state=True,
        ),
    }
    return Receiver(start(create_app(ledger, sources, emit=stored.extend)), ledger, stored)


def business_central_notification(receiver: Receiver) -> None:
    """Subscribe the receiver to Business Central's purchase orders (BC calls it with a
    validation token, echoed), then change PO5001 in BC as a buyer would: BC notifies, the
    notification lands in the inbox and triggers purchase-order-sync-business-central."""
    url = f"{receiver.server.url}/webhooks/business-central"

    async def act() -> str:
        async with BusinessCentralClient(load_settings(BusinessCentralSettings)) as bc:
            state = await ensure_subscription(bc, url, DEMO_BC_CLIENT_STATE)
            [order] = await bc.all("purchaseOrders", **{"$filter": "number eq 'PO5001'"})
            await bc.update(f"purchaseOrders({order['id']})", order["@odata.etag"], {"requestedReceiptDate": "2026-12-15"})
            return state.action

    before = len(receiver.stored)
    action = asyncio.run(act())
    deadline = time.monotonic() + 10
    while len(receiver.stored) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    print(f"webhook {'Business Central subscription':45} -> {action} (handshake answered)")
    print(f"webhook {'BC PO5001 changed (clientState)':45} -> {len(receiver.stored) - before} event(s) in the inbox")


def send_deliveries(ion_url: str, receiver: Receiver) -> None:
    for label, delivery in DELIVERIES:
        body = {"url": f"{receiver.server.url}/webhooks/ion", "secret": DEMO_SECRET, **delivery}
        answer = httpx.post(f"{ion_url}/_sandbox/webhooks/send", json=body, timeout=30).json()
        outcome = answer["body"] if answer["status"] == 200 else answer["body"].get("error")
        print(f"webhook {label:45} -> {answer['status']} {outcome}")


def triggers() -> list[tuple[str, dict[str, Any]]]:
    return [(s.name, t) for s in load_deployments().values() for t in s.triggers if t.get("enabled", True)]


def matches(trigger: dict[str, Any], event_name: str, resource: dict[str, str]) -> bool:
    expected = trigger.get("expect") or ["*"]
    wanted = trigger.get("match") or {}
    return any(fnmatch.fnmatchcase(event_name, e) for e in expected) and all(
        fnmatch.fnmatchcase(resource.get(label, ""), pattern) for label, pattern in wanted.items()
    )


def render(parameters: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    rendered = {}
    for name, value in parameters.items():
        if isinstance(value, str) and "{{" in value:
            rendered[name] = yaml.safe_load(environment.from_string(value.replace("}}", "| tojson }}")).render(event=event))
        else:
            rendered[name] = value
    return rendered


def run_triggered(stored: list[StoredEvent]) -> list[RunResult]:
    results = []
    for item in stored:
        name = prefect_event_name(item.source, item.event.event_type)
        resource = {"prefect.resource.id": f"{item.source}.{item.event.kind}.{item.event.object_id}"}
        event = {"event": name, "resource": resource, "payload": {"object_id": item.event.object_id, "inbox_id": item.inbox_id}}
        for deployment, trigger in triggers():
            if matches(trigger, name, resource):
                params = render(trigger.get("parameters") or {}, event)
                print(
                    f"\n=== {deployment} (triggered by {name} about {resource['prefect.resource.id']}: {params}) ===", flush=True
                )
                results.append(run_deployment(deployment, params))
    return results


def fix_unmapped_location(workdir: Path) -> None:
    """What a person does before replaying run 1007's dead letter: map ION location 13."""
    mappings = Path(os.environ["ION_SYNC_CONFIG"])
    fixed = workdir / "mappings-fixed.yaml"
    fixed.write_text(
        mappings.read_text().replace("  items:", '    - {ion: 13, netsuite: "2", name: Long Beach / Quarantine}\n  items:', 1)
    )
    os.environ["ION_SYNC_CONFIG"] = str(fixed)
    print("\n(fixing the cause of run 1007's dead letter: ION location 13 mapped to NetSuite location 2)")
