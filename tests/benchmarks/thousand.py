# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""4. 1,000 live calls in list mode: wall time and peak memory of the module's process."""

from __future__ import annotations

import statistics

from .harness import AUTH_ID, AUTH_TOKEN, Bench, BenchmarkError
from .report import Figure, progress

COUNT = 1000
CONCURRENCY = 8
RUNS = 3


def run_module_once(bench: Bench) -> tuple:
    """(seconds, peak RSS in MiB) of one direct run, checking the records and the requests sent."""
    bench.control("DELETE", "requests")
    run, result = bench.run_module({"details": True, "concurrency": CONCURRENCY}, "list-1000.json")
    sent = len(bench.recorded_requests())
    if len(result["calls"]) != COUNT or sent != COUNT + 1:
        raise BenchmarkError("the module returned %d records with %d requests, expected %d with %d" % (len(result["calls"]), sent, COUNT, COUNT + 1))
    return run.seconds, run.max_rss_mib


def measure(bench: Bench):
    bench.forget_calls_and_requests()
    bench.generate_live_calls(COUNT, "thousand-")
    progress("   module run directly x%d, then bare Python once for comparison" % RUNS)
    runs = [run_module_once(bench) for _round in range(RUNS)]
    seconds = statistics.median(run[0] for run in runs)
    rss = max(run[1] for run in runs)
    bare = bench.run_python_module("tests.benchmarks.bare_client", [bench.api_url, AUTH_ID, AUTH_TOKEN, str(CONCURRENCY)], "bare Python")
    return [Figure("4", "1,000 calls, module process: time, peak RSS", "%.2f s, %.0f MiB" % (seconds, rss), "none (figure)", None,
                   ["details, concurrency %d: median wall time of %d direct runs" % (CONCURRENCY, RUNS),
                    "peak RSS: ru_maxrss of the module's own process (os.wait4), the largest of the runs",
                    "bare Python for the same 1 + %d GETs: %.2f s, %.0f MiB" % (COUNT, bare.seconds, bare.max_rss_mib)])]
