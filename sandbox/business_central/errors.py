"""Business Central's error envelope `{"error": {"code", "message"}}` [BC-ERRORS], [BC-ISSUE-3106]."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

# Codes of the documented table [BC-ERRORS]; statuses: 400 for BadRequest_* and the
# receiveAndInvoice trap ([BC-APIV2-PO-ISSUE]); the others INFERENCE.
STATUS_CODES = {
    400: "BadRequest",
    401: "Authentication_InvalidCredentials",
    403: "Authorization_InsufficientPermissions",
    404: "BadRequest_ResourceNotFound",
    408: "RequestTimeout",
    412: "Request_EntityChanged",
    429: "TooManyRequests",
    500: "Internal_ServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


class BcError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def for_status(status: int, retry_after: int | None = None) -> Response:
    """An injected fault in BC's envelope."""
    headers = {"Retry-After": str(retry_after)} if status == 429 and retry_after is not None else None
    return error_response(status, STATUS_CODES.get(status, "Unknown"), f"Simulated HTTP {status}", headers)


def not_found(what: str) -> BcError:
    return BcError(404, "BadRequest_NotFound", f"The {what} does not exist.")


def invalid(message: str) -> BcError:
    return BcError(400, "BadRequest", message)


def dialog(message: str) -> BcError:
    """An application rule refused it [BC-ERRORS] `Application_DialogException`."""
    return BcError(400, "Application_DialogException", message)
