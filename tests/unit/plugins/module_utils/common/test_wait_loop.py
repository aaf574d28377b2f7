# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""common/_wait_loop: a wait ended by its pause, a back-off cadence, no deadline, the default clock, the message.
(The cadence and the deadline themselves: the wait_until tests of api/test_calls.py.)"""

from __future__ import annotations

import pytest

from ansible_collections.vobiz.telephony.plugins.module_utils.common import _wait_loop
from ansible_collections.vobiz.telephony.plugins.module_utils.common._wait_loop import timed_out, wait_until


def test_a_pause_that_returns_true_ends_the_wait_not_reached_with_the_last_look(clock):
    values = iter(["ringing", "early-media", "never-asked"])
    pauses = []

    def pause(seconds):
        pauses.append(seconds)
        clock.sleep(seconds)
        return len(pauses) == 2  # set while the second pause runs: the wait ends there

    outcome = wait_until(lambda: next(values), lambda value: False, timeout=60, every=3, clock=clock.monotonic, pause=pause)
    assert (outcome.last, outcome.reached, outcome.waited, outcome.rounds) == ("early-media", False, 6.0, 2)
    assert pauses == [3, 3]


def test_a_pause_that_returns_something_else_than_true_does_not_end_the_wait(clock):
    values = iter(["ringing", "in-progress"])
    outcome = wait_until(lambda: next(values), lambda value: value == "in-progress", timeout=60, every=3, clock=clock.monotonic,
                         pause=lambda seconds: clock.sleep(seconds) or 1)
    assert (outcome.last, outcome.reached, outcome.rounds) == ("in-progress", True, 2)


def test_pause_after_says_how_long_from_the_start_of_a_round_to_the_next(clock):
    values = iter([5, 2, 0, "never-asked"])

    def look():
        clock.elapsed += 0.5  # each round takes half a second, counted in the cadence
        return next(values)

    outcome = wait_until(look, lambda value: value == 0, timeout=60, every=100, clock=clock.monotonic, pause=clock.sleep,
                         pause_after=lambda last: last)
    assert clock.sleeps == pytest.approx([4.5, 1.5])
    assert (outcome.reached, outcome.rounds, outcome.waited) == (True, 3, pytest.approx(7.5))


def test_pause_after_is_cut_to_the_deadline_and_never_negative(clock):
    def look():
        clock.elapsed += 2
        return "ringing"

    outcome = wait_until(look, lambda value: False, timeout=5, every=1, clock=clock.monotonic, pause=clock.sleep, pause_after=lambda last: 1)
    assert clock.sleeps == [0.0, 0.0]  # a round longer than the cadence: the next starts at once
    assert (outcome.reached, outcome.rounds, outcome.waited) == (False, 3, 6.0)


def test_without_a_deadline_the_wait_goes_on_until_done(clock):
    values = iter(range(1000))
    outcome = wait_until(lambda: next(values), lambda value: value == 500, timeout=None, every=60, clock=clock.monotonic, pause=clock.sleep)
    assert (outcome.last, outcome.reached, outcome.rounds, outcome.waited) == (500, True, 501, 30000.0)


def test_the_clock_and_the_pause_default_to_the_time_module(clock):
    # conftest puts the fake clock in place of _wait_loop.time
    assert _wait_loop.time is clock
    values = iter(["ringing", "in-progress"])
    outcome = wait_until(lambda: next(values), lambda value: value == "in-progress", timeout=10, every=4)
    assert (outcome.reached, outcome.rounds, outcome.waited) == (True, 2, 4.0)
    assert clock.sleeps == [4]


def test_a_wait_that_ran_out_says_how_long_to_a_tenth_and_for_what():
    assert timed_out(12.345, "the calls to end") == "Timed out after 12.3 s waiting for the calls to end"
    assert timed_out(0.06, "a cdr") == "Timed out after 0.1 s waiting for a cdr"
