# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The one loop that looks again and again at a fixed cadence until a condition holds or a deadline passes.

The modules' waits (one call, a set of calls, a drain of a list, a cdr) and the event source's rounds all run on
wait_until(); its clock and its pause are parameters, so that tests run it on a fake clock. It knows nothing of what
it looks at. Standard library only.
"""

from __future__ import annotations

import math
import time
from typing import Callable


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


def timed_out(waited: float, waiting_for: str) -> str:
    """The message of a wait that ran out of time, the same for every wait: how long it waited, to a tenth of a
    second, and for what (such as "the calls to end")."""
    return "Timed out after %.1f s waiting for %s" % (waited, waiting_for)
