# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The call tracker of the call_events source: every transition, duplicates, reappearing calls, failed lists.

The tracker is pure: each test feeds it looks (what the lists showed, each call's status) on the fake clock.
"""

from __future__ import annotations

import pytest

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import ENDED, NOT_FOUND
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import (
    VobizAuthError,
    VobizConnectionError,
    VobizHTTPError,
    VobizNotFoundError,
    VobizResponseError,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._tracking import CallTracker, ListEntry, final_status, stops_the_source, next_round_in
from ansible_collections.vobiz.telephony.plugins.module_utils.common._text import iso_timestamp

LIVE_ONLY = ("live",)
BOTH = ("live", "queued")
INTERVAL = 5.0


class Looks:
    """Feeds a tracker one look per call of see(), INTERVAL seconds apart on the fake clock."""

    def __init__(self, tracker: CallTracker, clock):
        self.tracker = tracker
        self.clock = clock

    def see(self, live=(), queued=(), failed=(), cdrs=None) -> list:
        """live/queued: (uuid, status) pairs (status None: not read); failed: the lists that could not be read."""
        lists = {}
        for name, calls in (("live", live), ("queued", queued)):
            if name in self.tracker.lists:
                lists[name] = None if name in failed else [_list_entry(name, call) for call in calls]
        ending = self.tracker.ending(lists)
        cdrs = {uuid: (cdrs or {}).get(uuid, {}) for uuid in ending}
        changes = self.tracker.update(lists, self.clock.time(), cdrs)
        self.clock.sleep(INTERVAL)
        return [(change.kind, change.call_uuid, change.previous_status, change.call_status) for change in changes]


def _list_entry(list_name: str, call) -> ListEntry:
    uuid, status = call
    return ListEntry(uuid, list_name, status, {"call_uuid": uuid, "call_status": status} if status not in (None, ENDED, NOT_FOUND) else {})


@pytest.fixture
def looks(clock) -> Looks:
    return Looks(CallTracker(BOTH), clock)


def test_calls_there_at_the_first_look_are_taken_in_silently(looks):
    assert looks.see(live=[("a", "in-progress")], queued=[("q", "queued")]) == []
    assert set(looks.tracker.known) == {"a", "q"}
    assert looks.see(live=[("a", "in-progress")], queued=[("q", "queued")]) == []


def test_emit_existing_gives_one_call_observed_event_per_call_at_the_first_look_only(clock):
    looks = Looks(CallTracker(BOTH, emit_existing=True), clock)
    assert looks.see(live=[("a", "ringing")], queued=[("q", "queued")]) == [
        ("call.observed", "q", None, "queued"), ("call.observed", "a", None, "ringing")]
    assert looks.see(live=[("a", "ringing"), ("b", "ringing")], queued=[("q", "queued")]) == [("call.started", "b", None, "ringing")]


def test_the_whole_life_of_a_call_one_event_per_change(looks):
    looks.see()
    assert looks.see(queued=[("c", "queued")]) == [("call.queued", "c", None, "queued")]
    assert looks.see(queued=[("c", "queued")]) == []
    assert looks.see(live=[("c", "ringing")]) == [("call.started", "c", "queued", "ringing")]
    assert looks.see(live=[("c", "early-media")]) == [("call.status_changed", "c", "ringing", "early-media")]
    assert looks.see(live=[("c", "in-progress")]) == [("call.answered", "c", "early-media", "in-progress")]
    assert looks.see(live=[("c", "in-progress")]) == []
    assert looks.see(cdrs={"c": {"call_status": "completed"}}) == [("call.ended", "c", "in-progress", "completed")]
    assert looks.see() == []
    assert looks.tracker.known == {}


def test_a_call_first_seen_answered_is_started_then_answered(looks):
    looks.see()
    assert looks.see(live=[("a", "in-progress")]) == [("call.started", "a", None, "in-progress"), ("call.answered", "a", None, "in-progress")]


def test_a_queued_call_answered_between_two_looks_is_started_then_answered(looks):
    looks.see(queued=[("c", "queued")])
    assert looks.see(live=[("c", "in-progress")]) == [("call.started", "c", "queued", "in-progress"), ("call.answered", "c", "queued", "in-progress")]


def test_a_live_call_back_in_the_queue_is_a_status_change(looks):
    looks.see(live=[("c", "ringing")])
    assert looks.see(queued=[("c", "queued")]) == [("call.status_changed", "c", "ringing", "queued")]


def test_ended_event_carries_the_finalized_record_and_the_last_record_seen(clock):
    tracker = CallTracker(LIVE_ONLY)
    tracker.update({"live": [ListEntry("a", "live", "in-progress", {"to": "919"})]}, clock.time())
    lists = {"live": []}
    assert tracker.ending(lists) == ["a"]
    change = tracker.update(lists, clock.time(), {"a": {"call_status": "busy", "call_duration": 3}})[0]
    event = change.as_event("MA_X", 1_800_000_000.25)
    assert event == {"vobiz": {"type": "call.ended", "call_uuid": "a", "call_status": "busy", "previous_status": "in-progress",
                               "call": {"to": "919"}, "cdr": {"call_status": "busy", "call_duration": 3}, "account": "MA_X",
                               "observed_at": "2027-01-15T08:00:00.250Z"}}


def test_ended_without_a_finalized_record_says_ended(looks):
    looks.see(live=[("a", "ringing")])
    assert looks.see() == [("call.ended", "a", "ringing", "ended")]
    assert final_status(None) == final_status({}) == final_status({"call_status": ""}) == "ended"


def test_events_of_a_look_are_in_the_lists_order_then_the_ended_ones(looks):
    looks.see(live=[("a", "ringing"), ("b", "ringing")])
    assert looks.see(live=[("c", "ringing"), ("a", "in-progress")], queued=[("q", "queued")]) == [
        ("call.queued", "q", None, "queued"), ("call.started", "c", None, "ringing"), ("call.answered", "a", "ringing", "in-progress"),
        ("call.ended", "b", "ringing", "ended")]


def test_a_uuid_listed_twice_counts_once(looks):
    looks.see()
    assert looks.see(live=[("a", "ringing"), ("a", "ringing")]) == [("call.started", "a", None, "ringing")]


def test_a_call_in_both_lists_has_just_moved_on_to_live(looks):
    looks.see(queued=[("c", "queued")])
    assert looks.see(live=[("c", "ringing")], queued=[("c", "queued")]) == [("call.started", "c", "queued", "ringing")]
    assert looks.see(live=[("c", "ringing")], queued=[("c", "queued")]) == []


def test_a_failed_list_keeps_every_call_and_ends_none(looks):
    looks.see(live=[("a", "ringing")], queued=[("q", "queued")])
    assert looks.see(failed=("live",), queued=[]) == []
    assert looks.see(failed=("live", "queued")) == []
    assert set(looks.tracker.known) == {"a", "q"}
    assert looks.see(live=[("a", "in-progress")], queued=[("q", "queued")]) == [("call.answered", "a", "ringing", "in-progress")]


def test_an_empty_list_after_a_failed_one_ends_the_calls(looks):
    looks.see(live=[("a", "in-progress"), ("b", "ringing")])
    assert looks.see(failed=("live",)) == []
    assert looks.see(cdrs={"a": {"call_status": "completed"}}) == [("call.ended", "a", "in-progress", "completed"), ("call.ended", "b", "ringing", "ended")]


def test_the_readable_list_still_gives_its_new_calls_when_the_other_failed(looks):
    looks.see(queued=[("q", "queued")])
    assert looks.see(live=[("n", "ringing")], failed=("queued",)) == [("call.started", "n", None, "ringing")]
    assert "q" in looks.tracker.known


def test_a_first_look_that_failed_is_no_baseline(looks):
    assert looks.see(live=[("a", "ringing")], failed=("queued",)) == []
    assert looks.tracker.known == {}
    assert looks.see(live=[("a", "ringing")]) == []  # the first complete look: taken in silently
    assert looks.see(live=[("a", "in-progress")]) == [("call.answered", "a", "ringing", "in-progress")]


def test_a_call_listed_again_soon_after_it_ended_draws_no_event(looks):
    looks.see(live=[("a", "in-progress")])
    assert looks.see() == [("call.ended", "a", "in-progress", "ended")]
    assert looks.see(live=[("a", "in-progress")]) == []  # a list lagging behind
    assert looks.see() == []
    assert "a" not in looks.tracker.known


def test_a_call_listed_again_long_after_it_ended_is_new(looks, clock):
    looks.see(live=[("a", "in-progress")])
    looks.see()
    clock.sleep(looks.tracker.remember_ended_for)
    assert looks.see(live=[("a", "ringing")]) == [("call.started", "a", None, "ringing")]


def test_uuids_of_ended_calls_are_forgotten_after_the_window(looks, clock):
    looks.see(live=[("a", "in-progress"), ("b", "in-progress")])
    looks.see()
    assert set(looks.tracker.recently_ended) == {"a", "b"}
    clock.sleep(looks.tracker.remember_ended_for)
    looks.see()
    assert looks.tracker.recently_ended == {}


def test_a_listed_call_whose_record_says_ended_ends_now(clock):
    tracker = CallTracker(LIVE_ONLY)
    tracker.update({"live": [ListEntry("a", "live", "in-progress", {"x": 1})]}, clock.time())
    changes = tracker.update({"live": [ListEntry("a", "live", ENDED, {}, {"call_status": "completed"})]}, clock.time())
    assert [(c.kind, c.previous_status, c.call_status, c.call, c.cdr) for c in changes] == [
        ("call.ended", "in-progress", "completed", {"x": 1}, {"call_status": "completed"})]
    assert tracker.update({"live": []}, clock.time()) == []


def test_a_new_call_already_ended_draws_no_event_and_is_remembered(looks):
    looks.see()
    assert looks.see(live=[("a", ENDED)]) == []
    assert looks.see(live=[("a", "in-progress")]) == []


def test_a_record_gone_between_list_and_fetch_keeps_the_known_status(looks):
    looks.see(live=[("a", "ringing")])
    assert looks.see(live=[("a", NOT_FOUND)]) == []
    assert looks.tracker.known["a"].status == "ringing"
    assert looks.see(live=[("a", "in-progress")]) == [("call.answered", "a", "ringing", "in-progress")]


def test_a_new_call_without_its_record_takes_the_name_of_its_list(looks):
    looks.see()
    assert looks.see(live=[("a", NOT_FOUND)], queued=[("q", None)]) == [("call.queued", "q", None, "queued"), ("call.started", "a", None, "live")]


def test_without_status_tracking_only_start_and_end(looks):
    looks.see()
    assert looks.see(queued=[("c", None)]) == [("call.queued", "c", None, "queued")]
    assert looks.see(live=[("c", None)]) == [("call.started", "c", "queued", "live")]
    assert looks.see(live=[("c", None)]) == []
    assert looks.see() == [("call.ended", "c", "live", "ended")]


def test_only_the_lists_followed_count(clock):
    tracker = CallTracker(["queued", "live", "live"])
    assert tracker.lists == ("queued", "live")  # in the order a call moves through them, once each
    looks = Looks(CallTracker(LIVE_ONLY), clock)
    looks.see(live=[("a", "ringing")])
    assert looks.see(queued=[("q", "queued")]) == [("call.ended", "a", "ringing", "ended")]


def test_ending_names_nothing_before_the_first_look_or_when_a_list_failed(clock):
    tracker = CallTracker(BOTH)
    assert tracker.ending({"live": [], "queued": []}) == []
    tracker.update({"live": [ListEntry("a", "live", "ringing")], "queued": []}, clock.time())
    assert tracker.ending({"live": [], "queued": None}) == []
    assert tracker.ending({"live": [], "queued": []}) == ["a"]
    assert tracker.ending({"live": [ListEntry("a", "live")], "queued": []}) == []


def test_event_shape_and_types(looks):
    looks.see()
    change = looks.tracker.update({"live": [ListEntry("a", "live", "ringing", {"call_uuid": "a"})], "queued": []}, 1_800_000_000.0)[0]
    event = change.as_event("MA_X", 1_800_000_000.0)["vobiz"]
    assert sorted(event) == ["account", "call", "call_status", "call_uuid", "cdr", "observed_at", "previous_status", "type"]
    assert (event["type"], event["previous_status"], event["cdr"], event["observed_at"]) == ("call.started", None, {}, "2027-01-15T08:00:00.000Z")


def test_iso_timestamp_is_utc_with_milliseconds():
    assert iso_timestamp(0) == "1970-01-01T00:00:00.000Z"
    assert iso_timestamp(1_781_193_808.5868) == "2026-06-11T16:03:28.586Z"


# The client's back-off (_client.backoff_delay) from the interval, up to retry_max_wait (60 s by default); the jitter
# fixture takes the top of each range. A server's Retry-After is honoured up to retry_max_wait, as by the client's
# retries (it was up to 900 s, and a shorter one than the back-off did not shorten it).
@pytest.mark.parametrize("failures, retry_after, expected", [
    (0, None, 5.0), (1, None, 5.0), (2, None, 10.0), (3, None, 20.0), (4, None, 40.0), (5, None, 60.0), (12, None, 60.0),
    (1, 30.0, 30.0), (3, 2.0, 5.0), (1, 100000.0, 60.0),
])
def test_backoff_doubles_to_a_minute_and_honours_retry_after(failures, retry_after, expected):
    assert next_round_in(INTERVAL, failures, 60.0, retry_after) == expected


def test_backoff_is_capped_by_retry_max_wait():
    assert next_round_in(INTERVAL, 5, 15.0) == 15.0
    assert next_round_in(INTERVAL, 1, 15.0, 100.0) == 15.0


def test_backoff_never_shorter_than_a_long_interval(jitter):
    assert next_round_in(300.0, 3, 60.0) == 300.0
    jitter.low = True
    assert next_round_in(INTERVAL, 1, 60.0) == INTERVAL  # the jitter takes the first back-off below the interval


@pytest.mark.parametrize("error, stops", [
    (VobizAuthError("refused", "u", 401), True),
    (VobizAuthError("refused", "u", 403), True),
    (VobizNotFoundError("gone", "u", 404), True),
    (VobizHTTPError("bad", "u", 400), True),
    (VobizHTTPError("slow down", "u", 429), False),
    (VobizHTTPError("timeout", "u", 408), True),  # the client's rule: it does not retry 408 either (this was False)
    (VobizHTTPError("unavailable", "u", 503), False),
    (VobizConnectionError("dropped", "u"), False),
    (VobizConnectionError("TLS certificate verification failed", "u", transient=False), True),
    (VobizResponseError("wrong shape", "u", 200), False),
])
def test_what_stops_the_source(error, stops):
    assert stops_the_source(error) is stops
