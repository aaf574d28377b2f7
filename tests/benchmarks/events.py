# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""6. Event-Driven Ansible: how soon a call's change reaches a rule through call_events, and what one look costs.

The real ansible-rulebook runs a rulebook whose rule prints (debug action) when a call is answered; its output goes to
a file that this process reads. The delay is from the simulator's change instant to the line appearing (one
monotonic clock), measured with the change at random points between two looks and right after a look (worst case).
"""

from __future__ import annotations

import random
import time

from tests.rulebook_process import RulebookProcess

from .harness import AUTH_ID, BIN, Bench, BenchmarkError
from .report import Figure, progress

INTERVAL = 1.0
SAMPLES = 6
LIVE_CALLS = 100
LOAD_INTERVAL = 2.0
LOAD_LOOKS = 4  # looks counted (after the first, which takes the calls in)
AFTER_LOOK = 0.05  # seconds after a look's record request reached the simulator
DEADLINE = 120.0
TARGET_EXTRA = 0.5  # the target is interval + 0.5 s

RULEBOOK = """\
---
- name: Benchmark of vobiz.telephony.call_events
  hosts: localhost
  sources:
    - vobiz.telephony.call_events:
        interval: {interval}
  rules:
    - name: A call was answered
      condition: event.vobiz.type == "call.answered"
      action:
        debug:
          msg: "bench-rule {{{{ event.vobiz.call_uuid }}}}"
"""


def start_rulebook(bench: Bench, interval: float, name: str, text: str | None = None) -> RulebookProcess:
    """ansible-rulebook running the benchmark rulebook of call_events at `interval`, or the rulebook `text`."""
    return RulebookProcess(RULEBOOK.format(interval=interval) if text is None else text, bench.ansible_env(), bench.workdir, name=name)


def line_shown_at(rulebook: RulebookProcess, text: str) -> float:
    """time.monotonic() when `text` first shows in the output (read every 2 ms)."""
    rulebook.wait_for_line(text, DEADLINE, every=0.002)
    return time.monotonic()


def requests_seen(bench: Bench, rulebook: RulebookProcess, what: str, matching, count: int = 1) -> list:
    """The recorded requests matching, once there are `count` of them."""
    return rulebook.wait_for(what, lambda: [entry for entry in bench.recorded_requests() if matching(entry)], DEADLINE, every=0.01,
                             done=lambda found: len(found) >= count)


def is_list(entry: dict, status: str = "queued") -> bool:
    return entry["path"].endswith("/Call/") and entry["query"].get("status") == status


def about(call_uuid: str):
    return lambda entry: "/Call/%s/" % call_uuid in entry["path"]


def answer_and_time(bench: Bench, rulebook: RulebookProcess, call_uuid: str, moment) -> float:
    """Place a ringing call, wait until the source has seen it, answer it when moment() says; seconds to the rule."""
    bench.control("POST", "calls", {"calls": [{"call_uuid": call_uuid, "account": AUTH_ID, "timeline": [{"at": 0, "status": "ringing"}]}]})
    seen = requests_seen(bench, rulebook, "a look at %s" % call_uuid, about(call_uuid))
    moment(bench, rulebook, call_uuid, seen)
    changed_at = bench.change_status(call_uuid, "in-progress")
    return line_shown_at(rulebook, "bench-rule %s" % call_uuid) - changed_at


def at_random(bench: Bench, rulebook: RulebookProcess, call_uuid: str, seen: list) -> None:
    del bench, rulebook, call_uuid, seen
    time.sleep(random.uniform(0, INTERVAL))


def just_after_a_look(bench: Bench, rulebook: RulebookProcess, call_uuid: str, seen: list) -> None:
    """Right after the next look at the call reached the simulator: the change waits a whole interval."""
    looks = requests_seen(bench, rulebook, "the next look at %s" % call_uuid, about(call_uuid), count=len(seen) + 1)
    time.sleep(max(0.0, looks[-1]["time"] + AFTER_LOOK - time.monotonic()))


def delays(bench: Bench) -> list:
    bench.forget_calls_and_requests()
    rulebook = start_rulebook(bench, INTERVAL, "latency")
    try:
        requests_seen(bench, rulebook, "the first look", is_list)
        sampled = [answer_and_time(bench, rulebook, "eda-random-%02d" % number, at_random) for number in range(SAMPLES)]
        worst = answer_and_time(bench, rulebook, "eda-worst-00", just_after_a_look)
    finally:
        rulebook.stop()
    return sampled + [worst]


def looks_with_live_calls(bench: Bench) -> list:
    """(requests, seconds from the first to the last request) of each look with LIVE_CALLS calls live."""
    bench.forget_calls_and_requests()
    bench.generate_live_calls(LIVE_CALLS, "eda-load-")
    rulebook = start_rulebook(bench, LOAD_INTERVAL, "load")
    try:
        starts = requests_seen(bench, rulebook, "%d looks" % (LOAD_LOOKS + 2), is_list, count=LOAD_LOOKS + 2)
        recorded = bench.recorded_requests()
    finally:
        rulebook.stop()
    bounds = [entry["time"] for entry in starts]
    looks = []
    for begin, end in zip(bounds[1:-1], bounds[2:]):  # whole looks after the first
        inside = [entry["time"] for entry in recorded if begin <= entry["time"] < end]
        looks.append((len(inside), inside[-1] - inside[0]))
    return looks


def measure(bench: Bench):
    """Yields each figure as soon as it is measured."""
    if not (BIN / "ansible-rulebook").exists():
        raise BenchmarkError("ansible-rulebook is not installed next to %s: pip install -r requirements-dev.txt" % BIN)
    progress("   ansible-rulebook with a rule that prints when a call is answered; interval %.0f s; the call is answered through /_sim/" % INTERVAL)
    measured = delays(bench)
    sampled, worst = measured[:-1], measured[-1]
    target = INTERVAL + TARGET_EXTRA
    yield Figure("6a", "events: call answered -> rule fired (mean)", "%.2f s" % (sum(sampled) / len(sampled)), "<= %.1f s" % target,
                 max(sampled) <= target,
                 ["%d calls answered at random points between two looks: %s s (max %.2f s)" % (len(sampled), ", ".join("%.2f" % d for d in sampled),
                                                                                               max(sampled)),
                  "from the simulator's change instant to the rule's debug line in ansible-rulebook's output (one monotonic clock)"])
    yield Figure("6b", "events, worst case: answered -> rule fired", "%.2f s" % worst, "<= %.1f s" % target, worst <= target,
                 ["the call answered %.0f ms after a look reached the simulator: the next look is an interval away" % (AFTER_LOOK * 1000)])
    progress("   %d live calls, interval %.0f s, the defaults (track_status, cdr, both lists, concurrency 8)" % (LIVE_CALLS, LOAD_INTERVAL))
    looks = looks_with_live_calls(bench)
    per_look = [count for count, seconds in looks]
    expected = 2 + LIVE_CALLS
    yield Figure("6c", "events: requests per interval, %d live calls" % LIVE_CALLS, "%.1f" % (sum(per_look) / len(per_look)), "<= %d" % expected,
                 max(per_look) <= expected,
                 ["requests of %d whole looks: %s (one list per status + one record per live call = %d)"
                  % (len(looks), ", ".join(str(count) for count in per_look), expected),
                  "each look took %s s from its first request to its last (20 ms per request, 8 at a time)"
                  % ", ".join("%.2f" % seconds for count, seconds in looks)])
