# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""3. Waiting: how soon live_call_info returns once the call ends, and how many requests it makes while it waits.

The delay depends on where the change falls between two looks, so it is measured twice: with the change at a fixed
3 s after the module's start (wherever that falls), and with the change just after a look reached the simulator
(the worst case: the change has to wait a whole wait_sleep for the next look).
"""

from __future__ import annotations

import time

from tests.waiting import WaitTimeout, wait_for

from .harness import Bench, BenchmarkError, Started, checked, finish_process, module_result
from .report import Figure, progress

WAIT_SLEEP = 1.0
CHANGE_AFTER = 3.0
WAIT_TIMEOUT = 30.0
LOOK_BEFORE_CHANGE = 2  # worst case: change right after this look
AFTER_LOOK = 0.05  # seconds after the look reached the simulator: its answer (sent after the 20 ms latency) is already made
TARGET_REQUESTS_PER_SLEEP = 1.0


def change_at_fixed_time(bench: Bench, started: Started, call_uuid: str) -> None:
    """Sleep until CHANGE_AFTER s after the module's start."""
    del bench, call_uuid
    time.sleep(max(0.0, started.started_at + CHANGE_AFTER - time.monotonic()))


def change_just_after_a_look(bench: Bench, started: Started, call_uuid: str) -> None:
    """Read /_sim/requests until look number LOOK_BEFORE_CHANGE arrives, then sleep AFTER_LOOK s."""
    def looks() -> list:
        return sorted(entry["time"] for entry in bench.recorded_requests() if call_uuid in entry["path"])

    try:
        seen = wait_for(looks, started.started_at + WAIT_TIMEOUT - time.monotonic(), what="%d looks at %s" % (LOOK_BEFORE_CHANGE, call_uuid),
                        done=lambda times: len(times) >= LOOK_BEFORE_CHANGE, every=0.005)
    except WaitTimeout:
        raise BenchmarkError("the waiting module made fewer than %d requests" % LOOK_BEFORE_CHANGE) from None
    time.sleep(max(0.0, seen[LOOK_BEFORE_CHANGE - 1] + AFTER_LOOK - time.monotonic()))


def wait_for_end(bench: Bench, prefix: str, wait_for_the_moment) -> tuple:
    """Start the module waiting for a new call to end, end the call when wait_for_the_moment returns.
    Returns (uuid, the change's monotonic instant, Run, the module's result)."""
    bench.forget_calls_and_requests()
    call_uuid = bench.generate_live_calls(1, prefix)[0]
    params = {"call_uuid": call_uuid, "wait_for": ["ended"], "wait_sleep": WAIT_SLEEP, "wait_timeout": WAIT_TIMEOUT}
    started = bench.start_module(params, "wait.json")
    wait_for_the_moment(bench, started, call_uuid)
    changed_at = bench.change_status(call_uuid, "completed")
    run = finish_process(started)
    result = module_result(run)
    checked(run, "the waiting module")
    if result.get("call_status") != "ended":
        raise BenchmarkError("the waiting module returned call_status %r, expected 'ended'" % result.get("call_status"))
    return call_uuid, changed_at, run, result


def request_gap(times: list) -> float:
    """Mean seconds between two consecutive requests."""
    if len(times) < 2:
        raise BenchmarkError("fewer than two requests before the change: cannot measure the rate of looks")
    return (times[-1] - times[0]) / (len(times) - 1)


def request_times(bench: Bench, call_uuid: str) -> list:
    """When each request about the call reached the simulator (its time.monotonic(), the same clock as ours)."""
    return sorted(entry["time"] for entry in bench.recorded_requests() if call_uuid in entry["path"])


def delay_figure(key: str, name: str, outcome: tuple, sent: list, how: str) -> Figure:
    """Change -> exit, split into the wait for the next look and what came after it."""
    changed_at, run, result = outcome
    delay = run.ended_at - changed_at
    after = [moment for moment in sent if moment >= changed_at]
    if not after:
        raise BenchmarkError("no request after the change: the module cannot have seen it")
    return Figure(key, name, "%.2f s" % delay, "<= %.1f s" % WAIT_SLEEP, delay <= WAIT_SLEEP,
                  [how, "from the simulator's change instant to the module process's exit (one monotonic clock):",
                   "the next look reached the simulator %.3f s after the change; then %d requests and the exit took %.3f s"
                   % (after[0] - changed_at, len(after), run.ended_at - after[0]),
                   "the module looked %d times and waited %.2f s in all; its process ran %.2f s" % (result["polls"], result["waited"], run.seconds)])


def measure(bench: Bench):
    """Yields each figure as soon as it is measured."""
    progress("   module run directly with wait_for [ended], wait_sleep %.0f s; the call is ended through /_sim/" % WAIT_SLEEP)
    call_uuid, *outcome = wait_for_end(bench, "wait-", change_at_fixed_time)
    sent = request_times(bench, call_uuid)
    yield delay_figure("3a", "wait: call ended -> module returned", outcome, sent,
                       "the call ended %.0f s after the module's start, wherever that falls between two looks" % CHANGE_AFTER)
    changed_at = outcome[0]
    before = [moment for moment in sent if moment < changed_at]
    gap = request_gap(before)
    per_sleep = WAIT_SLEEP / gap
    # Looks start every wait_sleep on the dot, so the figure sits at 1 give or take the clock's jitter: allow 1 %.
    yield Figure("3b", "wait: requests per wait_sleep", "%.3f" % per_sleep, "<= %.0f" % TARGET_REQUESTS_PER_SLEEP,
                 per_sleep <= TARGET_REQUESTS_PER_SLEEP * 1.01,
                 ["from /_sim/requests of the 3a run: %d requests while the call was live, one every %.3f s;" % (len(before), gap),
                  "%d after the change (the look that finds the call ended asks the live endpoint, then the CDR)" % (len(sent) - len(before))])
    call_uuid, *outcome = wait_for_end(bench, "worst-", change_just_after_a_look)
    yield delay_figure("3c", "wait, worst case: call ended -> returned", outcome, request_times(bench, call_uuid),
                       "the call ended %.0f ms after look %d reached the simulator: the next look is a wait_sleep away"
                       % (AFTER_LOOK * 1000, LOOK_BEFORE_CHANGE))
