# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Waiting: the one loop that looks again and again at a fixed cadence until a condition holds or a deadline passes.

The modules' waits (one call, a set of calls, a drain of a list) and the event source's polling all run on
wait_until(); its clock and its pause are parameters, so that tests run it on a fake clock. No Ansible here.
"""

from __future__ import annotations

import math
import time
from typing import Callable

from ansible_collections.vobiz.telephony.plugins.module_utils._call_api import CallApi, Look
from ansible_collections.vobiz.telephony.plugins.module_utils._concurrency import unique_in_order


class WaitOutcome:
    """How a wait ended: what the last round saw, whether the condition held, the seconds it took, and how many rounds."""

    def __init__(self, last, reached: bool, waited: float, rounds: int):
        self.last = last
        self.reached = reached
        self.waited = waited
        self.rounds = rounds


def wait_until(look: Callable, is_done: Callable, timeout: float | None, every: float, clock: Callable[[], float] | None = None,
               pause: Callable[[float], object] | None = None, pause_after: Callable | None = None) -> WaitOutcome:
    """Look until is_done(what look() returned) or `timeout` seconds have passed (None: no deadline); at least one round.

    Rounds start every `every` seconds, however long each takes, so that a change is seen within one `every`;
    pause_after(last), when given, says how long from the start of the round just done to the start of the next
    instead (a back-off). A pause that returns True (a threading.Event's wait, once set) ends the wait, not reached.
    """
    clock = clock or time.monotonic
    pause = pause or time.sleep
    deadline = math.inf if timeout is None else timeout
    start = clock()
    rounds = 0
    while True:
        round_started = clock()
        last = look()
        rounds += 1
        now = clock()
        if is_done(last):
            return WaitOutcome(last, True, now - start, rounds)
        remaining = deadline - (now - start)
        if remaining <= 0:
            return WaitOutcome(last, False, now - start, rounds)
        cadence = every if pause_after is None else pause_after(last)
        if pause(max(0.0, min(round_started + cadence - now, remaining))) is True:
            return WaitOutcome(last, False, clock() - start, rounds)


class CallsOutcome(WaitOutcome):
    """How a wait on calls ended: `last` holds each call's last look, in the order of `call_uuids`;
    `pending` the uuids whose last look is not done yet; `rounds` the rounds of looks."""

    def __init__(self, call_uuids: list, last: list, reached: bool, waited: float, rounds: int, pending: list):
        super().__init__(last, reached, waited, rounds)
        self.call_uuids = call_uuids
        self.pending = pending


def wait_for_calls(api: CallApi, call_uuids: list, list_name: str, is_done: Callable[[Look], bool], concurrency: int,
                   timeout: float, every: float, clock: Callable[[], float] | None = None, pause: Callable[[float], object] | None = None,
                   seen_in: dict | None = None) -> CallsOutcome:
    """Look at these calls (each distinct uuid once, in order) until is_done(look) holds for every one of them,
    or `timeout` seconds have passed. Every `every` seconds a round looks, `concurrency` at a time, only at the calls
    not done yet, each asked first where it was seen last (in the first round, where `seen_in` says, if it names the
    call); the others keep their last look.
    No call at all: nothing is sent, and the wait is reached at once after zero rounds."""
    call_uuids = unique_in_order(call_uuids)
    if not call_uuids:
        return CallsOutcome([], [], True, 0.0, 0, [])
    latest = {}

    def pending() -> list:
        return [uuid for uuid in call_uuids if uuid not in latest or not is_done(latest[uuid])]

    def look_at_pending() -> list:
        waiting = pending()
        where = {uuid: latest[uuid].seen_in if uuid in latest else (seen_in or {}).get(uuid) for uuid in waiting}
        latest.update(zip(waiting, api.look_many(waiting, list_name, concurrency, seen_in=where)))
        return [latest[uuid] for uuid in call_uuids]

    outcome = wait_until(look_at_pending, lambda looks: all(is_done(look) for look in looks),
                         timeout=timeout, every=every, clock=clock, pause=pause)
    return CallsOutcome(call_uuids, outcome.last, outcome.reached, outcome.waited, outcome.rounds, pending())
