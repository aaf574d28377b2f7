# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ending calls: the look, then hang up (live) or cancel (queued), the 404 rules, check mode, lists, and waiting until ended."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.common import _wait_loop as _waiting
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._ending import EndCallsError, confirm_ended, end_call, end_calls
from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import CallApi
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._waiting import wait_for_calls
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizAuthError
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    API_URL,
    AUTH_ID,
    AUTH_TOKEN,
    PLIVO_NOT_FOUND,
    UUID,
    add_call,
    add_delete,
    cdr_record,
    live_record,
    requested,
)

NOT_FOUND_BODY = {"error": "call not found", "call_uuid": UUID}


@pytest.fixture
def calls(clock, monkeypatch):
    monkeypatch.setattr(_waiting, "time", clock)  # waits run on the fake clock
    with VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=2) as client:
        yield CallApi(client)


def queued_record(call_uuid: str, request_uuid: str) -> dict:
    return {"api_id": "q", "call_status": "queued", "call_uuid": call_uuid, "request_uuid": request_uuid, "direction": "outbound"}


def add_not_found(mocked, call_uuid: str, *states):
    for state in states:
        add_call(mocked, call_uuid, state, status=404, json=PLIVO_NOT_FOUND if state != "ended" else dict(NOT_FOUND_BODY, call_uuid=call_uuid))


def serve_call(mocked, call_uuid: str, answer):
    """Answer every GET of the call with answer(status parameter or None) -> (HTTP status, JSON body)."""

    def callback(request):
        status = parse_qs(urlsplit(request.url).query).get("status", [None])[0]
        code, body = answer(status)
        return code, {}, json.dumps(body)

    mocked.add_callback(responses.GET, "%s/Account/%s/Call/%s/" % (API_URL, AUTH_ID, call_uuid), callback=callback)


def summary(ending) -> tuple:
    return (ending.call_uuid, ending.first.call_status, ending.action, ending.last.call_status)


# --- one call -----------------------------------------------------------------------------------------------------


def test_live_call_is_looked_at_once_then_hung_up(mocked, calls):
    add_call(mocked, UUID, "live", json=live_record(UUID, "ringing"))
    add_delete(mocked, "Call", UUID)
    ending = end_call(calls, UUID, check_mode=False)
    assert summary(ending) == (UUID, "ringing", "hung_up", "ringing")
    assert ending.acted
    assert requested(mocked, with_method=True) == [("GET", "Call/%s/" % UUID, "live"), ("DELETE", "Call/%s/" % UUID, None)]


def test_queued_call_is_cancelled_by_its_request_uuid(mocked, calls):
    add_not_found(mocked, UUID, "live", "ended")
    add_call(mocked, UUID, "queued", json=queued_record(UUID, "req-77"))
    add_delete(mocked, "Request", "req-77")
    ending = end_call(calls, UUID, check_mode=False)
    assert summary(ending) == (UUID, "queued", "cancelled", "queued")
    assert requested(mocked, with_method=True)[-1] == ("DELETE", "Request/req-77/", None)


def test_queued_record_without_request_uuid_is_cancelled_by_the_call_uuid(mocked, calls):
    add_not_found(mocked, UUID, "live", "ended")
    add_call(mocked, UUID, "queued", json={"call_status": "queued", "call_uuid": UUID})
    add_delete(mocked, "Request", UUID)
    assert end_call(calls, UUID, check_mode=False).action == "cancelled"


def test_ended_call_is_left_alone_with_its_record(mocked, calls):
    add_not_found(mocked, UUID, "live")
    add_call(mocked, UUID, "ended", json=cdr_record(UUID))
    ending = end_call(calls, UUID, check_mode=False)
    assert summary(ending) == (UUID, "ended", "none", "ended")
    assert (ending.acted, ending.as_result(with_cdr=True)["cdr"], ending.as_result(with_cdr=False)["cdr"]) == (False, cdr_record(UUID), {})
    assert all(method == "GET" for method, _path, _status in requested(mocked, with_method=True))


