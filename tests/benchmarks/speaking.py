# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""14. Speak to 100 live calls: one live_call_action task against a playbook looping ansible.builtin.uri with method POST."""

from __future__ import annotations

from .hang_up import COUNT, live_calls_run, speedup_figure, task_against_uri_loop, uri_loop_playbook
from .harness import Bench, BenchmarkError
from .report import progress

CONCURRENCY = 8
MODULE_RUNS = 3
TARGET_SPEEDUP = 20.0
TEXT = "This line goes down for maintenance in two minutes"

MODULE_PLAYBOOK = """\
- name: Speak to 100 live calls with one live_call_action task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Speak to every call
      vobiz.telephony.live_call_action:
        call_uuids: "{{ targets }}"
        speak:
          text: "%(text)s"
        concurrency: %(concurrency)d
      register: spoken
      failed_when: spoken.failed or spoken.acted | length != %(count)d
"""

URI_PLAYBOOK = uri_loop_playbook("Speak to 100 live calls", "Speak to each call", "{{ item }}/Speak/", "POST", [200, 202],
                                 body='{text: "%s"}' % TEXT)


def speak_run(bench: Bench, playbook, prefix: str, what: str) -> float:
    """Seconds of one ansible-playbook run speaking to 100 calls generated for it (one POST a call), checked to have
    told each call the text once."""
    targets, seconds = live_calls_run(bench, playbook, prefix, COUNT, what)
    for call_uuid in targets:
        actions = bench.control("GET", "calls/%s/actions" % call_uuid)["actions"]
        told = [(entry["action"], entry["method"], (entry["body"] or {}).get("text")) for entry in actions]
        if told != [("speak", "POST", TEXT)]:
            raise BenchmarkError("%s told call %s %r, expected one speak of the text" % (what, call_uuid, told))
    return seconds


def measure(bench: Bench):
    bench.forget_calls_and_requests()
    values = {"count": COUNT, "concurrency": CONCURRENCY, "text": TEXT}
    playbooks = {"module": bench.write_file("speak-module.yml", MODULE_PLAYBOOK % values), "uri": bench.write_file("speak-uri.yml", URI_PLAYBOOK)}
    progress("   the live_call_action task x%d after a warm-up, then the uri loop once; 100 new live calls for each run" % MODULE_RUNS)
    module_s, uri = task_against_uri_loop(
        lambda playbook, number: speak_run(bench, playbooks[playbook], "speak-%d-" % number,
                                           "the %s playbook" % ("live_call_action" if playbook == "module" else "uri")), MODULE_RUNS)
    bench.control("DELETE", "calls")
    yield speedup_figure("14", "speak to 100 calls, playbook: uri loop / live_call_action task", uri, module_s, TARGET_SPEEDUP,
                         ["ansible-playbook wall time; live_call_action (concurrency %d, speak): median of %d after a warm-up, 1 POST a call;"
                          % (CONCURRENCY, MODULE_RUNS),
                          "the uri loop (method POST, body_format json, status_code 200 or 202): one run, 1 POST a call",
                          "every run speaks to 100 live calls created for it, each checked told the text once"])
