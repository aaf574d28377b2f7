# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""VobizClient: URLs, headers, error messages, body limits, retries and the pool-wide 429 hold."""

from __future__ import annotations

import io
import socket
import time
from email.utils import formatdate
from pathlib import Path

import pytest
import requests
import responses
import yaml

from ansible_collections.vobiz.telephony.plugins.module_utils import _collection
from ansible_collections.vobiz.telephony.plugins.module_utils.http import _client
from ansible_collections.vobiz.telephony.plugins.module_utils.common._text import redact_url
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient, describe_exception
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import (
    VobizAuthError,
    VobizConnectionError,
    VobizError,
    VobizHTTPError,
    VobizNotFoundError,
    VobizResponseError,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.http._retry import parse_retry_after
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    API_URL,
    AUTH_ID,
    AUTH_TOKEN,
    UUID,
    call_url,
    live_record,
)

SEGMENTS = ("Account", AUTH_ID, "Call", UUID)
URL = call_url(UUID)
SHOWN_LIVE = URL + "?status=live"


def make_client(**kwargs) -> VobizClient:
    kwargs.setdefault("retries", 3)
    kwargs.setdefault("timeout", 30)
    return VobizClient(kwargs.pop("api_url", API_URL), AUTH_ID, AUTH_TOKEN, **kwargs)


def get_live(client):
    return client.get(SEGMENTS, params={"status": "live"})


def vobiz_error(code: str, message: str, request_id: str = "req_8f14e45fceea167a", **details) -> dict:
    return {"status": "error", "error": {"code": code, "message": message, "details": details},
            "timestamp": "2026-06-11T16:03:28Z", "requestId": request_id}


def collection_root() -> Path:
    # tests/unit/plugins/module_utils/http/test_client.py -> the collection root is five levels up.
    return Path(__file__).resolve().parents[5]


# --- identity: version, user agent, headers, URLs ---------------------------------------------------------------


def test_collection_version_equals_galaxy_yml_version():
    galaxy = yaml.safe_load((collection_root() / "galaxy.yml").read_text(encoding="utf-8"))
    assert galaxy["namespace"] + "." + galaxy["name"] == _collection.COLLECTION_NAME
    assert _collection.COLLECTION_VERSION == str(galaxy["version"])


def test_request_sends_user_agent_auth_headers_and_accept_json(mocked):
    mocked.add(responses.GET, URL, json=live_record(UUID))
    with make_client(user_agent_suffix="vobiz.telephony.live_call_info") as client:
        get_live(client)
    headers = mocked.calls[0].request.headers
    assert headers["User-Agent"] == "vobiz.telephony/%s python-requests/%s (vobiz.telephony.live_call_info)" % (
        _collection.COLLECTION_VERSION, requests.__version__)
    assert headers["X-Auth-ID"] == AUTH_ID
    assert headers["X-Auth-Token"] == AUTH_TOKEN
    assert headers["Accept"] == "application/json"


def test_user_agent_without_suffix_is_collection_and_requests_only(mocked):
    mocked.add(responses.GET, URL, json=live_record(UUID))
    get_live(make_client())
    assert mocked.calls[0].request.headers["User-Agent"] == "vobiz.telephony/%s python-requests/%s" % (
        _collection.COLLECTION_VERSION, requests.__version__)


def test_get_sends_documented_path_with_trailing_slash_and_status_query(mocked):
    mocked.add(responses.GET, URL, json=live_record(UUID))
    response = get_live(make_client())
    assert mocked.calls[0].request.url == SHOWN_LIVE
    assert response.status_code == 200
    assert response.data == live_record(UUID)
    assert response.url == SHOWN_LIVE


def test_url_for_percent_quotes_every_segment():
    client = make_client()
    assert client.url_for(("Account", "a/b?c#d %e", "Call")) == API_URL + "/Account/a%2Fb%3Fc%23d%20%25e/Call/"
    assert client.url_for(("Account", "..", "Call"), trailing_slash=False) == API_URL + "/Account/../Call"


def test_url_for_drops_trailing_slashes_of_api_url():
    client = make_client(api_url=API_URL + "//")
    assert client.url_for(("Account", AUTH_ID)) == API_URL + "/Account/" + AUTH_ID + "/"


