# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Both published forms of the live and queued answers: the flat record and the Plivo-style {"api_id", "calls": [record]},
the call_state -> call_status mapping, the list endpoints' uuid strings or records, and every shape still refused."""

from __future__ import annotations

import json

import pytest
import responses
from hypothesis import example, given
from hypothesis import strategies as st

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import CallApi, call_status_of
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError, VobizResponseError, body_preview
from ansible_collections.vobiz.telephony.tests.unit.plugins.module_utils.test_properties import PROPERTY
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    API_URL,
    AUTH_ID,
    AUTH_TOKEN,
    OTHER_UUID,
    PLIVO_NOT_FOUND,
    UUID,
    add_call,
    add_list,
    cdr_record,
    live_record,
    plivo_entry,
    request_of,
    requested,
    wrapped,
)

WRONG_SHAPE = "answered HTTP 200 with JSON that is not "
CALL_RECORD = 'a call record (a JSON object with a "call_status" or "call_state" string, or a "calls" list holding one)'
WRAPPED_CALLS = 'a call record (a "calls" list of JSON objects, each with a "call_uuid" string)'
CALL_LIST = 'a "calls" list of call uuids (strings, or JSON objects with a "call_uuid" string)'


def assert_wrong_shape(error, expected: str, body) -> None:
    assert (WRONG_SHAPE + "%s: %r" % (expected, body_preview(json.dumps(body).encode()))) in error.value.message, error.value.message


# --- the mapping --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call_state, call_status", [
    ("ACTIVE", "in-progress"),
    ("RINGING", "ringing"),
    ("EARLY_MEDIA", "early-media"),
    ("EARLY", "early-media"),
    ("QUEUED", "queued"),
    ("active", "in-progress"),  # the named states in any letter case
    ("Early_Media", "early-media"),
    ("ON_HOLD", "on-hold"),  # any other: lower-cased, "_" -> "-"
    ("Wrap_Up_Time", "wrap-up-time"),
    ("in-progress", "in-progress"),
    ("COMPLETED", "completed"),
    ("ACTİVE", "acti̇ve"),  # non-ASCII is never taken for a named state (İ lower-cases to i + combining dot)
])
def test_call_state_maps_to_the_call_status_users_gate_on(call_state, call_status):
    assert call_status_of({"call_state": call_state}) == call_status


@pytest.mark.parametrize("record, expected", [
    ({"call_status": "ringing", "call_state": "ACTIVE"}, "ringing"),  # call_status, when the record has one, wins
    ({"call_status": None, "call_state": "ACTIVE"}, "in-progress"),  # a null call_status is no call_status
    ({"call_status": "in-progress"}, "in-progress"),
    ({"call_status": "SOMETHING_NEW"}, "SOMETHING_NEW"),  # call_status itself is never rewritten
    ({}, None),
    ({"call_state": None}, None),
    ({"call_state": ""}, None),
    ({"call_state": 3}, None),
    ({"call_state": ["ACTIVE"]}, None),
    ({"call_status": "", "call_state": "ACTIVE"}, None),  # a call_status that is there but unusable is not overruled
    ({"call_status": 3, "call_state": "ACTIVE"}, None),
    ({"call_status": {"state": "ACTIVE"}}, None),
])
def test_call_status_of_prefers_call_status_and_says_none_when_neither_is_usable(record, expected):
    assert call_status_of(record) == expected


@PROPERTY
@given(state=st.text(min_size=1))
@example(state="EARLY")
@example(state="ıNPROGRESS")
def test_any_call_state_gives_a_lower_case_status_without_underscores(state):
    status = call_status_of({"call_state": state})
    named = {"ACTIVE": "in-progress", "RINGING": "ringing", "EARLY_MEDIA": "early-media", "EARLY": "early-media", "QUEUED": "queued"}
    if state.isascii() and state.upper() in named:
        assert status == named[state.upper()]
    else:
        assert status == state.lower().replace("_", "-")
        assert "_" not in status


