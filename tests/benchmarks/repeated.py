# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""8. Two hundred module runs in a row, as Ansible runs the module on the managed host: time per run.

The e2e load test checks that these runs leave no connection and no memory behind; how fast they go is this figure.
"""

from __future__ import annotations

import statistics
import time

from .harness import AUTH_ID, AUTH_TOKEN, Bench, BenchmarkError
from .report import Figure, progress

RUNS = 200
BARE_RUNS = 20
TARGET = 0.25  # s per run: 200 runs in 50 s


def run_once(bench: Bench, call_uuid: str) -> float:
    run, result = bench.run_module({"call_uuid": call_uuid, "timeout": 5, "retries": 0}, "repeated.json")
    if (result["found"], result["call_status"]) != (True, "in-progress"):
        raise BenchmarkError("the module answered %r" % result)
    return run.seconds


def measure(bench: Bench):
    bench.forget_calls_and_requests()
    (call_uuid,) = bench.generate_live_calls(1, "repeated-")
    progress("   module run directly x%d in a row, then bare Python x%d for comparison" % (RUNS, BARE_RUNS))
    started = time.monotonic()
    seconds = [run_once(bench, call_uuid) for _run in range(RUNS)]
    total = time.monotonic() - started
    sent = len(bench.recorded_requests())
    if sent != RUNS:
        raise BenchmarkError("%d runs sent %d requests" % (RUNS, sent))
    bare = [bench.run_python_module("tests.benchmarks.bare_client", [bench.api_url, AUTH_ID, AUTH_TOKEN, "1"], "bare Python").seconds
            for _run in range(BARE_RUNS)]
    per_run, bare_per_run = statistics.median(seconds), statistics.median(bare)
    return [Figure("8", "200 module runs in a row: time per run", "%.3f s (%.1f s in all)" % (per_run, total), "<= %.2f s" % TARGET,
                   per_run <= TARGET,
                   ["median of %d direct runs of the module (one GET each), interpreter start included" % RUNS,
                    "bare Python (requests, list + fetch of the same call), median of %d: %.3f s, so the module costs %.2fx"
                    % (BARE_RUNS, bare_per_run, per_run / bare_per_run)])]
