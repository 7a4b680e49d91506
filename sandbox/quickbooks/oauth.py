"""The OAuth 2.0 token endpoint and bearer checks (quickbooks.md A2, design note 1).

`POST /oauth2/v1/tokens/bearer` with HTTP Basic client auth and a form body:
`grant_type=refresh_token&refresh_token=...` (or `authorization_code` with a code from the
admin route `POST /_sandbox/oauth/connect`). Rotation follows `QuickBooksSimConfig.rotation`;
a dead, replaced-past-grace or unknown refresh token is 400 `invalid_grant`, bad client
credentials 401 `invalid_client`. Access tokens live `access_token_ttl_seconds` by the
simulator's clock (which admin can move forward).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .config import QuickBooksSimConfig
from .store import Store

TOKEN_PATH = "/oauth2/v1/tokens/bearer"


class OAuthServer:
    def __init__(self, config: QuickBooksSimConfig, store: Store, clock: Callable[[], float]) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.access: dict[str, float] = {}  # access token -> expires at (simulator clock)
        self.codes: set[str] = set()
        self.refreshes = 0
        self.rotations = 0
        self.invalid_grants = 0

    def seed(self) -> None:
        self._issue_refresh(self.config.initial_refresh_token)

    def _issue_refresh(self, token: str | None = None) -> str:
        token = token or f"RT1-{secrets.token_hex(4)}-H0-{secrets.token_hex(12)}"
        now = self.clock()
        with self.store.lock:
            self.store.db.execute(
                "INSERT OR REPLACE INTO refresh_tokens (token, issued_at, expires_at) VALUES (?, ?, ?)",
                (token, now, now + self.config.refresh_token_ttl_seconds),
            )
        return token

    def connect(self) -> str:
        """A user (re)connects the app: a new authorization code."""
        code = f"AB-{secrets.token_hex(16)}"
        self.codes.add(code)
        return code

    def _token_body(self, refresh: str) -> dict[str, Any]:
        access = f"eyJ.sim.{secrets.token_urlsafe(24)}"
        self.access[access] = self.clock() + self.config.access_token_ttl_seconds
        row = self.store.db.execute("SELECT expires_at FROM refresh_tokens WHERE token = ?", (refresh,)).fetchone()
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": self.config.access_token_ttl_seconds,
            "refresh_token": refresh,
            "x_refresh_token_expires_in": int(row[0] - self.clock()),
        }

    def _refresh(self, token: str) -> dict[str, Any] | None:
        now = self.clock()
        with self.store.lock:
            row = self.store.db.execute(
                "SELECT issued_at, expires_at, replaced_by, dies_at FROM refresh_tokens WHERE token = ?", (token,)
            ).fetchone()
            if row is None or row[1] <= now or (row[3] is not None and row[3] <= now):
                return None
            issued_at, _, replaced_by, _ = row
            if replaced_by:  # still in its grace period: the newest token comes back
                return self._token_body(replaced_by)
            strict = self.config.rotation == "strict"
            if strict or now - issued_at >= self.config.rotation_interval_seconds:
                successor = self._issue_refresh()
                grace = 0 if strict else self.config.rotation_grace_seconds
                self.store.db.execute(
                    "UPDATE refresh_tokens SET replaced_by = ?, dies_at = ? WHERE token = ?", (successor, now + grace, token)
                )
                self.rotations += 1
                return self._token_body(successor)
            self.store.db.execute(  # rolling expiry
                "UPDATE refresh_tokens SET expires_at = ? WHERE token = ?", (now + self.config.refresh_token_ttl_seconds, token)
            )
            return self._token_body(token)

    async def token_endpoint(self, request: Request) -> Response:
        if request.method != "POST":
            return JSONResponse({"error": "invalid_request"}, status_code=405)
        if not self._client_ok(request.headers.get("authorization", "")):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        grant = form.get("grant_type")
        if grant == "refresh_token":
            self.refreshes += 1
            body = self._refresh(form.get("refresh_token", ""))
        elif grant == "authorization_code":
            code = form.get("code", "")
            body = self._token_body(self._issue_refresh()) if code in self.codes else None
            self.codes.discard(code)
        else:
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if body is None:
            self.invalid_grants += 1
            return JSONResponse({"error_description": "Token invalid", "error": "invalid_grant"}, status_code=400)
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    def _client_ok(self, header: str) -> bool:
        if not header.lower().startswith("basic "):
            return False
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return secrets.compare_digest(client_id, self.config.client_id) and secrets.compare_digest(
            secret, self.config.client_secret
        )

    def bearer_problem(self, header: str) -> str | None:
        """None when the `Authorization: Bearer` token is live, else the 401 detail."""
        if not header.startswith("Bearer ") or len(header) < 12:
            return "Malformed bearer token: too short or too long"
        expires = self.access.get(header[7:])
        if expires is None:
            return "Token invalid"
        if expires <= self.clock():
            return f"Token expired: {header[7:19]}..."
        return None

    def expire_access_tokens(self) -> None:
        self.access.clear()
