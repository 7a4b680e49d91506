"""HMAC signatures of webhook deliveries, checked in constant time.

Each sender signs the raw body (or `<timestamp>.<body>` when the timestamp travels in a
header, so it cannot be swapped) with a shared secret; only the header, the encoding and an
optional `sha256=`-style prefix differ. ION publishes none of this (ion.md §3.15), so every
part is a setting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

Encoding = Literal["hex", "base64"]


class SignatureRejected(Exception):
    """Unsigned, forged or stale: answered 401, nothing stored. The message never holds a secret."""


def sign(secret: bytes, content: bytes, encoding: Encoding = "hex") -> str:
    digest = hmac.new(secret, content, hashlib.sha256).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()


def signed_content(body: bytes, timestamp: str | None) -> bytes:
    return body if timestamp is None else timestamp.encode() + b"." + body


def verify(secret: bytes, content: bytes, presented: str | None, *, encoding: Encoding, prefix: str = "") -> None:
    """Raise SignatureRejected unless `presented` is this content's signature. A header may
    carry several comma-separated signatures (secret rotation): any one matching is enough."""
    if not presented or not presented.strip():
        raise SignatureRejected("the delivery is not signed")
    expected = sign(secret, content, encoding)
    for candidate in presented.split(","):
        value = candidate.strip()
        if prefix and value.startswith(prefix):
            value = value[len(prefix) :]
        if hmac.compare_digest(value.encode(), expected.encode()):
            return
    raise SignatureRejected("the signature does not match the body")
