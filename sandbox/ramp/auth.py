"""Client-credentials tokens (ramp.md B1): Basic client auth, form body, scopes; 401 for a
missing, unknown or expired token, 403 for a token without the route's scope."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.ramp.config import RampSimConfig
from sandbox.ramp.errors import RampError


@dataclass
class Token:
    scopes: set[str]
    expires_at: float


class TokenAuthority:
    def __init__(self, config: RampSimConfig) -> None:
        self.config = config
        self.tokens: dict[str, Token] = {}
        self.issued = 0
        self.rejections = 0

    def _oauth_error(self, error: str, description: str, status: int = 400) -> Response:
        self.rejections += 1
        return JSONResponse({"error": error, "error_description": description}, status_code=status)

    async def token_endpoint(self, request: Request) -> Response:
        client = _basic_client(request.headers.get("authorization", ""))
        if client != (self.config.client_id, self.config.client_secret):
            return self._oauth_error("invalid_client", "Client authentication failed.", 401)
        form = dict(parse_qsl((await request.body()).decode()))
        if form.get("grant_type") != "client_credentials":
            return self._oauth_error("unsupported_grant_type", "Only client_credentials is enabled for this app.")
        requested = set(form.get("scope", "").split())
        if not requested and self.config.require_scope:
            return self._oauth_error("invalid_scope", "scope is required with grant_type=client_credentials.")
        if requested - set(self.config.allowed_scopes):
            return self._oauth_error(
                "invalid_scope", f"Scopes not allowed: {' '.join(sorted(requested - set(self.config.allowed_scopes)))}"
            )
        scopes = requested or set(self.config.allowed_scopes)
        token = f"ramp_tok_{secrets.token_urlsafe(32)}"
        self.tokens[token] = Token(scopes, time.monotonic() + self.config.token_ttl_seconds)
        self.issued += 1
        return JSONResponse(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.config.token_ttl_seconds,
                "scope": " ".join(sorted(scopes)),
            }
        )

    def authorize(self, request: Request, scope: str | None) -> str:
        """The caller's token, or a RampError (401/403)."""
        header = request.headers.get("authorization", "")
        kind, _, value = header.partition(" ")
        token = self.tokens.get(value) if kind.lower() == "bearer" else None
        if token is None:
            raise RampError(401, "Invalid or missing access token.")
        if time.monotonic() >= token.expires_at:
            raise RampError(401, "Access token expired.")
        if scope and scope not in token.scopes:
            raise RampError(403, f"The access token lacks the scope {scope}.")
        return value

    def expire_all(self) -> None:
        for token in self.tokens.values():
            token.expires_at = 0.0


def _basic_client(header: str) -> tuple[str, str] | None:
    kind, _, value = header.partition(" ")
    if kind.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return None
    return client_id, secret
