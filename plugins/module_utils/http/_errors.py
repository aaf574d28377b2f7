# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The errors of the HTTP client, and what an answer said: every error class (VobizError and its kinds), the decoded
2xx answer (ApiResponse), the errors about an answer's shape (unexpected_answer, json_object), and the reading of an
error body in both documented envelopes. Nothing here sends a request. Standard library only.
"""

from __future__ import annotations

import json
import math
import re

BODY_PREVIEW_CHARS = 200


class VobizError(Exception):
    """Base of every error the client raises; its message is safe to show (it never holds credentials).

    `uncertain_attempts` counts the earlier attempts of the same request that may have acted without a clear answer
    (the one rule: _retry.may_have_taken_effect): a DELETE answering 404 after one may have done its work.
    """

    uncertain_attempts = 0

    def __init__(self, message: str, url: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.url = url
        self.status_code = status_code

    def result_fields(self) -> dict:
        """Extra keys a module adds to its failed result."""
        fields = {}
        if self.status_code is not None:
            fields["status_code"] = self.status_code
        return fields


class VobizConnectionError(VobizError):
    """No HTTP answer: refused, DNS, TLS, time-out or a dropped connection.

    `sent` is False when the connection could not be opened (refused, DNS, a connect time-out, a failed TLS handshake):
    the request never left, so the server cannot have acted on it. True when it may have been sent."""

    def __init__(self, message: str, url: str | None = None, transient: bool = True, sent: bool = True):
        super().__init__(message, url=url)
        self.transient = transient
        self.sent = sent


class VobizResponseError(VobizError):
    """An HTTP answer the client cannot use: not JSON, the wrong shape, or too large."""


class VobizHTTPError(VobizError):
    """An HTTP error status, with what Vobiz said about it."""

    def __init__(self, message: str, url: str, status_code: int, error_code: str | None = None,
                 request_id: str | None = None, retry_after: float | None = None):
        super().__init__(message, url=url, status_code=status_code)
        self.error_code = error_code
        self.request_id = request_id
        self.retry_after = retry_after

    def result_fields(self) -> dict:
        fields = super().result_fields()
        if self.error_code:
            fields["error_code"] = self.error_code
        if self.request_id:
            fields["request_id"] = self.request_id
        return fields


class VobizAuthError(VobizHTTPError):
    """401 or 403: Vobiz refused the credentials."""


class VobizNotFoundError(VobizHTTPError):
    """404 with a JSON body: the API itself says there is no such resource."""


class ApiResponse:
    """A decoded 2xx answer; `data` is None for an answer without a body (a DELETE's 204).
    `label` is the request as messages show it: the method and the redacted URL."""

    def __init__(self, status_code: int, data, url: str, label: str | None = None):
        self.status_code = status_code
        self.data = data
        self.url = url
        self.label = label or url


def unexpected_answer(response: ApiResponse, expected: str) -> VobizResponseError:
    """The error for a 2xx JSON answer that is not what the caller expected (`expected` says what, in words)."""
    shown = body_preview(json.dumps(response.data).encode("utf-8"))
    return VobizResponseError("%s answered HTTP %d with JSON that is not %s: %r" % (response.label, response.status_code, expected, shown),
                              url=response.url, status_code=response.status_code)


def json_object(response: ApiResponse, expected: str) -> dict:
    """The answer's JSON object; unexpected_answer() when it is another JSON value."""
    if not isinstance(response.data, dict):
        raise unexpected_answer(response, expected)
    return response.data


def body_preview(body: bytes) -> str:
    """The start of a body, printable, for messages."""
    text = body[:BODY_PREVIEW_CHARS * 4].decode("utf-8", errors="replace")
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > BODY_PREVIEW_CHARS:
        text = text[:BODY_PREVIEW_CHARS] + "..."
    return text


def error_details(data) -> tuple[str | None, str | None, str | None, float | None]:
    """(code, message, request id, retryAfter) from either documented error envelope."""
    if not isinstance(data, dict):
        return None, None, None, None
    error = data.get("error")
    request_id = data.get("requestId") or data.get("request_id") or data.get("api_id")
    if isinstance(error, dict):  # Vobiz: {"status": "error", "error": {"code", "message", "details"}, "requestId"}
        details = error.get("details") if isinstance(error.get("details"), dict) else {}
        return _text(error.get("code")), _text(error.get("message")), _text(request_id), _seconds_or_none(details.get("retryAfter"))
    message = error if isinstance(error, str) else data.get("message")  # Plivo-style: {"api_id", "error": "not found"}
    return None, _text(message), _text(request_id), None


def _seconds_or_none(value) -> float | None:
    """A finite, non-negative number of seconds from a JSON value, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer beyond any float: the server asks for longer than anyone waits
        return math.inf
    return max(0.0, seconds) if not math.isnan(seconds) else None


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_json(body: bytes):
    """(data, True) for a JSON body, (None, False) otherwise."""
    if not body.strip():
        return None, False
    try:
        return json.loads(body.decode("utf-8")), True
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, False


def http_error(status: int, reason: str, request, body: bytes, is_json: bool, details: tuple, auth_id: str | None) -> VobizHTTPError:
    """The error of an HTTP error status. `auth_id`: the account whose credentials the request carried; None when it
    carried none (a media host's), whose 401 or 403 is then no refusal of them."""
    code, message, request_id, retry_after = details
    said = ": ".join(part for part in (code, message) if part)
    shown = request.shown
    head = "%s answered HTTP %d%s" % (request.label, status, " %s" % reason if reason else "")
    if status in (401, 403) and auth_id is not None:
        text = "Vobiz refused the credentials of auth_id %s (HTTP %d%s)" % (auth_id, status, ": %s" % said if said else "")
        return VobizAuthError(text + " for %s" % request.label, shown, status, code, request_id, retry_after)
    if said:
        text = "%s: %s" % (head, said)
    elif body.strip() and not is_json:
        text = "%s and a body that is not Vobiz's JSON: %r" % (head, body_preview(body))
    else:
        text = head
    if request_id:
        text += " (request id %s)" % request_id
    # Only a JSON 404 (or an empty one) is the API's own "not here"; an HTML 404 means a wrong api_url or a proxy.
    kind = VobizNotFoundError if status == 404 and (is_json or not body.strip()) else VobizHTTPError
    return kind(text, shown, status, code, request_id, retry_after)