def test_unknown_call_is_left_alone(mocked, calls):
    add_not_found(mocked, UUID, "live", "ended", "queued")
    ending = end_call(calls, UUID, check_mode=False)
    assert summary(ending) == (UUID, "not_found", "none", "not_found")
    assert ending.as_result(with_cdr=True) == {"call_uuid": UUID, "before": "not_found", "action": "none", "call_status": "not_found", "cdr": {}}


@pytest.mark.parametrize("state, record", [("live", live_record(UUID)), ("queued", queued_record(UUID, UUID))])
def test_check_mode_looks_and_sends_no_delete(mocked, calls, state, record):
    if state == "queued":
        add_not_found(mocked, UUID, "live", "ended")
    add_call(mocked, UUID, state, json=record)
    ending = end_call(calls, UUID, check_mode=True)
    assert ending.action == ("hung_up" if state == "live" else "cancelled")
    assert all(method == "GET" for method, _path, _status in requested(mocked, with_method=True))


def test_delete_404_after_the_look_said_live_is_not_a_hang_up(mocked, calls):
    """The call ended by itself in between: one more look shows it ended, and nothing is counted."""
    add_call(mocked, UUID, "live", json=live_record(UUID))
    add_delete(mocked, "Call", UUID, status=404)
    add_call(mocked, UUID, "ended", json=cdr_record(UUID))
    ending = end_call(calls, UUID, check_mode=False)
    assert summary(ending) == (UUID, "in-progress", "none", "ended")
    assert requested(mocked, with_method=True) == [("GET", "Call/%s/" % UUID, "live"), ("DELETE", "Call/%s/" % UUID, None),
                                                   ("GET", "Call/%s/" % UUID, None)]


@pytest.mark.parametrize("lost", ["503", "connection"])
def test_delete_404_after_a_lost_attempt_is_a_hang_up(mocked, calls, lost):
    add_call(mocked, UUID, "live", json=live_record(UUID))
    if lost == "503":
        add_delete(mocked, "Call", UUID, status=503, json={"status": "error", "error": {"code": "SERVICE_UNAVAILABLE", "message": "busy"}})
    else:
        mocked.add(responses.DELETE, "%s/Account/%s/Call/%s/" % (API_URL, AUTH_ID, UUID), body=requests.exceptions.ConnectionError("Connection reset"))
    add_delete(mocked, "Call", UUID, status=404)
    ending = end_call(calls, UUID, check_mode=False)
    assert summary(ending) == (UUID, "in-progress", "hung_up", "in-progress")
    assert calls.client.http_retries == 1
    assert [method for method, _path, _status in requested(mocked, with_method=True)] == ["GET", "DELETE", "DELETE"]


def test_cancel_404_because_the_call_went_live_hangs_it_up(mocked, calls):
    """Queued at the look, answered before the cancel: the call is looked at again and hung up."""
    add_not_found(mocked, UUID, "live", "ended")
    add_call(mocked, UUID, "queued", json=queued_record(UUID, UUID))
    add_delete(mocked, "Request", UUID, status=404)
    add_call(mocked, UUID, "live", json=live_record(UUID, "ringing"))
    add_delete(mocked, "Call", UUID)
    ending = end_call(calls, UUID, check_mode=False)
    assert summary(ending) == (UUID, "queued", "hung_up", "ringing")
    assert requested(mocked, with_method=True)[-3:] == [("DELETE", "Request/%s/" % UUID, None), ("GET", "Call/%s/" % UUID, "live"),
                                                        ("DELETE", "Call/%s/" % UUID, None)]


def test_a_call_that_keeps_moving_is_looked_at_a_bounded_number_of_times(mocked, calls):
    # a server that says live to every look and 404 to every hang-up (no real call does this)
    serve_call(mocked, UUID, lambda status: (200, live_record(UUID)) if status == "live" else (404, PLIVO_NOT_FOUND))
    add_delete(mocked, "Call", UUID, status=404)
    ending = end_call(calls, UUID, check_mode=False)
    assert ending.action == "none"
    assert [method for method, _path, _status in requested(mocked, with_method=True)].count("DELETE") == 3


