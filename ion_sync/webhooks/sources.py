"""The registry of webhook senders: how each one signs, and how its body becomes events.

One entry per sender in `SOURCES`: a settings class (secret, signature header and encoding,
timestamp rules; the sender is enabled once its secret is set) and a strict parser. Contracts:
ION `../shared/reference/ion.md` §3.15 (payload and signature largely unpublished: every
uncertain part is a setting), Ramp `ramp.md` B8, QuickBooks `quickbooks.md` A13, Onshape connectors/onshape/README.md
("Webhooks").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictStr,
    StringConstraints,
    ValidationError,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.settings import load_settings
from connectors.validation import field_path
from ion_sync.webhooks.body import MalformedDelivery, load_json
from ion_sync.webhooks.limits import (
    NAME_MAX,
    OBJECT_ID_MAX,
    TEXT_MAX,
    TYPE_MAX,
    EventId,
    IntId,
    IonEventId,
    IonObjectId,
    Name,
    ObjectId,
)
from ion_sync.webhooks.signatures import (
    Encoding,
    SignatureRejected,
    signed_content,
    verify,
)
from ledger.inbox import payload_fingerprint


@dataclass(frozen=True)
class ParsedEvent:
    """One event of a delivery, as the inbox stores it and the Prefect event names it."""

    event_id: str
    event_type: str  # e.g. run.update.complete, purchase_orders.updated, qbo.bill.created.v1
    kind: str  # the object's kind, e.g. run, purchase_order
    object_id: str | None
    status: str | None
    occurred_at: datetime | None
    payload: dict[str, Any]
    retry_fields: tuple[str, ...] = ()  # payload keys a retry may renew: not part of the fingerprint

    @property
    def subject(self) -> str | None:
        return f"{self.kind}:{self.object_id}" if self.object_id is not None else None

    @property
    def fingerprint(self) -> str:
        """What a redelivery of this event id must match, or it is a conflict."""
        return payload_fingerprint(self.payload, self.retry_fields)


class HmacWebhookSettings(BaseSettings):
    """What every HMAC-signing sender needs; subclasses set the prefix and the defaults."""

    model_config = SettingsConfigDict(extra="ignore")

    secret: SecretStr | None = Field(None, description="the shared secret; the sender is accepted only once it is set")
    signature_header: str = Field(description="the request header carrying the signature")
    signature_encoding: Encoding = Field("hex", description="hex or base64 HMAC-SHA256")
    signature_prefix: str = Field("", description="a prefix the signature may carry, e.g. sha256=")
    timestamp_header: str = Field(
        "", description="a header carrying the delivery time (Unix seconds); when set, the signed content is <timestamp>.<body>"
    )
    tolerance_seconds: int = Field(
        300, ge=0, description="deliveries older (or newer) than this are refused as replays; 0 = no time check"
    )


class IonWebhookSettings(HmacWebhookSettings):
    model_config = SettingsConfigDict(env_prefix="ION_WEBHOOK_", extra="ignore")

    signature_header: str = Field("x-ion-signature", description="ION's signature header (ion.md §3.15)")
    signature_prefix: str = Field("sha256=", description="stripped when present; bare signatures are accepted too")


class RampWebhookSettings(HmacWebhookSettings):
    model_config = SettingsConfigDict(env_prefix="RAMP_WEBHOOK_", extra="ignore")

    signature_header: str = Field("x-ramp-webhook-signature", description="Ramp's signature header (ramp.md B8)")
    # Ramp signs no timestamp and retries for hours with the same created_at: redeliveries are
    # deduplicated by event id instead.
    tolerance_seconds: int = Field(0, ge=0, description="0: Ramp retries old events for hours")


class QuickBooksWebhookSettings(HmacWebhookSettings):
    model_config = SettingsConfigDict(env_prefix="QUICKBOOKS_WEBHOOK_", extra="ignore")

    signature_header: str = Field("intuit-signature", description="Intuit's signature header (quickbooks.md A13)")
    signature_encoding: Encoding = Field("base64", description="Intuit signs base64 HMAC-SHA256 with the verifier token")
    tolerance_seconds: int = Field(0, ge=0, description="0: Intuit's retry horizon is unpublished")


class OnshapeWebhookSettings(HmacWebhookSettings):
    model_config = SettingsConfigDict(env_prefix="ONSHAPE_WEBHOOK_", extra="ignore")
    secret: SecretStr | None = Field(
        None, description="the primary webhook signature key of Onshape's Company settings > Webhooks"
    )
    signature_header: str = Field(
        "x-onshape-webhook-signature-primary", description="Onshape's header for the primary key's signature"
    )
    signature_encoding: Encoding = Field("base64", description="Base64(HMAC-SHA256(key, <timestamp>.<payload>))")
    timestamp_header: str = Field("x-onshape-webhook-timestamp", description="signed with the body as <timestamp>.<body>")
    # The timestamp's format is undocumented (epoch seconds are not promised): replays are
    # deduplicated by Onshape's messageId instead of by age.
    tolerance_seconds: int = Field(0, ge=0, description="0: the timestamp's format is undocumented")


# -- parsers ----------------------------------------------------------------------------------


class _Strict(BaseModel):
    """Declared strings within TEXT_MAX; the limits of `limits` on ids and on what names events."""

    model_config = ConfigDict(extra="allow", str_max_length=TEXT_MAX)


class IonObject(_Strict):
    id: IonObjectId
    status: Name | None = None


class IonDelivery(_Strict):
    """Only the head is published (`event_id`, `subscription_id`, `resource`); the rest is
    ion.md's inference: `action`, the record in `data`, a timestamp."""

    event_id: IonEventId
    subscription_id: IntId | None = None
    resource: str = Field(pattern=rf"^[A-Za-z_]{{1,{NAME_MAX}}}$")
    action: Literal["CREATE", "UPDATE", "DELETE"]
    data: IonObject
    timestamp: datetime | None = Field(None, validation_alias=AliasChoices("timestamp", "created_at", "occurred_at"))


