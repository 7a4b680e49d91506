"""The Arena session kept in the ledger's credential store (encrypted at rest), so every
process of ion-sync shares one login (`connectors/arena/session.py` says why)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.arena import ArenaClient, ArenaSettings
from ledger import Ledger
from ledger.credentials import Credentials


class LedgerSessionStore:
    """`connectors.arena.SessionStore` on the ledger's credential store."""

    def __init__(self, ledger: Ledger, name: str) -> None:
        self.credentials = Credentials(ledger)
        self.name = name

    def load(self) -> dict[str, Any] | None:
        stored = self.credentials.get(self.name)
        return stored.value or None if stored else None

    def renew(self, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]) -> dict[str, Any] | None:
        """No expiry is stored: Arena's is 90 minutes after the last request of any process."""
        return self.credentials.rotate(self.name, lambda current: None if (new := change(current)) is None else (new, None))


def arena_client(settings: ArenaSettings, ledger: Ledger) -> ArenaClient:
    """A client sharing the session every ion-sync process uses for this Arena user."""
    return ArenaClient(settings, store=LedgerSessionStore(ledger, settings.session_name))
