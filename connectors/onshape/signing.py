"""Onshape's API-key request signature (https://onshape-public.github.io/docs/auth/apikeys/).

Every request carries `Date` (within 5 minutes of Onshape's clock), `On-Nonce` (at least 16
alphanumerics, unique per request) and `Authorization: On <access key>:HmacSHA256:<signature>`,
the signature being Base64(HMAC-SHA256(secret key, string)) over the string

    method \n nonce \n date \n content-type \n path \n query \n      (all lowercased)

with the URL's path (no query) and its query string as sent ("" if none). A 307 redirect is
a new request and is signed anew (the docs' "Redirects"); the client follows redirects itself
for that reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
from collections.abc import Generator
from email.utils import formatdate

import httpx

NONCE_ALPHABET = string.ascii_letters + string.digits
NONCE_LENGTH = 25  # the official samples' length (onshape-public/apikey python/apikey/onshape.py); Onshape asks >= 16
JSON = "application/json"


def signing_string(method: str, nonce: str, date: str, content_type: str, path: str, query: str) -> str:
    return f"{method}\n{nonce}\n{date}\n{content_type}\n{path}\n{query}\n".lower()


def signature(secret_key: str, method: str, nonce: str, date: str, content_type: str, path: str, query: str) -> str:
    text = signing_string(method, nonce, date, content_type, path, query)
    return base64.b64encode(hmac.new(secret_key.encode(), text.encode(), hashlib.sha256).digest()).decode()


def authorization(access_key: str, secret_key: str, request: httpx.Request, nonce: str, date: str) -> str:
    """The `Authorization` value for `request` as it will be sent (its raw path and query)."""
    path, _, query = request.url.raw_path.decode("ascii").partition("?")
    content_type = request.headers.get("content-type", "")
    return f"On {access_key}:HmacSHA256:{signature(secret_key, request.method, nonce, date, content_type, path, query)}"


def new_nonce() -> str:
    return "".join(secrets.choice(NONCE_ALPHABET) for _ in range(NONCE_LENGTH))


class OnshapeHmac(httpx.Auth):
    """Signs each request as it leaves (a retry is a new nonce and date, as Onshape requires)."""

    def __init__(self, access_key: str, secret_key: str) -> None:
        self._access_key = access_key
        self._secret_key = secret_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.setdefault("Content-Type", JSON)  # signed, so always sent (the samples send it on GETs too)
        date = formatdate(usegmt=True)  # RFC 7231, e.g. "Mon, 11 Apr 2016 20:08:56 GMT"
        nonce = new_nonce()
        request.headers["Date"] = date
        request.headers["On-Nonce"] = nonce
        request.headers["Authorization"] = authorization(self._access_key, self._secret_key, request, nonce, date)
        yield request