@pytest.mark.parametrize("verify", [False, "/etc/ssl/private-ca.pem"])
def test_verify_is_passed_with_every_request(mocked, verify):
    # REQUESTS_CA_BUNDLE overrides Session.verify, so the value must travel with each request.
    mocked.add(responses.GET, URL, json=live_record(UUID))
    get_live(make_client(verify=verify))
    assert mocked.calls[0].request.req_kwargs["verify"] == verify


def test_redirects_are_not_followed(mocked):
    mocked.add(responses.GET, URL, status=302, headers={"Location": "https://elsewhere.example/"})
    with pytest.raises(VobizHTTPError) as error:
        get_live(make_client(retries=0))
    assert error.value.status_code == 302
    assert len(mocked.calls) == 1


# --- HTTP errors --------------------------------------------------------------------------------------------------


def test_401_is_auth_error_naming_auth_id_status_code_and_message(mocked):
    mocked.add(responses.GET, URL, status=401, json=vobiz_error("INVALID_CREDENTIALS", "Invalid auth token", "req_401"))
    with pytest.raises(VobizAuthError) as error:
        get_live(make_client())
    message = error.value.message
    assert "Vobiz refused the credentials of auth_id %s (HTTP 401: INVALID_CREDENTIALS: Invalid auth token)" % AUTH_ID in message
    assert SHOWN_LIVE in message
    assert error.value.result_fields() == {"status_code": 401, "error_code": "INVALID_CREDENTIALS", "request_id": "req_401"}
    assert AUTH_TOKEN not in str(error.value)


def test_403_without_body_is_auth_error_with_status_only(mocked):
    mocked.add(responses.GET, URL, status=403, body=b"")
    with pytest.raises(VobizAuthError) as error:
        get_live(make_client())
    assert "Vobiz refused the credentials of auth_id %s (HTTP 403) for GET %s" % (AUTH_ID, SHOWN_LIVE) == error.value.message
    assert error.value.result_fields() == {"status_code": 403}


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_never_retried(mocked, clock, status):
    mocked.add(responses.GET, URL, status=status, json=vobiz_error("E%d" % status, "no", retryAfter=1), headers={"Retry-After": "1"})
    warnings = []
    client = make_client(on_retry=warnings.append)
    with pytest.raises(VobizHTTPError) as error:
        get_live(client)
    assert error.value.status_code == status
    assert len(mocked.calls) == 1
    assert client.http_retries == 0
    assert warnings == []
    assert clock.sleeps == []


def test_other_http_error_names_status_vobiz_code_message_and_request_id(mocked):
    # 409: a status whose reason phrase is the same in every Python (3.13 renamed 422's)
    mocked.add(responses.GET, URL, status=409, json=vobiz_error("INVALID_PARAMETER", "status must be live or queued", "req_409"))
    with pytest.raises(VobizHTTPError) as error:
        get_live(make_client())
    assert error.value.__class__ is VobizHTTPError  # exactly, not a subclass
    assert error.value.message == ("GET %s answered HTTP 409 Conflict: INVALID_PARAMETER: status must be live or queued "
                                   "(request id req_409)" % SHOWN_LIVE)
    assert error.value.result_fields() == {"status_code": 409, "error_code": "INVALID_PARAMETER", "request_id": "req_409"}
    assert (error.value.error_code, error.value.request_id) == ("INVALID_PARAMETER", "req_409")


def test_plivo_style_error_envelope_gives_message_and_api_id_as_request_id(mocked):
    mocked.add(responses.GET, URL, status=400, json={"api_id": "p-400", "error": "invalid status parameter"})
    with pytest.raises(VobizHTTPError) as error:
        get_live(make_client())
    assert error.value.message == "GET %s answered HTTP 400 Bad Request: invalid status parameter (request id p-400)" % SHOWN_LIVE
    assert error.value.result_fields() == {"status_code": 400, "request_id": "p-400"}


def test_request_id_falls_back_to_x_request_id_header(mocked):
    mocked.add(responses.GET, URL, status=400, json={"message": "bad"}, headers={"X-Request-Id": "hdr-1"})
    with pytest.raises(VobizHTTPError) as error:
        get_live(make_client())
    assert error.value.message.endswith("HTTP 400 Bad Request: bad (request id hdr-1)")
    assert error.value.result_fields() == {"status_code": 400, "request_id": "hdr-1"}


