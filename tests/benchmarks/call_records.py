# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""9. 10,000 call records: one cdr_info task against a uri loop over the pages, and the module's peak memory.

The records. A scenario file of 10,000 ended calls (mixed statuses, directions and durations, all ended before the
simulator starts, so every record is in the CDR API at once) is generated in the work directory at benchmark time,
and a second simulator is started with it, in place of the shared one (Bench.simulator_with), at the same 20 ms per
request. Nothing this big is committed.

10a, the ratio. Both playbooks send the same 100 GETs of `.../Account/{auth_id}/cdr?page=N&per_page=100` (checked
from `/_sim/requests`, paths and query included) and end with the 10,000 records in one variable (checked):
- one `vobiz.telephony.cdr_info` task (`limit: 10000`, `concurrency: 8`): median of 3 runs after a warm-up,
  interleaved with an empty playbook;
- `ansible.builtin.uri` for page 1, which gives the number of pages, then `uri` looped over pages 2-100, then the
  pages' `data` joined with `set_fact` and counted: one run.
The figure is the ratio of the two wall times in this run; the details give the tasks alone (each minus the empty
playbook).

10b, the peak memory. What one module process costs is measured under Ansible, as a user runs it:
ANSIBLE_PYTHON_INTERPRETER points at a small generated wrapper script that starts the real interpreter on
AnsiballZ's file as its child, waits for it with os.wait4() and appends that one child's ru_maxrss, with the
AnsiballZ file's name, to a log. AnsiballZ runs the module in the process it starts in, so that child *is* the
module process: its peak covers the interpreter, AnsiballZ's unpacking, the imports, the 100 pages and the JSON
result of 10,000 records. Neither the controller nor the wrapper is counted. (getrusage(RUSAGE_CHILDREN) around an
`ansible` run would give the largest of every descendant waited for, which is the controller's own process.)
One playbook runs three tasks through the wrapper: `ansible.builtin.ping` (a trivial module), cdr_info with a
search that matches nothing (one request, no record: same interpreter, same imports, same code path) and cdr_info
over the 10,000 records. The figure is the 10,000-record run's peak, and its cost over the no-record search: that
difference is what the records themselves cost. Largest of 3 playbook runs. The details give the same two cdr_info
runs made directly (`python -m <module> ARGS.json`, no AnsiballZ), through the same wrapper: a child started from
this benchmark process would not do, because Python starts it with vfork() and exec(), and Linux keeps the old
address space's high-water mark in the new program's ru_maxrss, so it would report at least this (larger) process's
peak (figure 4's and 2b's RSS are measured that way: an upper bound). The wrapper's own peak is far below a module's.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
from pathlib import Path

from .harness import AUTH_ID, AUTH_TOKEN, Bench, BenchmarkError, checked, module_result, run_process
from .many_calls import EMPTY_PLAYBOOK
from .report import Figure, progress

COUNT = 10_000
PER_PAGE = 100
CONCURRENCY = 8
PLAYBOOK_RUNS = 3
MEMORY_RUNS = 3
MODULE = "ansible_collections.vobiz.telephony.plugins.modules.cdr_info"
NO_MATCH = "55555555555555"  # a from_number substring no generated number contains

# Per terminal status: its share of the calls, whether the call was answered.
OUTCOMES = (("completed", 60, True), ("no-answer", 15, False), ("busy", 10, False), ("failed", 10, False), ("canceled", 5, False))

MODULE_PLAYBOOK = """\
- name: Every call record with one cdr_info task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Every record
      vobiz.telephony.cdr_info:
        limit: %(count)d
        concurrency: %(concurrency)d
      register: cdrs
      failed_when: cdrs.records | length != %(count)d
"""

URI_PLAYBOOK = """\
- name: Every call record with ansible.builtin.uri, page by page
  hosts: localhost
  gather_facts: false
  vars:
    cdr_url: "{{ lookup('env', 'VOBIZ_API_URL') }}/Account/{{ lookup('env', 'VOBIZ_AUTH_ID') }}/cdr"
    vobiz_headers:
      X-Auth-ID: "{{ lookup('env', 'VOBIZ_AUTH_ID') }}"
      X-Auth-Token: "{{ lookup('env', 'VOBIZ_AUTH_TOKEN') }}"
      Accept: application/json
  tasks:
    - name: The first page, which gives the number of pages
      ansible.builtin.uri:
        url: "{{ cdr_url }}?page=1&per_page=%(per_page)d"
        headers: "{{ vobiz_headers }}"
        return_content: true
      register: first

    - name: Every other page
      ansible.builtin.uri:
        url: "{{ cdr_url }}?page={{ item }}&per_page=%(per_page)d"
        headers: "{{ vobiz_headers }}"
        return_content: true
      loop: "{{ range(2, first.json.pagination.pages + 1) | list }}"
      register: pages

    - name: The records of every page
      ansible.builtin.set_fact:
        cdrs: "{{ first.json.data + (pages.results | map(attribute='json') | map(attribute='data') | flatten(levels=1)) }}"

    - name: All of them
      ansible.builtin.assert:
        that: cdrs | length == %(count)d
        quiet: true
"""

MEMORY_PLAYBOOK = """\
- name: One module process per task, each measured by the interpreter wrapper
  hosts: localhost
  gather_facts: false
  tasks:
    - name: A trivial module
      ansible.builtin.ping:

    - name: A search that matches nothing (one request, no record)
      vobiz.telephony.cdr_info:
        from_number: "%(no_match)s"
      register: nothing
      failed_when: nothing.count != 0

    - name: Every record
      vobiz.telephony.cdr_info:
        limit: %(count)d
        concurrency: %(concurrency)d
      register: cdrs
      failed_when: cdrs.count != %(count)d
"""

# The interpreter Ansible runs modules with: the real one as a child, whose own peak RSS it logs.
WRAPPER = """\
#!%(python)s
import os, subprocess, sys
child = subprocess.Popen([%(python)r] + sys.argv[1:])
status, usage = os.wait4(child.pid, 0)[1:]
child.returncode = os.waitstatus_to_exitcode(status)
with open(%(log)r, "a", encoding="utf-8") as log:
    log.write("%%d %%s\\n" %% (usage.ru_maxrss, os.path.basename(sys.argv[-1]) if len(sys.argv) > 1 else "-"))
sys.exit(child.returncode)
"""


def ended_call(index: int, chooser: random.Random) -> dict:
    """One call of the scenario, ended between 1 and 30 hours before the simulator starts."""
    status, answered = chooser.choices([(name, was_answered) for name, _share, was_answered in OUTCOMES],
                                       weights=[share for _name, share, _answered in OUTCOMES])[0]
    start = -chooser.uniform(3600, 30 * 3600)
    ring = chooser.uniform(2, 25)
    timeline = [{"at": start, "status": "ringing"}]
    if answered:
        timeline.append({"at": start + ring, "status": "in-progress"})
        timeline.append({"at": start + ring + chooser.uniform(5, 600), "status": status})
    else:
        timeline.append({"at": start + ring, "status": status})
    return {"call_uuid": "cdr-%06d" % index, "from": "9180%08d" % index, "to": "9199%08d" % chooser.randrange(10 ** 8),
            "direction": "outbound" if chooser.random() < 0.8 else "inbound", "timeline": timeline}


def write_scenario(bench: Bench) -> Path:
    chooser = random.Random(21)
    calls = [ended_call(index, chooser) for index in range(COUNT)]
    account = {"auth_id": AUTH_ID, "auth_token": AUTH_TOKEN}
    return bench.write_file("cdr-scenario.json", json.dumps({"accounts": [account], "calls": calls}))


def page_requests(bench: Bench, what: str) -> None:
    """The run just made must have sent exactly the GETs of pages 1 to 100, 100 records each, once each."""
    recorded = bench.recorded_requests()
    cdr_path = "/api/v1/Account/%s/cdr" % AUTH_ID
    pages = sorted(int(entry["query"].get("page", 0)) for entry in recorded
                   if entry["method"] == "GET" and entry["path"].rstrip("/") == cdr_path and entry["query"].get("per_page") == str(PER_PAGE))
    expected = list(range(1, COUNT // PER_PAGE + 1))
    if pages != expected or len(recorded) != len(expected):
        raise BenchmarkError("%s sent %d requests, of which pages %s; expected pages 1-%d only"
                             % (what, len(recorded), pages[:5] + ["..."] if len(pages) > 5 else pages, expected[-1]))


def playbook_figure(bench: Bench) -> Figure:
    values = {"count": COUNT, "concurrency": CONCURRENCY, "per_page": PER_PAGE}
    playbooks = {name: bench.write_file("cdr-%s.yml" % name, text % values)
                 for name, text in (("empty", EMPTY_PLAYBOOK), ("module", MODULE_PLAYBOOK), ("uri", URI_PLAYBOOK))}

    def playbook(name: str) -> float:
        bench.control("DELETE", "requests")
        run = bench.run_ansible("ansible-playbook", [str(playbooks[name])], "the %s playbook" % name)
        if name != "empty":
            page_requests(bench, "the %s playbook" % name)
        return run.seconds

    progress("   playbooks: empty and cdr_info x%d (interleaved, after a warm-up), then the uri loop once" % PLAYBOOK_RUNS)
    playbook("module")
    empty, module = [], []
    for _round in range(PLAYBOOK_RUNS):
        empty.append(playbook("empty"))
        module.append(playbook("module"))
    uri = playbook("uri")
    empty_s, module_s = statistics.median(empty), statistics.median(module)
    ratio = uri / module_s
    return Figure("10a", "10,000 records, playbook: uri loop / cdr_info task", "%.1fx (%.1f s / %.2f s)" % (ratio, uri, module_s),
                  "none (figure)", None,
                  ["both send GET .../cdr?page=N&per_page=%d for N = 1..%d (checked) and hold the %d records at the end (checked)"
                   % (PER_PAGE, COUNT // PER_PAGE, COUNT),
                   "ansible-playbook wall time; cdr_info (limit %d, concurrency %d): median of %d, runs %s s; uri loop: one run"
                   % (COUNT, CONCURRENCY, PLAYBOOK_RUNS, _listed(module)),
                   "an empty playbook takes %.2f s; without it, the tasks alone: uri %.1f s, cdr_info %.2f s (%.0fx)"
                   % (empty_s, uri - empty_s, module_s - empty_s, (uri - empty_s) / max(module_s - empty_s, 1e-3))])


def write_wrapper(bench: Bench, log: Path) -> Path:
    wrapper = bench.write_file("measuring-python", WRAPPER % {"python": sys.executable, "log": str(log)})
    wrapper.chmod(0o755)
    return wrapper


def memory_run(bench: Bench, playbook: Path, wrapper: Path, log: Path) -> dict:
    """{AnsiballZ file name or task: peak RSS in MiB} of the three module processes of one run of the memory playbook."""
    if log.exists():
        log.unlink()
    run = bench.run_ansible("ansible-playbook", [str(playbook), "-e", "ansible_python_interpreter=%s" % wrapper], "the memory playbook")
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    names = [line.split(" ", 1)[1] for line in lines]
    if names != ["AnsiballZ_ping.py", "AnsiballZ_cdr_info.py", "AnsiballZ_cdr_info.py"]:
        raise BenchmarkError("the interpreter wrapper logged %r, expected ping then cdr_info twice (run: %.1f s)" % (lines, run.seconds))
    peaks = [int(line.split(" ", 1)[0]) / 1024.0 for line in lines]
    return {"ping": peaks[0], "none": peaks[1], "all": peaks[2]}


def direct_run(bench: Bench, wrapper: Path, log: Path, params: dict, name: str, expected: int) -> tuple:
    """(wall seconds, peak RSS in MiB) of the module run directly, through the wrapper too: a child started from this
    (larger) process would count this process's peak as its own (see the docstring)."""
    if log.exists():
        log.unlink()
    argv = bench.module_argv(dict(params, concurrency=CONCURRENCY), name, MODULE)
    run = checked(run_process([str(wrapper)] + argv[1:], bench.module_env(), bench.workdir, bench.scratch), "cdr_info run directly")
    count = module_result(run).get("count")
    if count != expected:
        raise BenchmarkError("cdr_info run directly returned %s records, expected %d" % (count, expected))
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    if len(lines) != 1:
        raise BenchmarkError("the interpreter wrapper logged %r for one direct run" % lines)
    return run.seconds, int(lines[0].split(" ", 1)[0]) / 1024.0


def memory_figure(bench: Bench) -> Figure:
    log = bench.workdir / "module-rss.log"
    wrapper = write_wrapper(bench, log)
    playbook = bench.write_file("cdr-memory.yml", MEMORY_PLAYBOOK % {"count": COUNT, "concurrency": CONCURRENCY, "no_match": NO_MATCH})
    progress("   peak RSS of each module process under Ansible (interpreter wrapper, os.wait4) x%d, then run directly x%d"
             % (MEMORY_RUNS, MEMORY_RUNS))
    runs = [memory_run(bench, playbook, wrapper, log) for _round in range(MEMORY_RUNS)]
    peak = {key: max(run[key] for run in runs) for key in ("ping", "none", "all")}
    direct_all, direct_none = [], []
    for _round in range(MEMORY_RUNS):
        direct_none.append(direct_run(bench, wrapper, log, {"from_number": NO_MATCH}, "cdr-none.json", 0))
        direct_all.append(direct_run(bench, wrapper, log, {"limit": COUNT}, "cdr-all.json", COUNT))
    all_rss, none_rss = max(run[1] for run in direct_all), max(run[1] for run in direct_none)
    return Figure("10b", "10,000 records, cdr_info process: peak RSS", "%.0f MiB (+%.0f MiB over no record)" % (peak["all"], peak["all"] - peak["none"]),
                  "none (figure)", None,
                  ["under Ansible: ru_maxrss of the module process alone (an interpreter wrapper waits for it with os.wait4),",
                   "largest of %d runs: 10,000 records %.0f MiB, a search matching none %.0f MiB, ansible.builtin.ping %.0f MiB"
                   % (MEMORY_RUNS, peak["all"], peak["none"], peak["ping"]),
                   "run directly (python -m <module> ARGS.json): 10,000 records %.0f MiB in %.2f s (median), none %.0f MiB"
                   % (all_rss, statistics.median(run[0] for run in direct_all), none_rss)])


def measure(bench: Bench):
    """Yields each figure as soon as it is measured, against a simulator holding the 10,000 records."""
    scenario = write_scenario(bench)
    progress("   a scenario of %d ended calls (%d KiB), a simulator of its own" % (COUNT, os.path.getsize(scenario) // 1024))
    with bench.simulator_with(scenario):
        yield playbook_figure(bench)
        yield memory_figure(bench)


def _listed(values: list) -> str:
    return ", ".join("%.2f" % value for value in values)