# --- the single-call lookups, wrapped -----------------------------------------------------------------------------


def test_wrapped_live_call_is_found_with_its_inner_record_verbatim_and_the_mapped_status(mocked, calls):
    entry = plivo_entry(unknown_future_key={"nested": [1, None]})
    add_call(mocked, UUID, "live", json=wrapped(entry))
    look = calls.look(UUID, "live")
    assert look.as_result() == {"found": True, "call": entry, "call_status": "in-progress", "cdr": {}}
    assert look.seen_in == "live"
    assert requested(mocked) == [request_of("live")]


def test_fetch_call_returns_the_inner_record_and_call_status_of_reads_it(mocked, calls):
    add_call(mocked, UUID, "live", json=wrapped(plivo_entry(call_state="EARLY_MEDIA")))
    record = calls.fetch_call(UUID, "live")
    assert record == plivo_entry(call_state="EARLY_MEDIA")
    assert "call_status" not in record and call_status_of(record) == "early-media"


def test_wrapped_queued_call_is_found_as_queued(mocked, calls):
    entry = plivo_entry(call_state="QUEUED", answer_time=None, call_duration=0)
    add_call(mocked, UUID, "queued", json=wrapped(entry))
    assert calls.look(UUID, "queued").as_result() == {"found": True, "call": entry, "call_status": "queued", "cdr": {}}


def test_wrapped_call_asked_live_but_queued_is_not_found_with_status_queued(mocked, calls):
    entry = plivo_entry(call_state="QUEUED")
    add_call(mocked, UUID, "live", status=404, json=PLIVO_NOT_FOUND)
    add_call(mocked, UUID, "ended", status=404, json={"error": "call not found", "call_uuid": UUID})
    add_call(mocked, UUID, "queued", json=wrapped(entry))
    assert calls.look(UUID, "live").as_result() == {"found": False, "call": entry, "call_status": "queued", "cdr": {}}


def test_empty_wrapped_list_means_not_in_this_state_like_a_404(mocked, calls):
    add_call(mocked, UUID, "live", json={"api_id": "e", "calls": []})
    add_call(mocked, UUID, "ended", json=cdr_record(UUID))
    look = calls.look(UUID, "live")
    assert look.as_result() == {"found": False, "call": {}, "call_status": "ended", "cdr": cdr_record(UUID)}
    assert requested(mocked) == [request_of("live"), request_of("ended")]


def test_empty_wrapped_lists_everywhere_mean_not_found(mocked, calls):
    for state in ("live", "queued"):
        add_call(mocked, UUID, state, json={"api_id": "e", "calls": []})
    add_call(mocked, UUID, "ended", status=404, json={"error": "call not found", "call_uuid": UUID})
    assert calls.look(UUID, "live").as_result() == {"found": False, "call": {}, "call_status": "not_found", "cdr": {}}
    assert calls.fetch_call(UUID, "queued") is None


def test_the_entry_named_by_the_asked_uuid_is_taken_among_several(mocked, calls):
    mine = plivo_entry(UUID, "RINGING")
    add_call(mocked, UUID, "live", json=wrapped(plivo_entry(OTHER_UUID), mine, plivo_entry("x-1")))
    assert calls.fetch_call(UUID, "live") == mine
    assert calls.look(UUID, "live").call_status == "ringing"


def test_the_asked_uuid_matches_in_any_letter_case(mocked, calls):
    mine = plivo_entry(UUID.upper(), "RINGING")
    add_call(mocked, UUID, "live", json=wrapped(plivo_entry(OTHER_UUID), mine))
    assert calls.fetch_call(UUID, "live") == mine


def test_the_first_of_entries_naming_the_asked_uuid_is_taken(mocked, calls):
    add_call(mocked, UUID, "live", json=wrapped(plivo_entry(UUID, "RINGING"), plivo_entry(UUID, "ACTIVE")))
    assert calls.look(UUID, "live").call_status == "ringing"


