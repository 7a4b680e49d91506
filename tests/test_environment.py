"""The one environment loader: every problem at once, and credentials from Prefect Secret blocks."""

from __future__ import annotations

import pytest
from prefect.blocks.system import Secret

from connectors.errors import ConfigError
from connectors.netsuite import NetSuiteSettings
from core.environment import load_environment, settings_from_environment

pytestmark = pytest.mark.usefixtures("prefect_api")


@pytest.fixture
def netsuite_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in {
        "NETSUITE_ACCOUNT_ID": "1234567_SB1",
        "NETSUITE_AUTH": "tba",
        "NETSUITE_CONSUMER_KEY": "ck",
        "NETSUITE_CONSUMER_SECRET": "cs",
        "NETSUITE_TOKEN_ID": "ti",
        "NETSUITE_TOKEN_SECRET": "plain",
    }.items():
        monkeypatch.setenv(variable, value)


def test_a_credential_can_come_from_a_prefect_secret_block(netsuite_env, monkeypatch):
    Secret(value="from-the-block").save("ion-sync-test-token-secret", overwrite=True)
    monkeypatch.setenv("NETSUITE_TOKEN_SECRET", "prefect-secret:ion-sync-test-token-secret")
    settings = settings_from_environment(NetSuiteSettings)
    assert settings.token_secret is not None and settings.token_secret.get_secret_value() == "from-the-block"


def test_a_missing_secret_block_names_the_variable_and_the_block(netsuite_env, monkeypatch):
    monkeypatch.setenv("NETSUITE_TOKEN_SECRET", "prefect-secret:no-such-block")
    with pytest.raises(ConfigError, match="NETSUITE_TOKEN_SECRET names the Prefect Secret block 'no-such-block'"):
        settings_from_environment(NetSuiteSettings)


def test_every_missing_setting_is_reported_at_once_before_anything_is_written(monkeypatch, tmp_path):
    monkeypatch.delenv("NETSUITE_ACCOUNT_ID", raising=False)
    monkeypatch.delenv("ION_CLIENT_ID", raising=False)
    monkeypatch.setenv("ION_SYNC_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError) as stopped:
        load_environment("netsuite")
    message = str(stopped.value)
    assert message.startswith("configuration is incomplete; nothing was written")
    assert "NETSUITE_ACCOUNT_ID" in message and "ION_CLIENT_ID" in message and "missing.yaml" in message
