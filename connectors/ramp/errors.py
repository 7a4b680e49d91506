"""Ramp answers, classified into `connectors.errors` (ramp.md B2 status table, `error_v2` body)."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.errors import AuthError, ContractError, DataError, RateLimitedError, TransientError
from connectors.retry import retry_after


def error_message(response: httpx.Response) -> tuple[str | None, str, str | None]:
    """(error_code, message, first field) from `error_v2`, else the legacy `error`, else the text."""
    try:
        body: Any = response.json()
    except ValueError:
        return None, response.text[:300] or response.reason_phrase, None
    v2 = body.get("error_v2") if isinstance(body, dict) else None
    if isinstance(v2, dict):
        info = v2.get("additional_info") or {}
        field = next(iter(info), None) if isinstance(info, dict) else None
        message = str(v2.get("message") or "")
        if field and isinstance(info[field], list) and info[field] and str(info[field][0]) not in message:
            message = f"{message}: {field}: {info[field][0]}" if message else f"{field}: {info[field][0]}"
        return v2.get("error_code"), message or response.reason_phrase, field
    if isinstance(body, dict):
        legacy = body.get("error_description") or body.get("message") or body.get("error")
        return None, str(legacy or response.reason_phrase), None
    return None, response.reason_phrase, None


def raise_for_status(response: httpx.Response, *, write: bool) -> None:
    status = response.status_code
    if status < 400:
        return
    code, message, field = error_message(response)
    trace = response.headers.get("x-trace-id")
    where = f"Ramp {response.request.method} {response.request.url.path}"
    suffix = f" (x-trace-id {trace})" if trace else ""
    if status == 429:
        raise RateLimitedError(f"{where}: rate limited (429){suffix}", retry_after=retry_after(response))
    if status >= 500:
        raise TransientError(f"{where}: HTTP {status} {message}{suffix}", uncertain=write)
    if status == 401:
        raise AuthError(f"{where}: {message} (401): check RAMP_CLIENT_ID, RAMP_CLIENT_SECRET and RAMP_BASE_URL")
    if status == 403:
        raise AuthError(f"{where}: {message} (403): the app lacks a scope; check RAMP_SCOPES and the app's permitted scopes")
    if status == 404 and not write:
        raise DataError(f"{where}: not found", code=code, status=404)
    if status in (400, 404, 409, 422):
        raise DataError(f"{message}{suffix}", code=code, field=field, status=status)
    raise ContractError(f"{where}: unexpected HTTP {status}: {message}{suffix}")
