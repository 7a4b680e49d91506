"""One TLS context for every HTTP client of a process.

httpx builds a context from the CA bundle for each client it opens (about 20 ms of CPU); a run
opens one client per system and a token client beside some, and every flow run opens them again.
The context is immutable once built and httpx only reads it, so one serves them all. It is
httpx's own default (SSL_CERT_FILE / SSL_CERT_DIR honoured, else certifi)."""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def tls() -> ssl.SSLContext:
    return httpx.create_ssl_context()
