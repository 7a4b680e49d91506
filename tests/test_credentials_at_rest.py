"""OAuth tokens are encrypted in the ledger by default: with no ION_SYNC_CREDENTIALS_KEY, a key
is generated into the user's data directory (owner-only), and a credential stored with another
key is refused with a message that says which key was used and what to do."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import insert, select

from connectors.errors import ConfigError
from ledger.credentials import KEY_VARIABLE, Credentials, key_file
from ledger.models import Credential
from ledger.store import Ledger, utcnow

TOKENS = {"access_token": "at-CLEAR-1234", "refresh_token": "rt-CLEAR-5678"}


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    opened = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield opened
    opened.close()


def raw_value(ledger: Ledger, name: str) -> dict:
    with ledger._tx() as s:
        return s.scalar(select(Credential.value).where(Credential.name == name))


def test_with_no_key_set_a_token_is_stored_encrypted_under_a_generated_owner_only_key(ledger, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="ledger.credentials"):
        Credentials(ledger).put("quickbooks:realm-1", TOKENS)
    path = key_file()
    assert path == tmp_path / "data" / "ion-sync" / "credentials.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert str(path) in caplog.text and KEY_VARIABLE in caplog.text, "the first generation says where and how to move it"
    assert set(raw_value(ledger, "quickbooks:realm-1")) == {"fernet"}
    ledger_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("ledger.db*"))
    assert b"CLEAR" not in ledger_bytes
    again = Credentials(ledger).get("quickbooks:realm-1")
    assert again is not None and again.value == TOKENS and again.encrypted
    Credentials(ledger).put("quickbooks:realm-2", TOKENS)
    assert "Generated" not in caplog.text.split(str(path), 1)[1], "one key, generated once"


def test_a_wrong_key_is_refused_naming_the_key_and_what_to_do(ledger, monkeypatch):
    Credentials(ledger).put("quickbooks:realm-1", TOKENS)
    monkeypatch.setenv(KEY_VARIABLE, Fernet.generate_key().decode())
    with pytest.raises(ConfigError) as wrong:
        Credentials(ledger).get("quickbooks:realm-1")
    assert f"credential quickbooks:realm-1 cannot be decrypted with {KEY_VARIABLE}" in str(wrong.value)
    assert f"Set {KEY_VARIABLE} to that key" in str(wrong.value)
    monkeypatch.delenv(KEY_VARIABLE)
    key_file().unlink()
    with pytest.raises(ConfigError) as missing:
        Credentials(ledger).get("quickbooks:realm-1")
    assert f"{KEY_VARIABLE} is not set and {key_file()} does not exist" in str(missing.value)


def test_an_invalid_key_variable_stops_at_once(ledger, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, "not-a-key")
    with pytest.raises(ConfigError, match=f"{KEY_VARIABLE} is not a Fernet key .*Fernet.generate_key"):
        Credentials(ledger)


def test_a_key_moved_to_the_variable_reads_what_the_file_key_stored(ledger, monkeypatch):
    Credentials(ledger).put("quickbooks:realm-1", TOKENS)
    monkeypatch.setenv(KEY_VARIABLE, key_file().read_text().strip())
    key_file().unlink()
    stored = Credentials(ledger).get("quickbooks:realm-1")
    assert stored is not None and stored.value == TOKENS


def test_a_clear_text_row_is_read_then_encrypted_on_its_next_write(ledger):
    with ledger._tx() as s:  # as an older version stored it
        s.execute(insert(Credential).values(name="quickbooks:realm-1", value=TOKENS, expires_at=None, updated_at=utcnow()))
    store = Credentials(ledger)
    old = store.get("quickbooks:realm-1")
    assert old is not None and old.value == TOKENS and not old.encrypted
    store.rotate("quickbooks:realm-1", lambda current: ({**(current or {}), "access_token": "at-CLEAR-new"}, None))
    assert set(raw_value(ledger, "quickbooks:realm-1")) == {"fernet"}
    assert store.get("quickbooks:realm-1").value["refresh_token"] == TOKENS["refresh_token"]
