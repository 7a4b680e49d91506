"""One credential kept in the ledger's credential store (encrypted at rest): the base of every
connector token or session store (QuickBooks' rotating tokens, Arena's shared session)."""

from __future__ import annotations

from typing import Any

from ledger import Ledger
from ledger.credentials import Credentials


class StoredCredential:
    def __init__(self, ledger: Ledger, name: str) -> None:
        self.credentials = Credentials(ledger)
        self.name = name

    def load(self) -> dict[str, Any] | None:
        stored = self.credentials.get(self.name)
        return stored.value or None if stored else None
