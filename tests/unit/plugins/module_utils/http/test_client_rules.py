# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client's rules one at a time: what an answer's fields say, what a failure's cause reads as, the retry notes."""

from __future__ import annotations

import http.client

import pytest
import requests
import responses
from urllib3.exceptions import NewConnectionError

from ansible_collections.vobiz.telephony.plugins.module_utils.http import _client
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient, describe_exception
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizConnectionError, VobizHTTPError, VobizResponseError
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, API_URL, AUTH_ID, AUTH_TOKEN, LIST_URL

EXPORT_URL = ACCOUNT_URL + "/cdr/export"


def client(**options) -> VobizClient:
    return VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, **options)


def test_a_text_answer_keeps_its_status_url_and_label_and_replaces_what_is_not_utf8(mocked):
    mocked.add(responses.GET, EXPORT_URL, status=203, body=b"id\r\n\xff1\r\n", content_type="text/csv")
    with client(retries=0) as vobiz:
        response = vobiz.get_text(vobiz.account_segments("cdr", "export"), trailing_slash=False)
    assert (response.status_code, response.data, response.url, response.label) == (203, "id\r\n\ufffd1\r\n", EXPORT_URL, "GET " + EXPORT_URL)


def test_a_json_answer_keeps_its_label(mocked):
    mocked.add(responses.GET, EXPORT_URL, json={"ok": True})
    with client(retries=0) as vobiz:
        response = vobiz.get(vobiz.account_segments("cdr", "export"), params={"a": "b"}, trailing_slash=False)
    assert (response.data, response.url, response.label) == ({"ok": True}, EXPORT_URL + "?a=b", "GET %s?a=b" % EXPORT_URL)
    assert mocked.calls[0].request.url == EXPORT_URL + "?a=b"


def test_a_post_is_labelled_post_in_its_messages(mocked):
    mocked.add(responses.POST, LIST_URL, status=400, json={"error": "bad"})
    with client(retries=0) as vobiz, pytest.raises(VobizHTTPError) as error:
        vobiz.post(vobiz.account_segments("Call"), {"to": "1"})
    assert error.value.message.startswith("POST %s answered HTTP 400" % LIST_URL)


def test_a_3xx_is_an_error_not_an_answer(mocked):
    mocked.add(responses.GET, EXPORT_URL, status=300, json={"choices": []})
    with client(retries=0) as vobiz, pytest.raises(VobizHTTPError) as error:
        vobiz.get(vobiz.account_segments("cdr", "export"), trailing_slash=False)
    assert error.value.status_code == 300


def test_a_2xx_that_is_not_json_names_the_url(mocked):
    mocked.add(responses.GET, EXPORT_URL, body="<html>")
    with client(retries=0) as vobiz, pytest.raises(VobizResponseError) as error:
        vobiz.get(vobiz.account_segments("cdr", "export"), trailing_slash=False)
    assert (error.value.url, error.value.status_code) == (EXPORT_URL, 200)


def test_a_body_too_large_names_the_url_and_the_status(mocked):
    mocked.add(responses.GET, EXPORT_URL, status=201, body=b"x" * 50)
    with client(retries=0, max_body_bytes=10) as vobiz, pytest.raises(VobizResponseError) as error:
        vobiz.get(vobiz.account_segments("cdr", "export"), trailing_slash=False)
    assert (error.value.url, error.value.status_code) == (EXPORT_URL, 201)
    assert error.value.message == "GET %s answered HTTP 201 with a body larger than 10 bytes; refused to read it" % EXPORT_URL


def test_a_retry_note_gives_the_wait_and_the_server_s_ask_to_the_millisecond(mocked):
    mocked.add(responses.GET, EXPORT_URL, status=429, headers={"Retry-After": "1.25"}, json={"error": {"code": "RATE", "message": "slow"}})
    mocked.add(responses.GET, EXPORT_URL, json={})
    notes = []
    with client(retries=1, on_retry=notes.append) as vobiz:
        vobiz.get(vobiz.account_segments("cdr", "export"), trailing_slash=False)
    assert notes == ["HTTP retry 1 (attempt 2 of 2 for GET %s): HTTP 429 RATE (server asked to retry after 1.25 s); waiting 1.25 s" % EXPORT_URL]


def test_a_retry_note_rounds_to_the_millisecond_once(mocked):
    mocked.add(responses.GET, EXPORT_URL, status=503, headers={"Retry-After": "0.0004999"}, json={"error": "busy"})
    mocked.add(responses.GET, EXPORT_URL, json={})
    notes = []
    with client(retries=1, on_retry=notes.append) as vobiz:
        vobiz.get(vobiz.account_segments("cdr", "export"), trailing_slash=False)
    assert notes == ["HTTP retry 1 (attempt 2 of 2 for GET %s): HTTP 503 (server asked to retry after 0 s); waiting 0 s" % EXPORT_URL]


def chained(outer: BaseException, *inner: BaseException) -> BaseException:
    """outer caused by inner[0], caused by inner[1] ..., each link through __cause__ only."""
    current = outer
    for link in inner:
        current.__cause__, current.__context__ = link, None
        current = link
    return outer


@pytest.mark.parametrize("exc, cause", [
    (requests.exceptions.ConnectionError("HTTPSConnectionPool: Read Timed Out."), "no answer within 2.5 s"),
    (chained(requests.exceptions.ConnectionError("pool"), OSError("wrapped"), ConnectionRefusedError("[Errno 111] Connection refused")),
     "connection refused"),
    (chained(requests.exceptions.ConnectionError(""), http.client.RemoteDisconnected()), "the server closed the connection without a complete answer"),
    (requests.exceptions.ConnectionError("TLS failure"), "TLS handshake failed"),
    (requests.exceptions.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version number"),
     "TLS handshake failed ([SSL: WRONG_VERSION_NUMBER] wrong version number)"),
    (requests.exceptions.ConnectionError("no idea"), "ConnectionError"),
], ids=["timed-out-text", "cause-chain", "type-name", "tls-without-detail", "tls-detail", "unknown"])
def test_a_transport_failure_reads_as_its_cause(exc, cause):
    assert describe_exception(exc, 2.5) == cause


def test_an_exception_chain_that_loops_is_read_once():
    first, second = requests.exceptions.ConnectionError("first"), OSError("second")
    first.__context__, second.__context__ = second, first
    assert describe_exception(first, 1) == "ConnectionError"
    assert _client._may_have_sent(first) is True


def test_a_connection_never_opened_is_found_past_an_exception_seen_twice():
    # taken from the end: the exception seen twice comes first, the connection never opened (the cause) after it
    seen_twice = OSError("again")
    exc = requests.exceptions.ConnectionError(seen_twice, seen_twice)
    exc.__cause__ = NewConnectionError(None, "refused")
    assert exc.args == (seen_twice, seen_twice)
    assert _client._may_have_sent(exc) is False


def test_a_connection_failure_note_gives_its_cause():
    error = VobizConnectionError("GET https://x/ failed: connection refused", sent=False)
    assert _client._retry_reason(error) == "connection refused"
