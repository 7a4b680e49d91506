"""The Arena session shared across processes: Arena keeps one session per user and a login
elsewhere cancels it (`../shared/reference/arena.md` §1.2), so two processes that each log in
(a scheduled run and a manual re-run, two workers) would log each other out.

Every process uses the session in the `SessionStore` (the ledger's credential store in
ion-sync, encrypted at rest). A process logs in only when the store holds none, or holds the
very session Arena just refused (401), and it does so inside `SessionStore.renew`: one
transaction holding the stored session's lock, so the stored value is compared and the new
session set with no other login in between. A process whose session was replaced meanwhile
finds the newer one stored and adopts it instead of logging in again, and the processes
converge on one session instead of cancelling each other's. A stored session is used only
with the credentials it was opened with (a fingerprint of ARENA_EMAIL, ARENA_PASSWORD and
ARENA_WORKSPACE_ID), so a wrong password still fails. Nobody logs out of a stored session:
another process may be using it, and Arena's 90-minute idle expiry ends it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol

from connectors.arena.settings import ArenaSettings

Stored = dict[str, Any]  # {"arena_session_id": ..., "login": fingerprint of the credentials}


class SessionStore(Protocol):
    """Durable home of the shared session (the ledger's credential store in ion-sync)."""

    def load(self) -> Stored | None: ...

    def renew(self, change: Callable[[Stored | None], Stored | None]) -> Stored | None:
        """In one transaction holding the stored session's lock: call `change` with the stored
        value and save what it returns (None: leave it as it is). Returns the value now stored."""
        ...


class SharedSession:
    """The session of one Arena user and workspace in a `SessionStore`; blocking (a worker thread's)."""

    def __init__(self, store: SessionStore, settings: ArenaSettings) -> None:
        self.store = store
        key = f"{settings.base}\n{settings.email}\n{settings.workspace_id}\n{settings.password.get_secret_value()}"
        self.login = hashlib.sha256(key.encode()).hexdigest()[:32]

    def _usable(self, stored: Stored | None, refused: str | None) -> str | None:
        token = stored.get("arena_session_id") if stored and stored.get("login") == self.login else None
        return token if isinstance(token, str) and token != refused else None

    def renew(self, refused: str | None, log_in: Callable[[], str]) -> str:
        """The stored session unless it is the `refused` one (None: none refused yet); else
        `log_in()`'s, stored under the lock: compare-and-set with the login in between."""
        token = self._usable(self.store.load(), refused)
        if token:
            return token

        def change(current: Stored | None) -> Stored | None:
            if self._usable(current, refused):
                return None  # another process replaced it meanwhile: adopt theirs
            return {"arena_session_id": log_in(), "login": self.login}

        stored = self.store.renew(change)
        token = self._usable(stored, refused)
        assert token is not None, "the session store did not keep the session just stored"
        return token
