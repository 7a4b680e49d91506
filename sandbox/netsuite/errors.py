"""NetSuite's RFC-7807-like error bodies (netsuite.md §1.6, concurrency body §1.7).

Handlers raise `NsError`; `error_response` renders it. The verbatim examples of §1.6 are
reproduced field for field (`type`, `title`, `status`, `o:errorDetails[{detail, o:errorCode,
o:errorPath?}]`), including the top-level `o:errorCode: USER_ERROR` of the 429 body.
"""

from __future__ import annotations

import secrets
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse

ERROR_MEDIA_TYPE = "application/vnd.oracle.resource+json; type=error"
_TYPE_BASE = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"
_TYPE_FRAGMENT = {400: "#sec10.4.1"}  # as in Oracle's INVALID_CONTENT example; others have none

INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)
CONCURRENCY_DETAIL = "Concurrent request limit exceeded. Request blocked."
NONEXISTENT_DETAIL = "Record does not exist."
MALFORMED_DETAIL = "The request could not be understood by the server due to malformed syntax."


class NsError(Exception):
    """A NetSuite error answer: HTTP status, `o:errorCode`, detail and optional locators."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        path: str | None = None,
        query_param: str | None = None,
        header: str | None = None,
        top_code: str | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.path = path
        self.query_param = query_param
        self.header = header
        self.top_code = top_code
        self.title = title

    def body(self) -> dict[str, Any]:
        item: dict[str, Any] = {"detail": self.detail, "o:errorCode": self.code}
        if self.path is not None:
            item["o:errorPath"] = self.path
        if self.query_param is not None:
            item["o:errorQueryParam"] = self.query_param
        if self.header is not None:
            item["o:errorHeader"] = self.header
        body: dict[str, Any] = {
            "type": _TYPE_BASE + _TYPE_FRAGMENT.get(self.status, ""),
            "title": self.title or _phrase(self.status),
            "status": self.status,
        }
        if self.top_code is not None:
            body["o:errorCode"] = self.top_code
        body["o:errorDetails"] = [item]
        return body


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(err: NsError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status, media_type=ERROR_MEDIA_TYPE, headers=headers)


def invalid_login() -> NsError:
    return NsError(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL)


def nonexistent_id() -> NsError:
    return NsError(404, "NONEXISTENT_ID", NONEXISTENT_DETAIL)


def invalid_content(detail: str, path: str | None) -> NsError:
    return NsError(400, "INVALID_CONTENT", f"Error while accessing a resource. {detail}", path=path)


def invalid_field_value(value: object, field_path: str, code: str = "INVALID_CONTENT") -> NsError:
    """Oracle's own example wording for an invalid reference (§1.6)."""
    leaf = field_path.rsplit(".", 1)[-1].split("[", 1)[0]
    return NsError(
        400,
        code,
        f"Error while accessing resource: You have entered an Invalid Field Value {value} for the following field: {leaf}",
        path=field_path,
    )


def concurrency_error(title: str) -> NsError:
    return NsError(429, "CONCURRENCY_LIMIT_EXCEEDED", CONCURRENCY_DETAIL, top_code="USER_ERROR", title=title)


def unexpected_error(status: int = 500) -> NsError:
    """5xx in the documented UNEXPECTED_ERROR shape, with a random Error ID like Oracle's."""
    error_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(20))
    return NsError(status, "UNEXPECTED_ERROR", f"An unexpected error occurred. Error ID: {error_id}")


def for_status(status: int, concurrency_title: str) -> NsError:
    """The vendor-shaped error for an injected status (FaultInjector.error_response)."""
    if status == 429:
        return concurrency_error(concurrency_title)
    if status >= 500:
        return unexpected_error(status)
    if status == 401:
        return invalid_login()
    if status == 404:
        return nonexistent_id()
    if status == 400:
        return NsError(400, "INVALID_REQUEST", MALFORMED_DETAIL)
    return NsError(status, "USER_ERROR", _phrase(status))
