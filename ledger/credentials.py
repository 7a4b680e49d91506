"""Credentials that must survive between runs, above all OAuth refresh tokens that rotate:
a provider that hands out a new refresh token invalidates the old one, so the new one is
written here the moment it is received, or the integration loses its connection."""

from __future__ import annotations

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
