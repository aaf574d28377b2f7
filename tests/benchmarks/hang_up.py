# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""7. Hang up 100 live calls: one live_call task against a playbook looping ansible.builtin.uri with method DELETE."""

from __future__ import annotations

import json
import statistics

from .harness import Bench, BenchmarkError
from .many_calls import counted_run
from .report import Figure, progress

COUNT = 100
CONCURRENCY = 8
MODULE_RUNS = 3

MODULE_PLAYBOOK = """\
- name: Hang up 100 live calls with one live_call task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Hang up every call and wait for its finalized record
      vobiz.telephony.live_call:
        call_uuids: "{{ targets }}"
        concurrency: %(concurrency)d
      register: ended
      failed_when: ended.hung_up | length != %(count)d
"""

URI_LOOP_PLAYBOOK = """\
- name: %(title)s with ansible.builtin.uri
  hosts: localhost
  gather_facts: false
  vars:
    calls_url: "{{ lookup('env', 'VOBIZ_API_URL') }}/Account/{{ lookup('env', 'VOBIZ_AUTH_ID') }}/Call/"
  tasks:
    - name: %(task)s
      ansible.builtin.uri:
        url: "{{ calls_url }}%(path)s"
        method: %(method)s%(body)s
        status_code: %(status_code)s
        headers:
          X-Auth-ID: "{{ lookup('env', 'VOBIZ_AUTH_ID') }}"
          X-Auth-Token: "{{ lookup('env', 'VOBIZ_AUTH_TOKEN') }}"
          Accept: application/json
      loop: "{{ %(items)s }}"
"""


def uri_loop_playbook(title: str, task: str, path: str, method: str, status_code: list, body: str = "", items: str = "targets") -> str:
    """A playbook looping ansible.builtin.uri over `items`, one request each to the account's calls URL + `path` (`item`
    in it), with the module's headers; `body`: a flow-style JSON body, sent with body_format json."""
    body = "\n        body_format: json\n        body: %s" % body if body else ""
    return URI_LOOP_PLAYBOOK % {"title": title, "task": task, "path": path, "method": method, "body": body,
                                "status_code": "[%s]" % ", ".join(str(status) for status in status_code), "items": items}


URI_PLAYBOOK = uri_loop_playbook("Hang up 100 live calls", "Hang up each call", "{{ item }}/", "DELETE", [204])


def live_calls_run(bench: Bench, playbook, prefix: str, expected_requests: int, what: str) -> tuple:
    """One ansible-playbook run on 100 live calls generated for it (its variable `targets`), checked to have sent exactly
    the expected number of API requests: (the calls' uuids, its seconds)."""
    targets = bench.generate_live_calls(COUNT, prefix)
    extra_vars = bench.write_file("%s.json" % prefix.rstrip("-"), json.dumps({"targets": targets}))
    run = counted_run(bench, expected_requests, what,
                      lambda: bench.run_ansible("ansible-playbook", [str(playbook), "-e", "@%s" % extra_vars], what))
    return targets, run.seconds


def hang_up_run(bench: Bench, playbook, prefix: str, expected_requests: int, what: str) -> float:
    """Seconds of one ansible-playbook run hanging up 100 calls generated for it, checked to have ended every one."""
    targets, seconds = live_calls_run(bench, playbook, prefix, expected_requests, what)
    live = [call["call_uuid"] for call in bench.control("GET", "calls")["calls"] if call["call_uuid"] in targets and call["status"] != "completed"]
    if live:
        raise BenchmarkError("%s left %d of the %d calls live" % (what, len(live), COUNT))
    return seconds


def task_against_uri_loop(run, runs: int) -> tuple:
    """run(playbook, number): one untimed warm-up of the task (number 0), `runs` timed ones (1 to runs), then the uri loop
    once (runs + 1): (the task's median seconds, the uri loop's seconds)."""
    run("module", 0)
    module = [run("module", number) for number in range(1, runs + 1)]
    return statistics.median(module), run("uri", runs + 1)


def speedup_figure(key: str, name: str, uri: float, module_s: float, target: float | None, details: list) -> Figure:
    """uri loop / task: "26.4x (34.2 s / 1.30 s)", against a target of at least `target` when there is one."""
    speedup = uri / module_s
    return Figure(key, name, "%.1fx (%.1f s / %.2f s)" % (speedup, uri, module_s), ">= %.0fx" % target if target else "-",
                  speedup >= target if target else None, details)


def measure(bench: Bench):
    bench.forget_calls_and_requests()
    playbooks = {"module": bench.write_file("hang-up-module.yml", MODULE_PLAYBOOK % {"count": COUNT, "concurrency": CONCURRENCY}),
                 "uri": bench.write_file("hang-up-uri.yml", URI_PLAYBOOK)}
    # the module: a look, the DELETE and a look at the finalized record per call; the uri loop: the DELETE only
    progress("   the live_call task x%d after a warm-up, then the uri loop once; 100 new live calls for each run" % MODULE_RUNS)
    module_s, uri = task_against_uri_loop(
        lambda playbook, number: hang_up_run(bench, playbooks[playbook], "hang-%d-" % number, 3 * COUNT if playbook == "module" else COUNT,
                                             "the %s playbook" % ("live_call" if playbook == "module" else "uri")), MODULE_RUNS)
    yield speedup_figure("7", "hang up 100 calls, playbook: uri loop / live_call task", uri, module_s, None,
                         ["ansible-playbook wall time; live_call (concurrency %d, wait: true): median of %d after a warm-up, 3 requests a call"
                          % (CONCURRENCY, MODULE_RUNS),
                          "(look, DELETE, finalized record); the uri loop (method DELETE, status_code 204): one run, 1 request a call",
                          "every run hangs up 100 calls created for it, and every one of them is checked completed afterwards"])
