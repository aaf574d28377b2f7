# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""call: main() with module arguments, HTTP mocked at the transport, the result it prints."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    AUTH_TOKEN,
    LIST_URL,
    PLIVO_NOT_FOUND,
    add_call,
    cdr_record,
    live_record,
    requested,
)

FROM = "919262171438"
ANSWER_URL = "https://example.com/xml/answer.xml"
ENTRY_KEYS = {"to", "request_uuid", "call_uuid", "api_id", "message", "request", "call_status", "answered", "outcome", "cdr"}
RESULT_KEYS = {"changed", "calls", "placed", "polls", "waited", "http_retries"}


def args(to, **extra) -> dict:
    return dict({"to": to, "from": FROM, "answer_url": ANSWER_URL}, **extra)


def fired(request_uuid: str) -> dict:
    return {"api_id": "api-" + request_uuid, "message": "Call fired", "request_uuid": request_uuid}


def add_post(mocked, status: int = 200, **kwargs):
    return mocked.add(responses.POST, LIST_URL, status=status, **kwargs)


def bodies(mocked) -> list:
    return [json.loads(call.request.body) for call in mocked.calls if call.request.method == "POST"]


def own_keys(result: dict) -> set:
    return set(result) - {"invocation", "warnings"}


def test_one_call_is_placed_with_the_options_under_the_api_names(run_call, mocked):
    add_post(mocked, json=fired("r-1"))
    run = run_call(**args(["+919148227303"], caller_name="Ops", time_limit=60, send_on_preanswer=False, machine_detection="detect",
                          ring_url="https://example.com/ring", ring_method="GET", extra_params={"machine_detection_maximum_words": 3}))
    assert run.rc == 0, run.result
    assert own_keys(run.result) == RESULT_KEYS
    assert (run.result["changed"], run.result["placed"], run.result["http_retries"]) == (True, ["r-1"], 0)
    sent = {"to": "+919148227303", "from": FROM, "answer_url": ANSWER_URL, "answer_method": "POST", "caller_name": "Ops", "time_limit": 60,
            "send_on_preanswer": False, "machine_detection": "true", "ring_url": "https://example.com/ring", "ring_method": "GET",
            "machine_detection_maximum_words": 3}
    assert bodies(mocked) == [sent]
    assert run.result["calls"] == [{"to": "+919148227303", "request_uuid": "r-1", "call_uuid": "r-1", "api_id": "api-r-1", "message": "Call fired",
                                    "request": sent, "call_status": "queued", "answered": None, "outcome": None, "cdr": {}}]
    assert AUTH_TOKEN not in run.stdout


def test_one_request_per_destination_entries_in_the_order_of_to(run_call, mocked):
    destinations = ["9191000000%02d" % index for index in range(12)] + ["sip:smoke@sip.example.com"]
    for index in range(len(destinations)):
        add_post(mocked, json=fired("r-%d" % index))
    run = run_call(**args(destinations, concurrency=4))
    assert run.rc == 0, run.result
    assert sorted(body["to"] for body in bodies(mocked)) == sorted(destinations)
    assert [entry["to"] for entry in run.result["calls"]] == destinations
    assert len(set(run.result["placed"])) == len(destinations)
    assert all(set(entry) == ENTRY_KEYS for entry in run.result["calls"])


def test_check_mode_sends_nothing_and_returns_the_bodies(run_call, mocked):
    run = run_call(**args(["919148227303", "919148227304"], _ansible_check_mode=True, machine_detection="hangup"))
    assert run.rc == 0, run.result
    assert len(mocked.calls) == 0
    assert (run.result["changed"], run.result["placed"]) == (True, [])
    assert [entry["call_status"] for entry in run.result["calls"]] == ["not_placed", "not_placed"]
    assert run.result["calls"][1]["request"] == {"to": "919148227304", "from": FROM, "answer_url": ANSWER_URL, "answer_method": "POST",
                                                 "machine_detection": "hangup"}


@pytest.mark.parametrize("extra, named", [
    ({"to": ["12ab"]}, "to[0] '12ab'"),
    ({"to": ["919148227303", "tel:123"]}, "to[1] 'tel:123'"),
    ({"to": []}, "to must name at least one destination"),
    ({"to": ["919148227303"] * 1001}, "to names 1001 destinations; at most 1000"),
    ({"from": "sip:me@example.com"}, "from 'sip:me@example.com'"),
    ({"answer_url": "/relative.xml"}, "answer_url '/relative.xml' must be an absolute"),
    ({"hangup_url": "ftp://example.com/h"}, "hangup_url 'ftp://example.com/h'"),
    ({"ring_method": "PUT"}, "ring_method"),
    ({"caller_name": "x" * 51}, "caller_name must be at most 50 characters, got 51"),
    ({"time_limit": 86401}, "time_limit must be between 1 and 86400, got 86401"),
    ({"machine_detection_time": 1999}, "machine_detection_time must be between 2000 and 10000, got 1999"),
    ({"ring_timeout": 0}, "ring_timeout must be 1 or more, got 0"),
    ({"extra_params": {"to": "1", "answer_url": "x", "machine_detection_maximum_words": 3}},
     "extra_params must not repeat what an option sets: answer_url, to"),
    ({"wait_sleep": 0}, "wait_sleep must be greater than 0"),
], ids=lambda value: str(value)[:40])
def test_bad_input_is_refused_before_any_request(run_call, mocked, extra, named):
    run = run_call(**dict(args(["919148227303"]), **extra))
    assert run.failed, run.result
    assert named in run.result["msg"]
    assert len(mocked.calls) == 0


