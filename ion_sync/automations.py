"""`ion-sync automations`: create the notification automations of `automations.yaml` on the
Prefect server, with the notification block their actions send through."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client
from prefect.events.schemas.automations import AutomationCore
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.errors import ConfigError
from core.config import read_yaml
from ion_sync.deployments import PROJECT_ROOT

AUTOMATIONS_YAML = PROJECT_ROOT / "automations.yaml"
DEFAULT_BLOCK = "ion-sync-alerts"


class AlertSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ION_SYNC_ALERT_", extra="ignore")

    webhook_url: SecretStr | None = Field(
        None, description='an incoming-webhook URL taking Slack\'s {"text": ...} body (Slack, Mattermost, Rocket.Chat, ...)'
    )


def load_automations(block_document_id: UUID, path: Path = AUTOMATIONS_YAML) -> list[AutomationCore]:
    raw = read_yaml(path.read_text()) or {}
    automations = []
    for spec in raw.get("automations", []):
        actions: list[dict[str, Any]] = [
            {**action, "block_document_id": str(block_document_id)} if action.get("type") == "send-notification" else action
            for action in spec.get("actions", [])
        ]
        automations.append(AutomationCore.model_validate({**spec, "actions": actions}))
    return automations


async def notification_block(block_name: str | None, settings: AlertSettings) -> UUID:
    """The id of the block named `block_name`, or of a Slack-style webhook block saved from the setting."""
    if block_name:
        async with get_client() as client:
            documents = [d for d in await client.read_block_documents() if d.name == block_name]
        if not documents:
            raise ConfigError(f"no notification block named {block_name!r} on the Prefect server")
        return documents[0].id
    if settings.webhook_url is None:
        raise ConfigError("set ION_SYNC_ALERT_WEBHOOK_URL to a Slack-style incoming-webhook URL, or pass --block <name>")
    return await slack_style_block(settings.webhook_url).save(DEFAULT_BLOCK, overwrite=True)


def slack_style_block(url: SecretStr) -> CustomWebhookNotificationBlock:
    """POSTs Slack's incoming-webhook body, `{"text": ...}`, which Slack and its look-alikes
    accept. The URL carries the channel's token, so it is kept among the block's secrets."""
    return CustomWebhookNotificationBlock(
        name=DEFAULT_BLOCK,
        url="{{webhook_url}}",
        json_data={"text": "*{{subject}}*\n{{body}}"},
        secrets={"webhook_url": url.get_secret_value()},
    )


async def apply_automations(block_name: str | None = None, path: Path = AUTOMATIONS_YAML) -> list[str]:
    """Create every automation of the file, replacing any of the same name. Returns their names."""
    block_id = await notification_block(block_name, AlertSettings())
    created = []
    async with get_client() as client:
        for automation in load_automations(block_id, path):
            for existing in await client.read_automations_by_name(automation.name):
                await client.delete_automation(existing.id)
            await client.create_automation(automation)
            created.append(automation.name)
    return created
