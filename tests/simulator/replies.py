"""Answers in the shapes Vobiz uses: its error envelope, Plivo-style bodies, a proxy's HTML page."""

from __future__ import annotations

import datetime
import http
import json
import secrets
import uuid
from dataclasses import dataclass, field

JSON_TYPE = "application/json"

ERROR_CODES = {
    400: "INVALID_PARAMETER",
    401: "INVALID_CREDENTIALS",
    402: "PAYMENT_REQUIRED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    422: "UNPROCESSABLE",
    429: "RATE_LIMIT_EXCEEDED",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict = field(default_factory=dict)


def new_api_id() -> str:
    return str(uuid.uuid4())


def new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


def reason_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def json_reply(status: int, value, headers: dict | None = None) -> Reply:
    return Reply(status=status, body=json.dumps(value).encode(), headers=dict(headers or {}))


def error_envelope(status: int, request_id: str, code: str | None = None, message: str | None = None, details: dict | None = None) -> dict:
    """Vobiz's documented error body."""
    error = {"code": code or ERROR_CODES.get(status, "ERROR"), "message": message or reason_phrase(status)}
    if details is not None:
        error["details"] = details
    timestamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"status": "error", "error": error, "timestamp": timestamp, "requestId": request_id}


def envelope_reply(status: int, request_id: str, code: str | None = None, message: str | None = None, **kwargs) -> Reply:
    details = kwargs.pop("details", None)
    return json_reply(status, error_envelope(status, request_id, code, message, details), **kwargs)


def plivo_not_found() -> Reply:
    return json_reply(404, {"api_id": new_api_id(), "error": "not found"})


def html_page(status: int) -> Reply:
    """The kind of page nginx answers when the service behind it is down."""
    if status == 200:
        title = heading = "Welcome to nginx!"
    else:
        title = heading = f"{status} {reason_phrase(status)}"
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{heading}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Reply(status=status, body=page.encode(), content_type="text/html")
