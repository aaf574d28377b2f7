# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""VobizClient.post: a request that is not idempotent is retried only after a failure that proves the server did not
act on it (429, a connection never opened), and may_have_taken_effect() says when its outcome is unknown."""

from __future__ import annotations

import json

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizConnectionError, VobizHTTPError, VobizResponseError
from ansible_collections.vobiz.telephony.plugins.module_utils.http._retry import may_have_taken_effect, proves_not_received
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import API_URL, AUTH_ID, AUTH_TOKEN, LIST_URL

SEGMENTS = ("Account", AUTH_ID, "Call")
BODY = {"from": "919262171438", "to": "919148227303", "answer_url": "https://example.com/a.xml", "answer_method": "POST"}
FIRED = {"api_id": "a-1", "message": "Call fired", "request_uuid": "r-1"}


def make_client(warnings=None, **kwargs) -> VobizClient:
    kwargs.setdefault("retries", 3)
    return VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, on_retry=None if warnings is None else warnings.append, **kwargs)


def refused() -> requests.exceptions.ConnectionError:
    """What requests raises when the connection could not be opened."""
    cause = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.exceptions.ConnectionError(MaxRetryError(None, LIST_URL, cause))


def posts(mocked) -> int:
    return sum(1 for call in mocked.calls if call.request.method == "POST")


def test_post_sends_the_json_body_once_and_returns_the_answer(mocked):
    mocked.add(responses.POST, LIST_URL, json=FIRED)
    with make_client() as client:
        answer = client.post(SEGMENTS, BODY)
    assert answer.data == FIRED
    request = mocked.calls[0].request
    assert json.loads(request.body) == BODY
    assert request.headers["Content-Type"] == "application/json"
    assert AUTH_TOKEN.encode() not in request.body


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_is_never_retried_and_may_have_taken_effect(mocked, status):
    mocked.add(responses.POST, LIST_URL, status=status, json={"status": "error", "error": {"code": "X", "message": "boom"}})
    warnings = []
    with make_client(warnings) as client, pytest.raises(VobizHTTPError) as raised:
        client.post(SEGMENTS, BODY)
    assert posts(mocked) == 1 and client.http_retries == 0 and warnings == []
    assert may_have_taken_effect(raised.value) and not proves_not_received(raised.value)


@pytest.mark.parametrize("error", [
    requests.exceptions.ReadTimeout("Read timed out."),
    requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))"),
    requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead"),
], ids=["time-out", "dropped", "broken"])
def test_a_time_out_or_a_dropped_connection_is_never_retried(mocked, error):
    mocked.add(responses.POST, LIST_URL, body=error)
    with make_client() as client, pytest.raises(VobizConnectionError) as raised:
        client.post(SEGMENTS, BODY)
    assert posts(mocked) == 1 and client.http_retries == 0
    assert raised.value.sent and may_have_taken_effect(raised.value)


@pytest.mark.parametrize("error", [refused(), requests.exceptions.ConnectTimeout("connect timed out")], ids=["refused", "connect-time-out"])
def test_a_connection_never_opened_is_retried(mocked, error):
    mocked.add(responses.POST, LIST_URL, body=error)
    mocked.add(responses.POST, LIST_URL, json=FIRED)
    warnings = []
    with make_client(warnings) as client:
        assert client.post(SEGMENTS, BODY).data == FIRED
    assert posts(mocked) == 2 and client.http_retries == 1 and len(warnings) == 1


def test_a_connection_never_opened_every_time_has_not_taken_effect(mocked):
    for _attempt in range(3):
        mocked.add(responses.POST, LIST_URL, body=refused())
    with make_client(retries=2) as client, pytest.raises(VobizConnectionError) as raised:
        client.post(SEGMENTS, BODY)
    assert posts(mocked) == 3
    assert not raised.value.sent and not may_have_taken_effect(raised.value) and proves_not_received(raised.value)


def test_429_is_retried_after_retry_after(mocked, clock):
    mocked.add(responses.POST, LIST_URL, status=429, headers={"Retry-After": "2"},
               json={"status": "error", "error": {"code": "RATE_LIMIT_EXCEEDED", "message": "slow down"}})
    mocked.add(responses.POST, LIST_URL, json=FIRED)
    warnings = []
    with make_client(warnings) as client:
        assert client.post(SEGMENTS, BODY).data == FIRED
    assert posts(mocked) == 2 and client.http_retries == 1
    assert 2.0 in clock.sleeps and "HTTP 429" in warnings[0]


@pytest.mark.parametrize("status", [400, 401, 402, 404])
def test_a_4xx_is_final_and_has_not_taken_effect(mocked, status):
    mocked.add(responses.POST, LIST_URL, status=status, json={"status": "error", "error": {"code": "C%d" % status, "message": "no"}})
    with make_client() as client, pytest.raises(VobizHTTPError) as raised:
        client.post(SEGMENTS, BODY)
    assert posts(mocked) == 1 and not may_have_taken_effect(raised.value)
    assert "C%d: no" % status in raised.value.message


def test_a_2xx_that_is_not_json_may_have_taken_effect(mocked):
    mocked.add(responses.POST, LIST_URL, body="<html>ok</html>")
    with make_client() as client, pytest.raises(VobizResponseError) as raised:
        client.post(SEGMENTS, BODY)
    assert may_have_taken_effect(raised.value)


def test_reads_are_still_retried_after_a_5xx(mocked):
    mocked.add(responses.GET, LIST_URL, status=503)
    mocked.add(responses.GET, LIST_URL, json={"api_id": "x", "calls": []})
    with make_client() as client:
        assert client.get(SEGMENTS, {"status": "live"}).data["calls"] == []
    assert client.http_retries == 1


def test_a_204_without_a_body_is_a_success_but_a_200_without_one_is_not(mocked):
    mocked.add(responses.POST, LIST_URL, status=204)
    mocked.add(responses.POST, LIST_URL.rstrip("/"), status=200)
    with make_client() as client:
        answer = client.post(SEGMENTS, BODY)
        assert (answer.status_code, answer.data) == (204, None)
        with pytest.raises(VobizResponseError, match="answered HTTP 200 but the body is not JSON"):
            client.post(SEGMENTS, BODY, trailing_slash=False)
    assert mocked.calls[1].request.url == LIST_URL.rstrip("/")


def test_an_idempotent_post_is_retried_like_a_read(mocked):
    mocked.add(responses.POST, LIST_URL, status=503, json={"status": "error", "error": {"code": "X", "message": "busy"}})
    mocked.add(responses.POST, LIST_URL, status=204)
    with make_client(retry_max_wait=0.01) as client:
        assert client.post(SEGMENTS, BODY, idempotent=True).status_code == 204
    assert posts(mocked) == 2 and client.http_retries == 1
