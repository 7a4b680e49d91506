"""Registering the Onshape webhook that announces releases to `ion-sync webhooks`.

Onshape does not de-duplicate registrations (every call is a new webhook, connectors/onshape/
README.md "Webhooks"), so one whose URL and events already match is kept instead of adding
another. It is registered non-transient (`isTransient: false`: a transient one is cleaned up
after inactivity) for the company (`companyId`: the workflow group requires it, and the
document group then covers every document of the company). Onshape POSTs a trial
`webhook.register` to the URL at once and cancels the registration unless it is answered 200,
so the receiver must already be listening: `ion-sync webhooks` registers it once it accepts
connections, when ONSHAPE_WEBHOOK_URL is set.
"""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.onshape import OnshapeClient
from connectors.onshape.models import Webhook

RELEASE_EVENTS = ("onshape.revision.created", "onshape.workflow.transition")


class RegistrationSettings(BaseSettings):
    """Where the receiver asks Onshape to send releases (the same ONSHAPE_WEBHOOK_ prefix as the
    signature key `ion-sync webhooks` verifies them with). Empty counts as unset, as an env
    file's `ONSHAPE_WEBHOOK_URL=` means."""

    model_config = SettingsConfigDict(env_prefix="ONSHAPE_WEBHOOK_", extra="ignore", env_ignore_empty=True)

    url: AnyHttpUrl | None = Field(
        None,
        description="the public URL of the receiver's Onshape route, e.g. https://sync.example.com/webhooks/onshape: "
        "`ion-sync webhooks` registers the release webhook to it once listening (unset: it registers none)",
    )


async def register_release_webhook(onshape: OnshapeClient, url: str) -> tuple[Webhook, bool]:
    """The company's webhook announcing releases to `url`, and whether it was created now."""
    for hook in await onshape.webhooks():
        if hook.url == url and set(RELEASE_EVENTS) <= set(hook.events):
            return hook, False
    body = {
        "companyId": onshape.settings.company_id,
        "events": list(RELEASE_EVENTS),
        "options": {"collapseEvents": False},
        "url": url,
        "isTransient": False,
        "description": "ion-sync: Onshape releases trigger plm-change-sync-onshape",
    }
    return await onshape.create_webhook(body), True
