"""API subscriptions and notifications [BC-WEBHOOKS], [BC-SUBSCRIPTION]: the validation-token
handshake on create and renew, clientState echoed in every notification, expiry after three
days, at most 200 per environment [BC-LIMITS-ENV], one POST per change to each subscriber."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from .company import now_text
from .config import BusinessCentralSimConfig
from .errors import BcError, invalid
from .store import Store

log = logging.getLogger("sandbox.business_central.webhooks")
SUBSCRIPTIONS = "subscriptions"
RESOURCE = re.compile(r"^/?api/v2\.0/companies\(([0-9a-fA-F-]+)\)/([A-Za-z]+)$")


class Webhooks:
    def __init__(self, config: BusinessCentralSimConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.delivered = 0
        self.failed = 0
        self.handshakes = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def render(self, subscription: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in subscription.items() if not k.startswith("_") and k != "id"}
        return {"@odata.etag": f'W/"{subscription["subscriptionId"]};{subscription["_v"]}"', **shown}

    def etag(self, subscription: dict[str, Any]) -> str:
        return str(self.render(subscription)["@odata.etag"])

    def _resource(self, raw: Any) -> tuple[str, str]:
        text = str(raw or "")
        path = text.split("/v2.0/", 1)[-1] if text.startswith("http") else text  # absolute or relative [BC-SUBSCRIPTION]
        if path.startswith("http"):
            path = ""
        found = RESOURCE.match(path if path.startswith(("api/", "/api/")) else f"api/v2.0/{path.lstrip('/')}")
        if not found or found.group(1).lower() != self.config.company_id.lower():
            raise invalid(f"The resource '{text}' is not a valid resource of this environment.")  # INFERENCE wording
        if found.group(2) not in self.config.webhook_resources:
            raise invalid(f"The resource '{found.group(2)}' does not support webhooks.")  # INFERENCE wording
        return found.group(1).lower(), found.group(2)

    async def handshake(self, url: str) -> None:
        """POST `<notificationUrl>?validationToken=…`; the subscriber must answer 200 with the token
        as the body (method POST: INFERENCE, the doc says 'issues a request')."""
        token = str(uuid.uuid4())
        self.handshakes += 1
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                response = await http.post(url, params={"validationToken": token})
        except httpx.HTTPError as exc:
            raise invalid(f"The subscriber at {url} could not be reached: {type(exc).__name__}") from None
        if response.status_code != 200 or response.text.strip().strip('"') != token:
            raise invalid(f"The subscriber at {url} did not return the validationToken with 200 OK.")  # INFERENCE wording

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - {"notificationUrl", "resource", "clientState"}
        if unknown or not body.get("notificationUrl"):
            raise invalid("notificationUrl and resource are required; only clientState may be added.")
        if len(str(body.get("clientState") or "")) > 2048:
            raise invalid("clientState is at most 2048 characters.")  # [BC-WEBHOOKS] "optionalValueOf2048"
        self._resource(body.get("resource"))
        if len(self.live()) >= self.config.max_subscriptions:
            raise BcError(400, "BadRequest", "The maximum number of webhook subscriptions has been reached.")
        await self.handshake(str(body["notificationUrl"]))
        subscription_id = uuid.uuid4().hex
        subscription = {
            "id": subscription_id,
            "subscriptionId": subscription_id,
            "notificationUrl": body["notificationUrl"],
            "resource": body["resource"],
            "clientState": body.get("clientState") or "",
            "userId": str(uuid.UUID(int=0)),
            "lastModifiedDateTime": now_text(),
            "expirationDateTime": self._expiry(),
            "_v": 1,
        }
        return self.store.put(SUBSCRIPTIONS, subscription)

    async def renew(self, subscription_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
        subscription = self.get(subscription_id)
        if if_match != self.etag(subscription) and if_match != "*":
            raise BcError(self.config.etag_status, "Request_EntityChanged", "Another user has already changed the record.")
        if set(body) - {"notificationUrl", "resource", "clientState"}:
            raise invalid("Only notificationUrl, resource and clientState may be changed.")
        subscription.update(body)
        await self.handshake(str(subscription["notificationUrl"]))
        subscription.update(expirationDateTime=self._expiry(), lastModifiedDateTime=now_text(), _v=subscription["_v"] + 1)
        return self.store.put(SUBSCRIPTIONS, subscription)

    def delete(self, subscription_id: str) -> None:
        self.get(subscription_id)
        self.store.delete(SUBSCRIPTIONS, subscription_id)

    def get(self, subscription_id: str) -> dict[str, Any]:
        found = self.store.get(SUBSCRIPTIONS, subscription_id)
        if found is None:
            raise BcError(404, "BadRequest_NotFound", "The subscription does not exist.")
        return found

    def live(self) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        alive = []
        for subscription in self.store.all(SUBSCRIPTIONS):
            if datetime.fromisoformat(subscription["expirationDateTime"].replace("Z", "+00:00")) <= now:
                self.store.delete(SUBSCRIPTIONS, subscription["id"])  # expired, not renewed [BC-WEBHOOKS]
            else:
                alive.append(subscription)
        return alive

    def _expiry(self) -> str:
        expires = datetime.now(UTC) + timedelta(days=self.config.subscription_days)
        return expires.isoformat(timespec="seconds").replace("+00:00", "Z")

    def changed(self, entity_set: str, entity_id: str, change_type: str) -> None:
        """Called by the company after a change: one notification per subscriber of that set."""
        if not self.config.deliver_webhooks:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # seeding: nobody listens yet
        for subscription in self.live():
            if self._resource(subscription["resource"])[1] != entity_set:
                continue
            note = {
                "subscriptionId": subscription["subscriptionId"],
                "clientState": subscription["clientState"],
                "expirationDateTime": subscription["expirationDateTime"],
                "resource": f"api/v2.0/companies({self.config.company_id})/{entity_set}({entity_id})",
                "changeType": change_type,
                "lastModifiedDateTime": now_text(),
            }
            task = loop.create_task(self._deliver(subscription, {"value": [note]}))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, subscription: dict[str, Any], payload: dict[str, Any]) -> None:
        """A subscriber answering anything but 408, 429 or 5xx loses its subscription [BC-WEBHOOKS]
        (the 36 hours of retries are not simulated: a failure is counted)."""
        await asyncio.sleep(self.config.webhook_delay_seconds)
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                response = await http.post(str(subscription["notificationUrl"]), json=payload)
        except httpx.HTTPError:
            self.failed += 1
            return
        if response.status_code < 300:
            self.delivered += 1
            return
        self.failed += 1
        if response.status_code not in (408, 429) and response.status_code < 500:
            self.store.delete(SUBSCRIPTIONS, subscription["id"])
        log.info("notification to %s answered %s", subscription["notificationUrl"], response.status_code)