# --- lists ----------------------------------------------------------------------------------------------------------


def test_end_calls_keeps_the_order_given(mocked, calls):
    uuids = ["call-%02d" % number for number in range(12)]
    for uuid in uuids:
        add_call(mocked, uuid, "live", json=live_record(uuid))
        add_delete(mocked, "Call", uuid)
    endings = end_calls(calls, uuids, check_mode=False, concurrency=4)
    assert [ending.call_uuid for ending in endings] == uuids
    assert {ending.action for ending in endings} == {"hung_up"}


def test_a_failing_call_names_itself_and_keeps_what_was_done(mocked, calls):
    add_call(mocked, "first", "live", json=live_record("first"))
    add_delete(mocked, "Call", "first")
    add_call(mocked, "broken", "live", status=401, json={"status": "error", "error": {"code": "INVALID_CREDENTIALS", "message": "no"}})
    with pytest.raises(EndCallsError) as failure:
        end_calls(calls, ["first", "broken", "never"], check_mode=False, concurrency=1)
    assert failure.value.call_uuid == "broken"
    assert isinstance(failure.value.error, VobizAuthError)
    assert [summary(ending) for ending in failure.value.endings] == [("first", "in-progress", "hung_up", "in-progress")]
    assert "never" not in str(requested(mocked))


def test_calls_under_way_when_one_fails_are_kept(mocked, calls):
    """Concurrent: a call whose hang-up was in flight when another failed is in the endings, as it was hung up."""
    release = threading.Event()

    def slow_delete(_request):
        release.wait(5)
        return 204, {}, ""

    add_call(mocked, "slow", "live", json=live_record("slow"))
    mocked.add_callback(responses.DELETE, "%s/Account/%s/Call/slow/" % (API_URL, AUTH_ID), callback=slow_delete)

    def refuse(_request):
        release.set()  # the slow hang-up finishes only once the failure is under way
        return 403, {}, '{"status": "error", "error": {"code": "ACCOUNT_INACTIVE", "message": "inactive"}}'

    mocked.add_callback(responses.GET, "%s/Account/%s/Call/broken/" % (API_URL, AUTH_ID), callback=refuse)
    with pytest.raises(EndCallsError) as failure:
        end_calls(calls, ["slow", "broken"], check_mode=False, concurrency=2)
    assert failure.value.call_uuid == "broken"
    assert [summary(ending) for ending in failure.value.endings] == [("slow", "in-progress", "hung_up", "in-progress")]


# --- waiting until ended ----------------------------------------------------------------------------------------


def test_confirm_ended_asks_for_the_finalized_record_first(mocked, calls):
    add_call(mocked, UUID, "live", json=live_record(UUID))
    add_delete(mocked, "Call", UUID)
    add_call(mocked, UUID, "ended", json=cdr_record(UUID))
    endings = [end_call(calls, UUID, check_mode=False)]
    outcome = confirm_ended(calls, endings, concurrency=8, timeout=30, every=1)
    assert (outcome.reached, outcome.rounds) == (True, 1)
    assert summary(endings[0]) == (UUID, "in-progress", "hung_up", "ended")
    assert endings[0].as_result(with_cdr=True)["cdr"] == cdr_record(UUID)
    assert requested(mocked)[-1] == ("Call/%s/" % UUID, None)


def test_confirm_ended_with_nothing_pending_sends_nothing(mocked, calls):
    add_not_found(mocked, UUID, "live")
    add_call(mocked, UUID, "ended", json=cdr_record(UUID))
    endings = [end_call(calls, UUID, check_mode=False)]
    sent = len(mocked.calls)
    assert confirm_ended(calls, endings, concurrency=8, timeout=30, every=1) is None
    assert len(mocked.calls) == sent


