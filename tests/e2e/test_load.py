"""A short load test: a thousand live calls in one list-mode task, and thirty module runs in a row that leave neither
connections nor memory behind (the simulator's open connections and resident memory stay flat).

What it checks is behaviour (every record, every connection closed, memory flat), never how fast: the time of these
runs is a figure of `make bench` (docs/benchmarks.md)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

from conftest import AUTH_ID, LIST_AUTH_ID, LIST_TOKEN, TOKEN, Sim, open_connections_reach

MODULE_PATH = "ansible_collections.vobiz.telephony.plugins.modules.live_call_info"
LOAD_CALLS = 1000
RUNS = 30  # each run costs a Python start-up (0.35 CPU-s): enough to see a connection or memory kept per run; `make bench` times 200 (figure 8)
WINDOW = 10  # the first and the last runs compared


def test_a_thousand_live_calls_in_one_list_task(ansible, sim: Sim):
    uuids = sim.control("POST", "calls", {"generate": {"count": LOAD_CALLS, "account": LIST_AUTH_ID, "prefix": "load-"}})["call_uuids"]
    assert uuids == ["load-%06d" % index for index in range(LOAD_CALLS)]
    run = ansible.adhoc("timeout=10", env=ansible.connection_env(auth_id=LIST_AUTH_ID, token=LIST_TOKEN))
    assert (run.rc, run.status) == (0, "SUCCESS"), run.explain()
    result = run.result
    assert result["call_uuids"] == uuids
    assert [record["call_uuid"] for record in result["calls"]] == uuids  # every record, in the list's order
    assert {record["call_status"] for record in result["calls"]} == {"in-progress"}
    assert result["calls"][999]["from"] == "918000000999" and result["calls"][999]["to"] == "919900000999"
    assert (result["http_retries"], result["polls"]) == (0, 1)
    recorded = sim.requests()
    assert len(recorded) == LOAD_CALLS + 1
    assert recorded[0]["path"] == "/api/v1/Account/%s/Call/" % LIST_AUTH_ID
    assert sorted(entry["path"] for entry in recorded[1:]) == ["/api/v1/Account/%s/Call/%s/" % (LIST_AUTH_ID, uuid) for uuid in uuids]
    assert {entry["response_status"] for entry in recorded} == {200}


def _resident_kib() -> int:
    """VmRSS of this process, which serves the simulator from one of its threads."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def _run_module(argv: list, env: dict, out_path) -> tuple:
    """(exit code, stdout, peak RSS in KiB) of one module process, its rusage read with os.wait4."""
    with open(out_path, "w+b") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
        out.seek(0)
        return process.returncode, out.read().decode("utf-8", errors="replace"), usage.ru_maxrss


def test_module_runs_in_a_row_leave_no_connection_nor_memory_behind(collections_path, sim: Sim, tmp_path):
    """The installed module file run as a process, as Ansible would run it on the managed host, RUNS times in a row."""
    sim.add_calls({"call_uuid": "load-call", "account": AUTH_ID, "from": "919262171438", "to": "919148227303"})
    args = tmp_path / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {
        "call_uuid": "load-call", "auth_id": AUTH_ID, "auth_token": TOKEN, "api_url": sim.base_url, "timeout": 5, "retries": 0,
    }}), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "VOBIZ_"))}
    env.update(PYTHONPATH=str(collections_path), PYTHONDONTWRITEBYTECODE="1", HOME=str(tmp_path))
    argv = [sys.executable, "-m", MODULE_PATH, str(args)]
    before = sim.control("GET", "stats")
    assert open_connections_reach(sim, 1) == 1  # only the stats request itself

    open_after, simulator_rss, module_rss = [], [], []
    for index in range(RUNS):
        code, output, peak = _run_module(argv, env, tmp_path / "out.json")
        assert code == 0, output
        result = json.loads(output)
        assert (result["found"], result["call_status"], result["http_retries"]) == (True, "in-progress", 0), (index, result)
        assert TOKEN not in output
        open_after.append(open_connections_reach(sim, 1))
        simulator_rss.append(_resident_kib())
        module_rss.append(peak)

    after = sim.control("GET", "stats")
    assert after["recorded_requests"] == RUNS
    assert after["api_connections"] - before["api_connections"] == RUNS  # one kept-alive connection per run
    assert open_after == [1] * RUNS  # each process's connection closed once it was done
    first, last = statistics.mean(simulator_rss[:WINDOW]), statistics.mean(simulator_rss[-WINDOW:])
    assert last <= first + 16 * 1024, (first, last)  # KiB: no growth per request beyond the recorded entries
    first, last = statistics.mean(module_rss[:WINDOW]), statistics.mean(module_rss[-WINDOW:])
    assert last <= first * 1.10, (first, last)
