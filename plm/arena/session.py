"""The Arena session kept in the ledger's credential store (encrypted at rest), so every
process of ion-sync shares one login (`connectors/arena/session.py` says why)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.arena import ArenaClient, ArenaSettings
from core.stored_credential import StoredCredential
from ledger import Ledger


class LedgerSessionStore(StoredCredential):
    """`connectors.arena.SessionStore` on the ledger's credential store."""

    def renew(self, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]) -> dict[str, Any] | None:
        """No expiry is stored: Arena's is 90 minutes after the last request of any process."""
        return self.credentials.rotate(self.name, lambda current: None if (new := change(current)) is None else (new, None))


def arena_client(settings: ArenaSettings, ledger: Ledger) -> ArenaClient:
    """A client sharing the session every ion-sync process uses for this Arena user."""
    return ArenaClient(settings, store=LedgerSessionStore(ledger, settings.session_name))
