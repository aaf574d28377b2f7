# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""http/_errors on its own: each error keeps the URL it names, a body's preview, an error body's fields, the message
of an HTTP error status."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import (
    ApiResponse,
    VobizAuthError,
    VobizConnectionError,
    VobizHTTPError,
    VobizNotFoundError,
    body_preview,
    error_details,
    http_error,
    unexpected_answer,
)

URL = "https://api.vobiz.ai/api/v1/Account/MA_1/Call/"
REQUEST = SimpleNamespace(shown=URL, label="GET " + URL)


def test_every_error_keeps_the_url_it_names():
    assert (VobizConnectionError("m", url=URL).url, VobizConnectionError("m", url=URL).status_code) == (URL, None)
    assert VobizHTTPError("m", URL, 500).url == URL
    error = unexpected_answer(ApiResponse(200, ["x"], URL, "GET " + URL), "an object")
    assert (error.url, error.status_code, error.message) == (URL, 200, "GET %s answered HTTP 200 with JSON that is not an object: '[\"x\"]'" % URL)


def test_a_preview_is_cut_at_its_length_and_reads_no_further_than_four_bytes_a_character():
    assert body_preview(b"a" * 200) == "a" * 200
    assert body_preview(b"a" * 201) == "a" * 200 + "..."
    assert body_preview(b" " * 800 + b"beyond") == ""
    assert body_preview("é".encode() * 3) == "ééé"


def test_a_retry_after_that_is_not_a_number_of_seconds_is_none():
    data = json.loads('{"error": {"code": "RATE", "details": {"retryAfter": NaN}}}')
    assert error_details(data) == ("RATE", None, None, None)
    assert error_details({"error": {"code": "RATE", "details": {"retryAfter": -3}}})[3] == 0.0
    assert error_details({"error": {"code": "RATE", "details": {"retryAfter": 10 ** 400}}})[3] == math.inf


def test_an_http_error_without_a_reason_or_a_body_says_the_status_alone():
    error = http_error(599, "", REQUEST, b"", False, (None, None, None, None), "MA_1")
    assert (error.message, error.url, type(error)) == ("GET %s answered HTTP 599" % URL, URL, VobizHTTPError)


def test_an_http_error_with_a_body_that_is_not_json_shows_it():
    error = http_error(502, "Bad Gateway", REQUEST, b"<html>down</html>", False, (None, None, None, None), "MA_1")
    assert error.message == "GET %s answered HTTP 502 Bad Gateway and a body that is not Vobiz's JSON: '<html>down</html>'" % URL


def test_a_refusal_of_the_credentials_keeps_what_vobiz_said():
    error = http_error(401, "Unauthorized", REQUEST, b"{}", True, ("AUTH", "bad token", "req-1", 5.0), "MA_1")
    assert type(error) is VobizAuthError  # pylint: disable=unidiomatic-typecheck  # this class, not a subclass
    assert (error.url, error.status_code, error.error_code, error.request_id, error.retry_after) == (URL, 401, "AUTH", "req-1", 5.0)
    assert error.message == "Vobiz refused the credentials of auth_id MA_1 (HTTP 401: AUTH: bad token) for GET %s" % URL


def test_only_a_json_or_empty_404_is_the_api_saying_not_here():
    # pylint: disable=unidiomatic-typecheck  # these classes, not a subclass
    assert type(http_error(404, "Not Found", REQUEST, b"", False, (None, None, None, None), "MA_1")) is VobizNotFoundError
    assert type(http_error(404, "Not Found", REQUEST, b"<html>", False, (None, None, None, None), "MA_1")) is VobizHTTPError
    found = http_error(404, "Not Found", REQUEST, b"{}", True, (None, "not found", "r", None), "MA_1")
    assert (type(found), found.url, found.message) == (VobizNotFoundError, URL, "GET %s answered HTTP 404 Not Found: not found (request id r)" % URL)


def test_a_connection_error_is_taken_as_transient_and_sent_unless_told():
    # a connection lost while reading the answer is raised so: the request may have acted, and another try may do
    error = VobizConnectionError("GET u failed while reading the answer: reset")
    assert (error.transient, error.sent) == (True, True)


def test_the_request_id_is_read_under_each_of_its_names_and_only_text_counts():
    assert error_details({"request_id": "r-2", "api_id": "a"})[2] == "r-2"
    assert error_details({"requestId": "r-1", "request_id": "r-2"})[2] == "r-1"
    assert error_details({"api_id": "a"})[2] == "a"
    assert error_details({"error": {"code": 5, "message": ""}, "requestId": 7}) == (None, None, None, None)
