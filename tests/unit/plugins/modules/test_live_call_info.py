# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""live_call_info end to end: main() with module arguments, HTTP mocked at the transport, the result it prints."""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests
import responses

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.vobiz.telephony.plugins.module_utils import _collection, _module
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    AUTH_ID,
    AUTH_TOKEN,
    PLIVO_NOT_FOUND,
    UUID,
    CallWorld,
    add_call,
    add_list,
    call_url,
    cdr_record,
    live_record,
    request_of,
    requested,
)

LIVE_URL = call_url(UUID) + "?status=live"
# ansible-core 2.19 adds "invocation" to a module's result, 2.21 leaves it to the controller: the keys below are the module's own.
CALL_KEYS = {"changed", "found", "call", "call_status", "cdr", "waited", "polls", "http_retries"}
LIST_KEYS = {"changed", "call_uuids", "calls", "waited", "polls", "http_retries"}
SET_KEYS = {"changed", "results", "waited", "polls", "http_retries"}


# --- one call -----------------------------------------------------------------------------------------------------


def test_live_call_is_found_with_one_request_and_record_verbatim(run_module, mocked):
    record = live_record(UUID, "in-progress", brand_new_field={"a": [1, None]}, stir_attestation="A")
    add_call(mocked, UUID, "live", json=record)
    run = run_module(call_uuid=UUID)
    assert run.rc == 0
    assert set(run.result) - {"invocation"} == CALL_KEYS
    assert {key: run.result[key] for key in CALL_KEYS} == {
        "changed": False, "found": True, "call": record, "call_status": "in-progress", "cdr": {}, "waited": 0.0, "polls": 1, "http_retries": 0}
    assert requested(mocked) == [request_of("live")]


