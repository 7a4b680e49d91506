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
            sealed = isinstance(row.value, dict) and set(row.value) == {_SEALED}
            value = self._open(name, row.value[_SEALED]) if sealed else row.value
            return StoredCredential(row.name, value, row.expires_at, row.updated_at, sealed)

    def expiry(self, name: str) -> datetime | None:
        """The access token's expiry, readable without the key."""
        with self.ledger._tx() as s:
            return s.scalar(select(Credential.expires_at).where(Credential.name == name))

    def _open(self, name: str, token: str) -> dict[str, Any]:
        if self._fernet is None:
            raise ValueError(f"credential {name} is encrypted: set {KEY_VARIABLE} to the key it was stored with")
        try:
            return json.loads(self._fernet.decrypt(token.encode()))  # type: ignore[no-any-return]
        except InvalidToken:
            raise ValueError(f"credential {name} cannot be decrypted with the {KEY_VARIABLE} given") from None

    def put(self, name: str, value: dict[str, Any], expires_at: datetime | None = None) -> None:
        """Insert or replace, in one transaction (encrypted when a key is configured)."""
        if self._fernet is not None:
            value = {_SEALED: self._fernet.encrypt(json.dumps(value).encode()).decode()}
        now = utcnow()
        expires = to_naive_utc(expires_at) if expires_at else None
        with self.ledger._tx() as s:
            _insert_ignore(s, [{"name": name, "value": value, "expires_at": expires, "updated_at": now}], Credential)
            s.execute(update(Credential).where(Credential.name == name).values(value=value, expires_at=expires, updated_at=now))

    def names(self) -> list[str]:
        with self.ledger._tx() as s:
            return list(s.scalars(select(Credential.name).order_by(Credential.name)))
