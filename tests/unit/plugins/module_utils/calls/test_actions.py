# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Live-call actions: the checks, the request bodies, one request a call, the outcomes (done, not_live, unknown),
stops retried, check mode's one look."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import CallApi
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._actions import (
    CHECKS,
    DONE,
    NOT_LIVE,
    NOT_SENT,
    UNKNOWN,
    ActionError,
    act_on_calls,
    chosen_action,
    request_body,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    API_URL,
    AUTH_ID,
    AUTH_TOKEN,
    OTHER_UUID,
    PLIVO_NOT_FOUND,
    UUID,
    add_call,
    call_url,
    live_record,
    requested,
)


@pytest.fixture
def api(clock):
    with VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=2, retry_max_wait=0) as client:
        yield CallApi(client)


@pytest.mark.parametrize("name, value, errors", [
    ("text", "hi", []),
    ("text", "  ", ["speak must not be empty"]),
    ("digits", "0123456789*#wW", []),
    ("digits", "1a", ["speak '1a' may hold only 0-9, *, #, w and W"]),
    ("urls", ["https://a.example/x.mp3"], []),
    ("urls", ["http://a.example/x.mp3"], ["speak[0] 'http://a.example/x.mp3' must be an absolute https:// URL"]),
    ("urls", ["x.mp3"], ["speak[0] 'x.mp3' must be an absolute http:// or https:// URL"]),
    ("urls", [], ["speak must name at least one URL"]),
    ("transfer", {"legs": "aleg", "aleg_url": "https://a"}, []),
    ("transfer", {"legs": "bleg", "aleg_url": "https://a"}, ["speak.bleg_url is required when speak.legs is bleg"]),
    ("transfer", {"legs": None}, ["speak.aleg_url is required when speak.legs is aleg"]),
    ("transfer", {"legs": "both", "bleg_url": "https://b"}, ["speak.aleg_url is required when speak.legs is both"]),
    ("call_uuids", ["a"] * 1000, []),
    ("call_uuids", ["a"] * 1001, ["speak names 1001 calls; at most 1000 are acted on in one task"]),
])
def test_checks(name, value, errors):
    assert CHECKS[name]("speak", value) == errors


def test_request_bodies():
    assert chosen_action({"speak": None, "play": None, "dtmf": {"digits": "1"}}) == "dtmf"
    assert request_body("dtmf", {"digits": "1", "leg": "bleg"}) == {"digits": "1", "leg": "bleg", "legs": "bleg"}
    assert request_body("play", {"urls": ["https://a/1", "https://a/2"], "length": None, "loop": False}) == {"urls": "https://a/1,https://a/2", "loop": False}
    assert request_body("stop", ["record", "speak", "record"]) == ["record", "speak"]
    assert request_body("record", {"time_limit": 60, "file_format": None}) == {"time_limit": 60}


def test_each_call_gets_its_request_once_and_its_outcome(api, mocked):
    mocked.add(responses.POST, call_url(UUID) + "Record/", status=200,
               json={"api_id": "a1", "message": "recording started", "recording_id": "r1", "url": "https://m/r1.mp3"})
    mocked.add(responses.POST, call_url(OTHER_UUID) + "Record/", status=404, json=PLIVO_NOT_FOUND)
    actings = act_on_calls(api, [UUID, OTHER_UUID], "record", {"time_limit": 60}, False, 2)
    assert [(acting.outcome, acting.recording_id, acting.recording_url) for acting in actings] == [(DONE, "r1", "https://m/r1.mp3"), (NOT_LIVE, None, None)]
    assert actings[0].as_result()["api_id"] == "a1"
    assert [json.loads(call.request.body) for call in mocked.calls] in ([{"time_limit": 60}] * 2,)


def test_a_record_answer_with_recording_url_and_no_id(api, mocked):
    mocked.add(responses.POST, call_url(UUID) + "Record/", status=201, json={"message": "Recording started", "recording_url": "https://m/x.wav"})
    [acting] = act_on_calls(api, [UUID], "record", {"time_limit": 5}, False, 1)
    assert (acting.outcome, acting.recording_id, acting.recording_url, acting.api_id) == (DONE, None, "https://m/x.wav", None)


@pytest.mark.parametrize("answer", [dict(status=500, json={"error": "boom"}), dict(body=requests.ConnectionError("reset after sending")),
                                    dict(status=202, body="not json", content_type="text/plain")])
def test_a_post_is_never_sent_twice(api, mocked, answer):
    mocked.add(responses.POST, call_url(UUID) + "Speak/", **answer)
    [acting] = act_on_calls(api, [UUID], "speak", {"text": "hi"}, False, 1)
    assert len(mocked.calls) == 1
    expected = DONE if answer.get("status") == 202 else UNKNOWN
    assert acting.outcome == expected and acting.sent


def test_429_is_retried_and_a_refusal_stops_the_others(api, mocked):
    mocked.add(responses.POST, call_url(UUID) + "DTMF/", status=429, headers={"Retry-After": "0"}, json={})
    mocked.add(responses.POST, call_url(UUID) + "DTMF/", status=202, json={"message": "digits sent"})
    [acting] = act_on_calls(api, [UUID], "dtmf", {"digits": "1"}, False, 1)
    assert (acting.outcome, len(mocked.calls)) == (DONE, 2)
    mocked.add(responses.POST, call_url(OTHER_UUID), status=400, json={"error": "aleg_url is required"})
    with pytest.raises(ActionError) as failure:
        act_on_calls(api, [OTHER_UUID, UUID], "transfer", {"legs": "aleg"}, False, 1)
    assert failure.value.acting.call_uuid == OTHER_UUID
    assert [acting.outcome for acting in failure.value.actings] == [NOT_SENT, NOT_SENT]
    assert len(mocked.calls) == 3


def test_stops_are_retried_and_a_404_after_an_unknown_attempt_is_done(api, mocked):
    mocked.add(responses.DELETE, call_url(UUID) + "Speak/", status=503, json={})
    mocked.add(responses.DELETE, call_url(UUID) + "Speak/", status=404, json=PLIVO_NOT_FOUND)
    mocked.add(responses.DELETE, call_url(UUID) + "Record/", status=204)
    [acting] = act_on_calls(api, [UUID], "stop", ["speak", "record"], False, 1)
    assert acting.outcome == DONE
    assert requested(mocked, with_method=True) == [("DELETE", "Call/%s/Speak/" % UUID, None)] * 2 + [("DELETE", "Call/%s/Record/" % UUID, None)]


def test_a_stop_on_a_call_not_live_stops_there(api, mocked):
    mocked.add(responses.DELETE, call_url(UUID) + "Play/", status=404, json=PLIVO_NOT_FOUND)
    [acting] = act_on_calls(api, [UUID], "stop", ["play", "record"], False, 1)
    assert (acting.outcome, len(mocked.calls)) == (NOT_LIVE, 1)


def test_check_mode_looks_once_and_sends_nothing(api, mocked):
    add_call(mocked, UUID, "live", json=live_record(UUID))
    add_call(mocked, OTHER_UUID, "live", json=live_record(OTHER_UUID, "ringing"))
    actings = act_on_calls(api, [UUID, OTHER_UUID], "speak", {"text": "hi"}, True, 1)
    assert [acting.outcome for acting in actings] == [NOT_SENT, NOT_LIVE]
    assert not any(acting.sent for acting in actings)
    assert [method for method, _path, _status in requested(mocked, with_method=True)] == ["GET", "GET"]
