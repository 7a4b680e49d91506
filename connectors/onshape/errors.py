"""Onshape answers, classified into `connectors.errors`
(https://onshape-public.github.io/docs/api-adv/errors/ and /docs/auth/limits/).

| status | Onshape says | here |
|---|---|---|
| 307 | follow the Location (signed anew) | followed by the client |
| 400, 404, 409 | malformed / not found / duplicate values | DataError (Onshape's message) |
| 401 | not authenticated: keys invalid or for another stack | AuthError naming the settings |
| 402 | the annual API call limit is reached | AnnualLimitReached: stop, never retried |
| 403 | the key or token lacks the scope, or the user the permission | AuthError |
| 405, 406, 415 | method / media type not supported | ContractError (ion-sync's mistake) |
| 429 | too many requests; `Retry-After` seconds | RateLimitedError(retry_after) |
| 499 | "This call is taking too long. Please try again later." | TransientError |
| 5xx | 500 retry a few times; 503 retry after the delay given | TransientError (503 with Retry-After: RateLimitedError) |

The error body `{"message", "status", "code", "moreInfoUrl"}` is what public code shows
Onshape answering (INFERENCE: the docs show no error body); without it the text is quoted.
"""

from __future__ import annotations

import httpx

from connectors.errors import AuthError, ContractError, DataError, RateLimitedError, SyncError, TransientError


class AnnualLimitReached(SyncError):
    """402: the company's (or user's) annual API call allowance is spent; further calls are
    refused until more are bought or the year turns. Stop cleanly, never retry."""


def message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return response.text[:300] or response.reason_phrase


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def raise_for_status(response: httpx.Response, *, write: bool, credentials: str) -> None:
    """`credentials`: the settings a person checks on 401/403 (named, never their values)."""
    status = response.status_code
    if status < 300:
        return
    where = f"Onshape {response.request.method} {response.request.url.path}"
    text = message(response)
    if status == 429:
        raise RateLimitedError(f"{where}: rate limited (429): {text}", retry_after=retry_after(response))
    if status == 503 and not write and retry_after(response) is not None:
        raise RateLimitedError(f"{where}: unavailable (503): {text}", retry_after=retry_after(response))
    if status >= 500 or status == 499:
        raise TransientError(f"{where}: HTTP {status} {text}", uncertain=write)
    if status == 401:
        raise AuthError(f"{where}: not authenticated (401): {text}; check {credentials} (and that the key is for this stack)")
    if status == 403:
        raise AuthError(
            f"{where}: forbidden (403): {text}; the key or token lacks the scope or the user the permission ({credentials})"
        )
    if status == 402:
        raise AnnualLimitReached(
            f"{where}: Onshape's annual API call limit is reached (402): {text}. ion-sync stopped; "
            "ask your Onshape representative or api-support@onshape.com for more calls"
        )
    if status in (400, 404, 409):
        raise DataError(f"{where}: {text}", status=status)
    raise ContractError(f"{where}: unexpected HTTP {status}: {text}")