def test_plain_http_callback_to_a_remote_host_draws_a_warning(run_call, mocked):
    add_post(mocked, json=fired("r-1"))
    run = run_call(**args(["919148227303"], answer_url="http://example.com/a.xml", hangup_url="http://127.0.0.1:8080/h"))
    assert run.rc == 0, run.result
    assert any("answer_url 'http://example.com/a.xml' is plain http" in warning for warning in run.warnings)
    assert not any("hangup_url" in warning for warning in run.warnings)


@pytest.mark.parametrize("failure", [
    {"status": 500, "json": {"status": "error", "error": {"code": "INTERNAL_ERROR", "message": "boom"}}},
    {"body": requests.exceptions.ReadTimeout("Read timed out.")},
    {"body": requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected")},
], ids=["500", "time-out", "dropped"])
def test_an_unknown_outcome_is_not_retried_and_fails_saying_how_to_check(run_call, mocked, failure):
    add_post(mocked, json=fired("r-1"))
    add_post(mocked, **failure)
    run = run_call(**args(["919148227301", "919148227302", "919148227303"], concurrency=1))
    assert run.failed, run.result
    assert len(bodies(mocked)) == 2  # the third destination is not sent, the second not sent again
    assert [entry["call_status"] for entry in run.result["calls"]] == ["queued", "unknown", "not_placed"]
    assert (run.result["changed"], run.result["placed"], run.result["http_retries"]) == (True, ["r-1"], 0)
    assert "call to 919148227302" in run.result["msg"]
    assert "may have been placed" in run.result["msg"] and "live_call_info" in run.result["msg"]
    assert "1 call(s) placed before" in run.result["msg"]


@pytest.mark.parametrize("status, code", [(400, "INVALID_PARAMETER"), (401, "INVALID_CREDENTIALS"), (402, "INSUFFICIENT_BALANCE"), (404, "NOT_FOUND")])
def test_a_refusal_fails_with_vobiz_code_and_places_nothing_more(run_call, mocked, status, code):
    add_post(mocked, status=status, json={"status": "error", "error": {"code": code, "message": "said Vobiz"}})
    run = run_call(**args(["919148227301", "919148227302"], concurrency=1))
    assert run.failed, run.result
    assert len(bodies(mocked)) == 1
    assert code in run.result["msg"] and run.result["status_code"] == status
    assert [entry["call_status"] for entry in run.result["calls"]] == ["not_placed", "not_placed"]
    assert run.result["changed"] is False and "may have been placed" not in run.result["msg"]


def test_429_is_retried_and_counted(run_call, mocked):
    add_post(mocked, status=429, headers={"Retry-After": "1"}, json={"status": "error", "error": {"code": "RATE_LIMIT_EXCEEDED", "message": "cps"}})
    add_post(mocked, json=fired("r-1"))
    run = run_call(**args(["919148227303"]))
    assert run.rc == 0, run.result
    assert (len(bodies(mocked)), run.result["http_retries"], run.result["placed"]) == (2, 1, ["r-1"])


def test_wait_answered_looks_until_the_call_is_in_progress(run_call, mocked):
    add_post(mocked, json=fired("r-1"))
    add_call(mocked, "r-1", "queued", json=live_record("r-1", "queued"))
    add_call(mocked, "r-1", "queued", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, "r-1", "live", json=live_record("r-1", "in-progress"))
    run = run_call(**args(["919148227303"], wait="answered", wait_sleep=2))
    assert run.rc == 0, run.result
    entry = run.result["calls"][0]
    assert (entry["call_status"], entry["answered"], entry["outcome"], entry["cdr"]) == ("in-progress", True, None, {})
    assert run.result["polls"] == 2
    assert requested(mocked)[1:] == [("Call/r-1/", "queued"), ("Call/r-1/", "queued"), ("Call/r-1/", "live")]


def test_wait_answered_returns_at_once_for_a_call_over_unanswered(run_call, mocked):
    add_post(mocked, json=fired("r-1"))
    add_call(mocked, "r-1", "queued", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, "r-1", "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, "r-1", "ended", json=dict(cdr_record("r-1"), call_status="busy", answer_time=None, bill_duration=0))
    run = run_call(**args(["919148227303"], wait="answered"))
    assert run.rc == 0, run.result
    entry = run.result["calls"][0]
    assert (entry["call_status"], entry["answered"], entry["outcome"], entry["cdr"], run.result["polls"]) == ("ended", False, "busy", {}, 1)


def test_wait_ended_returns_the_finalized_record(run_call, mocked):
    add_post(mocked, json=fired("r-1"))
    add_call(mocked, "r-1", "queued", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, "r-1", "live", json=live_record("r-1", "in-progress"))
    add_call(mocked, "r-1", "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, "r-1", "ended", status=404, json={"error": "call not found"})
    add_call(mocked, "r-1", "ended", json=dict(cdr_record("r-1"), answer_time="2026-06-11 16:03:31+00:00"))
    run = run_call(**args(["919148227303"], wait="ended"))
    assert run.rc == 0, run.result
    entry = run.result["calls"][0]
    assert (entry["call_status"], entry["answered"], entry["outcome"]) == ("ended", True, "completed")
    assert entry["cdr"]["call_uuid"] == "r-1"


def test_a_call_not_over_within_wait_timeout_fails_with_what_was_seen(run_call, mocked):
    add_post(mocked, json=fired("r-1"))
    add_call(mocked, "r-1", "queued", json=live_record("r-1", "queued"))
    run = run_call(**args(["919148227303"], wait="ended", wait_timeout=3, wait_sleep=1))
    assert run.failed, run.result
    assert "Timed out after" in run.result["msg"] and "919148227303 (queued)" in run.result["msg"]
    assert run.result["calls"][0]["call_status"] == "queued" and run.result["placed"] == ["r-1"]
