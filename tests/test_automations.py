"""automations.yaml becomes automations on the Prefect server, sending through a Slack-style block."""

from __future__ import annotations

from prefect.client.orchestration import get_client
from typer.testing import CliRunner

from ion_sync.cli import app

runner = CliRunner()


def test_the_automations_are_created_with_the_notification_block(prefect_api, monkeypatch):
    monkeypatch.delenv("ION_SYNC_ALERT_WEBHOOK_URL", raising=False)
    missing = runner.invoke(app, ["automations"])
    assert missing.exit_code == 2 and "ION_SYNC_ALERT_WEBHOOK_URL" in missing.output

    secret_url = "https://hooks.slack.example/services/T000/B000/s3cr3t-hook-token"
    monkeypatch.setenv("ION_SYNC_ALERT_WEBHOOK_URL", secret_url)
    for _ in range(2):  # idempotent: replaced by name
        result = runner.invoke(app, ["automations"])
        assert result.exit_code == 0, result.output
    assert "s3cr3t" not in result.output

    import asyncio

    async def read():
        async with get_client() as client:
            found = [a for a in await client.read_automations() if a.name.startswith("ion-sync")]
            block = await client.read_block_document_by_name(
                "ion-sync-alerts", block_type_slug="custom-webhook", include_secrets=False
            )
            return found, block

    found, block = asyncio.run(read())
    assert sorted(a.name for a in found) == ["ion-sync health checks stopped", "ion-sync integration unhealthy"]
    unhealthy = next(a for a in found if a.name == "ion-sync integration unhealthy")
    assert unhealthy.trigger.expect == {
        "ion-sync.integration.failing",
        "ion-sync.integration.silent",
        "ion-sync.integration.warning",
    }
    assert all(action.block_document_id == block.id for a in found for action in a.actions)
    assert secret_url not in str(block.data), "the URL (it holds the channel's token) is kept as a secret"
