"""Authentication (netsuite.md §1.2): OAuth 2.0 client credentials and TBA (OAuth 1.0a).

- Token endpoint: a JWT client assertion signed with the integration's private key, verified
  with PyJWT against the configured public key; `kid` = certificate id, `iss` = client id,
  `aud` = the token URL (suitetalk or restlets host, or the simulator's own URL; INFERENCE),
  exp - iat < 3600 s, `scope` an array or a comma string [NS-JWT], [NS-OAUTH-CC]. The access token
  is itself a JWT (HS256 with a per-app secret), valid `token_ttl_seconds`.
- TBA: `Authorization: OAuth realm="<account>", ...` HMAC-SHA256 signatures recomputed with
  oauthlib's signature helpers; a re-sent request (same nonce) is rejected [HG client.py].
Failures on API routes are 401 INVALID_LOGIN (§1.6).
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from oauthlib.oauth1.rfc5849 import signature as oauth1_signature
from oauthlib.oauth1.rfc5849 import utils as oauth1_utils
from starlette.requests import Request

from .config import NetSuiteSimConfig
from .errors import invalid_login

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"


class TokenError(Exception):
    """An OAuth error answer from the token endpoint."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class Authenticator:
    """Issues bearer tokens and checks every API request's Authorization header."""

    def __init__(self, config: NetSuiteSimConfig) -> None:
        self.config = config
        self._secret = secrets.token_bytes(32)
        self._public_key = load_pem_public_key(config.oauth2_public_key_pem.encode()) if config.oauth2_public_key_pem else None
        self._token_cache: dict[str, float] = {}
        self._nonces: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self.tokens_issued = 0
        self.token_rejections = 0
        self.auth_failures = 0

    def reset_counters(self) -> None:
        self.tokens_issued = self.token_rejections = self.auth_failures = 0

    # ------------------------------------------------------------------ OAuth 2.0 token endpoint

    def audiences(self, request: Request) -> list[str]:
        host = self.config.account_id.lower().replace("_", "-")
        own = f"{request.url.scheme}://{request.url.netloc}{TOKEN_PATH}"
        auds = [
            own,
            f"https://{host}.suitetalk.api.netsuite.com{TOKEN_PATH}",
            f"https://{host}.restlets.api.netsuite.com{TOKEN_PATH}",
            *self.config.oauth2_extra_audiences,
        ]
        if self.config.public_base_url:
            auds.append(self.config.public_base_url.rstrip("/") + TOKEN_PATH)
        return auds

    def issue_token(self, form: dict[str, str], request: Request) -> dict[str, Any]:
        try:
            claims = self._verify_assertion(form, request)
        except TokenError:
            self.token_rejections += 1
            raise
        now = time.time()
        ttl = self.config.token_ttl_seconds
        scope = claims.get("scope")
        scopes = scope if isinstance(scope, list) else [s.strip() for s in str(scope or "").split(",") if s.strip()]
        token = jwt.encode(
            {
                "sub": f"{self.config.account_id};sandbox",
                "aud": [self.config.oauth2_client_id],
                "scope": scopes,
                "iss": "https://system.netsuite.com",
                "iat": int(now),
                "exp": now + ttl,
                "jti": secrets.token_hex(16),
            },
            self._secret,
            algorithm="HS256",
        )
        self.tokens_issued += 1
        return {"access_token": token, "expires_in": int(ttl) if float(ttl).is_integer() else ttl, "token_type": "Bearer"}

    def _verify_assertion(self, form: dict[str, str], request: Request) -> dict[str, Any]:
        cfg = self.config
        if form.get("grant_type") != "client_credentials":
            raise TokenError("unsupported_grant_type", "Only grant_type=client_credentials is supported.")
        if self._public_key is None:
            raise TokenError("unauthorized_client", "OAuth 2.0 client credentials are not set up for this account.")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise TokenError("invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}.")
        assertion = form.get("client_assertion")
        if not assertion:
            raise TokenError("invalid_request", "client_assertion is required.")
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            raise TokenError(cfg.oauth2_error_code, f"Malformed client assertion: {exc}") from exc
        if header.get("kid") != cfg.oauth2_certificate_id:
            raise TokenError(cfg.oauth2_error_code, "Unknown certificate id (kid).")
        if header.get("alg") not in cfg.oauth2_algorithms:
            raise TokenError(cfg.oauth2_error_code, f"Algorithm {header.get('alg')} is not accepted.")
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                self._public_key,  # type: ignore[arg-type]
                algorithms=cfg.oauth2_algorithms,
                audience=self.audiences(request),
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(cfg.oauth2_error_code, f"Invalid client assertion: {exc}") from exc
        if claims.get("iss") != cfg.oauth2_client_id:
            raise TokenError(cfg.oauth2_error_code, "Unknown client id (iss).")
        if float(claims["exp"]) - float(claims["iat"]) >= cfg.oauth2_max_assertion_lifetime_seconds:
            raise TokenError(cfg.oauth2_error_code, "The assertion lifetime (exp - iat) must be under 60 minutes.")
        scope = claims.get("scope")
        scopes = scope if isinstance(scope, list) else [s.strip() for s in str(scope or "").split(",")]
        if cfg.oauth2_required_scope and cfg.oauth2_required_scope not in scopes:
            raise TokenError("invalid_scope", f"The assertion scope must include {cfg.oauth2_required_scope}.")
        return claims

    # ------------------------------------------------------------------ API requests

    def check(self, request: Request, body: bytes) -> str:
        """Return the scheme that authenticated the request ('bearer' or 'tba'); raise 401."""
        header = request.headers.get("authorization", "")
        scheme, _, rest = header.partition(" ")
        try:
            if scheme.lower() == "bearer" and rest.strip():
                self._check_bearer(rest.strip())
                return "bearer"
            if scheme.lower() == "oauth" and rest.strip():
                self._check_tba(request, header, body)
                return "tba"
        except _Rejected:
            pass
        self.auth_failures += 1
        raise invalid_login()

    def _check_bearer(self, token: str) -> None:
        exp = self._token_cache.get(token)
        if exp is None:
            try:
                claims = jwt.decode(token, self._secret, algorithms=["HS256"], options={"verify_exp": False, "verify_aud": False})
            except jwt.PyJWTError as exc:
                raise _Rejected from exc
            exp = float(claims.get("exp", 0))
            if len(self._token_cache) > 10_000:
                self._token_cache.clear()
            self._token_cache[token] = exp
        if time.time() >= exp:
            raise _Rejected

    def _check_tba(self, request: Request, header: str, body: bytes) -> None:
        cfg = self.config
        try:
            params = {k: oauth1_utils.unescape(v) for k, v in oauth1_utils.parse_authorization_header(header)}
        except (ValueError, IndexError) as exc:
            raise _Rejected from exc
        if params.get("realm") != cfg.account_id:
            raise _Rejected
        if params.get("oauth_consumer_key") != cfg.tba_consumer_key or params.get("oauth_token") != cfg.tba_token_id:
            raise _Rejected
        if params.get("oauth_signature_method") not in cfg.tba_signature_methods:
            raise _Rejected
        nonce, stamp, provided = params.get("oauth_nonce"), params.get("oauth_timestamp"), params.get("oauth_signature")
        if not nonce or not stamp or not provided:
            raise _Rejected
        try:
            timestamp = int(stamp)
        except ValueError as exc:
            raise _Rejected from exc
        now = time.time()
        if abs(now - timestamp) > cfg.tba_timestamp_skew_seconds:
            raise _Rejected
        content_type = request.headers.get("content-type", "")
        form_body = body.decode("utf-8", "replace") if body and "application/x-www-form-urlencoded" in content_type else None
        collected = oauth1_signature.collect_parameters(
            uri_query=request.url.query,
            body=form_body,
            headers={"Authorization": header},
            exclude_oauth_signature=True,
            with_realm=False,
        )
        normalized = oauth1_signature.normalize_parameters(collected)
        base_uri = oauth1_signature.base_string_uri(f"{request.url.scheme}://{request.url.netloc}{request.url.path}")
        base = oauth1_signature.signature_base_string(request.method, base_uri, normalized)
        method = params["oauth_signature_method"]
        if method == "HMAC-SHA256":
            expected = oauth1_signature.sign_hmac_sha256(base, cfg.tba_consumer_secret, cfg.tba_token_secret)
        elif method == "HMAC-SHA1":
            expected = oauth1_signature.sign_hmac_sha1(base, cfg.tba_consumer_secret, cfg.tba_token_secret)
        else:
            raise _Rejected
        if not oauth1_signature.safe_string_equals(expected, provided):
            raise _Rejected
        if cfg.tba_reject_nonce_reuse:
            key = (nonce, stamp)
            with self._lock:
                if key in self._nonces:
                    raise _Rejected
                if len(self._nonces) > 50_000:
                    horizon = now - cfg.tba_timestamp_skew_seconds
                    self._nonces = {k: v for k, v in self._nonces.items() if v >= horizon}
                self._nonces[key] = now


class _Rejected(Exception):
    """Internal: credentials did not verify."""
