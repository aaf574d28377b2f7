# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""CallApi: where a call is (and how many requests it takes to say so), the lists, the concurrent fetch, wait_until, wait_for_calls."""

from __future__ import annotations

import json
import threading

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import ENDED, NOT_FOUND
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently, unique_in_order
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._waiting import wait_for_calls
from ansible_collections.vobiz.telephony.plugins.module_utils.common._wait_loop import wait_until
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizHTTPError, VobizResponseError
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    LIST_URL,
    PLIVO_NOT_FOUND,
    UUID,
    CallWorld,
    FakeClock,
    add_call,
    add_list,
    call_url,
    cdr_record,
    live_record,
    request_of,
    requested,
)

NOT_FOUND_BODY = {"error": "call not found", "call_uuid": UUID}


# --- look: one call --------------------------------------------------------------------------------------------


def test_live_call_asked_live_is_found_with_exactly_one_request(mocked, calls):
    record = live_record(UUID, "in-progress", unknown_future_key={"nested": [1, 2]}, stir_attestation="A")
    add_call(mocked, UUID, "live", json=record)
    look = calls.look(UUID, "live")
    assert look.as_result() == {"found": True, "call": record, "call_status": "in-progress", "cdr": {}}
    assert look.seen_in == "live"
    assert requested(mocked) == [request_of("live")]


def test_queued_call_asked_queued_is_found_with_exactly_one_request(mocked, calls):
    record = {"api_id": "q-1", "call_status": "queued", "call_uuid": UUID, "request_uuid": UUID, "caller_name": "", "direction": "outbound",
              "from": "1", "to": "2"}
    add_call(mocked, UUID, "queued", json=record)
    assert calls.look(UUID, "queued").as_result() == {"found": True, "call": record, "call_status": "queued", "cdr": {}}
    assert requested(mocked) == [request_of("queued")]


