"""NetSuite authentication, both documented kinds (reference §1.2), built on authlib.

OAuth 2.0 client credentials: the client proves itself with a JWT signed by the private key
whose certificate was uploaded in the M2M setup. NetSuite wants `kid` = the certificate id,
`scope` in the claims and exp − iat under 60 minutes; authlib's default assertion lives exactly
3600 s and keeps one `jti` for every assertion, so `NetSuiteAssertion` signs a fresh one each time.

Token-based auth: OAuth 1.0a, HMAC-SHA256, `realm` = account id, re-signed on every request
(a retried request with the old signature gets 401).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Generator
from typing import ClassVar
from uuid import uuid4

import httpx
from authlib.integrations.httpx_client import OAuth1Auth
from authlib.oauth1.rfc5849.client_auth import CONTENT_TYPE_FORM_URLENCODED
from authlib.oauth1.rfc5849.signature import generate_signature_base_string
from authlib.oauth1.rfc5849.util import escape
from authlib.oauth1.rfc5849.wrapper import OAuth1Request
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7523.assertion import private_key_jwt_sign
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from connectors.errors import ConfigError
from connectors.netsuite.settings import NetSuiteSettings

ASSERTION_LIFETIME_SECONDS = 300


class NetSuiteAssertion(PrivateKeyJWT):
    name = "netsuite_private_key_jwt"

    def __init__(self, settings: NetSuiteSettings) -> None:
        super().__init__(token_endpoint=settings.token_url, alg=settings.jwt_algorithm)
        self.key = private_key(settings)
        self.certificate_id = settings.certificate_id
        self.scopes = settings.scopes

    def sign(self, auth: object, token_endpoint: str) -> str:
        now = int(time.time())
        return private_key_jwt_sign(
            self.key,
            client_id=auth.client_id,  # type: ignore[attr-defined]
            token_endpoint=token_endpoint,
            alg=self.alg,
            claims={"scope": self.scopes, "iat": now, "exp": now + ASSERTION_LIFETIME_SECONDS, "jti": uuid4().hex},
            header={"kid": self.certificate_id, "typ": "JWT"},
        )


def private_key(settings: NetSuiteSettings) -> ECKey | RSAKey:
    """The M2M private key, or a ConfigError naming the variable that holds it and what it must be."""
    where = "NETSUITE_PRIVATE_KEY" if settings.private_key else f"NETSUITE_PRIVATE_KEY_PATH={settings.private_key_path}"
    key_type = ECKey if settings.jwt_algorithm.startswith("ES") else RSAKey
    kind = "an EC (P-256/384/521)" if key_type is ECKey else "an RSA"
    try:
        return key_type.import_key(settings.private_key_pem())
    except UnicodeDecodeError:
        problem = "is not text (a binary file?)"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror})"
    except (ValueError, JoseError) as exc:
        problem = f"is not {kind} private key in PEM ({str(exc).split('. ')[0]})"
    raise ConfigError(
        f"{where} {problem}: it must be the unencrypted PEM private key (-----BEGIN PRIVATE KEY-----) whose certificate "
        f"was uploaded in NetSuite's M2M setup, of the type NETSUITE_JWT_ALGORITHM={settings.jwt_algorithm} signs with "
        "(ES*: EC, PS*: RSA)"
    )


def sign_hmac_sha256(client: OAuth1Auth, request: OAuth1Request) -> str:
    """RFC 5849 §3.4.2 with SHA-256 in place of SHA-1 (authlib's client signs HMAC-SHA1 only)."""
    key = f"{escape(client.client_secret or '')}&{escape(client.token_secret or '')}"
    text = generate_signature_base_string(request)
    return base64.b64encode(hmac.new(key.encode(), text.encode(), hashlib.sha256).digest()).decode()


class NetSuiteOAuth1Auth(OAuth1Auth):
    """authlib's OAuth1Auth with the two things NetSuite TBA needs that it lacks: the
    HMAC-SHA256 signature method (authlib raises "Invalid signature method."), and a JSON body
    that is sent, not signed (authlib's `prepare` returns an empty body for a non-form body
    unless `force_include_body`, which would sign an `oauth_body_hash` NetSuite does not use).
    A fresh nonce and timestamp on every request, retries included."""

    SIGNATURE_METHODS: ClassVar[dict[str, Callable[..., str]]] = {**OAuth1Auth.SIGNATURE_METHODS, "HMAC-SHA256": sign_hmac_sha256}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if CONTENT_TYPE_FORM_URLENCODED in request.headers.get("Content-Type", ""):
            yield from super().auth_flow(request)
            return
        url, headers, _ = self.sign(request.method, str(request.url), request.headers.copy(), b"")
        signed = httpx.Request(request.method, url, headers=headers, content=request.content)
        signed.extensions = request.extensions
        yield signed


def tba_auth(settings: NetSuiteSettings) -> NetSuiteOAuth1Auth:
    assert settings.consumer_secret and settings.token_secret
    return NetSuiteOAuth1Auth(
        client_id=settings.consumer_key,
        client_secret=settings.consumer_secret.get_secret_value(),
        token=settings.token_id,
        token_secret=settings.token_secret.get_secret_value(),
        realm=settings.realm,
        signature_method="HMAC-SHA256",
    )
