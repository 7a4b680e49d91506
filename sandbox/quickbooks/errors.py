"""QuickBooks Online error bodies (quickbooks.md A2 401, A5 429, A6 Fault).

Handlers raise `QboFault`; `fault_response` renders the documented JSON shape
`{"Fault": {"Error": [{Message, Detail, code, element}], "type"}, "time"}`. The 401 body uses
lower-case keys (A2) and the 429 body is XML even for JSON requests (A5).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse, Response

MESSAGES = {
    "500": "Unsupported Operation",
    "610": "Object Not Found",
    "1040": "Batch size exceeds allowed limit",
    "2020": "Required param missing, need to supply the required value for the API",
    "2050": "Length exceeds limit",
    "2500": "Invalid Reference Id",
    "4000": "Error parsing query",
    "4001": "Invalid query",
    "5010": "Stale Object Error",
    "5020": "You do not have permission to access this feature.",
    "6000": "A business validation error has occurred while processing your request",
    "6070": "Amount calculation incorrect in the request",
    "6140": "Duplicate Doc Num",
    "6240": "Duplicate Name Exists Error",
    "10000": "An application error has occurred while processing your request",
}
STALE_DETAIL = (
    "Stale Object Error : You and root were working on this at the same time. root finished before you did, "
    "so your work was not saved."
)
THROTTLE_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse time="{time}" xmlns="http://schema.intuit.com/finance/v3">
  <Fault type="SERVICE">
    <Error code="3001">
      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
      <Detail>The request limit was reached.  Try again later</Detail>
    </Error>
  </Fault>
</IntuitResponse>
"""


def now_text() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="milliseconds")


class QboFault(Exception):
    """One QuickBooks fault: status, code, detail, element, fault type."""

    def __init__(self, code: str, detail: str, *, status: int = 400, element: str = "", type_: str = "ValidationFault"):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.status = status
        self.element = element
        self.type = type_

    def body(self) -> dict[str, Any]:
        error = {"Message": MESSAGES.get(self.code, "Error"), "Detail": self.detail, "code": self.code, "element": self.element}
        return {"Error": [error], "type": self.type}


def fault_response(fault: QboFault) -> Response:
    return JSONResponse({"Fault": fault.body(), "time": now_text()}, status_code=fault.status, headers={"intuit_tid": "sim"})


def auth_failure(detail: str) -> Response:
    """401 with the lower-case body of A2."""
    body: dict[str, Any] = {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": int(datetime.now(UTC).timestamp() * 1000),
    }
    return JSONResponse(body, status_code=401, headers={"www-authenticate": 'Bearer realm="Intuit", error="invalid_token"'})


def throttled(body_format: str, retry_after: int | None) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if body_format == "json":
        fault = {
            "Error": [
                {
                    "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                    "Detail": "The request limit was reached.  Try again later",
                    "code": "3001",
                }
            ],
            "type": "SERVICE",
        }
        return JSONResponse({"Fault": fault, "time": now_text()}, status_code=429, headers=headers)
    return Response(THROTTLE_XML.format(time=now_text()), status_code=429, media_type="application/xml", headers=headers)


def for_status(status: int) -> Response:
    """The body of an injected fault status."""
    if status == 429:
        return throttled("xml", None)
    if status == 401:
        return auth_failure("Token expired")
    fault = QboFault("10000", "An application error has occurred", status=status, type_="SystemFault")
    return fault_response(fault)