@pytest.mark.parametrize("body", [b'{"api_id": "p-1", "error": "not found"}', b'{"error": "call not found", "call_uuid": "x"}', b""])
def test_json_or_empty_404_is_not_found(mocked, body):
    mocked.add(responses.GET, URL, status=404, body=body, content_type="application/json")
    with pytest.raises(VobizNotFoundError) as error:
        get_live(make_client())
    assert error.value.status_code == 404


def test_html_404_is_a_plain_http_error_showing_the_body(mocked):
    mocked.add(responses.GET, URL, status=404, body=b"<html>\n<body><h1>Not Found</h1></body></html>", content_type="text/html")
    with pytest.raises(VobizHTTPError) as error:
        get_live(make_client())
    assert error.value.__class__ is VobizHTTPError  # exactly, not a subclass
    assert error.value.message == ("GET %s answered HTTP 404 Not Found and a body that is not Vobiz's JSON: "
                                   "'<html> <body><h1>Not Found</h1></body></html>'" % SHOWN_LIVE)


@pytest.mark.parametrize("body", [b"<!doctype html><p>maintenance</p>", b"{not json", b"", b"\xff\xfe\x00garbage"])
def test_2xx_that_is_not_json_is_a_response_error(mocked, body):
    mocked.add(responses.GET, URL, status=200, body=body)
    with pytest.raises(VobizResponseError) as error:
        get_live(make_client())
    assert "GET %s answered HTTP 200 but the body is not JSON: " % SHOWN_LIVE in error.value.message
    assert error.value.status_code == 200
    assert len(mocked.calls) == 1


def test_body_preview_is_whitespace_collapsed_and_cut_at_200_characters(mocked):
    mocked.add(responses.GET, URL, status=200, body=b"<p>\n\n  " + b"x" * 500)
    with pytest.raises(VobizResponseError) as error:
        get_live(make_client())
    assert error.value.message.endswith("not JSON: '<p> %s...'" % ("x" * 196))


def test_body_over_10_mib_is_refused(mocked):
    mocked.add(responses.GET, URL, status=200, body=b"[" + b"0," * (5 * 1024 * 1024) + b"0]")
    with pytest.raises(VobizResponseError) as error:
        get_live(make_client())
    assert error.value.message == "GET %s answered HTTP 200 with a body larger than 10485760 bytes; refused to read it" % SHOWN_LIVE
    assert _client.MAX_BODY_BYTES == 10 * 1024 * 1024


def test_declared_content_length_over_limit_is_refused_before_reading(mocked):
    mocked.add(responses.GET, URL, status=500, body=b"{}", headers={"Content-Length": str(10 * 1024 * 1024 + 1)}, auto_calculate_content_length=False)
    with pytest.raises(VobizResponseError) as error:
        get_live(make_client())
    assert "answered HTTP 500 with a body larger than 10485760 bytes" in error.value.message
    assert len(mocked.calls) == 1  # a refused body is not retried


def test_streamed_body_without_length_is_cut_at_the_limit(mocked):
    mocked.add(responses.GET, URL, status=200, body=b'{"a": "' + b"x" * 2000 + b'"}', auto_calculate_content_length=False)
    with pytest.raises(VobizResponseError) as error:
        get_live(make_client(max_body_bytes=1000))
    assert "with a body larger than 1000 bytes" in error.value.message


def test_body_of_exactly_the_limit_is_read(mocked):
    body = b'{"call_status": "ringing", "pad": "' + b"x" * 100 + b'"}'
    mocked.add(responses.GET, URL, status=200, body=body, auto_calculate_content_length=False)
    response = get_live(make_client(max_body_bytes=len(body)))
    assert response.data["call_status"] == "ringing"


class _TricklingBody(io.BufferedReader):
    """A body that sends a little at a time, each read taking `step` real seconds: socket time-outs never fire."""

    def __init__(self, data, step):
        super().__init__(io.BytesIO(data), buffer_size=16)
        self.step = step

    def read(self, *args):
        time.sleep(self.step)
        return super().read(16)

    def read1(self, *args):
        time.sleep(self.step)
        return super().read1(16)