def test_a_single_entry_is_the_answer_about_the_asked_call_even_under_another_uuid(mocked, calls):
    # The rule: the entry named by the uuid, or the only entry (a queued call's wrapper may name it otherwise).
    entry = plivo_entry(OTHER_UUID)
    add_call(mocked, UUID, "live", json=wrapped(entry))
    assert calls.fetch_call(UUID, "live") == entry


def test_several_entries_none_of_them_the_asked_call_are_refused_never_guessed(mocked, calls):
    body = wrapped(plivo_entry(OTHER_UUID), plivo_entry("x-1"))
    add_call(mocked, UUID, "live", json=body)
    with pytest.raises(VobizResponseError) as error:
        calls.look(UUID, "live")
    assert_wrong_shape(error, 'a call record of call %s (the "calls" list names only other calls)' % UUID, body)
    assert len(mocked.calls) == 1


def test_a_flat_record_with_call_state_only_is_read_through_the_mapping(mocked, calls):
    record = {"api_id": "a", "call_uuid": UUID, "call_state": "ACTIVE"}
    add_call(mocked, UUID, "live", json=record)
    assert calls.look(UUID, "live").as_result() == {"found": True, "call": record, "call_status": "in-progress", "cdr": {}}


def test_a_flat_record_that_also_has_a_calls_key_stays_flat(mocked, calls):
    record = live_record(UUID, "ringing", calls=[{"call_uuid": OTHER_UUID, "call_state": "ACTIVE"}])
    add_call(mocked, UUID, "live", json=record)
    assert calls.look(UUID, "live").as_result() == {"found": True, "call": record, "call_status": "ringing", "cdr": {}}


@pytest.mark.parametrize("body, expected", [
    ({"api_id": "a", "calls": None}, WRAPPED_CALLS),
    ({"api_id": "a", "calls": "ACTIVE"}, WRAPPED_CALLS),
    ({"api_id": "a", "calls": {"call_uuid": UUID, "call_state": "ACTIVE"}}, WRAPPED_CALLS),
    ({"api_id": "a", "calls": [UUID]}, WRAPPED_CALLS),  # the list endpoint's form is not a record
    ({"api_id": "a", "calls": [[plivo_entry()]]}, WRAPPED_CALLS),
    (wrapped({"call_state": "ACTIVE"}), WRAPPED_CALLS),  # no call_uuid
    (wrapped(plivo_entry(call_uuid="")), WRAPPED_CALLS),
    (wrapped(plivo_entry(call_uuid=None)), WRAPPED_CALLS),
    (wrapped(plivo_entry(call_uuid=42)), WRAPPED_CALLS),
    (wrapped(plivo_entry(), {"call_state": "ACTIVE"}), WRAPPED_CALLS),  # every entry names its call
    (wrapped({"call_uuid": UUID}), CALL_RECORD),  # no status
    (wrapped(plivo_entry(call_state=None)), CALL_RECORD),
    (wrapped(plivo_entry(call_state="")), CALL_RECORD),
    (wrapped(plivo_entry(call_state=1)), CALL_RECORD),
    (wrapped(plivo_entry(call_status=3)), CALL_RECORD),
    ({"call_uuid": UUID}, CALL_RECORD),
    ({"call_uuid": UUID, "call_state": None, "call_status": None}, CALL_RECORD),
    ({"call_status": None, "calls": [plivo_entry()]}, CALL_RECORD),  # a status key of its own: flat, and unusable
])
def test_wrong_shapes_of_either_form_are_refused(mocked, calls, body, expected):
    add_call(mocked, UUID, "live", json=body)
    with pytest.raises(VobizResponseError) as error:
        calls.look(UUID, "live")
    assert_wrong_shape(error, expected, body)
    assert len(mocked.calls) == 1


