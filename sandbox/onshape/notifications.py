"""Webhook registrations and notification deliveries (https://onshape-public.github.io/docs/app-dev/webhook/,
https://cad.onshape.com/help/Content/Plans/webhooks.htm).

A registration names its events, its URL, `options.collapseEvents` (required) and, by event
group, a `companyId` (workflow group; or the document group for all of a company's documents)
or a `documentId`. Onshape then POSTs a trial `webhook.register`; a registration whose trial is
not answered 200 is cancelled. Each notification is JSON with the message body of its event;
with signature keys set, `X-onshape-webhook-timestamp` and `X-onshape-webhook-signature-primary`
(`-secondary`) = Base64(HMAC-SHA256(key, "<timestamp>.<payload>"))."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from sandbox.onshape.config import OnshapeSimConfig
from sandbox.onshape.store import Company, OnshapeError, iso

DOCUMENT_GROUP = frozenset(
    {
        "onshape.comment.create",
        "onshape.comment.delete",
        "onshape.comment.update",
        "onshape.document.lifecycle.created",
        "onshape.document.lifecycle.shared",
        "onshape.document.lifecycle.statechange",
        "onshape.model.lifecycle.changed",
        "onshape.model.lifecycle.changed.externalreferences",
        "onshape.model.lifecycle.createelement",
        "onshape.model.lifecycle.createversion",
        "onshape.model.lifecycle.createworkspace",
        "onshape.model.lifecycle.deleteelement",
        "onshape.model.lifecycle.metadata",
        "onshape.model.translation.complete",
        "onshape.revision.created",
    }
)
WORKFLOW_GROUP = frozenset({"onshape.workflow.transition"})


def register(company: Company, body: dict[str, Any]) -> dict[str, Any]:
    """Validate a BTWebhookParams body by its event group and store it (no de-duplication: every
    call is a new registration, as the docs say)."""
    events = body.get("events")
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise OnshapeError(400, "events must be a non-empty list of event names")
    unknown = [e for e in events if e not in DOCUMENT_GROUP | WORKFLOW_GROUP]
    if unknown:
        raise OnshapeError(400, f"Unsupported event type(s): {', '.join(unknown)}")
    if not body.get("url"):
        raise OnshapeError(400, "url must be provided")
    options = body.get("options")
    if not isinstance(options, dict) or not isinstance(options.get("collapseEvents"), bool):
        raise OnshapeError(400, "options.collapseEvents must be set to true or false")
    if set(events) & WORKFLOW_GROUP and body.get("companyId") != company.company_id:
        raise OnshapeError(400, "companyId must be specified for onshape.workflow.transition")
    if set(events) & DOCUMENT_GROUP and not (body.get("companyId") or body.get("documentId")):
        raise OnshapeError(400, "documentId or companyId must be specified")
    if body.get("companyId") not in (None, company.company_id) or body.get("documentId") not in (None, company.document_id):
        raise OnshapeError(404, "Company or document not found")
    webhook_id = company.new_id("9e")
    info = {
        "id": webhook_id,
        "url": body["url"],
        "events": events,
        "companyId": body.get("companyId"),
        "documentId": body.get("documentId"),
        "data": body.get("data"),
        "description": body.get("description"),
        "isTransient": body.get("isTransient", True),
        "options": {"collapseEvents": options["collapseEvents"]},
        "createdAt": iso(company.clock),
        "href": f"/api/webhooks/{webhook_id}",
    }
    company.webhooks[webhook_id] = info
    return info


def signature(key: str, timestamp: str, payload: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), timestamp.encode() + b"." + payload, hashlib.sha256).digest()).decode()


def _timestamp(config: OnshapeSimConfig) -> str:
    now = time.time()
    if config.webhook_timestamp_format == "epoch_ms":
        return str(int(now * 1000))
    if config.webhook_timestamp_format == "epoch_s":
        return str(int(now))
    return datetime.now(UTC).isoformat()


def message(company: Company, webhook: dict[str, Any], event: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
        "event": event,
        "webhookId": webhook["id"],
        "messageId": company.new_id("8e"),
        "data": webhook.get("data"),
        **fields,
    }


async def deliver(company: Company, config: OnshapeSimConfig, webhook: dict[str, Any], body: dict[str, Any]) -> int | None:
    """POST one notification; the status the URL answered (None: unreachable, or delivery off)."""
    payload = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if config.webhook_signature_primary or config.webhook_signature_secondary:
        stamp = _timestamp(config)
        headers["X-onshape-webhook-timestamp"] = stamp
        if config.webhook_signature_primary:
            headers["X-onshape-webhook-signature-primary"] = signature(config.webhook_signature_primary, stamp, payload)
        if config.webhook_signature_secondary:
            headers["X-onshape-webhook-signature-secondary"] = signature(config.webhook_signature_secondary, stamp, payload)
    status: int | None = None
    if config.deliver_webhooks:
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                status = (await http.post(webhook["url"], content=payload, headers=headers)).status_code
        except httpx.HTTPError:
            status = None
    with company.lock:
        company.deliveries.append({"webhookId": webhook["id"], "event": body["event"], "status": status, "body": body})
    return status


async def trial(company: Company, config: OnshapeSimConfig, webhook: dict[str, Any]) -> None:
    """The post-registration `webhook.register`; not answered 200 → the registration is cancelled."""
    await asyncio.sleep(0)
    status = await deliver(company, config, webhook, message(company, webhook, "webhook.register", {}))
    if config.deliver_webhooks and status != 200:
        with company.lock:
            company.webhooks.pop(webhook["id"], None)


def subscribers(company: Company, event: str) -> list[dict[str, Any]]:
    with company.lock:
        return [w for w in company.webhooks.values() if event in w["events"]]


async def announce_release(
    company: Company, config: OnshapeSimConfig, package: dict[str, Any], revisions: list[dict[str, Any]]
) -> None:
    """What a release that reached RELEASED sends: the workflow transition, then one
    `onshape.revision.created` per revision (BTWorkflowMessageBody, BTRevisionMessageBody)."""
    for webhook in subscribers(company, "onshape.workflow.transition"):
        fields = {
            "objectId": package["id"],
            "objectType": "RELEASE",
            "transitionName": "RELEASE",
            "workflowId": "onshape-default-release",
        }
        await deliver(company, config, webhook, message(company, webhook, "onshape.workflow.transition", fields))
    for revision in revisions:
        for webhook in subscribers(company, "onshape.revision.created"):
            fields = {
                "documentId": revision["documentId"],
                "versionId": revision["versionId"],
                "elementId": revision["elementId"],
                "elementType": revision["elementType"],
                "partId": revision["partId"],
                "partNumber": revision["partNumber"],
                "revisionId": revision["id"],
                "releaseId": revision["releaseId"],
                "transitionName": "RELEASE",
                "isToTerminalState": True,
            }
            await deliver(company, config, webhook, message(company, webhook, "onshape.revision.created", fields))
