# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""13. Recordings: 1,000 recordings of 1 MB downloaded by one recording_info task against a get_url loop, the
module's peak RSS, and a retention over 10,000 recordings (the requests it sends).

12a, the ratio. A second simulator (Bench.simulator_with, 20 ms per request) holds 1,000 recordings of 1 MiB each,
older than 30 days. The module: one `recording_info` task (`older_than_days: 30`, `limit: 1000`, `concurrency: 8`,
`dest`) into an empty directory; the files are checked (1,000, each 1 MiB). The loop: `recording_info` without `dest`
(the list), then `ansible.builtin.get_url` looped over the first SAMPLE recordings (a whole 1,000 takes minutes);
the loop's cost per recording, (loop playbook - list playbook) / SAMPLE, is extrapolated to 1,000 and the list
playbook added back. The figure is that estimate over the module's wall time. A rerun of the module (nothing to
fetch: one HEAD a file) is timed too.

12b, the peak RSS of the module process that downloads the 1,000 files, under Ansible, through call_records'
interpreter wrapper (os.wait4 on the module's own process).

12c, retention over 10,000 recordings of 1 KiB: recording_info downloads them, then `recording` with
`older_than_days: 30` and `require_downloaded` deletes them; the requests each sends, by method, from /_sim/requests.
"""

from __future__ import annotations

import collections
import json
import os
from pathlib import Path

from .call_records import write_wrapper
from .harness import AUTH_ID, AUTH_TOKEN, Bench, BenchmarkError
from .many_calls import EMPTY_PLAYBOOK
from .report import Figure, progress

COUNT = 1000
SIZE = 1024 * 1024
SAMPLE = 100
CONCURRENCY = 8
RETENTION_COUNT = 10_000

DOWNLOAD = """\
- name: Every old recording downloaded by one task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Download
      vobiz.telephony.recording_info:
        older_than_days: 30
        limit: %(count)d
        concurrency: %(concurrency)d
        dest: "%(dest)s"
      register: found
      failed_when: found.count != %(count)d
"""

LIST_ONLY = """\
- name: The old recordings, listed
  hosts: localhost
  gather_facts: false
  tasks:
    - name: List
      vobiz.telephony.recording_info:
        older_than_days: 30
        limit: %(count)d
      register: found
"""

GET_URL = LIST_ONLY + """\
    - name: Each one fetched with get_url
      ansible.builtin.get_url:
        url: "{{ item.recording_url }}"
        dest: "%(dest)s/{{ item.recording_id }}.mp3"
        mode: "0644"
      loop: "{{ found.recordings[:%(sample)d] }}"
"""

RETENTION = """\
- name: Retention over every recording
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Download
      vobiz.telephony.recording_info:
        older_than_days: 30
        limit: %(count)d
        dest: "%(dest)s"
    - name: Delete what is safe on disk
      vobiz.telephony.recording:
        older_than_days: 30
        require_downloaded: "%(dest)s"
      register: gone
      failed_when: gone.deleted | length != %(count)d
"""


def scenario(bench: Bench, name: str, count: int, size: int) -> Path:
    account = {"auth_id": AUTH_ID, "auth_token": AUTH_TOKEN}
    return bench.write_file(name, json.dumps({"accounts": [account], "recordings": [{"generate": {"count": count, "age_days": 40, "size": size}}]}))


def fresh_dir(bench: Bench, name: str) -> Path:
    directory = bench.workdir / name
    directory.mkdir()
    return directory


def requests_by_method(bench: Bench) -> dict:
    return dict(collections.Counter(entry["method"] for entry in bench.recorded_requests()))


def download_figures(bench: Bench) -> list:
    with bench.simulator_with(scenario(bench, "recordings-1000.json", COUNT, SIZE)):
        dest = fresh_dir(bench, "recordings-module")
        values = {"count": COUNT, "concurrency": CONCURRENCY, "dest": dest, "sample": SAMPLE}
        loop_dest = fresh_dir(bench, "recordings-get_url")
        playbooks = {name: bench.write_file("recordings-%s.yml" % name, text % dict(values, dest=loop_dest if name == "get_url" else dest))
                     for name, text in (("empty", EMPTY_PLAYBOOK), ("download", DOWNLOAD), ("list", LIST_ONLY), ("get_url", GET_URL))}
        log = bench.workdir / "recordings-rss.log"
        wrapper = write_wrapper(bench, log)
        progress("   one recording_info task downloading %d x 1 MiB (under the RSS wrapper), its rerun, then the list and a get_url loop over %d"
                 % (COUNT, SAMPLE))
        empty = bench.run_ansible("ansible-playbook", [str(playbooks["empty"])], "the empty playbook").seconds
        bench.control("DELETE", "requests")
        module = bench.run_ansible("ansible-playbook", [str(playbooks["download"]), "-e", "ansible_python_interpreter=%s" % wrapper],
                                   "the download playbook").seconds
        sent = requests_by_method(bench)
        files = list(dest.iterdir())
        if len(files) != COUNT or any(path.stat().st_size != SIZE for path in files):
            raise BenchmarkError("the download left %d files, expected %d of %d bytes" % (len(files), COUNT, SIZE))
        peak = max(int(line.split(" ", 1)[0]) for line in log.read_text(encoding="utf-8").splitlines()) / 1024.0
        bench.control("DELETE", "requests")
        rerun = bench.run_ansible("ansible-playbook", [str(playbooks["download"])], "the download rerun").seconds
        rerun_sent = requests_by_method(bench)
        listed = bench.run_ansible("ansible-playbook", [str(playbooks["list"])], "the list playbook").seconds
        loop = bench.run_ansible("ansible-playbook", [str(playbooks["get_url"])], "the get_url playbook").seconds
        per_item = (loop - listed) / SAMPLE
        estimate = listed + per_item * COUNT
        fetched = len(os.listdir(bench.workdir / "recordings-get_url"))
        if fetched != SAMPLE:
            raise BenchmarkError("the get_url loop fetched %d files, expected %d" % (fetched, SAMPLE))
    return [
        Figure("13a", "1,000 x 1 MiB recordings: get_url loop (estimated) / recording_info task",
               "%.1fx (%.0f s / %.1f s)" % (estimate / module, estimate, module), ">= 10x", estimate / module >= 10,
               ["recording_info (concurrency %d): %.1f s, requests %s; its rerun (nothing fetched) %.1f s, requests %s"
                % (CONCURRENCY, module, sent, rerun, rerun_sent),
                "get_url loop over %d of them: %.1f s, the list alone %.1f s: %.2f s a recording, x %d + the list = %.0f s (estimated, not run whole)"
                % (SAMPLE, loop, listed, per_item, COUNT, estimate),
                "an empty playbook takes %.2f s" % empty]),
        Figure("13b", "1,000 x 1 MiB recordings, recording_info process: peak RSS", "%.0f MiB" % peak, "none (figure)", None,
               ["the module process under Ansible (interpreter wrapper, os.wait4), one run; files are streamed in 64 KiB chunks"]),
    ]


def retention_figure(bench: Bench) -> Figure:
    with bench.simulator_with(scenario(bench, "recordings-10000.json", RETENTION_COUNT, 1024)):
        dest = fresh_dir(bench, "recordings-retention")
        playbook = bench.write_file("recordings-retention.yml", RETENTION % {"count": RETENTION_COUNT, "dest": dest})
        progress("   retention over %d recordings: download, then delete with require_downloaded" % RETENTION_COUNT)
        bench.control("DELETE", "requests")
        run = bench.run_ansible("ansible-playbook", [str(playbook)], "the retention playbook")
        sent = requests_by_method(bench)
        left = bench.control("GET", "recordings")["recordings"]
        if left:
            raise BenchmarkError("%d recordings left after the retention" % len(left))
    return Figure("13c", "Retention over 10,000 recordings: requests sent", "%d (%s)" % (sum(sent.values()), ", ".join(
        "%s %d" % item for item in sorted(sent.items()))), "none (figure)", None,
        ["download (100 list pages + 10,000 GETs) then delete (100 list pages + 10,000 HEADs + 10,000 DELETEs): %.1f s in all" % run.seconds])


def measure(bench: Bench) -> list:
    return download_figures(bench) + [retention_figure(bench)]
