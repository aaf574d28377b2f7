# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""5. Facts for 100 given calls: one live_call_info task with call_uuids against a playbook looping live_call_info over them."""

from __future__ import annotations

import json
import statistics

from .harness import Bench
from .many_calls import EMPTY_PLAYBOOK, counted_run
from .report import Figure, progress

COUNT = 100
CONCURRENCY = 8
SET_RUNS = 3

SET_PLAYBOOK = """\
- name: Facts of the given calls with one live_call_info task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Every given call
      vobiz.telephony.live_call_info:
        call_uuids: "{{ bench_calls }}"
        concurrency: %(concurrency)d
      register: given
      failed_when: given.results | selectattr('found') | list | length != %(count)d
"""

LOOP_PLAYBOOK = """\
- name: Facts of the given calls, one live_call_info task per call
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Each given call
      vobiz.telephony.live_call_info:
        call_uuid: "{{ item }}"
      loop: "{{ bench_calls }}"
      register: given
      failed_when: not given.found
"""


def measure(bench: Bench):
    """Yields the figure once measured."""
    bench.forget_calls_and_requests()
    uuids = bench.generate_live_calls(COUNT, "given-")
    calls_file = bench.write_file("given-calls.json", json.dumps({"bench_calls": uuids}))
    playbooks = {name: bench.write_file("%s.yml" % name, text % {"count": COUNT, "concurrency": CONCURRENCY})
                 for name, text in (("given-empty", EMPTY_PLAYBOOK), ("given-set", SET_PLAYBOOK), ("given-loop", LOOP_PLAYBOOK))}

    def playbook(name: str, requests: int) -> float:
        args = [str(playbooks[name]), "-e", "@%s" % calls_file]
        return counted_run(bench, requests, "the %s playbook" % name, lambda: bench.run_ansible("ansible-playbook", args, name)).seconds

    progress("   playbooks: empty and call_uuids task x%d (interleaved), then the live_call_info loop once" % SET_RUNS)
    playbook("given-set", COUNT)  # untimed warm-up
    empty, one_task = [], []
    for _round in range(SET_RUNS):
        empty.append(playbook("given-empty", 0))
        one_task.append(playbook("given-set", COUNT))
    loop = playbook("given-loop", COUNT)
    empty_s, one_task_s = statistics.median(empty), statistics.median(one_task)
    speedup = loop / one_task_s
    yield Figure("5", "100 given calls: live_call_info loop / call_uuids task", "%.1fx (%.1f s / %.2f s)" % (speedup, loop, one_task_s),
                 "none (figure)", None,
                 ["ansible-playbook wall time; call_uuids task (concurrency %d): median of %d, loop of %d call_uuid tasks: one run"
                  % (CONCURRENCY, SET_RUNS, COUNT),
                  "both send %d GETs, one per live call (checked); the loop costs %.2f s per call" % (COUNT, loop / COUNT),
                  "an empty playbook takes %.2f s; without it, the tasks alone: loop %.1f s, one task %.2f s (%.0fx)"
                  % (empty_s, loop - empty_s, one_task_s - empty_s, (loop - empty_s) / max(one_task_s - empty_s, 1e-3))])