def test_ended_call_reports_ended_with_cdr_in_two_requests(run_module, mocked):
    add_call(mocked, UUID, "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "ended", json=cdr_record(UUID))
    run = run_module(call_uuid=UUID)
    assert run.rc == 0
    assert (run.result["changed"], run.result["found"], run.result["call"], run.result["call_status"], run.result["cdr"]) == (
        False, False, {}, "ended", cdr_record(UUID))
    assert requested(mocked) == [request_of("live"), request_of("ended")]


def test_unknown_call_is_not_found_and_not_a_failure(run_module, mocked):
    add_call(mocked, UUID, "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "ended", status=404, json={"error": "call not found", "call_uuid": UUID})
    add_call(mocked, UUID, "queued", status=404, json=PLIVO_NOT_FOUND)
    run = run_module(call_uuid=UUID)
    assert run.rc == 0
    assert "failed" not in run.result
    assert (run.result["found"], run.result["call"], run.result["call_status"], run.result["cdr"]) == (False, {}, "not_found", {})


def test_call_asked_live_but_queued_reports_found_false_and_queued(run_module, mocked):
    add_call(mocked, UUID, "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "ended", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "queued", json=live_record(UUID, "queued"))
    run = run_module(call_uuid=UUID)
    assert (run.result["found"], run.result["call_status"], run.result["call"], run.result["cdr"]) == (False, "queued", live_record(UUID, "queued"), {})


def test_call_asked_queued_but_live_reports_found_false_and_its_live_status(run_module, mocked):
    add_call(mocked, UUID, "queued", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "ended", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "live", json=live_record(UUID, "early-media"))
    run = run_module(call_uuid=UUID, status="queued")
    assert (run.result["found"], run.result["call_status"]) == (False, "early-media")
    assert requested(mocked) == [request_of("queued"), request_of("ended"), request_of("live")]


def test_queued_call_asked_queued_is_found_with_one_request(run_module, mocked):
    add_call(mocked, UUID, "queued", json=live_record(UUID, "queued"))
    run = run_module(call_uuid=UUID, status="queued")
    assert (run.result["found"], run.result["call_status"]) == (True, "queued")
    assert requested(mocked) == [request_of("queued")]


def test_check_mode_reads_the_same(run_module, mocked):
    add_call(mocked, UUID, "live", json=live_record(UUID))
    run = run_module(call_uuid=UUID, _ansible_check_mode=True)
    assert (run.rc, run.result["found"], run.result["changed"]) == (0, True, False)
    assert len(mocked.calls) == 1


def test_requests_carry_user_agent_and_auth_headers(run_module, mocked):
    add_call(mocked, UUID, "live", json=live_record(UUID))
    run_module(call_uuid=UUID)
    headers = mocked.calls[0].request.headers
    assert headers["User-Agent"].startswith("vobiz.telephony/%s python-requests/" % _collection.COLLECTION_VERSION)
    assert headers["User-Agent"].endswith("(vobiz.telephony.live_call_info)")
    assert (headers["X-Auth-ID"], headers["X-Auth-Token"]) == (AUTH_ID, AUTH_TOKEN)


def test_credentials_and_api_url_come_from_the_environment(run_module, mocked, monkeypatch):
    monkeypatch.setenv("VOBIZ_AUTH_ID", "SA_FROMENV1")
    monkeypatch.setenv("VOBIZ_AUTH_TOKEN", "env-token-77")
    monkeypatch.setenv("VOBIZ_API_URL", "https://eu.vobiz.example/api/v1")
    mocked.add(responses.GET, "https://eu.vobiz.example/api/v1/Account/SA_FROMENV1/Call/%s/" % UUID, json=live_record(UUID))
    run = run_module(call_uuid=UUID, auth_id=run_module.OMIT, auth_token=run_module.OMIT, api_url=run_module.OMIT)
    assert run.rc == 0
    assert (mocked.calls[0].request.headers["X-Auth-ID"], mocked.calls[0].request.headers["X-Auth-Token"]) == ("SA_FROMENV1", "env-token-77")


@pytest.mark.parametrize("args, verify", [({"validate_certs": False}, False), ({"ca_path": "CA"}, "CA")])
def test_certificate_options_reach_each_request(run_module, mocked, tmp_path, args, verify):
    if args.get("ca_path"):
        ca = tmp_path / "ca.pem"
        ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
        args, verify = {"ca_path": str(ca)}, str(ca)
    add_call(mocked, UUID, "live", json=live_record(UUID))
    run_module(call_uuid=UUID, **args)
    assert mocked.calls[0].request.req_kwargs["verify"] == verify


# --- list mode ----------------------------------------------------------------------------------------------------


def test_list_mode_returns_uuids_and_records_in_order_leaving_out_404s(run_module, mocked):
    add_list(mocked, "live", ["c", "gone", "a"])
    add_call(mocked, "a", "live", json=live_record("a", "ringing"))
    add_call(mocked, "gone", "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, "c", "live", json=live_record("c"))
    run = run_module()
    assert run.rc == 0
    assert set(run.result) - {"invocation"} == LIST_KEYS
    assert run.result["call_uuids"] == ["c", "gone", "a"]
    assert run.result["calls"] == [live_record("c"), live_record("a", "ringing")]
    assert (run.result["changed"], run.result["polls"], run.result["waited"], run.result["http_retries"]) == (False, 1, 0.0, 0)
    assert len(mocked.calls) == 4


def test_list_mode_without_details_sends_only_the_list_request(run_module, mocked):
    add_list(mocked, "queued", ["q1", "q2"])
    run = run_module(status="queued", details=False)
    assert set(run.result) - {"invocation"} == LIST_KEYS - {"calls"}
    assert run.result["call_uuids"] == ["q1", "q2"]
    assert requested(mocked) == [("Call/", "queued")]


def _in_flight_check(mocked, uuids, parties):
    barrier = threading.Barrier(parties, timeout=10)
    state = {"in_flight": 0, "max": 0}
    lock = threading.Lock()

    def answer(request):
        uuid = request.url.split("/Call/")[1].split("/")[0]
        with lock:
            state["in_flight"] += 1
            state["max"] = max(state["max"], state["in_flight"])
        barrier.wait()
        with lock:
            state["in_flight"] -= 1
        return 200, {}, json.dumps(live_record(uuid))

    for uuid in uuids:
        mocked.add_callback(responses.GET, call_url(uuid), callback=answer)
    return state


@pytest.mark.parametrize("args, count, parties", [({}, 16, 8), ({"concurrency": 3}, 9, 3), ({"concurrency": 1}, 3, 1)])
def test_list_mode_fetches_records_concurrency_at_a_time(run_module, mocked, args, count, parties):
    uuids = ["call-%02d" % index for index in range(count)]
    add_list(mocked, "live", uuids)
    state = _in_flight_check(mocked, uuids, parties)
    run = run_module(**args)
    assert [record["call_uuid"] for record in run.result["calls"]] == uuids
    assert state["max"] == parties
    assert len(mocked.calls) == count + 1


def test_list_mode_fails_when_a_record_fetch_fails(run_module, mocked):
    add_list(mocked, "live", ["a"])
    add_call(mocked, "a", "live", status=400, json={"status": "error", "error": {"code": "BAD_REQUEST", "message": "bad"}, "requestId": "r-9"})
    run = run_module()
    assert run.failed
    assert "HTTP 400 Bad Request: BAD_REQUEST: bad (request id r-9)" in run.result["msg"]
    assert (run.result["status_code"], run.result["error_code"], run.result["request_id"]) == (400, "BAD_REQUEST", "r-9")


# --- waiting ------------------------------------------------------------------------------------------------------


def test_wait_for_looks_until_the_call_reaches_the_state(run_module, mocked, clock):
    CallWorld(clock, {UUID: [(0, "queued", "queued"), (3, "live", "ringing"), (7, "live", "in-progress")]}).install(mocked)
    run = run_module(call_uuid=UUID, wait_for=["in-progress"], wait_sleep=2, wait_timeout=60)
    assert run.rc == 0
    assert (run.result["found"], run.result["call_status"], run.result["call"]["call_status"]) == (True, "in-progress", "in-progress")
    assert (run.result["polls"], run.result["waited"]) == (5, 8.0)
    assert clock.sleeps == [2, 2, 2, 2]
    # Each round asks first where the call was seen last: 3 requests to find it queued, then 1, 2 (it moved), 1, 1.
    assert requested(mocked) == [request_of("live"), request_of("ended"), request_of("queued"), request_of("queued"), request_of("queued"), request_of("live"),
                                 request_of("live"), request_of("live")]


def test_wait_for_ended_returns_the_cdr(run_module, mocked, clock):
    CallWorld(clock, {UUID: [(0, "live", "in-progress"), (4, "ended", None)]}).install(mocked)
    run = run_module(call_uuid=UUID, wait_for=["ended"], wait_sleep=2)
    assert run.rc == 0
    assert (run.result["found"], run.result["call"], run.result["call_status"], run.result["cdr"]) == (False, {}, "ended", cdr_record(UUID))
    assert (run.result["polls"], run.result["waited"]) == (3, 4.0)


def test_wait_for_keeps_looking_for_a_call_not_visible_yet(run_module, mocked, clock):
    CallWorld(clock, {UUID: [(5, "live", "ringing")]}).install(mocked)
    run = run_module(call_uuid=UUID, wait_for=["ringing", "in-progress"], wait_sleep=2)
    assert run.rc == 0
    assert (run.result["call_status"], run.result["polls"], run.result["waited"]) == ("ringing", 4, 6.0)


def test_wait_timeout_fails_naming_call_last_status_awaited_states_and_time(run_module, mocked, clock):
    CallWorld(clock, {UUID: [(0, "live", "ringing")]}).install(mocked)
    run = run_module(call_uuid=UUID, wait_for=["in-progress", "ended"], wait_timeout=5, wait_sleep=2)
    assert run.failed
    assert run.result["msg"] == ("Timed out after 5.0 s waiting for call %s to reach in-progress or ended; its last call_status was ringing "
                                 "(4 observations)" % UUID)
    assert (run.result["found"], run.result["call"], run.result["call_status"], run.result["cdr"]) == (True, live_record(UUID, "ringing"), "ringing", {})
    assert (run.result["changed"], run.result["polls"], run.result["waited"], run.result["http_retries"]) == (False, 4, 5.0, 0)
    assert clock.sleeps == [2, 2, 1]


def test_wait_timeout_zero_looks_once(run_module, mocked, clock):
    CallWorld(clock, {UUID: [(0, "live", "ringing")]}).install(mocked)
    run = run_module(call_uuid=UUID, wait_for=["in-progress"], wait_timeout=0)
    assert run.failed
    assert (run.result["polls"], run.result["call_status"]) == (1, "ringing")
    assert "Timed out after 0.0 s waiting for call %s to reach in-progress" % UUID in run.result["msg"]
    assert clock.sleeps == []


def test_list_mode_wait_for_ended_drains(run_module, mocked, clock):
    CallWorld(clock, {}, lists=[(0, ["a", "b"]), (2, ["b"]), (4, [])]).install(mocked)
    run = run_module(wait_for=["ended"], wait_sleep=2)
    assert run.rc == 0
    assert (run.result["call_uuids"], run.result["calls"], run.result["polls"], run.result["waited"]) == ([], [], 3, 4.0)
    assert requested(mocked) == [("Call/", "live")] * 3


def test_list_mode_drain_timeout_fails_naming_the_calls_left(run_module, mocked, clock):
    CallWorld(clock, {}, lists=[(0, ["a", "b"])]).install(mocked)
    run = run_module(wait_for=["ended"], wait_sleep=1, wait_timeout=3, details=False)
    assert run.failed
    assert run.result["msg"] == "Timed out after 3.0 s waiting for every live call to end; 2 still live: a, b"
    assert (run.result["call_uuids"], run.result["polls"]) == (["a", "b"], 4)


def test_list_mode_drain_timeout_lists_ten_calls_then_an_ellipsis(run_module, mocked, clock):
    uuids = ["c%02d" % index for index in range(12)]
    CallWorld(clock, {}, lists=[(0, uuids)]).install(mocked)
    run = run_module(status="live", wait_for=["ended"], wait_timeout=0, details=False)
    assert run.result["msg"].endswith("12 still live: %s, ..." % ", ".join(uuids[:10]))


# --- a set of calls: call_uuids ------------------------------------------------------------------------------------


def test_call_uuids_looks_at_each_call_as_call_uuid_does_in_the_given_order(run_module, mocked):
    record = live_record("live-1", brand_new_field=[1])
    add_call(mocked, "live-1", "live", json=record)
    for state in ("live", "ended"):
        add_call(mocked, "queued-1", state, status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, "queued-1", "queued", json=live_record("queued-1", "queued"))
    add_call(mocked, "gone-1", "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, "gone-1", "ended", json=cdr_record("gone-1"))
    for state in ("live", "ended", "queued"):
        add_call(mocked, "ghost-1", state, status=404, json=PLIVO_NOT_FOUND)
    run = run_module(call_uuids=["gone-1", "live-1", "ghost-1", "queued-1", "live-1"], concurrency=1)
    assert run.rc == 0
    assert set(run.result) - {"invocation"} == SET_KEYS
    assert run.result["results"] == [
        {"call_uuid": "gone-1", "found": False, "call_status": "ended", "call": {}, "cdr": cdr_record("gone-1")},
        {"call_uuid": "live-1", "found": True, "call_status": "in-progress", "call": record, "cdr": {}},
        {"call_uuid": "ghost-1", "found": False, "call_status": "not_found", "call": {}, "cdr": {}},
        {"call_uuid": "queued-1", "found": False, "call_status": "queued", "call": live_record("queued-1", "queued"), "cdr": {}},
    ]
    assert (run.result["changed"], run.result["waited"], run.result["polls"], run.result["http_retries"]) == (False, 0.0, 1, 0)
    # the requests of call_uuid for each call (2, 1, 4, 3), one call after the other at concurrency 1; the repeat not looked at again
    assert requested(mocked) == [request_of("live", "gone-1"), request_of("ended", "gone-1"), request_of("live", "live-1"),
                                 request_of("live", "ghost-1"), request_of("ended", "ghost-1"), request_of("queued", "ghost-1"), request_of("live", "ghost-1"),
                                 request_of("live", "queued-1"), request_of("ended", "queued-1"), request_of("queued", "queued-1")]


def test_call_uuids_with_status_queued_asks_the_queued_endpoint_first(run_module, mocked):
    add_call(mocked, "q-1", "queued", json=live_record("q-1", "queued"))
    run = run_module(call_uuids=["q-1"], status="queued")
    assert [(entry["found"], entry["call_status"]) for entry in run.result["results"]] == [(True, "queued")]
    assert requested(mocked) == [request_of("queued", "q-1")]


def test_empty_call_uuids_sends_nothing_and_is_not_list_mode(run_module, mocked):
    run = run_module(call_uuids=[], wait_for=["ended"])
    assert run.rc == 0
    assert set(run.result) - {"invocation"} == SET_KEYS
    assert (run.result["results"], run.result["polls"], run.result["waited"], run.result["changed"]) == ([], 0, 0.0, False)
    assert len(mocked.calls) == 0


def test_call_uuids_in_check_mode_reads_the_same(run_module, mocked):
    add_call(mocked, "a", "live", json=live_record("a"))
    run = run_module(call_uuids=["a"], _ansible_check_mode=True)
    assert (run.rc, run.result["changed"], run.result["results"][0]["found"]) == (0, False, True)
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("concurrency, count", [(8, 16), (3, 9)])
def test_call_uuids_are_looked_at_concurrency_at_a_time(run_module, mocked, concurrency, count):
    uuids = ["call-%02d" % index for index in range(count)]
    state = _in_flight_check(mocked, uuids, concurrency)
    run = run_module(call_uuids=uuids, concurrency=concurrency)
    assert [entry["call"]["call_uuid"] for entry in run.result["results"]] == uuids
    assert state["max"] == concurrency
    assert len(mocked.calls) == count


def test_call_uuids_wait_for_every_call_looking_only_at_those_not_there_yet(run_module, mocked, clock):
    CallWorld(clock, {"a": [(0, "live", "ringing"), (3, "live", "in-progress"), (4, "ended", None)],
                      "b": [(0, "live", "in-progress"), (1, "ended", None)],
                      "c": [(0, "queued", "queued"), (2, "live", "ringing"), (7, "ended", None)]}).install(mocked)
    run = run_module(call_uuids=["a", "b", "c"], wait_for=["ended"], wait_sleep=2, concurrency=2)
    assert run.rc == 0
    assert [(entry["call_uuid"], entry["call_status"], entry["cdr"]) for entry in run.result["results"]] == [
        (uuid, "ended", cdr_record(uuid)) for uuid in "abc"]
    assert (run.result["polls"], run.result["waited"]) == (5, 8.0)  # rounds at 0, 2, 4, 6, 8 s
    assert clock.sleeps == [2, 2, 2, 2]
    looks = {uuid: [state for path, state in requested(mocked) if path == "Call/%s/" % uuid] for uuid in "abc"}
    assert looks == {"b": ["live", "live", None],  # found ended in the second round, then left alone
                     "a": ["live", "live", "live", None],
                     "c": ["live", None, "queued", "queued", "live", "live", "live", "live", None]}


def test_call_uuids_wait_for_any_state_not_only_ended(run_module, mocked, clock):
    CallWorld(clock, {"a": [(0, "live", "ringing"), (3, "live", "in-progress")], "b": [(0, "live", "in-progress")]}).install(mocked)
    run = run_module(call_uuids=["a", "b"], wait_for=["in-progress"], wait_sleep=2)
    assert (run.rc, run.result["polls"]) == (0, 3)
    assert [entry["call_status"] for entry in run.result["results"]] == ["in-progress", "in-progress"]


def test_call_uuids_wait_timeout_fails_naming_every_call_not_there_with_the_last_results(run_module, mocked, clock):
    CallWorld(clock, {"a": [(0, "live", "ringing")], "b": [(0, "live", "in-progress"), (1, "ended", None)],
                      "c": [(0, "queued", "queued")]}).install(mocked)
    run = run_module(call_uuids=["a", "b", "c", "ghost"], wait_for=["ended"], wait_timeout=5, wait_sleep=2)
    assert run.failed
    assert run.result["msg"] == ("Timed out after 5.0 s waiting for every call to reach ended; 3 of 4 not there yet: "
                                 "a (ringing), c (queued), ghost (not_found)")
    assert [(entry["call_uuid"], entry["found"], entry["call_status"]) for entry in run.result["results"]] == [
        ("a", True, "ringing"), ("b", False, "ended"), ("c", False, "queued"), ("ghost", False, "not_found")]
    assert run.result["results"][0]["call"] == live_record("a", "ringing")
    assert run.result["results"][1]["cdr"] == cdr_record("b")
    assert (run.result["changed"], run.result["polls"], run.result["waited"], run.result["http_retries"]) == (False, 4, 5.0, 0)
    assert set(run.result) - {"invocation", "failed", "msg"} == SET_KEYS


def test_call_uuids_fail_on_an_http_error_like_call_uuid(run_module, mocked):
    add_call(mocked, "a", "live", json=live_record("a"))
    add_call(mocked, "b", "live", status=401, json={"status": "error", "error": {"code": "INVALID_CREDENTIALS", "message": "no"}})
    run = run_module(call_uuids=["a", "b"], concurrency=1)
    assert run.failed
    assert run.result["status_code"] == 401
    assert "results" not in run.result


CALL_UUIDS_BAD_INPUT = [
    ({"call_uuids": [UUID, "a/b", ""]}, "call_uuids[1] 'a/b' is not valid: use 1 to 128 letters, digits, '-' or '_'; call_uuids[2] must not be empty"),
    ({"call_uuids": ["x" * 129]}, "call_uuids[0] '%s' is not valid" % ("x" * 129)),
    ({"call_uuids": [UUID], "call_uuid": UUID},
     "call_uuid and call_uuids are mutually exclusive: give one call in call_uuid or several in call_uuids"),
    ({"call_uuids": [UUID], "wait_for": []}, "wait_for must be a list of one or more call_status values"),
    ({"call_uuids": [UUID], "concurrency": 0}, "concurrency must be between 1 and 64, got 0"),
]


@pytest.mark.parametrize("args, expected", CALL_UUIDS_BAD_INPUT)
def test_call_uuids_bad_input_fails_before_any_request_naming_the_option(run_module, mocked, args, expected):
    run = run_module(**args)
    assert run.failed
    assert expected in run.result["msg"]
    assert len(mocked.calls) == 0


# --- bad input: refused before any request ------------------------------------------------------------------------


BAD_INPUT = [
    ({"call_uuid": ""}, "call_uuid must not be empty"),
    ({"call_uuid": "abc/../def"}, "call_uuid 'abc/../def' is not valid"),
    ({"call_uuid": "abc?status=queued"}, "call_uuid 'abc?status=queued' is not valid"),
    ({"call_uuid": "x" * 129}, "call_uuid '%s' is not valid" % ("x" * 129)),
    ({"auth_id": "MA 1"}, "auth_id 'MA 1' is not valid"),
    ({"auth_id": "MA#1"}, "auth_id 'MA#1' is not valid"),
    ({"auth_id": "A" * 129}, "auth_id '%s' is not valid" % ("A" * 129)),
    ({"auth_id": ""}, "auth_id must not be empty"),
    ({"api_url": "ftp://api.vobiz.ai/api/v1"}, "api_url 'ftp://api.vobiz.ai/api/v1' must be an absolute http:// or https:// URL"),
    ({"api_url": "api.vobiz.ai/api/v1"}, "api_url 'api.vobiz.ai/api/v1' must be an absolute http:// or https:// URL"),
    ({"timeout": 0}, "timeout must be greater than 0 seconds, got 0.0"),
    ({"timeout": -3}, "timeout must be greater than 0 seconds, got -3.0"),
    ({"retries": -1}, "retries must be 0 or more, got -1"),
    ({"retry_max_wait": -1}, "retry_max_wait must be 0 or more seconds, got -1.0"),
    ({"concurrency": 0}, "concurrency must be between 1 and 64, got 0"),
    ({"concurrency": 65}, "concurrency must be between 1 and 64, got 65"),
    ({"wait_sleep": 0}, "wait_sleep must be greater than 0 seconds, got 0.0"),
    ({"wait_sleep": -1}, "wait_sleep must be greater than 0 seconds, got -1.0"),
    ({"wait_timeout": -1}, "wait_timeout must be 0 or more seconds, got -1.0"),
    ({"ca_path": "/nonexistent/vobiz-ca.pem"}, "ca_path '/nonexistent/vobiz-ca.pem' is not a readable file"),
    ({"wait_for": []}, "wait_for must be a list of one or more call_status values"),
    ({"call_uuid": UUID, "wait_for": [" "]}, "wait_for must be a list of one or more call_status values"),
    ({"wait_for": ["in-progress"]}, "wait_for without call_uuid (list mode) accepts only [ended], which waits until no call is live; got ['in-progress']"),
    ({"wait_for": ["ended", "completed"], "status": "queued"},
     "wait_for without call_uuid (list mode) accepts only [ended], which waits until no call is queued"),
]


@pytest.mark.parametrize("args, expected", BAD_INPUT, ids=["%s=%r" % next(iter(args.items())) for args, _expected in BAD_INPUT])
def test_bad_input_fails_before_any_request_naming_the_option(run_module, mocked, args, expected):
    args = dict(args)
    if "call_uuid" not in args and "wait_for" not in args:
        args["call_uuid"] = UUID
    run = run_module(**args)
    assert run.failed
    assert expected in run.result["msg"]
    assert run.result["http_retries"] == 0
    assert len(mocked.calls) == 0


def test_connection_and_module_option_errors_are_reported_together(run_module, mocked):
    run = run_module(call_uuid="a/b", timeout=0)
    assert run.result["msg"] == ("timeout must be greater than 0 seconds, got 0.0; "
                                 "call_uuid 'a/b' is not valid: use 1 to 128 letters, digits, '-' or '_'")
    assert len(mocked.calls) == 0


def test_missing_requests_fails_with_missing_required_lib_before_any_request(run_module, mocked, monkeypatch):
    monkeypatch.setattr(_module, "HAS_REQUESTS", False)
    run = run_module(call_uuid=UUID)
    assert run.failed
    assert run.result["msg"] == missing_required_lib("requests")
    assert len(mocked.calls) == 0


# --- HTTP failures ------------------------------------------------------------------------------------------------


def test_401_fails_saying_vobiz_refused_the_credentials_of_the_auth_id(run_module, mocked):
    add_call(mocked, UUID, "live", status=401,
             json={"status": "error", "error": {"code": "INVALID_CREDENTIALS", "message": "Invalid credentials", "details": {}}, "requestId": "req_a1"})
    run = run_module(call_uuid=UUID)
    assert run.failed
    assert run.result["msg"].startswith("Vobiz refused the credentials of auth_id %s (HTTP 401: INVALID_CREDENTIALS: Invalid credentials)" % AUTH_ID)
    assert (run.result["status_code"], run.result["error_code"], run.result["request_id"], run.result["http_retries"]) == (
        401, "INVALID_CREDENTIALS", "req_a1", 0)
    assert len(mocked.calls) == 1


def test_403_without_body_fails_with_status_code_only(run_module, mocked):
    add_call(mocked, UUID, "live", status=403, body=b"")
    run = run_module(call_uuid=UUID)
    assert run.result["msg"].startswith("Vobiz refused the credentials of auth_id %s (HTTP 403)" % AUTH_ID)
    assert run.result["status_code"] == 403
    assert "error_code" not in run.result and "request_id" not in run.result


def test_server_errors_are_retried_with_numbered_warnings_then_fail(run_module, mocked, clock):
    for _attempt in range(4):
        add_call(mocked, UUID, "live", status=500, json={"status": "error", "error": {"code": "INTERNAL_ERROR", "message": "try later"},
                                                         "requestId": "req_5"})
    run = run_module(call_uuid=UUID)
    assert run.failed
    assert run.result["msg"] == "GET %s answered HTTP 500 Internal Server Error: INTERNAL_ERROR: try later (request id req_5)" % LIVE_URL
    assert (run.result["status_code"], run.result["error_code"], run.result["request_id"], run.result["http_retries"]) == (500, "INTERNAL_ERROR", "req_5", 3)
    assert run.warnings == ["HTTP retry %d (attempt %d of 4 for GET %s): HTTP 500 INTERNAL_ERROR; waiting %d s" % (n, n + 1, LIVE_URL, 2 ** (n - 1))
                            for n in (1, 2, 3)]
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert len(mocked.calls) == 4


def test_429_with_retry_after_is_waited_out_and_counted(run_module, mocked, clock):
    add_call(mocked, UUID, "live", status=429, headers={"Retry-After": "7"},
             json={"status": "error", "error": {"code": "RATE_LIMIT_EXCEEDED", "message": "slow", "details": {"retryAfter": 7}}})
    add_call(mocked, UUID, "live", json=live_record(UUID))
    run = run_module(call_uuid=UUID, retry_max_wait=5)
    assert run.rc == 0
    assert (run.result["found"], run.result["http_retries"]) == (True, 1)
    assert clock.sleeps == [5.0]
    assert run.warnings == ["HTTP retry 1 (attempt 2 of 4 for GET %s): HTTP 429 RATE_LIMIT_EXCEEDED (server asked to retry after 7 s); waiting 5 s" % LIVE_URL]


def test_plivo_style_error_body_gives_message_and_request_id(run_module, mocked):
    add_call(mocked, UUID, "live", status=400, json={"api_id": "p-77", "error": "invalid call_uuid"})
    run = run_module(call_uuid=UUID)
    assert run.result["msg"] == "GET %s answered HTTP 400 Bad Request: invalid call_uuid (request id p-77)" % LIVE_URL
    assert (run.result["status_code"], run.result["request_id"]) == (400, "p-77")


def test_html_404_fails_as_a_wrong_api_url_not_as_not_found(run_module, mocked):
    add_call(mocked, UUID, "live", status=404, body=b"<html><title>404 Not Found</title></html>", content_type="text/html")
    run = run_module(call_uuid=UUID)
    assert run.failed
    assert "call_status" not in run.result
    assert run.result["msg"] == "GET %s answered HTTP 404 Not Found and a body that is not Vobiz's JSON: '<html><title>404 Not Found</title></html>'" % LIVE_URL
    assert len(mocked.calls) == 1


NOT_A_CALL_RECORD = ('answered HTTP 200 with JSON that is not a call record '
                     '(a JSON object with a "call_status" or "call_state" string, or a "calls" list holding one): ')


@pytest.mark.parametrize("body, expected", [
    (b'{"call_status": "ringing"', "answered HTTP 200 but the body is not JSON: '{\"call_status\": \"ringing\"'"),
    (b'["ringing"]', NOT_A_CALL_RECORD + "'[\"ringing\"]'"),
    (b'{"call_uuid": "x"}', NOT_A_CALL_RECORD + "'{\"call_uuid\": \"x\"}'"),
])
def test_200_that_is_not_the_expected_json_fails_showing_the_body(run_module, mocked, body, expected):
    add_call(mocked, UUID, "live", body=body, content_type="application/json")
    run = run_module(call_uuid=UUID)
    assert run.failed
    assert run.result["msg"] == "GET %s %s" % (LIVE_URL, expected)
    assert run.result["status_code"] == 200


def test_body_over_10_mib_fails(run_module, mocked):
    add_call(mocked, UUID, "live", body=b"{}", headers={"Content-Length": str(10 * 1024 * 1024 + 1)}, auto_calculate_content_length=False)
    run = run_module(call_uuid=UUID)
    assert run.failed
    assert run.result["msg"] == "GET %s answered HTTP 200 with a body larger than 10485760 bytes; refused to read it" % LIVE_URL


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_connection_fails_naming_the_url_and_the_cause(run_module):
    port = _free_port()
    api_url = "http://127.0.0.1:%d/api/v1" % port
    run = run_module(call_uuid=UUID, api_url=api_url, retries=0, timeout=5)
    assert run.failed
    assert run.result["msg"] == "GET %s/Account/%s/Call/%s/?status=live failed: connection refused" % (api_url, AUTH_ID, UUID)
    assert "status_code" not in run.result
    assert run.warnings == []  # loopback over plain http draws no clear-text warning


@pytest.mark.parametrize("exception, cause, retried", [
    (requests.exceptions.ReadTimeout("Read timed out. (read timeout=30)"), "no answer within 30 s", 1),
    (requests.exceptions.ConnectionError("Failed to resolve 'api.vobiz.ai' ([Errno -2] Name or service not known)"), "the host name could not be resolved", 1),
    # a certificate that fails verification would fail the same way again: not retried
    (requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)"),
     "TLS certificate verification failed", 0),
])
def test_transport_failures_fail_naming_url_and_cause(run_module, mocked, exception, cause, retried):
    for _attempt in range(2):
        add_call(mocked, UUID, "live", body=exception)
    run = run_module(call_uuid=UUID, retries=1)
    assert run.failed
    assert run.result["msg"].startswith("GET %s failed: %s" % (LIVE_URL, cause))
    assert run.result["http_retries"] == retried
    assert len(run.warnings) == retried


def test_plain_http_to_a_remote_host_warns_about_clear_text(run_module, mocked):
    mocked.add(responses.GET, "http://vobiz.example/api/v1/Account/%s/Call/%s/" % (AUTH_ID, UUID), json=live_record(UUID))
    run = run_module(call_uuid=UUID, api_url="http://vobiz.example/api/v1")
    assert run.rc == 0
    assert run.warnings == ["api_url http://vobiz.example/api/v1 is plain http to a host that is not loopback: the auth token travels in clear text"]


def test_api_url_with_a_password_is_refused_without_showing_it(run_module, mocked):
    run = run_module(call_uuid=UUID, api_url="http://proxyuser:pw-Zq81@vobiz.example/api/v1")
    assert run.rc == 1
    assert run.result["msg"] == ("api_url 'http://vobiz.example/api/v1' must not contain a user name or password: "
                                 "give the credentials in auth_id and auth_token")
    assert "pw-Zq81" not in run.result["msg"]  # (the invocation echoes api_url as given: it is not a no_log option)
    assert len(mocked.calls) == 0


# --- the token never shows --------------------------------------------------------------------------------------


def _scenario_found(mocked):
    add_call(mocked, UUID, "live", json=live_record(UUID))


def _scenario_auth(mocked):
    add_call(mocked, UUID, "live", status=401, json={"status": "error", "error": {"code": "INVALID_CREDENTIALS", "message": "bad token"}})


def _scenario_retries(mocked):
    for _attempt in range(4):
        add_call(mocked, UUID, "live", status=503, headers={"Retry-After": "1"})


def _scenario_transport(mocked):
    for _attempt in range(4):
        add_call(mocked, UUID, "live", body=requests.exceptions.ConnectionError("headers X-Auth-Token: %s: Connection refused" % AUTH_TOKEN))


def _scenario_bad_json(mocked):
    add_call(mocked, UUID, "live", body=b"<html>oops</html>")


@pytest.mark.parametrize("scenario", [_scenario_found, _scenario_auth, _scenario_retries, _scenario_transport, _scenario_bad_json])
def test_auth_token_never_appears_in_the_output(run_module, mocked, scenario):
    scenario(mocked)
    run = run_module(call_uuid=UUID)
    assert len(mocked.calls) >= 1
    assert AUTH_TOKEN not in run.stdout
    # Ansible masks no_log values it finds in a result: a mask would mean the module had put the token there.
    assert "********" not in run.stdout
    if "invocation" in run.result:  # ansible-core 2.19 and older: the module reports its arguments, the token masked
        assert run.result["invocation"]["module_args"]["auth_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_missing_credentials_name_their_environment_variables(run_module, mocked):
    run = run_module(call_uuid=UUID, auth_id=run_module.OMIT, auth_token=run_module.OMIT)
    assert run.failed
    assert run.result["msg"] == ("auth_id is required: set it, or the VOBIZ_AUTH_ID environment variable; "
                                 "auth_token is required: set it, or the VOBIZ_AUTH_TOKEN environment variable")
    assert len(mocked.calls) == 0
