# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""live_call_info on the Plivo-style wrapped answers: `call` is the inner record, `call_status` the mapped call_state,
so that wait_for, failed_when and until mean the same on both forms."""

from __future__ import annotations

import pytest

from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    OTHER_UUID,
    PLIVO_NOT_FOUND,
    UUID,
    add_call,
    add_list,
    plivo_entry,
    requested,
    wrapped,
)


@pytest.mark.parametrize("call_state, call_status", [("ACTIVE", "in-progress"), ("RINGING", "ringing"), ("EARLY_MEDIA", "early-media"),
                                                     ("EARLY", "early-media"), ("ON_HOLD", "on-hold")])
def test_wrapped_live_call_returns_the_inner_record_and_the_mapped_status(run_module, mocked, call_state, call_status):
    add_call(mocked, UUID, "live", json=wrapped(plivo_entry(call_state=call_state)))
    run = run_module(call_uuid=UUID)
    assert run.rc is None or run.rc == 0, run.result
    assert (run.result["found"], run.result["call_status"], run.result["cdr"]) == (True, call_status, {})
    assert run.result["call"] == plivo_entry(call_state=call_state)


def test_wrapped_queued_call_is_found_as_queued(run_module, mocked):
    add_call(mocked, UUID, "queued", json=wrapped(plivo_entry(call_state="QUEUED")))
    run = run_module(call_uuid=UUID, status="queued")
    assert (run.result["found"], run.result["call_status"], run.result["call"]["call_state"]) == (True, "queued", "QUEUED")


def test_wait_for_in_progress_is_reached_by_an_active_wrapped_call(run_module, mocked, clock):
    answers = [wrapped(plivo_entry(call_state="RINGING")), wrapped(plivo_entry(call_state="RINGING")), wrapped(plivo_entry(call_state="ACTIVE"))]
    for body in answers:
        add_call(mocked, UUID, "live", json=body)
    run = run_module(call_uuid=UUID, wait_for=["in-progress"], wait_sleep=2, wait_timeout=60)
    assert not run.failed, run.result
    assert (run.result["call_status"], run.result["polls"], run.result["call"]["call_state"]) == ("in-progress", 3, "ACTIVE")
    assert requested(mocked) == [("Call/%s/" % UUID, "live")] * 3


def test_wait_times_out_naming_the_mapped_status(run_module, mocked, clock):
    add_call(mocked, UUID, "live", json=wrapped(plivo_entry(call_state="EARLY_MEDIA")))
    run = run_module(call_uuid=UUID, wait_for=["in-progress"], wait_sleep=1, wait_timeout=2)
    assert run.failed
    assert run.result["call_status"] == "early-media"
    assert "its last call_status was early-media" in run.result["msg"]


def test_list_mode_reads_a_list_of_records_and_returns_the_inner_records(run_module, mocked):
    add_list(mocked, "live", json=wrapped(plivo_entry("b"), plivo_entry("a", "RINGING")))
    add_call(mocked, "b", "live", json=wrapped(plivo_entry("b")))
    add_call(mocked, "a", "live", status=404, json=PLIVO_NOT_FOUND)
    run = run_module(concurrency=1)
    assert run.result["call_uuids"] == ["b", "a"]
    assert run.result["calls"] == [plivo_entry("b")]


def test_several_other_calls_in_a_wrapped_answer_fail_the_task(run_module, mocked):
    add_call(mocked, UUID, "live", json=wrapped(plivo_entry(OTHER_UUID), plivo_entry("x-1")))
    run = run_module(call_uuid=UUID)
    assert run.failed
    assert 'with JSON that is not a call record of call %s (the "calls" list names only other calls)' % UUID in run.result["msg"]
    assert run.result["status_code"] == 200
    assert "call" not in run.result
