# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one wait of the tests, the benchmarks and the demo: `wait_for(condition, within)`, for state that another thread
or process owns (tests/e2e/README.md: "Wait for the owner of the state"). Standard library only.

It never measures time: a test that times something reads the clock itself.
"""

from __future__ import annotations

import time

# A wait's bound is generous: it only tells a stuck owner from a late one on a busy machine.
WAIT = 30.0
SHOWN = 3000  # characters of the last value a failure shows


class WaitTimeout(AssertionError):
    """What a wait_for awaited did not come: within its bound, or before its owner was gone."""


def wait_for(condition, within: float = WAIT, *, what: str, done=bool, every: float = 0.05, show=repr, gone=None, explain=None):
    """condition() every `every` seconds until done(its value) is true, and that value.

    WaitTimeout naming `what` and the last value seen (show(value), cut to SHOWN characters), then explain() when given:
    after `within` seconds, or as soon as gone() says why the owner of the state can no longer bring it (a process that
    exited; None while it runs), once condition() has been read again after that (what the owner left)."""
    deadline = time.monotonic() + within
    while True:
        seen = condition()
        if done(seen):
            return seen
        reason = gone() if gone is not None else None
        if reason is not None:
            seen = condition()
            if done(seen):
                return seen
        elif time.monotonic() > deadline:
            reason = "not within %g s" % within
        if reason is not None:
            message = "waited for %s: %s; last seen: %s" % (what, reason, show(seen)[:SHOWN])
            raise WaitTimeout(message + ("\n" + explain() if explain is not None else ""))
        time.sleep(every)
