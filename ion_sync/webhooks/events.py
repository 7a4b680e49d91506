"""Prefect events for accepted webhook events: what deployment triggers in `prefect.yaml` match.

Event name `<source>.<event type>`, e.g. `ion.run.update.complete`; resource id
`<source>.<kind>.<object id>`, e.g. `ion.run.1001`, labelled with the status; payload
`{inbox_id, event_id, object_id, status}`. The Prefect event id is derived from the source and
event id, so a re-emitted event is the same event to Prefect.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from prefect.events import emit_event

from ion_sync.webhooks.app import StoredEvent

NAMESPACE = uuid.UUID("8d3c1c7e-3a0e-4a43-9d55-5d1b6b1c2f11")


def prefect_event_name(source: str, event_type: str) -> str:
    return f"{source}.{event_type}"


def emit_prefect_events(stored: Sequence[StoredEvent]) -> None:
    for item in stored:
        event = item.event
        resource = {
            "prefect.resource.id": f"{item.source}.{event.kind}.{event.object_id or 'unknown'}",
            "prefect.resource.name": event.subject or event.kind,
            "ion-sync.source": item.source,
            "ion-sync.status": event.status or "",
        }
        emit_event(
            event=prefect_event_name(item.source, event.event_type),
            resource=resource,
            payload={
                "inbox_id": item.inbox_id,
                "event_id": event.event_id,
                "object_id": event.object_id,
                "status": event.status,
            },
            id=uuid.uuid5(NAMESPACE, f"{item.source}:{event.event_id}"),
        )