def test_fetch_calls_returns_the_inner_records_in_list_order(mocked, calls):
    add_call(mocked, "a", "live", json=wrapped(plivo_entry("a", "RINGING")))
    add_call(mocked, "b", "live", json={"api_id": "e", "calls": []})  # left the state since it was listed
    add_call(mocked, "c", "live", json=wrapped(plivo_entry("c")))
    records = calls.fetch_calls(["c", "b", "a"], "live", concurrency=2)
    assert records == [plivo_entry("c"), plivo_entry("a", "RINGING")]
    assert [call_status_of(record) for record in records] == ["in-progress", "ringing"]


def test_look_many_maps_every_wrapped_status(mocked, calls):
    add_call(mocked, "a", "live", json=wrapped(plivo_entry("a", "EARLY")))
    add_call(mocked, "b", "live", json=live_record("b", "ringing"))
    assert [look.call_status for look in calls.look_many(["a", "b"], "live", 2)] == ["early-media", "ringing"]


# --- the list endpoints -------------------------------------------------------------------------------------------


def test_list_of_records_gives_their_uuids_in_the_api_order(mocked, calls):
    add_list(mocked, "live", json=wrapped(plivo_entry("c"), plivo_entry("a", "RINGING"), {"call_uuid": "b"}))
    assert calls.list_call_uuids("live") == ["c", "a", "b"]
    assert requested(mocked) == [("Call/", "live")]


def test_list_of_queued_records_gives_their_uuids(mocked, calls):
    add_list(mocked, "queued", json=wrapped(plivo_entry("q", "QUEUED")))
    assert calls.list_call_uuids("queued") == ["q"]


@pytest.mark.parametrize("body", [
    {"calls": ["a", {"call_uuid": "b"}]},  # one form per list
    {"calls": [{"call_uuid": "a"}, "b"]},
    {"calls": [{"call_state": "ACTIVE"}]},
    {"calls": [{"call_uuid": ""}]},
    {"calls": [{"call_uuid": 7}]},
    {"calls": [{"call_uuid": None}]},
    {"calls": [None]},
    {"calls": [["a"]]},
])
def test_list_of_records_without_a_usable_call_uuid_is_refused(mocked, calls, body):
    add_list(mocked, "live", json=body)
    with pytest.raises(VobizResponseError) as error:
        calls.list_call_uuids("live")
    assert_wrong_shape(error, CALL_LIST, body)


# --- any wrapped answer -------------------------------------------------------------------------------------------


def _entries():
    anything = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    uuid = st.sampled_from([UUID, UUID.upper(), OTHER_UUID, ""]) | anything
    state = st.sampled_from(["ACTIVE", "RINGING", "EARLY", "QUEUED", "ON_HOLD", ""]) | anything
    entry = st.fixed_dictionaries({}, optional={"call_uuid": uuid, "call_state": state, "call_status": st.none() | state})
    return st.lists(entry | anything, max_size=4) | anything


@PROPERTY
@given(entries=_entries())
@example(entries=[{"call_uuid": OTHER_UUID, "call_state": "ACTIVE"}, {"call_uuid": UUID, "call_state": "RINGING"}])
@example(entries=[{"call_uuid": OTHER_UUID, "call_state": "ACTIVE"}, {"call_uuid": "", "call_state": "RINGING"}])
@example(entries=[])
def test_any_wrapped_answer_gives_the_asked_call_nothing_or_a_wrong_shape_error(entries):
    body = {"api_id": "p", "calls": entries}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        add_call(mocked, UUID, "live", json=body)
        with VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=0) as client:
            try:
                record = CallApi(client).fetch_call(UUID, "live")
            except VobizError as error:
                assert WRONG_SHAPE in error.message
                return
    assert isinstance(entries, list)
    if record is None:
        assert entries == []
        return
    assert record in entries  # verbatim, never made up
    named = [entry for entry in entries if entry["call_uuid"].lower() == UUID.lower()]
    assert record == (named[0] if named else entries[0])
    assert len(named) >= 1 or len(entries) == 1  # never a wrong call among several
    assert all(isinstance(entry, dict) and isinstance(entry["call_uuid"], str) and entry["call_uuid"] for entry in entries)
    status = call_status_of(record)
    assert isinstance(status, str) and status
