# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""12. Route 100 numbers to an application: one vobiz.telephony.number task against a playbook looping
ansible.builtin.uri (read each number, then POST its attach); and the requests of a converged rerun."""

from __future__ import annotations

import json
import statistics

from .harness import AUTH_ID, Bench, BenchmarkError
from .many_calls import counted_run
from .report import Figure, progress

COUNT = 100  # the numbers routed
OWNED = 250  # the account's numbers: three pages of 100 for the module's one pass
CONCURRENCY = 8
MODULE_RUNS = 3
TARGET_SPEEDUP = 20.0
APP_NAME = "bench-line"
NUMBERS = ["+9196000%05d" % index for index in range(OWNED)]
TARGETS = NUMBERS[:COUNT]

MODULE_PLAYBOOK = """\
- name: Route 100 numbers with one number task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Route every number to the application
      vobiz.telephony.number:
        numbers: "{{ targets }}"
        route_to: application
        application: %(app_name)s
        concurrency: %(concurrency)d
      register: routed
"""

URI_PLAYBOOK = """\
- name: Route 100 numbers with ansible.builtin.uri
  hosts: localhost
  gather_facts: false
  vars:
    numbers_url: "{{ lookup('env', 'VOBIZ_API_URL') }}/Account/{{ lookup('env', 'VOBIZ_AUTH_ID') }}/numbers"
    headers:
      X-Auth-ID: "{{ lookup('env', 'VOBIZ_AUTH_ID') }}"
      X-Auth-Token: "{{ lookup('env', 'VOBIZ_AUTH_TOKEN') }}"
      Accept: application/json
  tasks:
    - name: Read each number (Vobiz has no get-one call, so search for it)
      ansible.builtin.uri:
        url: "{{ numbers_url }}?search={{ item | urlencode }}"
        headers: "{{ headers }}"
      loop: "{{ targets }}"
      register: reads

    - name: Attach each number not routed to the application yet
      ansible.builtin.uri:
        url: "{{ numbers_url }}/{{ item.item | urlencode }}/application"
        method: POST
        body_format: json
        body: {application_id: "{{ app_id }}"}
        headers: "{{ headers }}"
      loop: "{{ reads.results }}"
      loop_control:
        label: "{{ item.item }}"
      when: (item.json['items'] | selectattr('e164', 'equalto', item.item) | map(attribute='application_id', default='') | first) != app_id
"""


def unroute(bench: Bench) -> None:
    """Every number of the account owned and routed nowhere (adding a number again replaces it)."""
    bench.control("POST", "numbers", {"numbers": [{"e164": number, "account": AUTH_ID} for number in NUMBERS]})


def check_routed(bench: Bench, app_id: str, what: str) -> None:
    routed = {number["e164"] for number in bench.control("GET", "numbers")["numbers"] if number["app_id"] == app_id}
    if routed != set(TARGETS):
        raise BenchmarkError("%s routed %d numbers, expected the %d targets" % (what, len(routed), COUNT))


def routing_run(bench: Bench, playbook, extra_vars, expected_requests: int, what: str, app_id: str) -> float:
    """Seconds of one ansible-playbook run routing the 100 numbers, from none routed; checked to have routed them."""
    unroute(bench)
    run = counted_run(bench, expected_requests, what, lambda: bench.run_ansible("ansible-playbook", [str(playbook), "-e", "@%s" % extra_vars], what))
    check_routed(bench, app_id, what)
    return run.seconds


def measure(bench: Bench):
    bench.forget_calls_and_requests()
    [app_id] = bench.control("POST", "applications", {"applications": [
        {"app_name": APP_NAME, "account": AUTH_ID, "answer_url": "https://example.com/answer"}]})["added"]
    extra_vars = bench.write_file("numbers.json", json.dumps({"targets": TARGETS, "app_id": app_id}))
    module_playbook = bench.write_file("numbers-module.yml", MODULE_PLAYBOOK % {"app_name": APP_NAME, "concurrency": CONCURRENCY})
    uri_playbook = bench.write_file("numbers-uri.yml", URI_PLAYBOOK)
    pages = -(-OWNED // 100)
    reads = 1 + pages  # the application's list (one page), the owned numbers' pages
    progress("   the number task x%d after a warm-up, then the uri loop once; the %d numbers unrouted before each run" % (MODULE_RUNS, COUNT))
    routing_run(bench, module_playbook, extra_vars, reads + COUNT, "the number playbook", app_id)
    module = [routing_run(bench, module_playbook, extra_vars, reads + COUNT, "the number playbook", app_id) for _run in range(MODULE_RUNS)]
    uri = routing_run(bench, uri_playbook, extra_vars, 2 * COUNT, "the uri playbook", app_id)
    module_s = statistics.median(module)
    speedup = uri / module_s
    yield Figure("12a", "route 100 numbers, playbook: uri loop / number task", "%.1fx (%.1f s / %.2f s)" % (speedup, uri, module_s),
                 ">= %.0fx" % TARGET_SPEEDUP, speedup >= TARGET_SPEEDUP,
                 ["ansible-playbook wall time; number (concurrency %d): median of %d after a warm-up, %d requests (the application's"
                  % (CONCURRENCY, MODULE_RUNS, reads + COUNT),
                  "list, %d pages of the %d owned numbers, 100 attaches); the uri loop: one run, a search and an attach a number"
                  % (pages, OWNED)])
    # the converged rerun: every number routed already
    bench.control("DELETE", "requests")
    bench.run_ansible("ansible-playbook", [str(module_playbook), "-e", "@%s" % extra_vars], "the converged number playbook")
    sent = bench.recorded_requests()
    numbers_path = "/Account/%s/numbers" % AUTH_ID
    pages_read = sorted(int(entry["query"].get("page", 0)) for entry in sent if entry["path"].endswith(numbers_path))
    app_lists = [entry for entry in sent if entry["path"].rstrip("/").endswith("/Application")]
    writes = [entry for entry in sent if entry["method"] != "GET"]
    met = not writes and pages_read == list(range(1, pages + 1)) and len(app_lists) == 1 and len(sent) == reads
    yield Figure("12b", "route 100 numbers, converged rerun: requests", "%d (%d GET, %d other)" % (len(sent), len(sent) - len(writes), len(writes)),
                 "reads only, each page once (%d)" % reads, met,
                 ["the same task again: the application's list once (1 page), the owned numbers' pages %s once each, no write"
                  % pages_read])
