"""NetSuite authentication, both documented kinds (reference §1.2), built on authlib.

OAuth 2.0 client credentials: the client proves itself with a JWT signed by the private key
whose certificate was uploaded in the M2M setup. NetSuite wants `kid` = the certificate id,
`scope` in the claims and exp − iat under 60 minutes; authlib's default assertion lives exactly
3600 s and keeps one `jti` for every assertion, so `NetSuiteAssertion` signs a fresh one each time.

Token-based auth: OAuth 1.0a, HMAC-SHA256, `realm` = account id, re-signed on every request
(a retried request with the old signature gets 401).
"""

from __future__ import annotations

import time
from uuid import uuid4

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth1Auth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7523.assertion import private_key_jwt_sign
from joserfc.jwk import ECKey, RSAKey

from connectors.netsuite.settings import NetSuiteSettings

ASSERTION_LIFETIME_SECONDS = 300


class NetSuiteAssertion(PrivateKeyJWT):
    name = "netsuite_private_key_jwt"

    def __init__(self, settings: NetSuiteSettings) -> None:
        super().__init__(token_endpoint=settings.token_url, alg=settings.jwt_algorithm)
        pem = settings.private_key_pem()
        key_type = ECKey if settings.jwt_algorithm.startswith("ES") else RSAKey
        self.key = key_type.import_key(pem)
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


def build_http_client(settings: NetSuiteSettings, **client_kwargs: object) -> httpx.AsyncClient:
    """An httpx client that authenticates every request the configured way."""
    if settings.auth == "oauth2":
        return AsyncOAuth2Client(
            client_id=settings.client_id,
            token_endpoint=settings.token_url,
            token_endpoint_auth_method=NetSuiteAssertion(settings),
            grant_type="client_credentials",
            **client_kwargs,
        )
    assert settings.consumer_secret and settings.token_secret
    return httpx.AsyncClient(
        auth=OAuth1Auth(
            client_id=settings.consumer_key,
            client_secret=settings.consumer_secret.get_secret_value(),
            token=settings.token_id,
            token_secret=settings.token_secret.get_secret_value(),
            realm=settings.realm,
            signature_method="HMAC-SHA256",
            force_include_body=False,
        ),
        **client_kwargs,  # type: ignore[arg-type]
    )
