"""Ramp's error envelope (ramp.md B2, `error-handling.mdx`): `error_v2` plus the legacy `error`."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from starlette.responses import JSONResponse

# Only DEVELOPER_7001 (422 validation) is documented; the other codes are simulator choices.
CODES = {
    400: "DEVELOPER_7000",
    401: "DEVELOPER_7004",
    403: "DEVELOPER_7005",
    404: "DEVELOPER_7002",
    409: "DEVELOPER_7006",
    422: "DEVELOPER_7001",
    429: "DEVELOPER_7029",
    500: "DEVELOPER_7500",
    502: "DEVELOPER_7500",
    503: "DEVELOPER_7500",
    504: "DEVELOPER_7500",
}


class RampError(Exception):
    def __init__(self, status: int, message: str, additional_info: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.additional_info = additional_info or {}

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        return error_response(self.status, self.message, self.additional_info, headers)


def error_response(
    status: int, message: str, additional_info: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    info = additional_info or {}
    body = {
        "error_v2": {"error_code": CODES.get(status, "DEVELOPER_7000"), "additional_info": info, "notes": "", "message": message},
        "error": info or {"message": [message]},
    }
    return JSONResponse(body, status_code=status, headers={"x-trace-id": uuid4().hex, **(headers or {})})


def invalid(field: str, message: str) -> RampError:
    return RampError(422, message, {field: [message]})


def not_found(what: str, object_id: str) -> RampError:
    return RampError(404, f"{what} {object_id} not found")
