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

URI_PLAYBOOK = """\
- name: Hang up 100 live calls with ansible.builtin.uri
  hosts: localhost
  gather_facts: false
  vars:
    calls_url: "{{ lookup('env', 'VOBIZ_API_URL') }}/Account/{{ lookup('env', 'VOBIZ_AUTH_ID') }}/Call/"
  tasks:
    - name: Hang up each call
      ansible.builtin.uri:
        url: "{{ calls_url }}{{ item }}/"
        method: DELETE
        status_code: [204]
        headers:
          X-Auth-ID: "{{ lookup('env', 'VOBIZ_AUTH_ID') }}"
          X-Auth-Token: "{{ lookup('env', 'VOBIZ_AUTH_TOKEN') }}"
          Accept: application/json
      loop: "{{ targets }}"
"""


def hang_up_run(bench: Bench, playbook, prefix: str, expected_requests: int, what: str) -> float:
    """Seconds of one ansible-playbook run hanging up 100 calls generated for it, checked to have ended every one."""
    targets = bench.generate_live_calls(COUNT, prefix)
    extra_vars = bench.write_file("%s.json" % prefix.rstrip("-"), json.dumps({"targets": targets}))
    run = counted_run(bench, expected_requests, what,
                      lambda: bench.run_ansible("ansible-playbook", [str(playbook), "-e", "@%s" % extra_vars], what))
    live = [call["call_uuid"] for call in bench.control("GET", "calls")["calls"] if call["call_uuid"] in targets and call["status"] != "completed"]
    if live:
        raise BenchmarkError("%s left %d of the %d calls live" % (what, len(live), COUNT))
    return run.seconds


def measure(bench: Bench):
    bench.forget_calls_and_requests()
    module_playbook = bench.write_file("hang-up-module.yml", MODULE_PLAYBOOK % {"count": COUNT, "concurrency": CONCURRENCY})
    uri_playbook = bench.write_file("hang-up-uri.yml", URI_PLAYBOOK)
    # the module: a look, the DELETE and a look at the finalized record per call; the uri loop: the DELETE only
    progress("   the live_call task x%d after a warm-up, then the uri loop once; 100 new live calls for each run" % MODULE_RUNS)
    hang_up_run(bench, module_playbook, "hang-warm-", 3 * COUNT, "the live_call playbook")
    module = [hang_up_run(bench, module_playbook, "hang-m%d-" % number, 3 * COUNT, "the live_call playbook") for number in range(MODULE_RUNS)]
    uri = hang_up_run(bench, uri_playbook, "hang-uri-", COUNT, "the uri playbook")
    module_s = statistics.median(module)
    yield Figure("7", "hang up 100 calls, playbook: uri loop / live_call task", "%.1fx (%.1f s / %.2f s)" % (uri / module_s, uri, module_s),
                 "-", None,
                 ["ansible-playbook wall time; live_call (concurrency %d, wait: true): median of %d after a warm-up, 3 requests a call"
                  % (CONCURRENCY, MODULE_RUNS),
                  "(look, DELETE, finalized record); the uri loop (method DELETE, status_code 204): one run, 1 request a call",
                  "every run hangs up 100 calls created for it, and every one of them is checked completed afterwards"])
