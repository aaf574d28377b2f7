# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""calls/_placing: the checks of placing's options, the request bodies, one POST per destination, and the wait.
HTTP mocked at the transport (responses); the module's own tests are in tests/unit/plugins/modules/test_call.py."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import Look
from ansible_collections.vobiz.telephony.plugins.module_utils.calls import _placing
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._placing import (
    MAX_DESTINATIONS,
    Placement,
    PlacingError,
    destination_error,
    destinations_errors,
    e164_error,
    place_call,
    place_calls,
    placing_errors,
    placing_warnings,
    url_error,
    wait_for_placed,
)
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import LIST_URL, add_call, live_record


def posted(mocked) -> list:
    return [json.loads(call.request.body)["to"] for call in mocked.calls if call.request.method == "POST"]


def placements(*destinations) -> list:
    return [Placement({"to": destination, "from": "919262171438"}) for destination in destinations]


@pytest.mark.parametrize("concurrency", [1, 2])
def test_an_answer_that_is_not_an_object_is_an_unknown_outcome_and_nothing_more_is_placed(calls, mocked, concurrency):
    # Vobiz answered 2xx: the call may have been placed, whatever the body says
    mocked.add(responses.POST, LIST_URL, json=["not", "an", "object"])
    entries = placements("919148227301", "919148227302", "919148227303")
    with pytest.raises(PlacingError) as failure:
        place_calls(calls, entries, concurrency)
    assert failure.value.unknown is True
    assert 'answered HTTP 200 with JSON that is not a JSON object with a "request_uuid"' in failure.value.error.message
    sent = posted(mocked)
    assert 1 <= len(sent) <= concurrency and "919148227303" not in sent
    assert [entry.call_status for entry in entries if entry.request["to"] in sent] == [_placing.UNKNOWN] * len(sent)
    assert [entry.call_status for entry in entries if entry.request["to"] not in sent] == [_placing.NOT_PLACED] * (3 - len(sent))
    assert not any(entry.placed for entry in entries)


# --- the checks -----------------------------------------------------------------------------------------------------


def test_a_destination_that_is_neither_a_number_nor_a_sip_uri_is_named_in_the_message():
    assert destination_error("to", "+919148227303") is None and destination_error("to", "sip:ops@sip.example.com") is None
    assert destination_error("to", "ops") == \
        "to 'ops' is neither an E.164 number (digits, with or without a leading '+') nor a sip: URI (sip:user@host)"
    assert destination_error("to", 919148227303) is not None  # a number as YAML reads it, not a string


def test_at_most_max_destinations_are_placed_in_one_task():
    assert destinations_errors("to", ["919148227303"] * MAX_DESTINATIONS) == []
    assert destinations_errors("to", ["919148227303"] * (MAX_DESTINATIONS + 1)) == \
        ["to names 1001 destinations; at most 1000 are placed in one task"]
    assert destinations_errors("to", []) == ["to must name at least one destination"]


def test_the_caller_must_be_an_e164_number():
    assert e164_error("from", "919262171438") is None
    assert e164_error("from", "sip:ops@example.com") == "from 'sip:ops@example.com' is not an E.164 number (digits, with or without a leading '+')"


def test_a_callback_url_must_be_an_absolute_http_url_and_its_port_is_vobiz_to_read():
    assert url_error("answer_url", None) is None
    assert url_error("answer_url", "https://example.com:99999/answer") is None  # not read here: Vobiz says
    assert url_error("answer_url", "ftp://example.com/answer") == "answer_url 'ftp://example.com/answer' must be an absolute http:// or https:// URL"
    assert url_error("ring_url", "https://[::1/ring") == "ring_url 'https://[::1/ring' must be an absolute http:// or https:// URL"
    assert url_error("ring_url", "https://example.com/a b") is not None


def test_extra_params_repeating_an_option_are_named_in_order():
    assert placing_errors({"extra_params": None}) == []
    assert placing_errors({"extra_params": {"ring_url": "x", "to": "1", "machine_detection_maximum_words": 3}}) == \
        ["extra_params must not repeat what an option sets: ring_url, to"]


def test_plain_http_to_a_remote_host_is_warned_of_by_option():
    params = dict.fromkeys(_placing.URL_OPTIONS)
    params.update(answer_url="http://example.com/answer", ring_url="http://localhost/ring", hangup_url="https://example.com/h")
    assert placing_warnings(params) == ["answer_url 'http://example.com/answer' is plain http to a host that is not loopback: "
                                        "Vobiz wants https:// callback URLs"]


# --- one placement --------------------------------------------------------------------------------------------------


def test_a_placement_not_sent_says_so_in_every_field():
    placement = Placement({"to": "919148227303"})
    assert placement.placed is False
    assert placement.as_result(with_cdr=True) == {
        "to": "919148227303", "request_uuid": None, "call_uuid": None, "api_id": None, "message": None, "request": {"to": "919148227303"},
        "call_status": "not_placed", "answered": None, "outcome": None, "cdr": {}}


def ended(cdr: dict) -> Look:
    return Look(False, {}, "ended", cdr, "ended")


