"""Credentials that must survive between runs, above all OAuth refresh tokens that rotate:
a provider that hands out a new refresh token invalidates the old one, so the new one is
written here the moment it is received, or the integration loses its connection.

With `ION_SYNC_CREDENTIALS_KEY` set (a Fernet key: `python -c "from cryptography.fernet import
Fernet; print(Fernet.generate_key().decode())"`), values are encrypted before they reach the
database, so the ledger never holds a token in clear; expiry times stay readable for
integration-health.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, update

from ledger.models import Credential
from ledger.store import Ledger, _insert_ignore, to_naive_utc, utcnow


@dataclass(frozen=True)
class StoredCredential:
    name: str
    value: dict[str, Any]
    expires_at: datetime | None
    updated_at: datetime
    encrypted: bool = False


KEY_VARIABLE = "ION_SYNC_CREDENTIALS_KEY"
_SEALED = "fernet"


class Credentials:
    def __init__(self, ledger: Ledger, key: str | None = None) -> None:
        self.ledger = ledger
        key = key if key is not None else os.environ.get(KEY_VARIABLE)
        try:
            self._fernet = Fernet(key) if key else None
        except ValueError:
            raise ValueError(f"{KEY_VARIABLE} is not a Fernet key (32 url-safe base64-encoded bytes)") from None

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

    def _seal(self, value: dict[str, Any]) -> dict[str, Any]:
        return {_SEALED: self._fernet.encrypt(json.dumps(value).encode()).decode()} if self._fernet else value

    def _unseal(self, name: str, stored: dict[str, Any]) -> dict[str, Any]:
        return self._open(name, stored[_SEALED]) if _sealed(stored) else stored

    def _open(self, name: str, token: str) -> dict[str, Any]:
        if self._fernet is None:
            raise ValueError(f"credential {name} is encrypted: set {KEY_VARIABLE} to the key it was stored with")
        try:
            return json.loads(self._fernet.decrypt(token.encode()))  # type: ignore[no-any-return]
        except InvalidToken:
            raise ValueError(f"credential {name} cannot be decrypted with the {KEY_VARIABLE} given") from None

    def put(self, name: str, value: dict[str, Any], expires_at: datetime | None = None) -> None:
        """Insert or replace, in one transaction (encrypted when a key is configured)."""
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


def _sealed(stored: Any) -> bool:
    return isinstance(stored, dict) and set(stored) == {_SEALED}
