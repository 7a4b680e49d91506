"""Keycloak client-credentials tokens and the /graphql Authorization check (ion.md §1, §2.5, §10).

Token endpoint (§1.1, §9 item 3): `POST /realms/api-keys/protocol/openid-connect/token` and the
legacy `/auth/realms/...`; form body `grant_type=client_credentials`, `client_id`,
`client_secret`, optional `audience`, or HTTP Basic client auth (`client_secret_basic` is in
the captured OIDC discovery). The answer is Keycloak's JSON; bad credentials give 401 with
`error` = `IonSimConfig.bad_credentials_error`.

Tokens are stateless HS256 JWTs signed with a key private to this app instance (the real ones
are RS256 JWTs; clients must treat them as opaque). The lifetime is configurable (§1.3).
/graphql accepts the raw token, `Bearer <t>` or `Token <t>` (§1.2) and answers 401 with the
documented messages (§2.5); the expired-token message is configurable, being undocumented.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.ion.config import IonSimConfig

MISSING_CREDENTIALS = "Please provide proper credentials"
UNPARSEABLE_TOKEN = "Unable to parse authentication token"
UNKNOWN_KEY = "Unable to find appropriate RSA key"

TOKEN_PATHS = (
    "/realms/api-keys/protocol/openid-connect/token",
    "/auth/realms/api-keys/protocol/openid-connect/token",
)


@dataclass
class SimCounters:
    """Simulator counters reported next to the fault stats by `GET /_sandbox/stats`."""

    tokens_issued: int = 0
    token_rejections: int = 0
    auth_rejections: int = 0
    graphql_operations: int = 0
    graphql_errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    def reset(self) -> None:
        for name in self.__dict__:
            setattr(self, name, 0)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenAuthority:
    """Issues and verifies this simulated tenant's access tokens."""

    def __init__(self, config: IonSimConfig, counters: SimCounters) -> None:
        self.config = config
        self.counters = counters
        self._key = secrets.token_bytes(32)
        self._kid = secrets.token_hex(8)

    def issue(self, *, issuer: str, audience: str | None) -> dict[str, Any]:
        now = time.time()
        ttl = self.config.token_ttl_seconds
        claims = {
            "exp": round(now + ttl, 3),  # exact, so a token lives exactly ttl (NumericDate may be fractional)
            "iat": int(now),
            "jti": str(uuid.uuid4()),
            "iss": issuer,
            "aud": audience or "account",
            "sub": str(self.config.user_id),
            "typ": "Bearer",
            "azp": self.config.client_id,
            "scope": self.config.token_scope,
            "clientId": self.config.client_id,
            "email": self.config.user_email,
        }
        header = {"alg": "HS256", "typ": "JWT", "kid": self._kid}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        self.counters.tokens_issued += 1
        return {
            "access_token": f"{signing_input}.{_b64(signature)}",
            "expires_in": ttl,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": self.config.token_scope,
        }

    def check_header(self, header: str | None) -> str | None:
        """None when the Authorization header carries a valid token, else the 401 message."""
        if header is None or not header.strip():
            return MISSING_CREDENTIALS
        parts = header.split()
        if len(parts) == 1:
            scheme, token = "raw", parts[0]
        elif len(parts) == 2:
            scheme = {"bearer": "Bearer", "token": "Token"}.get(parts[0].lower(), "")
            token = parts[1]
        else:
            return UNPARSEABLE_TOKEN
        if scheme not in self.config.auth_schemes:
            return UNPARSEABLE_TOKEN
        return self._verify(token)

    def _verify(self, token: str) -> str | None:
        segments = token.split(".")
        if len(segments) != 3:
            return UNPARSEABLE_TOKEN
        try:
            header = json.loads(_unb64(segments[0]))
            claims = json.loads(_unb64(segments[1]))
            signature = _unb64(segments[2])
        except (ValueError, binascii.Error):
            return UNPARSEABLE_TOKEN
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return UNPARSEABLE_TOKEN
        if header.get("kid") != self._kid:
            return UNKNOWN_KEY
        expected = hmac.new(self._key, f"{segments[0]}.{segments[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            return UNPARSEABLE_TOKEN
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or time.time() >= exp:
            return self.config.expired_token_message
        return None


def _keycloak_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def token_endpoint(authority: TokenAuthority) -> Any:
    """The Keycloak token endpoint handler (never subject to faults)."""
    config = authority.config

    async def endpoint(request: Request) -> JSONResponse:
        body = (await request.body()).decode("utf-8", errors="replace")
        form = dict(parse_qsl(body, keep_blank_values=True))
        client_id = form.get("client_id")
        client_secret = form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic[:6].lower() == "basic ":
            try:
                user, _, password = base64.b64decode(basic[6:].strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return _keycloak_error(400, "invalid_request", "Invalid client authentication header")
            client_id, client_secret = unquote(user), unquote(password)
        grant_type = form.get("grant_type")
        if not grant_type:
            return _keycloak_error(400, "invalid_request", "Missing form parameter: grant_type")
        if grant_type != "client_credentials":
            return _keycloak_error(400, "unsupported_grant_type", "Unsupported grant_type")
        if client_id != config.client_id or not hmac.compare_digest(
            (client_secret or "").encode(), config.client_secret.encode()
        ):
            authority.counters.token_rejections += 1
            return _keycloak_error(401, config.bad_credentials_error, "Invalid client or Invalid client credentials")
        issuer = f"{str(request.base_url).rstrip('/')}{request.url.path.split('/protocol/')[0]}"
        return JSONResponse(
            authority.issue(issuer=issuer, audience=form.get("audience")),
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    return endpoint
