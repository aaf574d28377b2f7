# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""AccountRound: the requests one look makes, and what a failed request does to it (HTTP mocked with responses)."""

from __future__ import annotations

import pytest

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import CallApi
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizAuthError
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._tracking import AccountRound, CallTracker
from ansible_collections.vobiz.telephony.plugins.module_utils._options import CONCURRENCY
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import (
    API_URL,
    AUTH_ID,
    AUTH_TOKEN,
    PLIVO_NOT_FOUND,
    add_call,
    add_list,
    cdr_record,
    live_record,
    requested,
)


def account_round(clock, statuses=("live", "queued"), retries=0, **kwargs) -> AccountRound:
    client = VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=retries)
    return AccountRound(CallApi(client), CallTracker(statuses), AUTH_ID, kwargs.pop("concurrency", CONCURRENCY.default), clock=clock.time, **kwargs)


def kinds(result) -> list:
    return [(event["vobiz"]["type"], event["vobiz"]["call_uuid"], event["vobiz"]["call_status"]) for event in result.events]


def test_a_look_reads_the_queued_list_then_the_live_one_then_each_live_record(clock, mocked):
    add_list(mocked, "queued", [])
    add_list(mocked, "live", ["a", "b"])
    add_call(mocked, "a", "live", json=live_record("a", "ringing"))
    add_call(mocked, "b", "live", json=live_record("b"))
    result = account_round(clock, concurrency=1).take()
    assert (result.events, result.errors, result.call_count) == ([], [], 2)
    assert requested(mocked) == [("Call/", "queued"), ("Call/", "live"), ("Call/a/", "live"), ("Call/b/", "live")]


def test_a_queued_record_is_read_once_a_live_one_every_look(clock, mocked):
    looks = account_round(clock)
    add_list(mocked, "queued", ["q"])
    add_list(mocked, "live", ["a"])
    add_call(mocked, "q", "queued", json=live_record("q", "queued"))
    add_call(mocked, "a", "live", json=live_record("a"))
    looks.take()
    mocked.calls.reset()
    looks.take()
    assert requested(mocked) == [("Call/", "queued"), ("Call/", "live"), ("Call/a/", "live")]


def test_without_track_status_one_list_request_per_status(clock, mocked):
    looks = account_round(clock, track_status=False)
    add_list(mocked, "queued", ["q"])
    add_list(mocked, "live", ["a"])
    looks.take()
    assert requested(mocked) == [("Call/", "queued"), ("Call/", "live")]


def test_an_ended_call_costs_one_finalized_record_and_its_event_carries_it(clock, mocked):
    looks = account_round(clock, statuses=("live",))
    add_list(mocked, "live", ["a"])
    add_call(mocked, "a", "live", json=live_record("a"))
    looks.take()
    mocked.replace("GET", mocked.registered()[0].url, json={"api_id": "x", "calls": []})
    add_call(mocked, "a", "ended", json=cdr_record("a"))
    mocked.calls.reset()
    result = looks.take()
    assert requested(mocked) == [("Call/", "live"), ("Call/a/", None)]
    assert kinds(result) == [("call.ended", "a", "completed")]
    event = result.events[0]["vobiz"]
    assert (event["cdr"], event["call"]["call_uuid"], event["account"]) == (cdr_record("a"), "a", AUTH_ID)


def test_without_cdr_no_finalized_record_is_fetched(clock, mocked):
    looks = account_round(clock, statuses=("live",), cdr=False)
    add_list(mocked, "live", ["a"])
    add_call(mocked, "a", "live", json=live_record("a"))
    looks.take()
    mocked.replace("GET", mocked.registered()[0].url, json={"api_id": "x", "calls": []})
    mocked.calls.reset()
    result = looks.take()
    assert requested(mocked) == [("Call/", "live")]
    assert kinds(result) == [("call.ended", "a", "ended")]


def test_a_failed_list_is_a_transient_error_and_ends_nothing(clock, mocked):
    looks = account_round(clock, statuses=("live",))
    add_list(mocked, "live", ["a"])
    add_call(mocked, "a", "live", json=live_record("a"))
    looks.take()
    mocked.replace("GET", mocked.registered()[0].url, status=503, json={"status": "error", "error": {"code": "SERVICE_UNAVAILABLE"}})
    result = looks.take()
    assert ([error.status_code for error in result.errors], result.events, list(looks.tracker.known)) == ([503], [], ["a"])


def test_a_failed_finalized_record_leaves_the_whole_look_unread(clock, mocked):
    looks = account_round(clock, statuses=("live",))
    add_list(mocked, "live", ["a"])
    add_call(mocked, "a", "live", json=live_record("a"))
    looks.take()
    mocked.replace("GET", mocked.registered()[0].url, json={"api_id": "x", "calls": []})
    add_call(mocked, "a", "ended", status=502, body="<html>bad gateway</html>")
    result = looks.take()
    assert ([error.status_code for error in result.errors], result.events, list(looks.tracker.known)) == ([502], [], ["a"])


def test_a_failed_record_leaves_its_list_unread(clock, mocked):
    looks = account_round(clock, statuses=("live", "queued"))
    add_list(mocked, "queued", [])
    add_list(mocked, "live", ["a"])
    add_call(mocked, "a", "live", json=live_record("a"))
    looks.take()
    add_list(mocked, "queued", ["n"])
    add_call(mocked, "n", "queued", json=live_record("n", "queued"))
    mocked.replace("GET", "%s/Account/%s/Call/a/" % (API_URL, AUTH_ID), body=b'{"call_status": "in-progr')
    result = looks.take()
    assert kinds(result) == [("call.queued", "n", "queued")]
    assert len(result.errors) == 1 and "not JSON" in result.errors[0].message
    assert set(looks.tracker.known) == {"a", "n"}


def test_refused_credentials_are_raised(clock, mocked):
    add_list(mocked, "queued", status=401, json={"status": "error", "error": {"code": "INVALID_CREDENTIALS", "message": "bad token"}})
    with pytest.raises(VobizAuthError) as raised:
        account_round(clock).take()
    assert raised.value.message.startswith("Vobiz refused the credentials of auth_id %s (HTTP 401: INVALID_CREDENTIALS: bad token)" % AUTH_ID)


def test_a_record_404_between_list_and_fetch_keeps_the_call(clock, mocked):
    looks = account_round(clock, statuses=("live",))
    add_list(mocked, "live", ["a"])
    add_call(mocked, "a", "live", json=live_record("a", "ringing"))
    looks.take()
    mocked.replace("GET", "%s/Account/%s/Call/a/" % (API_URL, AUTH_ID), status=404, json=PLIVO_NOT_FOUND)
    result = looks.take()
    assert result.events == [] and result.errors == []
    assert looks.tracker.known["a"].status == "ringing"


def test_every_failure_of_a_look_is_told_and_the_longest_retry_after_kept(clock, mocked):
    add_list(mocked, "queued", status=429, headers={"Retry-After": "7"}, json={"status": "error", "error": {"code": "RATE_LIMIT_EXCEEDED"}})
    add_list(mocked, "live", status=503, headers={"Retry-After": "2"}, json={"status": "error", "error": {"code": "SERVICE_UNAVAILABLE"}})
    result = account_round(clock).take()
    assert [error.status_code for error in result.errors] == [429, 503]
    assert result.retry_after == 7.0
