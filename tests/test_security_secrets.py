"""No secret in logs, artifacts, events, exception messages or the ledger: secrets are injected,
the webhook receiver, consumption-sync and integration-health run, and everything they left
behind is scanned for them."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from prefect.client.orchestration import get_client
from prefect.client.schemas.sorting import ArtifactSort, LogSort
from prefect.logging.handlers import APILogHandler

from connectors.errors import ConfigError
from flows.integration_health import integration_health
from flows.integrations import INTEGRATIONS, Integration
from ion_sync.runner import run_deployment
from ion_sync.webhooks.app import create_app
from ion_sync.webhooks.events import emit_prefect_events
from ion_sync.webhooks.sources import load_sources
from ledger.credentials import Credentials
from ledger.store import Ledger
from sandbox.server import start
from tests.http import HTTP

pytestmark = pytest.mark.usefixtures("prefect_api")

WEBHOOK_SECRET = "whsec-S3CRET-ion-4f1d9a"
ACCESS_TOKEN = "at-S3CRET-access-77aa"
REFRESH_TOKEN = "rt-S3CRET-refresh-99bb"
ALERT_URL = "https://hooks.slack.example/services/T1/B2/S3CRET-hook"


async def prefect_records() -> str:
    """Every artifact, log line and event the Prefect API holds, as text."""
    await APILogHandler.aflush()
    async with get_client() as client:
        # the newest first: the test server holds earlier tests' records too, and a page is 200
        artifacts = await client.read_artifacts(sort=ArtifactSort.CREATED_DESC)
        logs = await client.read_logs(sort=LogSort.TIMESTAMP_DESC)
        events = (await client._client.post("/events/filter", json={"limit": 50})).json()
    parts = [f"{a.key} {a.description} {a.data}" for a in artifacts] + [log.message for log in logs]
    return "\n".join(parts) + str(events)


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.exc_text or ''}")


def test_injected_secrets_never_leave_their_settings(world, monkeypatch, capsys):
    captured_logs = Captured()
    root = logging.getLogger()
    root.addHandler(captured_logs)
    monkeypatch.setattr(root, "level", logging.DEBUG)
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("ION_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("ION_SYNC_CREDENTIALS_KEY", key)
    monkeypatch.setenv("ION_SYNC_ALERT_WEBHOOK_URL", ALERT_URL)
    secrets = [WEBHOOK_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, ALERT_URL, key, world.env["ION_CLIENT_SECRET"]]
    secrets += [Path(world.env["NETSUITE_PRIVATE_KEY_PATH"]).read_text().splitlines()[1]]  # a line of the PEM key

    ledger = Ledger(world.ledger_url)
    expires = datetime.now(UTC) + timedelta(hours=1)
    Credentials(ledger).put(
        "quickbooks:realm-1",
        {
            "access_token": ACCESS_TOKEN,
            "refresh_token": REFRESH_TOKEN,
            "refresh_token_expires_at": (expires + timedelta(days=3)).isoformat(),
        },
        expires_at=expires,
    )
    monkeypatch.setitem(
        INTEGRATIONS,
        "quickbooks-sync",
        Integration(name="quickbooks-sync", sla=timedelta(hours=1), credentials=("quickbooks:realm-1",)),
    )

    server = start(create_app(ledger, load_sources(), emit=emit_prefect_events))
    messages = []
    try:
        for delivery in ({}, {"forge": True}, {"unsigned": True}, {"age_seconds": 4000}):
            body = {
                "url": f"{server.url}/webhooks/ion",
                "secret": WEBHOOK_SECRET,
                "data": {"id": 1001, "status": "COMPLETE"},
                **delivery,
            }
            answer = HTTP.post(f"{world.sandbox.ion.url}/_sandbox/webhooks/send", json=body, timeout=30).json()
            messages.append(str(answer))
    finally:
        server.stop()
    monkeypatch.setenv("ION_WEBHOOK_SIGNATURE_ENCODING", "rot13")
    with pytest.raises(ConfigError) as bad_setting:
        load_sources()
    monkeypatch.delenv("ION_WEBHOOK_SIGNATURE_ENCODING")
    messages.append(str(bad_setting.value))
    with pytest.raises(ConfigError) as wrong_key:
        Credentials(ledger, key=Fernet.generate_key().decode()).get("quickbooks:realm-1")
    messages.append(str(wrong_key.value))

    assert run_deployment("consumption-sync").ok
    health = asyncio.run(integration_health())
    assert "quickbooks-sync" in health.verdicts

    ledger.close()
    root.removeHandler(captured_logs)
    ledger_bytes = b"".join(p.read_bytes() for p in Path(world.ledger_url.removeprefix("sqlite:///")).parent.glob("ledger.db*"))
    captured = capsys.readouterr()
    scanned = {
        "logs": "\n".join(captured_logs.lines) + captured.out + captured.err,
        "prefect (artifacts, logs, events)": asyncio.run(prefect_records()),
        "exception messages and answers": "\n".join(messages),
    }
    for secret in secrets:
        for where, text in scanned.items():
            assert secret not in text, f"a secret leaked into {where}"
        assert secret.encode() not in ledger_bytes, "a secret is in the ledger in clear"
    # the scan saw what it should: the receiver's refusals, the flows' logs, the health report
    assert "refused a ion delivery" in scanned["logs"]
    assert "consumption-sync: {" in scanned["prefect (artifacts, logs, events)"]
    assert "quickbooks-sync" in scanned["prefect (artifacts, logs, events)"]
