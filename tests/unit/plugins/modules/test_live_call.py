# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""live_call: main() with module arguments, HTTP mocked at the transport, the result it prints."""

from __future__ import annotations

import pytest

from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    AUTH_TOKEN,
    PLIVO_NOT_FOUND,
    UUID,
    add_call,
    add_delete,
    cdr_record,
    live_record,
    requested,
)

RESULT_KEYS = {"changed", "hung_up", "results", "http_retries"}


def hung_up_cdr(call_uuid: str) -> dict:
    return dict(cdr_record(call_uuid), hangup_source="API")


def live_then_hung_up(mocked, call_uuid: str, call_status: str = "in-progress"):
    """A live call that Vobiz hangs up on DELETE, then serves as ended."""
    add_call(mocked, call_uuid, "live", json=live_record(call_uuid, call_status))
    add_delete(mocked, "Call", call_uuid)
    add_call(mocked, call_uuid, "ended", json=hung_up_cdr(call_uuid))


def ended_already(mocked, call_uuid: str):
    add_call(mocked, call_uuid, "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, call_uuid, "ended", json=cdr_record(call_uuid))


def methods(mocked) -> list:
    return [method for method, _path, _status in requested(mocked, with_method=True)]


def own_keys(result: dict) -> set:
    return set(result) - {"invocation", "warnings"}


def test_live_call_is_hung_up_and_its_finalized_record_returned(run_live_call, mocked):
    live_then_hung_up(mocked, UUID)
    run = run_live_call(call_uuid=UUID)
    assert run.rc == 0, run.result
    assert own_keys(run.result) == RESULT_KEYS
    assert (run.result["changed"], run.result["hung_up"], run.result["http_retries"]) == (True, [UUID], 0)
    assert run.result["results"] == [{"call_uuid": UUID, "before": "in-progress", "action": "hung_up", "call_status": "ended",
                                      "cdr": hung_up_cdr(UUID)}]
    assert requested(mocked, with_method=True) == [("GET", "Call/%s/" % UUID, "live"), ("DELETE", "Call/%s/" % UUID, None),
                                                   ("GET", "Call/%s/" % UUID, None)]
    assert AUTH_TOKEN not in run.stdout


def test_without_wait_the_status_seen_before_is_kept_and_no_record(run_live_call, mocked):
    live_then_hung_up(mocked, UUID, "ringing")
    run = run_live_call(call_uuid=UUID, wait=False)
    assert run.result["results"] == [{"call_uuid": UUID, "before": "ringing", "action": "hung_up", "call_status": "ringing", "cdr": {}}]
    assert methods(mocked) == ["GET", "DELETE"]


def test_ended_call_is_not_changed(run_live_call, mocked):
    ended_already(mocked, UUID)
    run = run_live_call(call_uuid=UUID)
    assert (run.rc, run.result["changed"], run.result["hung_up"]) == (0, False, [])
    assert run.result["results"] == [{"call_uuid": UUID, "before": "ended", "action": "none", "call_status": "ended", "cdr": cdr_record(UUID)}]
    assert "DELETE" not in methods(mocked)


def test_check_mode_reports_the_change_and_sends_no_delete(run_live_call, mocked):
    add_call(mocked, UUID, "live", json=live_record(UUID))
    run = run_live_call(call_uuid=UUID, _ansible_check_mode=True, _ansible_diff=True)
    assert (run.rc, run.result["changed"], run.result["hung_up"]) == (0, True, [UUID])
    assert run.result["results"][0]["action"] == "hung_up"
    assert run.result["diff"] == {"before": {UUID: "in-progress"}, "after": {UUID: "ended"}}
    assert methods(mocked) == ["GET"]


def test_diff_names_only_the_calls_changed(run_live_call, mocked):
    live_then_hung_up(mocked, "live-1", "early-media")
    ended_already(mocked, "done-1")
    run = run_live_call(call_uuids=["live-1", "done-1"], _ansible_diff=True)
    assert run.result["diff"] == {"before": {"live-1": "early-media"}, "after": {"live-1": "ended"}}
    assert "diff" not in run_live_call(call_uuids=["done-1"]).result


def test_list_is_deduplicated_kept_in_order_and_mixed(run_live_call, mocked):
    live_then_hung_up(mocked, "b-live")
    ended_already(mocked, "a-done")
    add_call(mocked, "c-queued", "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, "c-queued", "ended", status=404, json={"error": "call not found"})
    add_call(mocked, "c-queued", "queued", json={"call_status": "queued", "call_uuid": "c-queued", "request_uuid": "r-c"})
    add_delete(mocked, "Request", "r-c")
    run = run_live_call(call_uuids=["b-live", "a-done", "b-live", "c-queued"], wait=False, concurrency=1)
    assert run.result["hung_up"] == ["b-live", "c-queued"]
    assert [(entry["call_uuid"], entry["before"], entry["action"]) for entry in run.result["results"]] == [
        ("b-live", "in-progress", "hung_up"), ("a-done", "ended", "none"), ("c-queued", "queued", "cancelled")]
    assert methods(mocked).count("DELETE") == 2


def test_empty_list_sends_nothing(run_live_call, mocked):
    run = run_live_call(call_uuids=[])
    assert (run.rc, run.result["changed"], run.result["hung_up"], run.result["results"]) == (0, False, [], [])
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("args, message", [
    ({}, "one of call_uuid and call_uuids is required: give one call in call_uuid or several in call_uuids"),
    ({"call_uuid": None}, "one of call_uuid and call_uuids is required: give one call in call_uuid or several in call_uuids"),
    ({"call_uuid": None, "call_uuids": None}, "one of call_uuid and call_uuids is required: give one call in call_uuid or several in call_uuids"),
    ({"call_uuid": UUID, "call_uuids": [UUID]}, "call_uuid and call_uuids are mutually exclusive: give one call in call_uuid or several in call_uuids"),
    ({"call_uuid": "a/b"}, "call_uuid 'a/b' is not valid"),
    ({"call_uuids": ["ok-1", "", "x?y"]}, "call_uuids[1] must not be empty; call_uuids[2] 'x?y' is not valid"),
    ({"call_uuid": UUID, "concurrency": 0}, "concurrency must be between 1 and 64, got 0"),
    ({"call_uuid": UUID, "concurrency": 65}, "concurrency must be between 1 and 64, got 65"),
    ({"call_uuid": UUID, "wait_timeout": -1}, "wait_timeout must be 0 or more seconds, got -1.0"),
    ({"call_uuid": UUID, "wait_sleep": 0}, "wait_sleep must be greater than 0 seconds, got 0.0"),
    ({"call_uuid": UUID, "state": "present"}, "value of state must be one of: absent, got: present"),
])
def test_bad_options_fail_before_any_request(run_live_call, mocked, args, message):
    run = run_live_call(**args)
    assert run.failed
    assert message in run.result["msg"]
    assert len(mocked.calls) == 0


def test_option_and_connection_errors_are_reported_together(run_live_call, mocked):
    run = run_live_call(call_uuid="bad uuid", auth_id="MA/1", concurrency=99)
    assert run.failed
    for part in ("auth_id 'MA/1' is not valid", "call_uuid 'bad uuid' is not valid", "concurrency must be between 1 and 64"):
        assert part in run.result["msg"]
    assert len(mocked.calls) == 0


def test_refused_credentials_fail_naming_the_call(run_live_call, mocked):
    add_call(mocked, UUID, "live", status=401, json={"status": "error", "error": {"code": "INVALID_CREDENTIALS", "message": "bad token"},
                                                     "requestId": "req_401"})
    run = run_live_call(call_uuid=UUID)
    assert run.failed
    assert run.result["msg"].startswith("call %s: Vobiz refused the credentials of auth_id" % UUID)
    assert (run.result["status_code"], run.result["error_code"], run.result["request_id"]) == (401, "INVALID_CREDENTIALS", "req_401")
    assert (run.result["results"], run.result["hung_up"], run.result["changed"], run.result["http_retries"]) == ([], [], False, 0)
    assert AUTH_TOKEN not in run.stdout


def test_a_failing_call_of_a_list_keeps_the_results_of_the_calls_handled(run_live_call, mocked):
    live_then_hung_up(mocked, "first")
    add_call(mocked, "second", "live", json=live_record("second"))
    for _attempt in range(2):
        add_delete(mocked, "Call", "second", status=503, json={"status": "error", "error": {"code": "SERVICE_UNAVAILABLE", "message": "down"}})
    run = run_live_call(call_uuids=["first", "second", "third"], concurrency=1, retries=1, wait=False)
    assert run.failed
    assert run.result["msg"].startswith("call second: DELETE ")
    assert "HTTP 503" in run.result["msg"]
    assert (run.result["changed"], run.result["hung_up"], run.result["http_retries"], run.result["status_code"]) == (True, ["first"], 1, 503)
    assert [entry["call_uuid"] for entry in run.result["results"]] == ["first"]
    assert len(run.warnings) == 1 and "for DELETE" in run.warnings[0]
    assert "third" not in str(requested(mocked))


def test_delete_404_after_the_look_is_not_a_change(run_live_call, mocked):
    add_call(mocked, UUID, "live", json=live_record(UUID))
    add_delete(mocked, "Call", UUID, status=404)
    add_call(mocked, UUID, "ended", json=cdr_record(UUID))
    run = run_live_call(call_uuid=UUID)
    assert (run.rc, run.result["changed"], run.result["hung_up"]) == (0, False, [])
    assert run.result["results"] == [{"call_uuid": UUID, "before": "in-progress", "action": "none", "call_status": "ended", "cdr": cdr_record(UUID)}]


def test_delete_retried_after_a_5xx_then_404_is_a_change(run_live_call, mocked):
    add_call(mocked, UUID, "live", json=live_record(UUID))
    add_delete(mocked, "Call", UUID, status=502, json={"status": "error", "error": {"code": "BAD_GATEWAY", "message": "gateway"}})
    add_delete(mocked, "Call", UUID, status=404)
    add_call(mocked, UUID, "ended", json=hung_up_cdr(UUID))
    run = run_live_call(call_uuid=UUID)
    assert (run.rc, run.result["changed"], run.result["hung_up"], run.result["http_retries"]) == (0, True, [UUID], 1)
    assert run.result["results"][0]["action"] == "hung_up"
    assert run.warnings == [run.warnings[0]] and run.warnings[0].startswith("HTTP retry 1 (attempt 2 of 4 for DELETE ")


def test_wait_timing_out_fails_with_the_last_look(run_live_call, mocked, clock):
    # Vobiz accepts the hang-up but the call stays live (its record is not final yet)
    add_call(mocked, UUID, "live", json=live_record(UUID))
    add_delete(mocked, "Call", UUID)
    for _look in range(10):
        add_call(mocked, UUID, "ended", status=404, json={"error": "call not found"})
    run = run_live_call(call_uuid=UUID, wait_timeout=3, wait_sleep=1)
    assert run.failed
    assert run.result["msg"] == "Timed out after 3.0 s waiting for the calls to end; 1 not ended yet: %s (in-progress)" % UUID
    assert (run.result["changed"], run.result["hung_up"]) == (True, [UUID])
    assert run.result["results"] == [{"call_uuid": UUID, "before": "in-progress", "action": "hung_up", "call_status": "in-progress", "cdr": {}}]
    assert clock.elapsed == pytest.approx(3)


def test_wait_timeout_zero_looks_once(run_live_call, mocked, clock):
    live_then_hung_up(mocked, UUID)
    run = run_live_call(call_uuid=UUID, wait_timeout=0)
    assert (run.rc, run.result["results"][0]["call_status"]) == (0, "ended")
    assert clock.elapsed == 0