def test_answer_slower_than_timeout_is_cut_at_timeout_and_retried(mocked):
    mocked.add(responses.GET, URL, status=200, body=_TricklingBody(b"[" + b"0," * 4000 + b"0]", 0.05), auto_calculate_content_length=False)
    mocked.add(responses.GET, URL, json=live_record(UUID))
    warnings = []
    client = make_client(on_retry=warnings.append, timeout=0.3)
    started = time.monotonic()
    assert get_live(client).data == live_record(UUID)
    assert time.monotonic() - started < 0.3 + 10.0  # timeout, and a margin for a busy machine: the trickle alone takes 25 s
    assert client.http_retries == 1
    assert "no complete answer within 0.3 s" in warnings[0]


# --- connection failures ------------------------------------------------------------------------------------------


CONNECTION_FAILURES = [
    (requests.exceptions.ConnectionError("HTTPSConnectionPool(host='api.vobiz.ai', port=443): Max retries exceeded "
                                         "(Caused by NewConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'))"),
     "connection refused"),
    (requests.exceptions.ConnectionError("HTTPSConnectionPool(host='api.vobiz.ai', port=443): Max retries exceeded (Caused by "
                                         "NameResolutionError(\"Failed to resolve 'api.vobiz.ai' ([Errno -3] Temporary failure in name resolution)\"))"),
     "the host name could not be resolved"),
    (requests.exceptions.ReadTimeout("HTTPSConnectionPool(host='api.vobiz.ai', port=443): Read timed out. (read timeout=30)"),
     "no answer within 30 s"),
    (requests.exceptions.ConnectTimeout("HTTPSConnectionPool(host='api.vobiz.ai', port=443): Max retries exceeded (connect timeout=30)"),
     "could not connect within 30 s"),
    (requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))"),
     "the server closed the connection without a complete answer"),
    (requests.exceptions.ConnectionError("[Errno 101] Network is unreachable"), "the network is unreachable"),
]


@pytest.mark.parametrize("exception, cause", CONNECTION_FAILURES, ids=[cause.split(" (")[0] for _exc, cause in CONNECTION_FAILURES])
def test_transport_failure_names_url_and_cause_and_is_retried(mocked, clock, exception, cause):
    for _attempt in range(3):
        mocked.add(responses.GET, URL, body=exception)
    warnings = []
    client = make_client(retries=2, on_retry=warnings.append)
    with pytest.raises(VobizConnectionError) as error:
        get_live(client)
    assert error.value.message.startswith("GET %s failed: %s" % (SHOWN_LIVE, cause))
    assert error.value.url == SHOWN_LIVE
    assert error.value.result_fields() == {}
    assert len(mocked.calls) == 3
    assert client.http_retries == 2
    assert len(warnings) == 2
    assert clock.sleeps == [1.0, 2.0]


