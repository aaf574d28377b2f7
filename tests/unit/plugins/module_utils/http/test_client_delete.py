# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""VobizClient.delete: the same request path as GET (retries, warnings, messages), a 204 without a body, and
whether an earlier attempt may have done the work."""

from __future__ import annotations

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import (
    VobizAuthError,
    VobizConnectionError,
    VobizHTTPError,
    VobizNotFoundError,
    VobizResponseError,
)
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    ACCOUNT_URL,
    API_URL,
    AUTH_ID,
    AUTH_TOKEN,
    PLIVO_NOT_FOUND,
    UUID,
    add_delete,
)

SEGMENTS = ("Account", AUTH_ID, "Call", UUID)
URL = "%s/Call/%s/" % (ACCOUNT_URL, UUID)


def make_client(**kwargs) -> VobizClient:
    warnings = kwargs.pop("warnings", None)
    kwargs.setdefault("retries", 3)
    return VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, on_retry=None if warnings is None else warnings.append, **kwargs)


def test_delete_sends_delete_with_the_credentials_and_takes_204_without_a_body(mocked):
    add_delete(mocked, "Call", UUID)
    response = make_client().delete(SEGMENTS)
    assert (response.status_code, response.data, response.url) == (204, None, URL)
    sent = mocked.calls[0].request
    assert (sent.method, sent.url, sent.body) == ("DELETE", URL, None)
    assert (sent.headers["X-Auth-ID"], sent.headers["X-Auth-Token"]) == (AUTH_ID, AUTH_TOKEN)


def test_delete_answer_with_json_is_decoded(mocked):
    add_delete(mocked, "Call", UUID, status=200, json={"api_id": "d-1", "message": "call hung up"})
    assert make_client().delete(SEGMENTS).data == {"api_id": "d-1", "message": "call hung up"}


def test_delete_answer_with_a_body_that_is_not_json_is_refused(mocked):
    add_delete(mocked, "Call", UUID, status=200, body=b"<html>ok</html>")
    with pytest.raises(VobizResponseError) as error:
        make_client().delete(SEGMENTS)
    assert error.value.message == "DELETE %s answered HTTP 200 but the body is not JSON: '<html>ok</html>'" % URL


def test_get_answer_without_a_body_is_still_refused(mocked):
    mocked.add(responses.GET, URL, status=204)
    with pytest.raises(VobizResponseError, match="^GET .* answered HTTP 204 but the body is not JSON"):
        make_client().get(SEGMENTS)


def test_delete_404_is_not_found_with_no_uncertain_attempt(mocked):
    add_delete(mocked, "Call", UUID, status=404)
    with pytest.raises(VobizNotFoundError) as error:
        make_client().delete(SEGMENTS)
    assert error.value.message == "DELETE %s answered HTTP 404 Not Found: not found (request id p-404)" % URL
    assert error.value.uncertain_attempts == 0
    assert len(mocked.calls) == 1


def test_delete_refused_credentials_name_the_method(mocked):
    add_delete(mocked, "Call", UUID, status=401, json={"status": "error", "error": {"code": "INVALID_CREDENTIALS", "message": "no"}})
    with pytest.raises(VobizAuthError) as error:
        make_client().delete(SEGMENTS)
    assert error.value.message == "Vobiz refused the credentials of auth_id %s (HTTP 401: INVALID_CREDENTIALS: no) for DELETE %s" % (AUTH_ID, URL)


@pytest.mark.parametrize("first", [503, 500, "connection"])
def test_delete_retried_after_a_lost_attempt_then_404_counts_that_attempt(mocked, first):
    warnings = []
    if first == "connection":
        mocked.add(responses.DELETE, URL, body=requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected"))
    else:
        add_delete(mocked, "Call", UUID, status=first, json={"status": "error", "error": {"code": "E", "message": "down"}})
    add_delete(mocked, "Call", UUID, status=404)
    client = make_client(warnings=warnings)
    with pytest.raises(VobizNotFoundError) as error:
        client.delete(SEGMENTS)
    assert error.value.uncertain_attempts == 1
    assert client.http_retries == 1
    assert [request.request.method for request in mocked.calls] == ["DELETE", "DELETE"]
    assert len(warnings) == 1 and warnings[0].startswith("HTTP retry 1 (attempt 2 of 4 for DELETE %s): " % URL), warnings


def test_delete_retried_after_a_connection_never_opened_then_404_has_no_uncertain_attempt(mocked):
    # one rule for whether an attempt may have acted (may_have_taken_effect): a connection never opened sent nothing
    cause = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    mocked.add(responses.DELETE, URL, body=requests.exceptions.ConnectionError(MaxRetryError(None, URL, cause)))
    add_delete(mocked, "Call", UUID, status=404)
    client = make_client()
    with pytest.raises(VobizNotFoundError) as error:
        client.delete(SEGMENTS)
    assert error.value.uncertain_attempts == 0
    assert client.http_retries == 1


def test_delete_retried_after_429_then_404_has_no_uncertain_attempt(mocked):
    # a 429 is a refusal: the attempt did nothing
    add_delete(mocked, "Call", UUID, status=429, json={"status": "error", "error": {"code": "RATE_LIMIT_EXCEEDED", "message": "slow"}},
               headers={"Retry-After": "1"})
    add_delete(mocked, "Call", UUID, status=404, json=PLIVO_NOT_FOUND)
    with pytest.raises(VobizNotFoundError) as error:
        make_client().delete(SEGMENTS)
    assert error.value.uncertain_attempts == 0


def test_delete_after_retries_exhausted_raises_the_last_error(mocked, clock):
    for _attempt in range(3):
        add_delete(mocked, "Call", UUID, status=502, body=b"<html>bad gateway</html>", content_type="text/html")
    client = make_client(retries=2)
    with pytest.raises(VobizHTTPError) as error:
        client.delete(SEGMENTS)
    assert error.value.status_code == 502 and error.value.message.startswith("DELETE %s answered HTTP 502" % URL)
    assert error.value.uncertain_attempts == 2
    assert client.http_retries == 2


def test_delete_connection_failure_names_the_method(mocked):
    mocked.add(responses.DELETE, URL, body=requests.exceptions.ConnectionError("Connection refused"))
    with pytest.raises(VobizConnectionError) as error:
        make_client(retries=0).delete(SEGMENTS)
    assert error.value.message == "DELETE %s failed: connection refused" % URL