@pytest.mark.parametrize("cdr, answered", [
    ({"answer_time": "2026-06-11 16:03:31+00:00", "bill_duration": 0}, True),
    ({"answer_time": None, "bill_duration": 1}, True),
    ({"answer_time": None, "bill_duration": 0.5}, True),
    ({"answer_time": None, "bill_duration": 0}, False),
    ({"answer_time": None, "bill_duration": True}, False),  # a flag is not a duration
    ({"answer_time": None, "bill_duration": "12"}, False),
    ({}, False),
], ids=["answer_time", "billed-1", "billed-0.5", "not-billed", "true", "text", "empty"])
def test_an_ended_call_was_answered_when_its_cdr_has_an_answer_time_or_a_billed_duration(cdr, answered):
    placement = Placement({"to": "919148227303"})
    placement.update(ended(cdr))
    assert (placement.call_status, placement.answered, placement.cdr) == ("ended", answered, cdr)


def test_a_call_seen_answered_stays_answered_whatever_its_cdr_says():
    placement = Placement({"to": "919148227303"})
    placement.update(Look(True, live_record("r-1"), "in-progress", {}, "live"))
    assert (placement.call_status, placement.answered) == ("in-progress", True)
    placement.update(ended({"answer_time": None, "bill_duration": 0, "call_status": "completed"}))
    assert (placement.call_status, placement.answered, placement.outcome) == ("ended", True, "completed")


def test_an_outcome_that_is_not_text_is_none():
    placement = Placement({"to": "919148227303"})
    placement.update(ended({"call_status": 17}))
    assert placement.outcome is None


def test_a_look_that_found_the_call_nowhere_changes_nothing_and_one_on_a_list_notes_its_status():
    placement = Placement({"to": "919148227303"})
    placement.call_status = "queued"
    placement.update(Look(False, {}, "not_found", {}, None))
    assert (placement.call_status, placement.answered) == ("queued", None)
    placement.update(Look(False, {}, "ringing", {}, "live"))  # seen on a list, though not found this time
    assert (placement.call_status, placement.answered) == ("ringing", None)


# --- place_call -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer, request_uuid", [
    ({"request_uuid": "r-1", "api_id": "a-1", "message": "Call fired"}, "r-1"),
    ({"request_uuid": ["r-1"], "api_id": "a-1", "message": "Call fired"}, "r-1"),
], ids=["text", "list-of-one"])
def test_the_request_uuid_is_read_as_text_or_a_list_of_one(calls, mocked, answer, request_uuid):
    mocked.add(responses.POST, LIST_URL, json=answer)
    placement = place_call(calls, Placement({"to": "919148227303"}))
    assert (placement.request_uuid, placement.api_id, placement.message, placement.call_status) == (request_uuid, "a-1", "Call fired", "queued")
    assert placement.placed


def test_an_api_id_or_message_that_is_not_text_is_none(calls, mocked):
    mocked.add(responses.POST, LIST_URL, json={"request_uuid": "r-1", "api_id": 7, "message": ["fired"]})
    placement = place_call(calls, Placement({"to": "919148227303"}))
    assert (placement.request_uuid, placement.api_id, placement.message) == ("r-1", None, None)


@pytest.mark.parametrize("answer", [
    {"message": "Call fired"},
    {"request_uuid": ""},
    {"request_uuid": 5},
    {"request_uuid": ["r-1", "r-2"]},
    {"request_uuid": []},
], ids=["missing", "empty", "number", "list-of-two", "empty-list"])
def test_an_accepted_request_without_a_request_uuid_is_an_unknown_outcome(calls, mocked, answer):
    mocked.add(responses.POST, LIST_URL, json=answer)
    placement = Placement({"to": "919148227303"})
    with pytest.raises(PlacingError) as failure:
        place_call(calls, placement)
    assert failure.value.placement is placement
    assert (placement.call_status, placement.placed, failure.value.unknown) == ("unknown", False, True)
    assert str(failure.value) == failure.value.error.message
    assert failure.value.error.message.startswith('POST %s answered HTTP 200 with JSON that is not a JSON object with a "request_uuid" string: ' % LIST_URL)


def test_a_refusal_leaves_the_placement_not_placed(calls, mocked):
    mocked.add(responses.POST, LIST_URL, status=400, json={"status": "error", "error": {"code": "INVALID", "message": "bad to"}})
    placement = Placement({"to": "919148227303"})
    with pytest.raises(PlacingError) as failure:
        place_call(calls, placement)
    assert (placement.call_status, failure.value.unknown, failure.value.error.status_code) == ("not_placed", False, 400)
    assert str(failure.value) == failure.value.error.message and "INVALID: bad to" in str(failure.value)


# --- the wait -------------------------------------------------------------------------------------------------------


def test_the_wait_runs_on_the_clock_and_pause_it_is_given(calls, mocked, clock):
    placement = Placement({"to": "919148227303"})
    placement.request_uuid, placement.call_status = "r-1", "queued"
    add_call(mocked, "r-1", "queued", json=live_record("r-1", "queued"))
    pauses = []
    outcome = wait_for_placed(calls, [placement], _placing.WAIT_ANSWERED, 1, timeout=10, every=4, clock=clock.monotonic,
                              pause=lambda seconds: pauses.append(seconds) or clock.sleep(seconds))
    assert pauses == [4, 4, 2] and outcome.rounds == 4 and not outcome.reached
    assert placement.call_status == "queued"


def test_nothing_placed_or_nothing_to_wait_for_sends_nothing(calls, mocked):
    placement = Placement({"to": "919148227303"})
    assert wait_for_placed(calls, [placement], _placing.WAIT_ENDED, 1, timeout=10, every=1) is None
    placement.request_uuid = "r-1"
    assert wait_for_placed(calls, [placement], _placing.WAIT_NONE, 1, timeout=10, every=1) is None
    assert len(mocked.calls) == 0