TLS_FAILURES = [
    (requests.exceptions.SSLError("HTTPSConnectionPool(host='api.vobiz.ai', port=443): Max retries exceeded (Caused by SSLError("
                                  "SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                                  "self-signed certificate (_ssl.c:1006)')))"),
     "TLS certificate verification failed ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"),
    (requests.exceptions.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"),
     "TLS handshake failed ([SSL: WRONG_VERSION_NUMBER] wrong version number"),
]


@pytest.mark.parametrize("exception, cause", TLS_FAILURES, ids=["verification", "handshake"])
def test_tls_failure_names_url_and_cause_and_is_not_retried(mocked, clock, exception, cause):
    mocked.add(responses.GET, URL, body=exception)
    warnings = []
    client = make_client(retries=3, on_retry=warnings.append)
    with pytest.raises(VobizConnectionError) as error:
        get_live(client)
    assert error.value.message.startswith("GET %s failed: %s" % (SHOWN_LIVE, cause))
    assert (len(mocked.calls), client.http_retries, warnings, clock.sleeps) == (1, 0, [], [])


def test_timeout_in_message_follows_the_timeout_option(mocked):
    mocked.add(responses.GET, URL, body=requests.exceptions.ReadTimeout("Read timed out. (read timeout=2.5)"))
    with pytest.raises(VobizConnectionError) as error:
        get_live(make_client(retries=0, timeout=2.5))
    assert error.value.message == "GET %s failed: no answer within 2.5 s" % SHOWN_LIVE


def test_transport_failure_text_never_leaks_the_token_or_chains_the_original(mocked):
    leaky = requests.exceptions.ConnectionError("request headers {'X-Auth-Token': '%s'}: [Errno 111] Connection refused" % AUTH_TOKEN)
    mocked.add(responses.GET, URL, body=leaky)
    with pytest.raises(VobizConnectionError) as error:
        get_live(make_client(retries=0))
    assert AUTH_TOKEN not in error.value.message
    assert AUTH_TOKEN not in str(error.value)
    assert error.value.__cause__ is None
    assert error.value.__suppress_context__ is True


def test_credentials_in_api_url_are_not_shown_in_messages(mocked):
    mocked.add(responses.GET, "https://api.vobiz.ai/api/v1/Account/%s/Call/%s/" % (AUTH_ID, UUID),
               body=requests.exceptions.ConnectionError("[Errno 111] Connection refused"))
    with pytest.raises(VobizConnectionError) as error:
        get_live(make_client(api_url="https://proxyuser:pw-Zq81@api.vobiz.ai/api/v1", retries=0))
    assert error.value.message == "GET %s failed: connection refused" % SHOWN_LIVE
    assert "pw-Zq81" not in error.value.message


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_real_refused_connection_is_described_as_connection_refused():
    port = _free_port()
    client = VobizClient("http://127.0.0.1:%d/api/v1" % port, AUTH_ID, AUTH_TOKEN, timeout=5, retries=0)
    with pytest.raises(VobizConnectionError) as error:
        get_live(client)
    assert error.value.message == "GET http://127.0.0.1:%d/api/v1/Account/%s/Call/%s/?status=live failed: connection refused" % (port, AUTH_ID, UUID)


def test_describe_exception_falls_back_to_the_exception_type():
    assert describe_exception(requests.exceptions.ChunkedEncodingError("odd"), 30) == "ChunkedEncodingError"
    assert describe_exception(TimeoutError(), 7.25) == "no answer within 7.25 s"


def test_redact_url_drops_user_and_password_only():
    assert redact_url("https://u:p@api.vobiz.ai:8443/api/v1?x=1") == "https://api.vobiz.ai:8443/api/v1?x=1"
    assert redact_url("https://api.vobiz.ai/api/v1") == "https://api.vobiz.ai/api/v1"


# --- retries ------------------------------------------------------------------------------------------------------


def test_retry_backoff_doubles_with_jitter_and_numbers_each_warning(mocked, clock, jitter):
    mocked.add(responses.GET, URL, status=503, json=vobiz_error("SERVICE_UNAVAILABLE", "busy"))
    mocked.add(responses.GET, URL, status=502, body=b"<html>bad gateway</html>")
    mocked.add(responses.GET, URL, json=live_record(UUID))
    warnings = []
    client = make_client(on_retry=warnings.append)
    assert get_live(client).data == live_record(UUID)
    assert len(mocked.calls) == 3
    assert jitter.calls == [(0, 0.5), (0, 1.0)]
    assert clock.sleeps == [1.0, 2.0]
    assert client.http_retries == 2
    assert warnings == [
        "HTTP retry 1 (attempt 2 of 4 for GET %s): HTTP 503 SERVICE_UNAVAILABLE; waiting 1 s" % SHOWN_LIVE,
        "HTTP retry 2 (attempt 3 of 4 for GET %s): HTTP 502; waiting 2 s" % SHOWN_LIVE,
    ]


def test_jitter_keeps_at_least_half_the_backoff(mocked, clock, jitter):
    jitter.low = True
    for _attempt in range(3):
        mocked.add(responses.GET, URL, status=500)
    mocked.add(responses.GET, URL, json=live_record(UUID))
    get_live(make_client())
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_backoff_base_scales_the_waits(mocked, clock):
    mocked.add(responses.GET, URL, status=500)
    mocked.add(responses.GET, URL, status=500)
    mocked.add(responses.GET, URL, json=live_record(UUID))
    get_live(make_client(backoff_base=0.01))
    assert clock.sleeps == [0.01, 0.02]


def test_backoff_is_capped_at_retry_max_wait(mocked, clock):
    for _attempt in range(3):
        mocked.add(responses.GET, URL, status=504)
    mocked.add(responses.GET, URL, json=live_record(UUID))
    get_live(make_client(retry_max_wait=1.5))
    assert clock.sleeps == [1.0, 1.5, 1.5]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_status_is_retried_once_then_succeeds(mocked, status):
    mocked.add(responses.GET, URL, status=status)
    mocked.add(responses.GET, URL, json=live_record(UUID))
    client = make_client()
    assert get_live(client).data["call_uuid"] == UUID
    assert len(mocked.calls) == 2
    assert client.http_retries == 1


@pytest.mark.parametrize("status", [409, 402, 501, 505])
def test_statuses_outside_the_retry_list_fail_at_once(mocked, status):
    mocked.add(responses.GET, URL, status=status)
    client = make_client()
    with pytest.raises(VobizHTTPError):
        get_live(client)
    assert len(mocked.calls) == 1
    assert client.http_retries == 0


def test_retries_exhausted_raise_the_last_error(mocked, clock):
    for _attempt in range(4):
        mocked.add(responses.GET, URL, status=500, json=vobiz_error("INTERNAL_ERROR", "boom", "req_500"))
    client = make_client(retries=3)
    with pytest.raises(VobizHTTPError) as error:
        get_live(client)
    assert error.value.status_code == 500
    assert "HTTP 500 Internal Server Error: INTERNAL_ERROR: boom (request id req_500)" in error.value.message
    assert len(mocked.calls) == 4
    assert client.http_retries == 3
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_retries_zero_sends_exactly_one_request(mocked, clock):
    mocked.add(responses.GET, URL, status=503)
    client = make_client(retries=0)
    with pytest.raises(VobizHTTPError):
        get_live(client)
    assert len(mocked.calls) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("header, expected", [("7", 7.0), ("0", 0.0), ("2.5", 2.5), ("120", 60.0), ("soon", 1.0)])
def test_retry_after_seconds_header_is_honoured_up_to_retry_max_wait(mocked, clock, header, expected):
    mocked.add(responses.GET, URL, status=503, headers={"Retry-After": header})
    mocked.add(responses.GET, URL, json=live_record(UUID))
    get_live(make_client(retry_max_wait=60))
    assert clock.sleeps == [expected]


def test_retry_after_http_date_is_honoured(mocked, clock):
    mocked.add(responses.GET, URL, status=503, headers={"Retry-After": formatdate(clock.EPOCH + 30, usegmt=True)})
    mocked.add(responses.GET, URL, json=live_record(UUID))
    get_live(make_client())
    assert clock.sleeps == [30.0]


def test_retry_after_http_date_in_the_past_waits_zero(mocked, clock):
    mocked.add(responses.GET, URL, status=503, headers={"Retry-After": formatdate(clock.EPOCH - 300, usegmt=True)})
    mocked.add(responses.GET, URL, json=live_record(UUID))
    get_live(make_client())
    assert clock.sleeps == [0.0]


def test_429_retry_after_and_vobiz_code_appear_in_the_warning(mocked, clock):
    mocked.add(responses.GET, URL, status=429, json=vobiz_error("RATE_LIMIT_EXCEEDED", "slow down"), headers={"Retry-After": "7"})
    mocked.add(responses.GET, URL, json=live_record(UUID))
    warnings = []
    client = make_client(on_retry=warnings.append)
    get_live(client)
    assert clock.sleeps == [7.0]
    assert warnings == ["HTTP retry 1 (attempt 2 of 4 for GET %s): HTTP 429 RATE_LIMIT_EXCEEDED (server asked to retry after 7 s); waiting 7 s"
                        % SHOWN_LIVE]
    assert all(AUTH_TOKEN not in warning for warning in warnings)


@pytest.mark.parametrize("retry_after, expected", [(3, 3.0), (0.25, 0.25), (600, 60.0)])
def test_vobiz_details_retry_after_is_honoured_up_to_retry_max_wait(mocked, clock, retry_after, expected):
    mocked.add(responses.GET, URL, status=429, json=vobiz_error("RATE_LIMIT_EXCEEDED", "slow down", retryAfter=retry_after))
    mocked.add(responses.GET, URL, json=live_record(UUID))
    get_live(make_client())
    assert clock.sleeps == [expected]


@pytest.mark.parametrize("retry_after", ["3", True, None, [3]])
def test_details_retry_after_that_is_not_a_number_falls_back_to_backoff(mocked, clock, retry_after):
    mocked.add(responses.GET, URL, status=503, json=vobiz_error("SERVICE_UNAVAILABLE", "busy", retryAfter=retry_after))
    mocked.add(responses.GET, URL, json=live_record(UUID))
    get_live(make_client())
    assert clock.sleeps == [1.0]


def test_negative_details_retry_after_waits_zero_instead_of_crashing(mocked, monkeypatch):
    monkeypatch.setattr(_client, "time", time)  # the real time.sleep refuses negative lengths; sleep(0) is instant
    mocked.add(responses.GET, URL, status=503, json=vobiz_error("SERVICE_UNAVAILABLE", "busy", retryAfter=-1))
    mocked.add(responses.GET, URL, json=live_record(UUID))
    client = make_client()
    assert get_live(client).data == live_record(UUID)
    assert client.http_retries == 1


def test_huge_integer_details_retry_after_is_still_a_vobiz_error(mocked):
    mocked.add(responses.GET, URL, status=503, body=b'{"error": {"code": "X", "details": {"retryAfter": 1' + b"0" * 400 + b"}}}",
               content_type="application/json")
    with pytest.raises(VobizHTTPError) as error:
        get_live(make_client(retries=0))
    assert error.value.status_code == 503


def test_retry_counter_and_warning_numbers_continue_across_requests(mocked):
    mocked.add(responses.GET, URL, status=503)
    mocked.add(responses.GET, URL, json=live_record(UUID))
    mocked.add(responses.GET, URL, status=503)
    mocked.add(responses.GET, URL, json=live_record(UUID))
    warnings = []
    client = make_client(on_retry=warnings.append)
    get_live(client)
    get_live(client)
    assert client.http_retries == 2
    assert [warning.split(" (")[0] for warning in warnings] == ["HTTP retry 1", "HTTP retry 2"]


def test_connection_error_then_success_is_one_retry(mocked, clock):
    mocked.add(responses.GET, URL, body=requests.exceptions.ConnectionError("[Errno 104] Connection reset by peer"))
    mocked.add(responses.GET, URL, json=live_record(UUID))
    warnings = []
    client = make_client(on_retry=warnings.append)
    assert get_live(client).data == live_record(UUID)
    assert warnings == ["HTTP retry 1 (attempt 2 of 4 for GET %s): the server closed the connection without a complete answer; waiting 1 s"
                        % SHOWN_LIVE]


def _hold_test(mocked, clock, first_status):
    """Thread main gets first_status with Retry-After: 5; while it waits, another thread of the same client sends a GET."""
    other = call_url("other-call")
    mocked.add(responses.GET, URL, status=first_status, headers={"Retry-After": "5"})
    mocked.add(responses.GET, URL, json=live_record(UUID))
    mocked.add(responses.GET, other, json=live_record("other-call"))
    client = make_client()
    results = {}

    def second_request():
        results["other"] = client.get(("Account", AUTH_ID, "Call", "other-call"), params={"status": "live"}).data

    clock.during_first_main_sleep("other", second_request)
    assert get_live(client).data == live_record(UUID)
    assert results["other"] == live_record("other-call")
    return clock.sleepers


def test_429_holds_back_every_thread_of_the_client(mocked, clock):
    assert _hold_test(mocked, clock, 429) == [("MainThread", 5.0), ("other", 5.0)]


def test_503_holds_back_only_the_thread_that_saw_it(mocked, clock):
    assert _hold_test(mocked, clock, 503) == [("MainThread", 5.0)]


# --- Retry-After parsing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("7", 7.0), (" 2.5 ", 2.5), ("-3", 0.0), ("", None), (None, None), ("soon", None),
    ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0), ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0), ("Wed, 21 Oct 2015 07:28:30", None),
])
def test_parse_retry_after(value, expected):
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert parse_retry_after(value, now=now) == expected


def test_every_error_class_is_a_vobiz_error():
    for kind in (VobizConnectionError, VobizResponseError, VobizHTTPError, VobizAuthError, VobizNotFoundError):
        assert issubclass(kind, VobizError)
    assert issubclass(VobizAuthError, VobizHTTPError) and issubclass(VobizNotFoundError, VobizHTTPError)
