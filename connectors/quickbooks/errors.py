"""QuickBooks answers → the connectors' error vocabulary (quickbooks.md A2, A5, A6).

Fault bodies come as `{"Fault": {"Error": [{Message, Detail, code, element}], "type"}}`, the
401 body in lower case (`fault`/`error`), and the 429 body as XML even for JSON requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from connectors.errors import AuthError, ConfigError, ContractError, DataError, RateLimitedError, TransientError

STALE = "5010"
DUPLICATE_DOC_NUMBER = "6140"
DUPLICATE_NAME = "6240"
NOT_FOUND = "610"
AUTH_CODES = {"120", "3100", "3200", "3201"}
PLAN_CODES = {"5020"}


@dataclass(frozen=True)
class Fault:
    code: str
    message: str
    detail: str
    element: str | None

    def describe(self) -> str:
        where = f" (field {self.element})" if self.element else ""
        return f"[{self.code}] {self.message}: {self.detail}{where}"


def faults(payload: object) -> list[Fault]:
    """Every error of a Fault body, in either casing."""
    if not isinstance(payload, dict):
        return []
    fault = payload.get("Fault") or payload.get("fault")
    if not isinstance(fault, dict):
        return []
    errors = fault.get("Error") or fault.get("error") or []
    out = []
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict):
            out.append(
                Fault(
                    code=str(error.get("code") or ""),
                    message=str(error.get("Message") or error.get("message") or ""),
                    detail=str(error.get("Detail") or error.get("detail") or ""),
                    element=error.get("element") or None,
                )
            )
    return out


class QuickBooksDataError(DataError):
    """A Fault on one record; `faults` keeps every error QuickBooks listed."""

    def __init__(self, found: list[Fault], status: int | None = None) -> None:
        first = found[0]
        super().__init__("; ".join(f.describe() for f in found), code=first.code, field=first.element, status=status)
        self.faults = found


def error_for_fault(found: list[Fault], *, status: int | None, where: str, write: bool) -> Exception:
    """The exception for a Fault (HTTP error or a batch item's Fault)."""
    codes = {f.code for f in found}
    text = "; ".join(f.describe() for f in found)
    if "3001" in codes:
        return RateLimitedError(f"{where}: throttled: {text}")
    if codes & AUTH_CODES:
        return AuthError(f"{where}: QuickBooks refused the credentials: {text}: reconnect the app (see README, QuickBooks)")
    if codes & PLAN_CODES:
        return ConfigError(f"{where}: {text}: this QuickBooks plan lacks the feature (purchase orders need Plus or above)")
    if "10000" in codes or (status or 0) >= 500:
        return TransientError(f"{where}: {text}", uncertain=write)
    return QuickBooksDataError(found, status)


def raise_for_response(response: httpx.Response, *, write: bool, throttle_wait: float) -> None:
    status = response.status_code
    if status < 400:
        return
    where = f"QuickBooks {response.request.method} {response.request.url.path}"
    if status == 429:
        raise RateLimitedError(f"{where}: throttled (429)", retry_after=_retry_after(response, throttle_wait))
    try:
        payload = response.json()
    except ValueError:
        payload = None
    found = faults(payload) or _xml_faults(response.text)
    if status >= 500 and not found:
        raise TransientError(f"{where}: HTTP {status}", uncertain=write)
    if status == 401:
        detail = found[0].detail if found else "unauthorized"
        raise AuthError(f"{where}: 401 {detail}: the access token was refused after a refresh: reconnect the app")
    if not found:
        raise ContractError(f"{where}: HTTP {status} without a Fault body: {response.text[:200]}")
    raise error_for_fault(found, status=status, where=where, write=write)


def _xml_faults(text: str) -> list[Fault]:
    found = []
    for code, body in re.findall(r'<Error code="(\d+)"[^>]*>(.*?)</Error>', text or "", re.S):
        message = re.search(r"<Message>(.*?)</Message>", body, re.S)
        detail = re.search(r"<Detail>(.*?)</Detail>", body, re.S)
        found.append(Fault(code, message.group(1) if message else "", detail.group(1) if detail else "", None))
    return found


def _retry_after(response: httpx.Response, fallback: float) -> float:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else fallback
    except ValueError:
        return fallback
