# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""python -m tests.benchmarks [--only 1,...,12] [--keep] [--response-style flat|wrapped]: every benchmark in one run against one simulator, then a table."""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import platform
import sys
import time

from tests.simulator.scenario import RESPONSE_STYLES
from tests.waiting import WaitTimeout

from . import (adhoc, call_records, call_sets, callback_rate, events, hang_up, many_calls, numbers, placing, recordings, repeated, speaking,
               thousand, waiting)
from .harness import LATENCY, Bench, BenchmarkError
from .report import progress, show_figure, table

BENCHMARKS = (
    ("1", "One ad hoc call: live_call_info against ansible.builtin.uri", adhoc.measure),
    ("2", "Facts for 100 live calls", many_calls.measure),
    ("3", "Waiting for a call to end", waiting.measure),
    ("4", "1,000 live calls in list mode", thousand.measure),
    ("5", "Facts for 100 given calls (call_uuids)", call_sets.measure),
    ("6", "Event-Driven Ansible: call_events through ansible-rulebook", events.measure),
    ("7", "Hanging up 100 live calls", hang_up.measure),
    ("8", "200 module runs in a row", repeated.measure),
    ("9", "Placing 100 calls", placing.measure),
    ("10", "10,000 call records: cdr_info against a uri loop over the pages, and its peak memory", call_records.measure),
    ("11", "Event-Driven Ansible: signed callbacks a second, callbacks against a webhook baseline", callback_rate.measure),
    ("12", "Routing 100 numbers to an application, and a converged rerun", numbers.measure),
    ("13", "Recordings: 1,000 x 1 MiB downloaded by recording_info against a get_url loop, its peak memory; retention over 10,000", recordings.measure),
    ("14", "Speaking to 100 live calls", speaking.measure),
)


def parse_args(argv: list) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description="Benchmarks of vobiz.telephony against the Vobiz simulator.")
    parser.add_argument("--only", default=",".join(benchmark[0] for benchmark in BENCHMARKS), help="comma-separated benchmark numbers to run (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    parser.add_argument("--response-style", choices=RESPONSE_STYLES, default="flat",
                        help="how the simulator answers the live and queued lookups and lists: Vobiz's flat record (default) "
                             "or the older Plivo-style {\"api_id\", \"calls\": [record]}")
    return parser.parse_args(argv)


def describe_machine(bench: Bench) -> str:
    return "%s, %d CPUs, Python %s, ansible-core %s; simulator %s with %d ms per API request, %s answers; %s" % (
        datetime.date.today().isoformat(), os.cpu_count() or 0, platform.python_version(),
        importlib.metadata.version("ansible-core"), bench.api_url, round(LATENCY * 1000), bench.response_style, load_average())


def load_average() -> str:
    """Other work on the machine skews every figure: say how busy it was."""
    return "load average %.2f" % os.getloadavg()[0]


def run_benchmarks(bench: Bench, wanted: set) -> list:
    figures = []
    for number, title, measure in BENCHMARKS:
        if number not in wanted:
            continue
        progress("\n%s. %s" % (number, title))
        for figure in measure(bench):
            show_figure(figure)
            figures.append(figure)
    return figures


def main(argv: list) -> int:
    args = parse_args(argv)
    wanted = {part.strip() for part in args.only.split(",")}
    start = time.monotonic()
    progress("Building and installing the collection, starting the simulator...")
    try:
        with Bench(keep=args.keep, response_style=args.response_style) as bench:
            progress(describe_machine(bench))
            if args.keep:
                progress("work directory (kept): %s" % bench.workdir)
            figures = run_benchmarks(bench, wanted)
    except (BenchmarkError, WaitTimeout) as error:  # WaitTimeout: what a benchmark waited for did not come
        print("benchmark failed: %s" % error, file=sys.stderr)
        return 1
    progress("\n%s\n\n(%.0f s in all, %s at the end; figures, not pass/fail tests)" % (table(figures), time.monotonic() - start, load_average()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