def ion_kind(resource: str) -> str:
    """RUN and RUNS alike (singular vs plural is unconfirmed): run, part_inventory, purchase_order."""
    name = resource.lower()
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def parse_ion(body: bytes) -> list[ParsedEvent]:
    delivery = _validate(IonDelivery, body, "ION")
    kind = ion_kind(delivery.resource)
    status = delivery.data.status
    event_type = f"{kind}.{delivery.action.lower()}" + (f".{status.lower()}" if status else "")
    return [
        ParsedEvent(
            event_id=str(delivery.event_id),
            event_type=event_type,
            kind=kind,
            object_id=str(delivery.data.id),
            status=status,
            occurred_at=delivery.timestamp,
            payload=delivery.model_dump(mode="json", by_alias=True),
            # INFERENCE (ion.md §3.15): a retry may carry its own delivery time; the rest is the event.
            retry_fields=("timestamp",),
        )
    ]


class RampObject(_Strict):
    id: ObjectId


class RampDelivery(_Strict):
    id: EventId
    type: str = Field(pattern=r"^[a-z_]+\.[a-z_.]+$", max_length=TYPE_MAX)
    created_at: datetime
    business_id: StrictStr | None = None
    object: RampObject | None = None


def parse_ramp(body: bytes) -> list[ParsedEvent]:
    delivery = _validate(RampDelivery, body, "Ramp")
    return [
        ParsedEvent(
            event_id=delivery.id,
            event_type=delivery.type,
            kind=delivery.type.split(".")[0],
            object_id=delivery.object.id if delivery.object else None,
            status=None,
            occurred_at=delivery.created_at,
            payload=delivery.model_dump(mode="json"),
        )
    ]


class CloudEvent(_Strict):
    specversion: StrictStr
    id: EventId
    type: str = Field(pattern=r"^[a-z0-9_.]+$", max_length=TYPE_MAX)
    time: datetime
    intuitentityid: ObjectId | None = None
    intuitaccountid: StrictStr | None = None


class LegacyEntity(_Strict):
    id: ObjectId
    operation: Name
    name: Name
    lastUpdated: datetime


class LegacyNotification(_Strict):
    realmId: StrictStr
    dataChangeEvent: dict[str, list[LegacyEntity]]


class LegacyDelivery(_Strict):
    eventNotifications: list[LegacyNotification] = Field(min_length=1)


def parse_quickbooks(body: bytes) -> list[ParsedEvent]:
    """CloudEvents (an array) or the legacy `eventNotifications` payload; legacy entities have
    no event id, so one is derived from realm, entity, operation and time."""
    raw = load_json(body, "QuickBooks")
    if isinstance(raw, list):
        events = [_validate_obj(CloudEvent, item, "QuickBooks", (i,)) for i, item in enumerate(raw)]
        return [
            ParsedEvent(
                event_id=e.id,
                event_type=e.type,
                kind=e.type.split(".")[1] if e.type.count(".") >= 2 else e.type,
                object_id=e.intuitentityid,
                status=None,
                occurred_at=e.time,
                payload=e.model_dump(mode="json"),
            )
            for e in events
        ]
    legacy = _validate_obj(LegacyDelivery, raw, "QuickBooks")
    parsed = []
    for note in legacy.eventNotifications:
        for entity in note.dataChangeEvent.get("entities", []):
            identity = f"{note.realmId}:{entity.name}:{entity.id}:{entity.operation}:{entity.lastUpdated.isoformat()}"
            parsed.append(
                ParsedEvent(
                    event_id=hashlib.sha256(identity.encode()).hexdigest()[:32],
                    event_type=f"qbo.{entity.name.lower()}.{entity.operation.lower()}",
                    kind=entity.name.lower(),
                    object_id=entity.id,
                    status=None,
                    occurred_at=entity.lastUpdated,
                    payload={"realmId": note.realmId, **entity.model_dump(mode="json")},
                )
            )
    return parsed


OnshapeText = Annotated[str, StringConstraints(strict=True, max_length=OBJECT_ID_MAX)]


