"""Credentials that must survive between runs, above all OAuth refresh tokens that rotate:
a provider that hands out a new refresh token invalidates the old one, so the new one is
written here the moment it is received, or the integration loses its connection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from ledger.models import Credential
from ledger.store import Ledger, _insert_ignore, to_naive_utc, utcnow


@dataclass(frozen=True)
class StoredCredential:
    name: str
    value: dict[str, Any]
    expires_at: datetime | None
    updated_at: datetime


class Credentials:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def get(self, name: str) -> StoredCredential | None:
        with self.ledger._tx() as s:
            row = s.get(Credential, name)
            return StoredCredential(row.name, row.value, row.expires_at, row.updated_at) if row else None

    def put(self, name: str, value: dict[str, Any], expires_at: datetime | None = None) -> None:
        """Insert or replace, in one transaction."""
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
            current = row.value or None
            changed = change(current)
            if changed is None:
                return current
            value, expires_at = changed
            expires = to_naive_utc(expires_at) if expires_at else None
            s.execute(
                update(Credential).where(Credential.name == name).values(value=value, expires_at=expires, updated_at=utcnow())
            )
            return value