def test_ended_call_takes_two_requests_and_returns_the_cdr(mocked, calls):
    add_call(mocked, UUID, "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "ended", json=cdr_record(UUID))
    look = calls.look(UUID, "live")
    assert look.as_result() == {"found": False, "call": {}, "call_status": "ended", "cdr": cdr_record(UUID)}
    assert look.seen_in == "ended"
    assert requested(mocked) == [request_of("live"), request_of("ended")]


def test_cdr_is_passed_through_verbatim_even_without_call_status(mocked, calls):
    cdr = {"call_uuid": UUID, "end_time": "2026-06-11 16:04:10", "whatever": None}
    add_call(mocked, UUID, "live", status=404, json={})
    add_call(mocked, UUID, "ended", json=cdr)
    assert calls.look(UUID, "live").cdr == cdr


def test_unknown_call_is_not_found_after_asking_every_state(mocked, calls):
    add_call(mocked, UUID, "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "ended", status=404, json=NOT_FOUND_BODY)
    add_call(mocked, UUID, "queued", status=404, body=b"")
    look = calls.look(UUID, "live")
    assert look.as_result() == {"found": False, "call": {}, "call_status": "not_found", "cdr": {}}
    assert look.seen_in is None
    # live, ended, queued, then live again: a call missed as queued may have gone live meanwhile.
    assert requested(mocked) == [request_of("live"), request_of("ended"), request_of("queued"), request_of("live")]


def test_call_asked_live_but_still_queued_is_not_found_with_status_queued(mocked, calls):
    record = live_record(UUID, "queued")
    add_call(mocked, UUID, "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "ended", status=404, json=NOT_FOUND_BODY)
    add_call(mocked, UUID, "queued", json=record)
    look = calls.look(UUID, "live")
    assert look.as_result() == {"found": False, "call": record, "call_status": "queued", "cdr": {}}
    assert requested(mocked) == [request_of("live"), request_of("ended"), request_of("queued")]


def test_call_asked_queued_but_already_live_is_not_found_with_its_live_status(mocked, calls):
    record = live_record(UUID, "ringing")
    add_call(mocked, UUID, "queued", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "ended", status=404, json=NOT_FOUND_BODY)
    add_call(mocked, UUID, "live", json=record)
    look = calls.look(UUID, "queued")
    assert look.as_result() == {"found": False, "call": record, "call_status": "ringing", "cdr": {}}
    assert requested(mocked) == [request_of("queued"), request_of("ended"), request_of("live")]


def test_seen_in_is_asked_first(mocked, calls):
    add_call(mocked, UUID, "queued", json=live_record(UUID, "queued"))
    look = calls.look(UUID, "live", seen_in="queued")
    assert (look.found, look.call_status) == (False, "queued")
    assert requested(mocked) == [request_of("queued")]


def test_hint_ended_costs_one_request_for_an_ended_call(mocked, calls):
    add_call(mocked, UUID, "ended", json=cdr_record(UUID))
    assert calls.look(UUID, "live", seen_in="ended").call_status == "ended"
    assert requested(mocked) == [request_of("ended")]


def test_html_404_on_the_live_request_is_an_error_not_a_missing_call(mocked, calls):
    add_call(mocked, UUID, "live", status=404, body=b"<html><body>404 page not found</body></html>", content_type="text/html")
    with pytest.raises(VobizHTTPError) as error:
        calls.look(UUID, "live")
    assert error.value.status_code == 404
    assert "not Vobiz's JSON" in error.value.message
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("body", [
    {"call_uuid": UUID},
    {"call_uuid": UUID, "call_status": ""},
    {"call_uuid": UUID, "call_status": 3},
    {"call_uuid": UUID, "call_status": None},
])
def test_live_record_without_a_call_status_string_is_refused(mocked, calls, body):
    add_call(mocked, UUID, "live", json=body)
    with pytest.raises(VobizResponseError) as error:
        calls.look(UUID, "live")
    assert ('answered HTTP 200 with JSON that is not a call record (a JSON object with a "call_status" or "call_state" string, '
            'or a "calls" list holding one): %r' % json.dumps(body)) in error.value.message


@pytest.mark.parametrize("body", [[live_record(UUID)], "in-progress", 42, None])
def test_live_answer_that_is_not_a_json_object_is_refused(mocked, calls, body):
    add_call(mocked, UUID, "live", body=json.dumps(body), content_type="application/json")
    with pytest.raises(VobizResponseError) as error:
        calls.look(UUID, "live")
    assert "with JSON that is not a call record" in error.value.message


def test_cdr_answer_that_is_not_a_json_object_is_refused(mocked, calls):
    add_call(mocked, UUID, "live", status=404, json={})
    add_call(mocked, UUID, "ended", json=["not", "a", "record"])
    with pytest.raises(VobizResponseError) as error:
        calls.look(UUID, "live")
    assert """with JSON that is not a finalized call record (a JSON object): '["not", "a", "record"]'""" in error.value.message


def test_auth_error_on_a_request_propagates(mocked, calls):
    add_call(mocked, UUID, "live", status=401, json={"status": "error", "error": {"code": "TOKEN_EXPIRED", "message": "expired"}})
    with pytest.raises(VobizHTTPError) as error:
        calls.look(UUID, "live")
    assert error.value.status_code == 401
    assert len(mocked.calls) == 1


# --- lists --------------------------------------------------------------------------------------------------------


def test_list_call_uuids_keeps_the_api_order(mocked, calls):
    add_list(mocked, "live", ["c", "a", "b"])
    assert calls.list_call_uuids("live") == ["c", "a", "b"]
    assert requested(mocked) == [("Call/", "live")]


def test_list_of_queued_calls_asks_with_status_queued(mocked, calls):
    add_list(mocked, "queued", [])
    assert calls.list_call_uuids("queued") == []
    assert mocked.calls[0].request.url == LIST_URL + "?status=queued"


CALL_LIST = 'a "calls" list of call uuids (strings, or JSON objects with a "call_uuid" string)'


@pytest.mark.parametrize("body, expected", [
    ({"calls": "abc"}, CALL_LIST),
    ({"calls": ["a", 1]}, CALL_LIST),
    ({"calls": {"a": 1}}, CALL_LIST),
    ({}, CALL_LIST),  # not an empty list: it would end a drain at once
    ({"api_id": "x", "calls": None}, CALL_LIST),
    (["a", "b"], 'a JSON object with a "calls" list'),
])
def test_list_of_the_wrong_shape_is_refused(mocked, calls, body, expected):
    add_list(mocked, "live", json=body)
    with pytest.raises(VobizResponseError) as error:
        calls.list_call_uuids("live")
    assert "answered HTTP 200 with JSON that is not %s" % expected in error.value.message


def test_fetch_calls_keeps_list_order_and_leaves_out_calls_that_404(mocked, calls):
    add_call(mocked, "a", "live", json=live_record("a"))
    add_call(mocked, "b", "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, "c", "live", json=live_record("c", "ringing"))
    assert calls.fetch_calls(["c", "b", "a"], "live", concurrency=1) == [live_record("c", "ringing"), live_record("a")]
    assert len(mocked.calls) == 3


def test_fetch_calls_of_nothing_sends_nothing(mocked, calls):
    assert calls.fetch_calls([], "live", concurrency=8) == []
    assert len(mocked.calls) == 0


def _concurrency_check(mocked, uuids, parties):
    """Answers that only come back once `parties` requests are in flight together; returns the in-flight record."""
    barrier = threading.Barrier(parties, timeout=10)
    state = {"in_flight": 0, "max": 0, "threads": set()}
    lock = threading.Lock()

    def answer(request):
        uuid = request.url.split("/Call/")[1].split("/")[0]
        with lock:
            state["in_flight"] += 1
            state["max"] = max(state["max"], state["in_flight"])
            # each attempt runs in a helper thread named after the thread that sent it: "<sender>/http"
            state["threads"].add(threading.current_thread().name.rsplit("/http", 1)[0])
        barrier.wait()
        with lock:
            state["in_flight"] -= 1
        return 200, {}, json.dumps(live_record(uuid))

    for uuid in uuids:
        mocked.add_callback(responses.GET, call_url(uuid), callback=answer)
    return state


@pytest.mark.parametrize("concurrency, count", [(8, 8), (4, 16), (2, 6), (64, 5)])
def test_fetch_calls_keeps_exactly_concurrency_requests_in_flight(mocked, calls, concurrency, count):
    uuids = ["call-%02d" % index for index in range(count)]
    parties = min(concurrency, count)
    state = _concurrency_check(mocked, uuids, parties)
    records = calls.fetch_calls(uuids, "live", concurrency=concurrency)
    assert [record["call_uuid"] for record in records] == uuids
    assert state["max"] == parties
    assert len(state["threads"]) == parties
    assert len(mocked.calls) == count


def test_fetch_calls_with_concurrency_one_runs_in_the_calling_thread(mocked, calls):
    state = _concurrency_check(mocked, ["a", "b", "c"], 1)
    assert [record["call_uuid"] for record in calls.fetch_calls(["a", "b", "c"], "live", concurrency=1)] == ["a", "b", "c"]
    assert state["threads"] == {threading.current_thread().name}
    assert state["max"] == 1


def test_fetch_calls_returns_list_order_not_completion_order(mocked, calls):
    last_done = threading.Event()

    def slow_first(request):
        assert last_done.wait(10)
        return 200, {}, json.dumps(live_record("first"))

    def fast_last(request):
        last_done.set()
        return 200, {}, json.dumps(live_record("last"))

    mocked.add_callback(responses.GET, call_url("first"), callback=slow_first)
    mocked.add_callback(responses.GET, call_url("last"), callback=fast_last)
    assert [record["call_uuid"] for record in calls.fetch_calls(["first", "last"], "live", concurrency=2)] == ["first", "last"]


def test_fetch_calls_fails_on_the_first_error(mocked, calls):
    add_call(mocked, "a", "live", json=live_record("a"))
    add_call(mocked, "b", "live", status=400, json={"status": "error", "error": {"code": "BAD", "message": "bad uuid"}})
    with pytest.raises(VobizHTTPError) as error:
        calls.fetch_calls(["a", "b"], "live", concurrency=2)
    assert "HTTP 400 Bad Request: BAD: bad uuid" in error.value.message


# --- wait_until ---------------------------------------------------------------------------------------------------


def test_wait_until_done_at_once_looks_once_and_never_sleeps(clock):
    outcome = wait_until(lambda: "x", lambda value: True, timeout=60, every=2, clock=clock.monotonic, pause=clock.sleep)
    assert (outcome.last, outcome.reached, outcome.waited, outcome.rounds) == ("x", True, 0.0, 1)
    assert clock.sleeps == []


def test_wait_until_timeout_zero_looks_exactly_once(clock):
    seen = []
    outcome = wait_until(lambda: seen.append(1) or len(seen), lambda value: False, timeout=0, every=2, clock=clock.monotonic, pause=clock.sleep)
    assert (outcome.reached, outcome.rounds, seen) == (False, 1, [1])
    assert clock.sleeps == []


def test_wait_until_times_out_with_last_sleep_shortened_to_the_deadline(clock):
    values = iter(range(100))
    outcome = wait_until(lambda: next(values), lambda value: False, timeout=5, every=2, clock=clock.monotonic, pause=clock.sleep)
    assert (outcome.last, outcome.reached, outcome.waited, outcome.rounds) == (3, False, 5.0, 4)
    assert clock.sleeps == [2, 2, 1]


def test_wait_until_starts_a_look_every_sleep_however_long_each_takes(clock):
    def slow_look():
        clock.elapsed += 0.4  # each look takes 0.4 s: the pause makes up the rest of the 2 s
        return "ringing"

    outcome = wait_until(slow_look, lambda value: False, timeout=5, every=2, clock=clock.monotonic, pause=clock.sleep)
    assert clock.sleeps == pytest.approx([1.6, 1.6, 0.6])  # looks start at 0, 2, 4 and 5 (the deadline)
    assert (outcome.rounds, outcome.reached) == (4, False)
    assert outcome.waited == pytest.approx(5.4)


def test_wait_until_stops_as_soon_as_done(clock):
    values = iter(["ringing", "ringing", "in-progress", "never-asked"])
    outcome = wait_until(lambda: next(values), lambda value: value == "in-progress", timeout=60, every=3,
                         clock=clock.monotonic, pause=clock.sleep)
    assert (outcome.last, outcome.reached, outcome.waited, outcome.rounds) == ("in-progress", True, 6.0, 3)


def test_look_many_looks_at_each_call_as_look_does_in_the_given_order(mocked, calls):
    add_call(mocked, "live-1", "live", json=live_record("live-1"))
    add_call(mocked, "gone-1", "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, "gone-1", "ended", json=cdr_record("gone-1"))
    looks = calls.look_many(["gone-1", "live-1"], "live", concurrency=2)
    assert [(obs.found, obs.call_status) for obs in looks] == [(False, "ended"), (True, "in-progress")]
    assert looks[0].cdr == cdr_record("gone-1")
    assert len(mocked.calls) == 3


def test_look_many_asks_first_where_each_call_was_last_seen(mocked, calls):
    add_call(mocked, "gone-1", "ended", json=cdr_record("gone-1"))
    looks = calls.look_many(["gone-1"], "live", concurrency=1, seen_in={"gone-1": "ended"})
    assert looks[0].call_status == "ended"
    assert len(mocked.calls) == 1


def test_look_many_of_nothing_sends_nothing(mocked, calls):
    assert calls.look_many([], "live", concurrency=8) == []
    assert len(mocked.calls) == 0


def test_map_concurrently_raises_the_first_error_and_starts_nothing_more():
    started = []

    def work(item):
        started.append(item)
        if item == 0:
            raise ValueError("first")
        return item

    with pytest.raises(ValueError, match="first"):
        map_concurrently(work, list(range(5)), concurrency=1)
    assert started == [0]


def test_unique_in_order_keeps_first_appearances():
    assert unique_in_order(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]
    assert unique_in_order([]) == []


# --- wait_for_calls: several calls ----------------------------------------------------------------------------------


def ended(look) -> bool:
    return look.call_status == ENDED


def wait_all(calls, clock, call_uuids, is_done=ended, concurrency=1, timeout=60, every=2):
    return wait_for_calls(calls, call_uuids, "live", is_done, concurrency=concurrency, timeout=timeout, every=every,
                          clock=clock.monotonic, pause=clock.sleep)


def lists_asked_of(mocked, uuid: str) -> list:
    return [state for path, state in requested(mocked) if path == "Call/%s/" % uuid]


def test_wait_for_all_of_no_call_sends_nothing_and_is_reached_after_zero_rounds(mocked, calls, clock):
    outcome = wait_all(calls, clock, [])
    assert (outcome.call_uuids, outcome.last, outcome.reached, outcome.waited, outcome.rounds, outcome.pending) == ([], [], True, 0.0, 0, [])
    assert len(mocked.calls) == 0
    assert clock.sleeps == []


def test_wait_for_all_looks_only_at_the_calls_not_there_yet_until_the_last_one_is(mocked, calls, clock):
    # a ends at 2 s, b at 5 s, c at 9 s; rounds start at 0, 2, 4, 6, 8 and 10 s
    CallWorld(clock, {"a": [(0, "live", "in-progress"), (2, "ended", None)],
                      "b": [(0, "live", "ringing"), (5, "ended", None)],
                      "c": [(0, "live", "in-progress"), (9, "ended", None)]}).install(mocked)
    outcome = wait_all(calls, clock, ["a", "b", "c"])
    assert (outcome.reached, outcome.rounds, outcome.waited, outcome.pending) == (True, 6, 10.0, [])
    assert clock.sleeps == [2, 2, 2, 2, 2]
    assert outcome.call_uuids == ["a", "b", "c"]
    assert [(obs.found, obs.call_status, obs.call, obs.cdr) for obs in outcome.last] == [(False, "ended", {}, cdr_record(uuid)) for uuid in "abc"]
    # each call: one request per round while live (asked where it was seen last), two for the round that finds it ended, none after
    assert lists_asked_of(mocked, "a") == ["live", "live", None]
    assert lists_asked_of(mocked, "b") == ["live"] * 4 + [None]
    assert lists_asked_of(mocked, "c") == ["live"] * 6 + [None]
    # rounds keep the given order, and leave out the calls done
    rounds = ["abc", "aabc", "bc", "bbc", "c", "cc"]  # a call found ended costs two requests
    assert [path[len("Call/"):-1] for path, _state in requested(mocked)] == list("".join(rounds))


def test_wait_for_all_asks_each_call_first_where_it_was_seen_last(mocked, calls, clock):
    CallWorld(clock, {"q": [(0, "queued", "queued"), (3, "live", "in-progress"), (5, "ended", None)]}).install(mocked)
    outcome = wait_all(calls, clock, ["q"])
    assert (outcome.reached, outcome.rounds) == (True, 4)
    # rounds at 0, 2, 4, 6 s: queued found third; queued first (hit); queued first (miss: it went live), then live;
    # live first (miss: it ended), then its finalized record
    assert lists_asked_of(mocked, "q") == ["live", None, "queued", "queued", "queued", "live", "live", None]


def test_wait_for_all_with_duplicates_looks_at_each_call_once_in_first_order(mocked, calls, clock):
    CallWorld(clock, {"a": [(0, "ended", None)], "b": [(0, "live", "ringing")]}).install(mocked)
    outcome = wait_all(calls, clock, ["b", "a", "b", "a"], timeout=0)
    assert outcome.call_uuids == ["b", "a"]
    assert [obs.call_status for obs in outcome.last] == ["ringing", "ended"]
    assert (outcome.reached, outcome.rounds, outcome.pending) == (False, 1, ["b"])
    assert (lists_asked_of(mocked, "b"), lists_asked_of(mocked, "a")) == (["live"], ["live", None])


def test_wait_for_all_times_out_with_the_last_looks_and_the_calls_not_there(mocked, calls, clock):
    CallWorld(clock, {"a": [(0, "live", "ringing")], "b": [(0, "live", "in-progress"), (1, "ended", None)],
                      "c": [(0, "live", "ringing")]}).install(mocked)
    outcome = wait_all(calls, clock, ["a", "b", "c"], timeout=5, every=2)
    assert (outcome.reached, outcome.rounds, outcome.waited) == (False, 4, 5.0)
    assert clock.sleeps == [2, 2, 1]
    assert outcome.pending == ["a", "c"]
    assert [obs.call_status for obs in outcome.last] == ["ringing", "ended", "ringing"]
    assert outcome.last[1].cdr == cdr_record("b")
    assert len(lists_asked_of(mocked, "b")) == 1 + 2  # live once, then found ended once and left alone


def test_wait_for_all_timeout_zero_looks_at_every_call_once(mocked, calls, clock):
    CallWorld(clock, {"a": [(0, "live", "ringing")], "b": [(0, "live", "ringing")]}).install(mocked)
    outcome = wait_all(calls, clock, ["a", "b"], timeout=0)
    assert (outcome.reached, outcome.rounds, outcome.pending) == (False, 1, ["a", "b"])
    assert len(mocked.calls) == 2
    assert clock.sleeps == []


def test_wait_for_all_takes_any_condition_such_as_ended_or_unknown(mocked, calls, clock):
    """What a hang-up waits for: every call ended, or unknown to Vobiz (no record to wait for)."""
    CallWorld(clock, {"a": [(0, "live", "in-progress"), (3, "ended", None)]}).install(mocked)
    outcome = wait_all(calls, clock, ["a", "ghost"], is_done=lambda obs: obs.call_status in (ENDED, NOT_FOUND))
    assert (outcome.reached, outcome.rounds) == (True, 3)
    assert [obs.call_status for obs in outcome.last] == ["ended", "not_found"]
    assert lists_asked_of(mocked, "ghost") == ["live", None, "queued", "live"]  # looked at once: it was done at once


def test_wait_for_all_looks_at_concurrency_calls_at_a_time(mocked, calls, clock):
    uuids = ["call-%02d" % index for index in range(9)]
    state = _concurrency_check(mocked, uuids, 3)
    outcome = wait_all(calls, clock, uuids, is_done=lambda obs: obs.found, concurrency=3)
    assert outcome.reached and [obs.call["call_uuid"] for obs in outcome.last] == uuids
    assert (state["max"], len(state["threads"])) == (3, 3)


def test_wait_for_all_fails_on_the_first_error(mocked, calls, clock):
    add_call(mocked, "a", "live", status=401, json={"status": "error", "error": {"code": "INVALID_CREDENTIALS", "message": "no"}})
    with pytest.raises(VobizHTTPError) as error:
        wait_all(calls, clock, ["a"])
    assert error.value.status_code == 401
    assert clock.sleeps == []


def test_wait_for_calls_runs_on_the_clock_and_pause_it_is_given(mocked, calls, clock):
    add_call(mocked, "q-1", "queued", json=live_record("q-1", "queued"))
    other = FakeClock()
    outcome = wait_for_calls(calls, ["q-1"], "queued", lambda look: False, 1, timeout=5, every=2, clock=other.monotonic, pause=other.sleep)
    assert (outcome.reached, outcome.rounds, outcome.waited, other.sleeps, clock.sleeps) == (False, 4, 5.0, [2, 2, 1], [])
    assert outcome.pending == ["q-1"] and outcome.call_uuids == ["q-1"]