def test_wait_for_all_looks_again_only_at_calls_not_done(mocked, calls, clock):
    # "a" has ended; "b" ends at the third look (after two sleeps)
    add_call(mocked, "a", "ended", json=cdr_record("a"))

    def b_answer(status):
        if clock.elapsed >= 2:  # ended
            return (200, cdr_record("b")) if status is None else (404, PLIVO_NOT_FOUND)
        return (200, live_record("b")) if status == "live" else (404, PLIVO_NOT_FOUND)

    serve_call(mocked, "b", b_answer)
    outcome = wait_for_calls(calls, ["a", "b"], "live", lambda look: look.call_status == "ended", concurrency=2, timeout=10,
                             every=1, seen_in={"a": "ended", "b": "ended"})
    assert outcome.reached
    assert [look.call_status for look in outcome.last] == ["ended", "ended"]
    assert outcome.rounds == 3 and clock.sleeps == [1, 1]
    assert sum(1 for path, _status in requested(mocked) if path == "Call/a/") == 1  # done at the first look


def test_wait_for_all_times_out_with_the_last_looks(mocked, calls, clock):
    serve_call(mocked, UUID, lambda status: (200, live_record(UUID)) if status == "live" else (404, PLIVO_NOT_FOUND))
    outcome = wait_for_calls(calls, [UUID], "live", lambda look: look.call_status == "ended", concurrency=1, timeout=3, every=1)
    assert not outcome.reached
    assert [look.call_status for look in outcome.last] == ["in-progress"]
    assert clock.elapsed == pytest.approx(3)


def test_an_end_calls_error_says_the_error_message_and_holds_no_ending_unless_given():
    error = VobizAuthError("refused", "u", 401)
    failure = EndCallsError(UUID, error)
    assert (str(failure), failure.call_uuid, failure.error, failure.endings) == ("refused", UUID, error, [])


def test_a_queued_call_that_ended_before_its_cancel_is_seen_ended_through_its_cdr(calls, mocked):
    add_call(mocked, UUID, "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "ended", status=404, json=NOT_FOUND_BODY)
    add_call(mocked, UUID, "queued", json=queued_record(UUID, "req-1"))
    add_delete(mocked, "Request", "req-1", status=404)
    add_call(mocked, UUID, "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "ended", json=cdr_record(UUID))
    ending = end_call(calls, UUID, check_mode=False)
    assert (ending.first.call_status, ending.action, ending.last.call_status, ending.last.cdr) == ("queued", "none", "ended", cdr_record(UUID))
    assert requested(mocked)[-2:] == [("Call/%s/" % UUID, "live"), ("Call/%s/" % UUID, None)]


def test_a_call_still_seen_live_after_every_not_found_is_left_after_so_many_steps(calls, mocked):
    add_call(mocked, UUID, "live", json=live_record(UUID))
    add_not_found(mocked, UUID, "ended")
    add_delete(mocked, "Call", UUID, status=404)
    ending = end_call(calls, UUID, check_mode=False)
    assert (ending.call_uuid, ending.action, ending.first.call_status, ending.last.call_status, ending.last.found) == \
        (UUID, "none", "in-progress", "in-progress", True)
    assert [entry[0] for entry in requested(mocked, with_method=True)].count("DELETE") == 3


def test_confirm_ended_runs_on_the_clock_and_pause_it_is_given(calls, mocked, clock):
    add_call(mocked, UUID, "ended", status=404, json=NOT_FOUND_BODY)
    add_call(mocked, UUID, "live", json=live_record(UUID))
    first = calls.look(UUID, "live")
    ending = end_call(calls, UUID, check_mode=True)
    pauses = []
    outcome = confirm_ended(calls, [ending], 1, timeout=6, every=4, clock=clock.monotonic, pause=lambda seconds: pauses.append(seconds) or clock.sleep(seconds))
    assert (outcome.reached, outcome.rounds, pauses) == (False, 3, [4, 2])
    assert ending.last.call_status == first.call_status == "in-progress" and ending.last.found
