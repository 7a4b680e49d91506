"""Credentials that must survive between runs, above all OAuth refresh tokens that rotate:
a provider that hands out a new refresh token invalidates the old one, so the new one is
written here the moment it is received, or the integration loses its connection.

Values are always encrypted (Fernet) before they reach the database, so the ledger never holds
a token in clear; expiry times stay readable for integration-health. The key is
`ION_SYNC_CREDENTIALS_KEY` when set (a secret store's job in production); otherwise a key file
in the user's data directory (`credentials.key`, mode 0600 in a 0700 directory), generated on
the first write. Rows stored in clear by an older version are read as they are and encrypted
on their next write.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, update

from connectors.errors import ConfigError, InfrastructureError
from connectors.settings import data_dir
from ledger.models import Credential
from ledger.store import Ledger, _insert_ignore, to_naive_utc, utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredCredential:
    name: str
    value: dict[str, Any]
    expires_at: datetime | None
    updated_at: datetime
    encrypted: bool = False


KEY_VARIABLE = "ION_SYNC_CREDENTIALS_KEY"
_SEALED = "fernet"
_NEW_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


def key_file() -> Path:
    return data_dir() / "credentials.key"


class Credentials:
    """The credential table, sealed with the key given, else `ION_SYNC_CREDENTIALS_KEY`, else the key file."""

    def __init__(self, ledger: Ledger, key: str | None = None) -> None:
        self.ledger = ledger
        if key is None and os.environ.get(KEY_VARIABLE):
            key, self._key_source = os.environ[KEY_VARIABLE], KEY_VARIABLE
        else:
            self._key_source = "the key given"
        self._fernet = (
            _fernet(key, f"{self._key_source} is not a Fernet key", f"set it to a key made by {_NEW_KEY}") if key else None
        )

    def get(self, name: str) -> StoredCredential | None:
        with self.ledger._tx() as s:
            row = s.get(Credential, name)
            if row is None:
                return None
            return StoredCredential(row.name, self._unseal(name, row.value), row.expires_at, row.updated_at, _sealed(row.value))

    def expiry(self, name: str) -> datetime | None:
        """The access token's expiry, readable without the key."""
        with self.ledger._tx() as s:
            return s.scalar(select(Credential.expires_at).where(Credential.name == name))

    def _key(self, *, create: bool) -> Fernet | None:
        """The Fernet of the configured key; without one, the key file's (made now if `create`)."""
        if self._fernet is None:
            path = key_file()
            try:
                if not path.is_file() and create:
                    _write_new_key(path)
                text = path.read_text().strip() if path.is_file() else None
            except OSError as exc:
                raise InfrastructureError(
                    f"the credentials key file {path} cannot be {'created' if create else 'read'} ({exc.strerror}): make "
                    f"{path.parent} writable by this user (mode 0700), or set {KEY_VARIABLE} to a key made by {_NEW_KEY}"
                ) from None
            if text is not None:
                self._key_source = f"the key file {path}"
                self._fernet = _fernet(
                    text,
                    f"{path} does not hold a Fernet key",
                    f"restore the file from a backup or set {KEY_VARIABLE} to the key the credentials were stored with",
                )
        return self._fernet

    def _seal(self, value: dict[str, Any]) -> dict[str, Any]:
        fernet = self._key(create=True)
        assert fernet is not None
        return {_SEALED: fernet.encrypt(json.dumps(value).encode()).decode()}

    def _unseal(self, name: str, stored: dict[str, Any]) -> dict[str, Any]:
        return self._open(name, stored[_SEALED]) if _sealed(stored) else stored

    def _open(self, name: str, token: str) -> dict[str, Any]:
        fernet = self._key(create=False)
        if fernet is None:
            raise ConfigError(
                f"credential {name} is encrypted and there is no key: {KEY_VARIABLE} is not set and {key_file()} does not "
                f"exist. Set {KEY_VARIABLE} to the key it was stored with (or restore that file); {_if_lost(name)}"
            )
        try:
            return json.loads(fernet.decrypt(token.encode()))
        except InvalidToken:
            raise ConfigError(
                f"credential {name} cannot be decrypted with {self._key_source}: it was stored with another key. "
                f"Set {KEY_VARIABLE} to that key (or restore the key file it came from); {_if_lost(name)}"
            ) from None

    def put(self, name: str, value: dict[str, Any], expires_at: datetime | None = None) -> None:
        """Insert or replace, encrypted, in one transaction."""
        value = self._seal(value)
        now = utcnow()
        expires = to_naive_utc(expires_at) if expires_at else None
        with self.ledger._tx() as s:
            _insert_ignore(s, [{"name": name, "value": value, "expires_at": expires, "updated_at": now}], Credential)
            s.execute(update(Credential).where(Credential.name == name).values(value=value, expires_at=expires, updated_at=now))

    def names(self) -> list[str]:
        with self.ledger._tx() as s:
            return list(s.scalars(select(Credential.name).order_by(Credential.name)))

    def rotate(
        self, name: str, change: Callable[[dict[str, Any] | None], tuple[dict[str, Any], datetime | None] | None]
    ) -> dict[str, Any] | None:
        """Read-modify-write under the credential's lock, in ONE transaction: `change` gets the
        stored value (None if there is none) and returns the value to store with its expiry
        (None: keep what is there). An OAuth refresh runs inside `change`, so a rotated refresh
        token is committed by the transaction that received it, and a second process waits
        instead of refreshing with the same (by then dead) token. Returns the value stored after."""
        self._key(create=True)  # before the lock: a key problem stops the run before the refresh
        with self.ledger._tx() as s:  # a placeholder row first, so there is a row to lock
            _insert_ignore(s, [{"name": name, "value": {}, "expires_at": None, "updated_at": utcnow()}], Credential)
        with self.ledger._tx() as s:
            row = s.execute(select(Credential).where(Credential.name == name).with_for_update()).scalar_one()
            current = self._unseal(name, row.value) if row.value else None
            changed = change(current)
            if changed is None:
                return current
            value, expires_at = changed
            expires = to_naive_utc(expires_at) if expires_at else None
            s.execute(
                update(Credential)
                .where(Credential.name == name)
                .values(value=self._seal(value), expires_at=expires, updated_at=utcnow())
            )
            return value


def _if_lost(name: str) -> str:
    return (
        f"if that key is lost, so is this credential: delete it (DELETE FROM credential WHERE name = '{name}') and "
        "reconnect the app that issued it (QuickBooks: set QUICKBOOKS_REFRESH_TOKEN to the new refresh token)"
    )


def _fernet(key: str, problem: str, fix: str) -> Fernet:
    try:
        return Fernet(key)
    except ValueError:
        raise ConfigError(f"{problem} (32 url-safe base64-encoded bytes): {fix}") from None


def _write_new_key(path: Path) -> None:
    """A new key, owner-only, put in place atomically: of two processes racing, one key wins."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(Fernet.generate_key().decode() + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        return
    finally:
        draft.unlink()
    logger.warning(
        "Generated the key that encrypts stored credentials (OAuth tokens) at %s (owner-only). Back it up; "
        "to keep it in a secret store instead, set %s to the file's contents and delete the file.",
        path,
        KEY_VARIABLE,
    )


def _sealed(stored: Any) -> bool:
    return isinstance(stored, dict) and set(stored) == {_SEALED}