class OnshapeDelivery(_Strict):
    """A notification: BTWebhookLifecycleMessageBody, BTDocumentMessageBody, BTRevisionMessageBody
    or BTWorkflowMessageBody (Glassworks spec); which ids are set depends on `event`."""

    event: str = Field(pattern=r"^[a-z][a-z0-9_.]*$", max_length=TYPE_MAX)
    messageId: EventId
    webhookId: OnshapeText | None = None
    timestamp: OnshapeText | None = None
    documentId: OnshapeText | None = None
    versionId: OnshapeText | None = None
    elementId: OnshapeText | None = None
    partNumber: OnshapeText | None = None
    revisionId: OnshapeText | None = None
    releaseId: OnshapeText | None = None
    objectId: OnshapeText | None = None
    transitionName: OnshapeText | None = None


def _onshape_time(text: str | None) -> datetime | None:
    """The body's `timestamp` ("2024-05-05T23:45:10.611-0500" in Onshape's examples)."""
    try:
        return datetime.strptime(text or "", "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return None


def parse_onshape(body: bytes) -> list[ParsedEvent]:
    """One event per notification, typed without the `onshape.` prefix (`revision.created`,
    `workflow.transition`, `webhook.register`); its object the revision, the workflow object
    (release package), the webhook, or else the document."""
    delivery = _validate(OnshapeDelivery, body, "Onshape")
    event_type = delivery.event.removeprefix("onshape.")
    kind = event_type.split(".")[0]
    object_id = {"revision": delivery.revisionId, "workflow": delivery.objectId, "webhook": delivery.webhookId}.get(
        kind, delivery.documentId
    )
    return [
        ParsedEvent(
            event_id=delivery.messageId,
            event_type=event_type,
            kind=kind,
            object_id=object_id,
            status=delivery.transitionName,
            occurred_at=_onshape_time(delivery.timestamp),
            payload=delivery.model_dump(mode="json"),
        )
    ]


def _validate_obj(model: type[BaseModel], raw: Any, sender: str, at: tuple[int | str, ...] = ()) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = "; ".join(f"{field_path(at + e['loc']) or 'body'}: {e['msg']}" for e in errors)
        first = field_path(at + errors[0]["loc"]) or "body"
        raise MalformedDelivery(first, f"the {sender} delivery does not match its contract: {problems[:1000]}") from None


def _validate(model: type[BaseModel], body: bytes, sender: str) -> Any:
    return _validate_obj(model, load_json(body, sender), sender)


# -- the registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceType:
    settings: type[HmacWebhookSettings]
    parse: Callable[[bytes], list[ParsedEvent]]


SOURCES: dict[str, SourceType] = {
    "ion": SourceType(IonWebhookSettings, parse_ion),
    "ramp": SourceType(RampWebhookSettings, parse_ramp),
    "quickbooks": SourceType(QuickBooksWebhookSettings, parse_quickbooks),
    "onshape": SourceType(OnshapeWebhookSettings, parse_onshape),
}


@dataclass(frozen=True)
class WebhookSource:
    name: str
    settings: HmacWebhookSettings
    parse: Callable[[bytes], list[ParsedEvent]]

    def accept(self, headers: Mapping[str, str], body: bytes, now: datetime | None = None) -> list[ParsedEvent]:
        """Verify, parse and check the age of one delivery. SignatureRejected (401) for an
        unsigned, forged or stale one; MalformedDelivery (400) for a signed one of the wrong shape.
        The body is parsed only after its signature checked out."""
        s = self.settings
        assert s.secret is not None
        timestamp = headers.get(s.timestamp_header) if s.timestamp_header else None
        if s.timestamp_header and not timestamp:
            raise SignatureRejected(f"the delivery has no {s.timestamp_header} header")
        verify(
            s.secret.get_secret_value().encode(),
            signed_content(body, timestamp),
            headers.get(s.signature_header),
            encoding=s.signature_encoding,
            prefix=s.signature_prefix,
        )
        events = self.parse(body)
        if s.tolerance_seconds:
            now = now or datetime.now(UTC)
            for sent in [_unix(timestamp)] if timestamp else [e.occurred_at for e in events]:
                if sent is None:
                    raise SignatureRejected("the delivery carries no time, so a replay cannot be ruled out")
                age = abs((now - (sent if sent.tzinfo else sent.replace(tzinfo=UTC))).total_seconds())
                if age > s.tolerance_seconds:
                    raise SignatureRejected(f"the delivery is {int(age)} s old (tolerance {s.tolerance_seconds} s): a replay")
        return events


def _unix(value: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def load_sources(names: list[str] | None = None) -> dict[str, WebhookSource]:
    """The senders whose secret is set (all of `SOURCES`, or `names`)."""
    enabled = {}
    for name, kind in SOURCES.items():
        if names is not None and name not in names:
            continue
        settings = load_settings(kind.settings)
        if settings.secret is not None and settings.secret.get_secret_value():
            enabled[name] = WebhookSource(name, settings, kind.parse)
    return enabled
