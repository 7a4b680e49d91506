"""OAuth 2.0 for QuickBooks (quickbooks.md A2): access tokens from a refresh token that rotates.

Intuit may hand back a NEW refresh token on any refresh, and the old one then dies (at once or
within 24 h: the sources disagree). Losing the new one locks the customer out, so a refresh
runs inside `TokenStore.rotate`: one ledger transaction that locks the stored credential,
calls the token endpoint, and saves what came back before it commits. The same lock keeps two
processes from refreshing with the same token, and a process that finds a still-fresh access
token saved by another one uses it instead of refreshing.

`invalid_grant` means the connection is gone: the integration stops with instructions to
reconnect, and the credential is marked (`status: invalid_grant`, `refresh_token_expires_at`
now) so integration health shows it as failing.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncGenerator, Callable, Generator
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from connectors.errors import AuthError, TransientError
from connectors.quickbooks.settings import QuickBooksSettings
from connectors.tls import tls

RECONNECT = (
    "QuickBooks refused the refresh token (invalid_grant): the connection to QuickBooks is gone (revoked, expired, or "
    "a rotated token was lost). Reconnect: authorize the app again for realm {realm} (Intuit OAuth playground or your "
    "connect flow), set QUICKBOOKS_REFRESH_TOKEN to the new refresh token, and run again"
)

Credential = dict[str, Any]


class TokenStore(Protocol):
    """Durable home of the tokens (the ledger's credential store in ion-sync)."""

    def load(self) -> Credential | None: ...

    def rotate(self, change: Callable[[Credential | None], Credential | None]) -> Credential | None:
        """In one transaction holding the credential's lock: call `change` with the stored value and
        save what it returns (None: leave it as it is). Returns the value now stored."""
        ...


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class QuickBooksAuth(httpx.Auth):
    """Bearer auth for httpx that refreshes before expiry and once on a 401."""

    def __init__(self, settings: QuickBooksSettings, store: TokenStore, *, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.store = store
        self._transport = transport
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires_at = 0.0  # epoch seconds
        self.refreshes = 0

    def _fresh(self, credential: Credential | None, stale: str | None) -> bool:
        if not credential or not credential.get("access_token") or credential.get("status") == "invalid_grant":
            return False
        if stale is not None and credential["access_token"] == stale:
            return False
        return float(credential.get("access_expires_at", 0)) - self.settings.refresh_leeway_seconds > time.time()

    async def access_token(self, stale: str | None = None) -> str:
        async with self._lock:
            if self._token and self._token != stale and self._expires_at - self.settings.refresh_leeway_seconds > time.time():
                return self._token
            credential = await asyncio.to_thread(self.store.rotate, lambda current: self._change(current, stale))
            assert credential is not None
            if credential.get("status") == "invalid_grant":
                raise AuthError(RECONNECT.format(realm=self.settings.realm_id))
            self._token = str(credential["access_token"])
            self._expires_at = float(credential["access_expires_at"])
            return self._token

    def _change(self, current: Credential | None, stale: str | None) -> Credential | None:
        """Runs under the credential's lock: reuse a fresh token, else refresh and return what to save."""
        if self._fresh(current, stale):
            return None
        env_token = self.settings.refresh_token.get_secret_value() if self.settings.refresh_token else None
        env_print = _fingerprint(env_token) if env_token else None
        stored = current.get("refresh_token") if current else None
        # A new QUICKBOOKS_REFRESH_TOKEN (a reconnect) wins over what the ledger holds.
        if stored and (env_print is None or current.get("connected_with") == env_print):  # type: ignore[union-attr]
            refresh, connected_with = str(stored), current.get("connected_with")  # type: ignore[union-attr]
        elif env_token:
            refresh, connected_with = env_token, env_print
        else:
            raise AuthError(
                f"QuickBooks is not connected for realm {self.settings.realm_id}: set QUICKBOOKS_REFRESH_TOKEN to the "
                "refresh token from connecting the app"
            )
        if current and current.get("status") == "invalid_grant" and refresh == stored:
            return None  # still disconnected: do not hammer the token endpoint
        issued = self._refresh(refresh)
        self.refreshes += 1
        now = time.time()
        if issued is None:
            # Keep the dead token: until a new QUICKBOOKS_REFRESH_TOKEN arrives, nothing is retried.
            return {
                "status": "invalid_grant",
                "refresh_token": refresh,
                "refresh_token_expires_at": _iso(now),
                "failed_at": _iso(now),
                "connected_with": connected_with,
            }
        return {
            "status": "connected",
            "refresh_token": issued["refresh_token"],
            "refresh_token_expires_at": _iso(now + float(issued.get("x_refresh_token_expires_in") or 0)),
            "access_token": issued["access_token"],
            "access_expires_at": now + float(issued.get("expires_in") or 3600),
            "rotated": issued["refresh_token"] != refresh,
            "refreshed_at": _iso(now),
            "connected_with": connected_with,
        }

    def _refresh(self, refresh_token: str) -> dict[str, Any] | None:
        """POST the refresh grant. None on invalid_grant; raises on anything else that failed."""
        try:
            with httpx.Client(timeout=self.settings.timeout_seconds, verify=tls(), transport=self._transport) as http:
                response = http.post(
                    str(self.settings.token_url),
                    data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                    auth=(self.settings.client_id, self.settings.client_secret.get_secret_value()),
                    headers={"Accept": "application/json"},
                )
        except httpx.TransportError as exc:
            raise TransientError(f"QuickBooks token endpoint unreachable: {type(exc).__name__}") from None
        if response.status_code == 200:
            body = response.json()
            if not body.get("access_token") or not body.get("refresh_token"):
                raise AuthError("QuickBooks token endpoint answered without access_token/refresh_token")
            return dict(body)
        error = _oauth_error(response)
        if error == "invalid_grant":
            return None
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(f"QuickBooks token endpoint: HTTP {response.status_code}")
        raise AuthError(
            f"QuickBooks token endpoint refused the app ({error or response.status_code}): check QUICKBOOKS_CLIENT_ID "
            "and QUICKBOOKS_CLIENT_SECRET"
        )

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            await response.aread()
            request.headers["Authorization"] = f"Bearer {await self.access_token(stale=token)}"
            yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise TypeError("QuickBooksAuth works with httpx.AsyncClient only")


def _oauth_error(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("error")) if isinstance(body, dict) and body.get("error") else None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()
