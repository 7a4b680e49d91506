"""Who is calling: an API-key request signature, API keys as Basic, or an OAuth2 bearer
(https://onshape-public.github.io/docs/auth/apikeys/, /docs/auth/oauth/). Anything else is 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from email.utils import parsedate_to_datetime

from starlette.requests import Request

from sandbox.onshape.config import OnshapeSimConfig
from sandbox.onshape.store import OnshapeError

UNAUTHENTICATED = "Unauthenticated API request"  # INFERENCE: Onshape's 401 wording is not documented


class Authenticator:
    def __init__(self, config: OnshapeSimConfig) -> None:
        self.config = config
        self._nonces: dict[str, float] = {}

    def check(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme == "On":
            self._signed(request, credentials)
        elif scheme == "Basic":
            expected = base64.b64encode(f"{self.config.access_key}:{self.config.secret_key}".encode()).decode()
            if not hmac.compare_digest(credentials.strip(), expected):
                raise OnshapeError(401, UNAUTHENTICATED)
        elif scheme == "Bearer":
            if not hmac.compare_digest(credentials.strip(), self.config.oauth_token):
                raise OnshapeError(401, UNAUTHENTICATED)
        else:
            raise OnshapeError(401, UNAUTHENTICATED)

    def _signed(self, request: Request, credentials: str) -> None:
        """`On <access key>:HmacSHA256:<Base64 HMAC-SHA256 of method, nonce, date, content-type,
        path, query, newline-separated and lowercased>`; Date within 5 minutes; On-Nonce >= 16
        alphanumerics, unique."""
        access_key, _, rest = credentials.partition(":")
        algorithm, _, presented = rest.partition(":")
        if access_key != self.config.access_key or algorithm != "HmacSHA256":
            raise OnshapeError(401, UNAUTHENTICATED)
        date = request.headers.get("date", "")
        nonce = request.headers.get("on-nonce", "")
        try:
            sent = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            raise OnshapeError(401, UNAUTHENTICATED) from None
        now = time.time()
        if abs(now - sent) > self.config.clock_skew_seconds:
            raise OnshapeError(401, UNAUTHENTICATED)
        if len(nonce) < self.config.min_nonce_length or not nonce.isalnum():
            raise OnshapeError(401, UNAUTHENTICATED)
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1").split("?")[0]
        query = request.scope.get("query_string", b"").decode("latin-1")
        content_type = request.headers.get("content-type", "")
        text = f"{request.method}\n{nonce}\n{date}\n{content_type}\n{path}\n{query}\n".lower()
        expected = base64.b64encode(hmac.new(self.config.secret_key.encode(), text.encode(), hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(presented, expected):
            raise OnshapeError(401, UNAUTHENTICATED)
        if self.config.refuse_reused_nonce:
            self._nonces = {n: t for n, t in self._nonces.items() if now - t <= self.config.clock_skew_seconds}
            if nonce in self._nonces:
                raise OnshapeError(401, UNAUTHENTICATED)
            self._nonces[nonce] = now
