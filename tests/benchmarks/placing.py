# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""9. Place 100 calls: one vobiz.telephony.call task against a playbook looping ansible.builtin.uri with method POST."""

from __future__ import annotations

import json

from .hang_up import speedup_figure, task_against_uri_loop, uri_loop_playbook
from .harness import Bench, BenchmarkError
from .many_calls import counted_run
from .report import progress

COUNT = 100
CONCURRENCY = 8
MODULE_RUNS = 3
TARGET_SPEEDUP = 20.0
FROM = "919262171438"
# An answer URL the simulator does not call (it calls back loopback hosts only): placing is measured, not callbacks.
ANSWER_URL = "https://example.com/xml/answer.xml"

MODULE_PLAYBOOK = """\
- name: Place 100 calls with one call task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Place one call per destination
      vobiz.telephony.call:
        to: "{{ destinations }}"
        from: "%(from)s"
        answer_url: "%(answer_url)s"
        concurrency: %(concurrency)d
      register: placed
      failed_when: placed.failed or placed.placed | length != %(count)d
"""

URI_PLAYBOOK = uri_loop_playbook("Place 100 calls", "Place each call", "", "POST", [200], items="destinations",
                                 body='{to: "{{ item }}", from: "%(from)s", answer_url: "%(answer_url)s", answer_method: POST}')


def placing_run(bench: Bench, playbook, number: int, what: str) -> float:
    """Seconds of one ansible-playbook run placing 100 calls to destinations of its own, checked to have placed each
    once (100 POSTs, 100 new calls to exactly those destinations)."""
    destinations = ["9191%02d%06d" % (number, index) for index in range(COUNT)]
    extra_vars = bench.write_file("placing-%02d.json" % number, json.dumps({"destinations": destinations}))
    run = counted_run(bench, COUNT, what, lambda: bench.run_ansible("ansible-playbook", [str(playbook), "-e", "@%s" % extra_vars], what))
    placed = sorted(call["to"] for call in bench.control("GET", "calls")["calls"] if call["to"] in set(destinations))
    if placed != sorted(destinations):
        raise BenchmarkError("%s placed %d calls to its %d destinations, expected one each" % (what, len(placed), COUNT))
    return run.seconds


def measure(bench: Bench):
    bench.forget_calls_and_requests()
    values = {"count": COUNT, "concurrency": CONCURRENCY, "from": FROM, "answer_url": ANSWER_URL}
    playbooks = {"module": bench.write_file("placing-module.yml", MODULE_PLAYBOOK % values), "uri": bench.write_file("placing-uri.yml", URI_PLAYBOOK % values)}
    progress("   the call task x%d after a warm-up, then the uri loop once; 100 new destinations for each run" % MODULE_RUNS)
    module_s, uri = task_against_uri_loop(
        lambda playbook, number: placing_run(bench, playbooks[playbook], number, "the %s playbook" % ("call" if playbook == "module" else "uri")),
        MODULE_RUNS)
    bench.control("DELETE", "calls")
    yield speedup_figure("9", "place 100 calls, playbook: uri loop / call task", uri, module_s, TARGET_SPEEDUP,
                         ["ansible-playbook wall time; call (concurrency %d, wait: none): median of %d after a warm-up, 1 POST a call;"
                          % (CONCURRENCY, MODULE_RUNS),
                          "the uri loop (method POST, body_format json, status_code 200): one run, 1 POST a call",
                          "every run places 100 calls to destinations of its own, each checked placed once"])
