# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""2. Facts for 100 live calls: one live_call_info task against a uri loop, and the module's process against bare Python."""

from __future__ import annotations

import statistics

from .harness import AUTH_ID, AUTH_TOKEN, LATENCY, Bench, BenchmarkError, Run
from .report import Figure, progress

COUNT = 100
CONCURRENCY = 8
PLAYBOOK_RUNS = 3
PROCESS_RUNS = 3
TARGET_SPEEDUP = 25.0
TARGET_OVERHEAD = 2.0

EMPTY_PLAYBOOK = """\
- name: Nothing, to measure what any playbook costs
  hosts: localhost
  gather_facts: false
  tasks: []
"""

MODULE_PLAYBOOK = """\
- name: Facts of every live call with one live_call_info task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Every live call with its record
      vobiz.telephony.live_call_info:
        details: true
        concurrency: %(concurrency)d
      register: live
      failed_when: live.calls | length != %(count)d
"""

URI_PLAYBOOK = """\
- name: Facts of every live call with ansible.builtin.uri
  hosts: localhost
  gather_facts: false
  vars:
    calls_url: "{{ lookup('env', 'VOBIZ_API_URL') }}/Account/{{ lookup('env', 'VOBIZ_AUTH_ID') }}/Call/"
    vobiz_headers:
      X-Auth-ID: "{{ lookup('env', 'VOBIZ_AUTH_ID') }}"
      X-Auth-Token: "{{ lookup('env', 'VOBIZ_AUTH_TOKEN') }}"
      Accept: application/json
  tasks:
    - name: List the live calls
      ansible.builtin.uri:
        url: "{{ calls_url }}?status=live"
        headers: "{{ vobiz_headers }}"
        return_content: true
      register: listed
      failed_when: listed.json.calls | length != %(count)d

    - name: Fetch each call's record
      ansible.builtin.uri:
        url: "{{ calls_url }}{{ item.call_uuid | default(item) }}/?status=live"
        headers: "{{ vobiz_headers }}"
        return_content: true
      loop: "{{ listed.json.calls }}"
      register: records
"""


def counted_run(bench: Bench, expected_requests: int, what: str, action) -> Run:
    """Run `action`, checking that it sent exactly the expected number of API requests."""
    bench.control("DELETE", "requests")
    run = action()
    sent = len(bench.recorded_requests())
    if sent != expected_requests:
        raise BenchmarkError("%s sent %d API requests, expected %d" % (what, sent, expected_requests))
    return run


def playbook_figure(bench: Bench) -> Figure:
    playbooks = {name: bench.write_file("%s.yml" % name, text % {"count": COUNT, "concurrency": CONCURRENCY})
                 for name, text in (("empty", EMPTY_PLAYBOOK), ("module", MODULE_PLAYBOOK), ("uri", URI_PLAYBOOK))}

    def playbook(name: str, requests: int) -> float:
        return counted_run(bench, requests, "the %s playbook" % name, lambda: bench.run_ansible("ansible-playbook", [str(playbooks[name])], name)).seconds

    progress("   playbooks: empty and module x%d (interleaved), then the uri loop once" % PLAYBOOK_RUNS)
    playbook("module", COUNT + 1)  # untimed warm-up
    empty, module = [], []
    for _round in range(PLAYBOOK_RUNS):
        empty.append(playbook("empty", 0))
        module.append(playbook("module", COUNT + 1))
    uri = playbook("uri", COUNT + 1)
    empty_s, module_s = statistics.median(empty), statistics.median(module)
    speedup = uri / module_s
    return Figure("2a", "100 calls, playbook: uri loop / module task", "%.1fx (%.1f s / %.2f s)" % (speedup, uri, module_s),
                  ">= %.0fx" % TARGET_SPEEDUP, speedup >= TARGET_SPEEDUP,
                  ["ansible-playbook wall time; module: median of %d, uri loop (1 list + %d looped GETs): one run" % (PLAYBOOK_RUNS, COUNT),
                   "an empty playbook takes %.2f s; without it, the tasks alone: uri %.1f s, module %.2f s (%.0fx)"
                   % (empty_s, uri - empty_s, module_s - empty_s, (uri - empty_s) / max(module_s - empty_s, 1e-3))])


def process_figure(bench: Bench) -> Figure:
    bare_args = [bench.api_url, AUTH_ID, AUTH_TOKEN, str(CONCURRENCY)]
    params = {"details": True, "concurrency": CONCURRENCY}
    progress("   module process (run directly) and bare Python, x%d each, interleaved" % PROCESS_RUNS)
    module, bare, rss = [], [], []
    for _round in range(PROCESS_RUNS):
        run, result = counted_run(bench, COUNT + 1, "the module", lambda: bench.run_module(params, "list-100.json"))
        if len(result["calls"]) != COUNT:
            raise BenchmarkError("the module returned %d records, expected %d" % (len(result["calls"]), COUNT))
        module.append(run.seconds)
        rss.append(run.max_rss_mib)
        bare_run = counted_run(bench, COUNT + 1, "bare Python", lambda: bench.run_python_module("tests.benchmarks.bare_client", bare_args, "bare Python"))
        if bare_run.stdout.strip() != str(COUNT):
            raise BenchmarkError("bare Python fetched %s records, expected %d" % (bare_run.stdout.strip(), COUNT))
        bare.append(bare_run.seconds)
    module_s, bare_s = statistics.median(module), statistics.median(bare)
    ratio = module_s / bare_s
    floor = LATENCY * (1 + -(-COUNT // CONCURRENCY))
    return Figure("2b", "100 calls, process: module / bare Python", "%.2fx (%.2f s / %.2f s)" % (ratio, module_s, bare_s),
                  "<= %.0fx" % TARGET_OVERHEAD, ratio <= TARGET_OVERHEAD,
                  ["wall time from start to exit of `python -m <module> ARGS.json` (AnsibleModule, no controller, no AnsiballZ)",
                   "against `python -m tests.benchmarks.bare_client` (requests.Session + ThreadPoolExecutor(%d)); medians of %d" % (CONCURRENCY, PROCESS_RUNS),
                   "both send 1 + %d GETs; the simulator's latency alone makes at least %.2f s" % (COUNT, floor),
                   "module peak RSS %.0f MiB" % max(rss)])


def measure(bench: Bench):
    """Yields each figure as soon as it is measured."""
    bench.forget_calls_and_requests()
    bench.generate_live_calls(COUNT, "many-")
    yield playbook_figure(bench)
    yield process_figure(bench)
