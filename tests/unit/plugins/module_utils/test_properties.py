# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Properties over any input: no value escapes its URL path segment; no response body escapes the VobizError family."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit

import responses
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import CallApi, call_status_of
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils._options import api_url_error, identifier_error
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    API_URL,
    AUTH_ID,
    AUTH_TOKEN,
    UUID,
)

# The autouse fake clock and jitter are shared by every example of a test; that is harmless (they only record).
# database=None: no example database is written into the working tree.
PROPERTY = settings(deadline=None, max_examples=200, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

CALL_PATH = re.compile(re.escape(API_URL) + r"/Account/[^/?#]+/Call/.*")


def assert_one_segment_each(url: str, base: str, values: list) -> None:
    """url is base + one path segment per value + '/', each quoted so that it cannot split or end the path."""
    assert url.startswith(base + "/")
    segments = url[len(base) + 1:].split("/")
    assert segments[-1] == ""
    segments = segments[:-1]
    assert len(segments) == len(values)
    for index, segment in enumerate(segments):
        value = values[index]
        assert not set(segment) & set("/?#")
        assert unquote(segment) == str(value)


@PROPERTY
@given(value=st.text())
@example(value="")
@example(value="a/b")
@example(value="../..")
@example(value="%2e%2e")
@example(value="x" * 128)
@example(value="x" * 129)
def test_any_text_as_call_uuid_or_auth_id_is_refused_by_name_or_stays_in_one_segment(value):
    for option in ("call_uuid", "auth_id"):
        message = identifier_error(option, value)
        if message is not None:
            assert message.startswith(option + " ")
            continue
        assert 1 <= len(value) <= 128
        client = VobizClient(API_URL, value if option == "auth_id" else AUTH_ID, AUTH_TOKEN)
        segments = client.account_segments("Call", value if option == "call_uuid" else UUID)
        url = client.url_for(segments)
        assert_one_segment_each(url, API_URL, list(segments))
        assert value in url.split("/")  # an accepted identifier needs no quoting at all


@PROPERTY
@given(segments=st.lists(st.text(), min_size=1, max_size=5))
def test_url_for_keeps_any_text_inside_one_path_segment(segments):
    client = VobizClient(API_URL, AUTH_ID, AUTH_TOKEN)
    assert_one_segment_each(client.url_for(segments), API_URL, segments)


_URL_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=20) | st.sampled_from(["", "?", "#", "/", "@", ":", "%", " ", "\n", "[", "]"])
_API_URLS = st.builds(
    lambda scheme, host, port, path, tail: scheme + host + port + path + tail,
    st.sampled_from(["http://", "https://", "HTTPS://", "ftp://", "", "//", "http:/", "https:///"]),
    st.sampled_from(["api.vobiz.ai", "127.0.0.1", "[::1]", "u:p@h", "", "h"]) | _URL_TEXT,
    st.sampled_from(["", ":8443", ":0", ":99999", ":x"]),
    st.sampled_from(["", "/", "/api/v1", "/api/v1/"]) | _URL_TEXT.map(lambda text: "/" + text),
    st.sampled_from(["", "/", "?", "#"]) | _URL_TEXT,
)


@PROPERTY
@given(value=_API_URLS | st.text())
@example(value=API_URL)
@example(value="http://127.0.0.1:8080")
def test_any_api_url_is_refused_by_name_or_keeps_the_path_segments(value):
    message = api_url_error(value)
    if message is not None:
        assert message.startswith("api_url ")
        return
    client = VobizClient(value, AUTH_ID, AUTH_TOKEN)
    segments = client.account_segments("Call", UUID)
    url = client.url_for(segments)
    assert_one_segment_each(url, value.rstrip("/"), list(segments))
    parts, base = urlsplit(url), urlsplit(value)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == (base.scheme, base.netloc, "", "")
    assert parts.path.endswith("/Account/%s/Call/%s/" % (AUTH_ID, UUID))


# --- any body -----------------------------------------------------------------------------------------------------


def _json_values():
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                        max_leaves=12)


def _vobiz_shaped():
    """JSON shaped like Vobiz's answers, with any value in each field."""
    anything = _json_values()
    return st.one_of(
        st.fixed_dictionaries({"call_status": anything}, optional={"call_uuid": anything, "extra": anything}),
        st.fixed_dictionaries({"calls": anything}, optional={"api_id": anything}),
        st.fixed_dictionaries({"calls": st.lists(st.fixed_dictionaries({}, optional={"call_uuid": anything, "call_state": anything}), max_size=3)}),
        st.fixed_dictionaries({"status": st.just("error"), "error": st.fixed_dictionaries(
            {}, optional={"code": anything, "message": anything, "details": st.fixed_dictionaries({}, optional={"retryAfter": anything}) | anything}),
        }, optional={"requestId": anything}),
        st.fixed_dictionaries({"api_id": anything, "error": anything}),
        anything,
    )


def _look_and_list(status: int, body: bytes, headers: dict) -> None:
    # The autouse fake clock stands in for time in _client: it refuses what time.sleep refuses, and never sleeps.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.add(responses.GET, CALL_PATH, status=status, body=body, headers=headers, content_type="application/json")
        client = VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=1, retry_max_wait=2, backoff_base=0.001)
        try:
            calls = CallApi(client)
            for action in (lambda: calls.look(UUID, "live"), lambda: calls.look(UUID, "queued", seen_in="ended"),
                           lambda: calls.list_call_uuids("live"), lambda: calls.fetch_calls(["a", "b"], "live", 2)):
                try:
                    outcome = action()
                except VobizError as error:
                    assert isinstance(error.message, str) and error.message
                    assert AUTH_TOKEN not in error.message
                    continue
                if isinstance(outcome, list):
                    assert all(isinstance(item, (str, dict)) for item in outcome)
                else:
                    assert outcome.call_status in ("ended", "not_found") or call_status_of(outcome.call) == outcome.call_status != ""
        finally:
            client.close()


@PROPERTY
@given(status=st.sampled_from([200, 404, 500]), body=st.binary(max_size=300),
       retry_after=st.sampled_from([None, "1", "-1", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "nan", "inf", "1e400"]))
@example(status=200, body=b"", retry_after=None)
@example(status=200, body=b"\xff\xfe", retry_after=None)
@example(status=500, body=b"[" * 100000, retry_after="nan")
def test_any_bytes_body_gives_a_result_or_a_vobiz_error(status, body, retry_after):
    _look_and_list(status, body, {"Retry-After": retry_after} if retry_after is not None else {})


@PROPERTY
@given(status=st.sampled_from([200, 404, 500]), data=_vobiz_shaped())
@example(status=200, data={"calls": None})
@example(status=200, data={"call_status": "ringing", "calls": ["a"]})
@example(status=500, data={"status": "error", "error": {"code": "X", "details": {"retryAfter": float("inf")}}})
def test_any_json_body_gives_a_result_or_a_vobiz_error(status, data):
    _look_and_list(status, json.dumps(data).encode("utf-8"), {})
