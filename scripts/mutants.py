"""`make mutants`: mutation testing (mutmut 3) of the module_utils that hold the rules a user trusts.

Usage: python scripts/mutants.py [--workers N] [--keep] [--only LABEL ...] [--min-score 90]

For each target below mutmut changes one thing at a time in the file (a `<` into `<=`, a string, a default, a call
removed ...) and runs the target's tests (TARGETS names them), of those only the ones that reached the changed function
(mutmut records which from one traced run); a mutant that every test passes on has survived. The script then prints,
for each file, the mutants killed, survived and timed out and the share caught, and lists the survivors.

A survivor that no test can kill, because the mutant behaves as the original does, is listed in tests/unit/MUTANTS.md
with its key and the reason; it is left out of the file's count. The script exits 1 when a file catches less than
--min-score percent of its other mutants, or when an entry of MUTANTS.md names no surviving mutant (stale: the code or
the tests changed; mutmut numbers the mutants of a function in order, so an edit of a function renumbers them).

mutmut copies the code it mutates into ./mutants and runs pytest there, which needs the ansible_collections/<namespace>/
<name> layout: for each target the collection is staged (scripts/stage.sh) under build/mutants/<label>/ansible_collections/
vobiz/telephony, mutmut's config written to build/mutants/<label>/setup.cfg from TARGETS, and mutmut run there. A run
starts afresh (results of an earlier run could hide a test that changed) unless --keep.

It runs in the interpreter that runs it (.venv: mutmut, pytest and ansible-core).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutants"
COLLECTION = Path("ansible_collections/vobiz/telephony")
PACKAGE = "ansible_collections.vobiz.telephony.plugins.module_utils."
EQUIVALENTS = ROOT / "tests" / "unit" / "MUTANTS.md"

# label, file under plugins/module_utils/, the functions whose mutants count (mutmut's names: x_function for a
# function, xǁClassǁmethod for a method; fnmatch patterns), and the tests that may kill them (under tests/unit/; of
# those, mutmut runs for each mutant the ones that reached its function).
# (test_properties.py is left out: its hypothesis tests take seconds for each mutant that survives them)
_HTTP = ("plugins/module_utils/http",)
_CDRS = ("plugins/module_utils/cdrs", "plugins/module_utils/api/test_cdrs.py", "plugins/modules/test_cdr_info.py")
TARGETS = (
    ("client", "http/_client.py", "*", _HTTP + ("plugins/module_utils/recordings/test_recording_files.py", "plugins/module_utils/api/test_recordings.py")),
    ("retry", "http/_retry.py", "*", _HTTP + ("plugins/module_utils/calls/test_tracking.py", "plugins/module_utils/calls/test_tracking_rounds.py")),
    ("errors", "http/_errors.py", "*", _HTTP + ("plugins/module_utils/api",)),
    ("placing", "calls/_placing.py", "*", ("plugins/module_utils/calls/test_placing.py", "plugins/modules/test_call.py")),
    ("ending", "calls/_ending.py", "*", ("plugins/module_utils/calls/test_ending.py", "plugins/modules/test_live_call.py")),
    ("waiting", "calls/_waiting.py", "*", ("plugins/module_utils/api/test_calls.py", "plugins/module_utils/calls/test_ending.py",
                                           "plugins/module_utils/calls/test_placing.py", "plugins/modules/test_call.py",
                                           "plugins/modules/test_live_call.py")),
    ("wait loop", "common/_wait_loop.py", "*", ("plugins/module_utils/common", "plugins/module_utils/api/test_calls.py")),
    ("signatures", "receiving/_signatures.py", "*", ("plugins/module_utils/receiving",)),
    ("receiver", "receiving/_receiver.py", "*", ("plugins/module_utils/receiving", "extensions/eda/plugins/event_source/test_callbacks.py")),
    ("cdr gateway", "api/_cdrs.py", "*", _CDRS),
    ("cdr search", "cdrs/_search.py", "*", _CDRS),
    # the CSV export's rule that a file already holding the answer is left as it is (cdr_info's dest)
    ("cdr export", "_module.py", "x_write_if_different", ("plugins/modules/test_cdr_info.py",)),
)

CAUGHT = ("killed", "timeout")


def module_of(path: str) -> str:
    return PACKAGE + path[: -len(".py")].replace("/", ".")


def source_of(path: str) -> Path:
    return COLLECTION / "plugins" / "module_utils" / path


def work_dir(label: str) -> Path:
    return WORK / label.replace(" ", "-")


def stage(label: str, path: str, tests: tuple, keep: bool) -> None:
    """A staged copy of the collection for one target, with mutmut's config: that file, those tests."""
    work = work_dir(label)
    if not keep and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(ROOT / "scripts" / "stage.sh"), str(work / COLLECTION)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    (work / "setup.cfg").write_text(
        "# written by scripts/mutants.py from its TARGETS\n"
        "[mutmut]\n"
        "source_paths = ansible_collections\n"
        "only_mutate = %s\n"
        "pytest_add_cli_args_test_selection =%s\n"
        "pytest_add_cli_args =\n    -p\n    no:cacheprovider\n"
        "use_git_change_detection = false\n"
        % (source_of(path), "".join("\n    %s" % (COLLECTION / "tests" / "unit" / test) for test in tests)))


def run_mutmut(label: str, path: str, functions: str, workers: int) -> int:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    mutmut = Path(sys.executable).parent / "mutmut"
    command = [str(mutmut), "run", "--max-children", str(workers), "%s.%s__mutmut_*" % (module_of(path), functions)]
    with open(work_dir(label) / "mutmut-run.log", "w") as log:
        return subprocess.run(command, cwd=work_dir(label), env=env, stdout=log, stderr=subprocess.STDOUT, check=False).returncode


def statuses(label: str, path: str, functions: str) -> dict:
    """Each counted mutant's status, by its name."""
    from mutmut.stats import status_by_exit_code  # pylint: disable=import-outside-toplevel

    meta = work_dir(label) / "mutants" / (str(source_of(path)) + ".meta")
    exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
    pattern = "%s.%s__mutmut_*" % (module_of(path), functions)
    return {name: status_by_exit_code[code] for name, code in exit_codes.items() if fnmatch.fnmatchcase(name, pattern)}


ENTRY = re.compile(r"^- `(?P<key>[^`]+__mutmut_\d+)`:\s*(?P<reason>\S.*)$")


def equivalents() -> dict:
    """MUTANTS.md's entries: full mutant name -> reason. A key is written without the module_utils package prefix."""
    found = {}
    for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
        match = ENTRY.match(line.strip())
        if match:
            found[PACKAGE + match["key"]] = match["reason"]
    return found


def short(name: str) -> str:
    return name[len(PACKAGE):] if name.startswith(PACKAGE) else name


def report(targets: list, min_score: float, elapsed: float) -> int:
    listed = equivalents()
    rows, survivors, failures, used = [], [], [], set()
    for label, path, functions, _tests in targets:
        status = statuses(label, path, functions)
        equivalent = {name for name in status if name in listed}
        used |= equivalent
        counted = {name: value for name, value in status.items() if name not in equivalent}
        killed = sum(value == "killed" for value in counted.values())
        timeout = sum(value == "timeout" for value in counted.values())
        left = sorted(name for name, value in counted.items() if value not in CAUGHT)
        score = 100.0 * (killed + timeout) / len(counted) if counted else 100.0
        rows.append((label, path, len(status), killed, len(left), timeout, len(equivalent), score))
        survivors += [(name, counted[name]) for name in left]
        if score < min_score:
            failures.append("%s (%s): %.1f%% caught, below %g%%" % (label, path, score, min_score))
        for name in sorted(equivalent):
            if status[name] in CAUGHT:
                failures.append("MUTANTS.md lists %s as equivalent, but the tests catch it now: remove the entry" % short(name))
    counted_files = {module_of(path) + "." for _label, path, _functions, _tests in targets}
    for name in sorted(set(listed) - used):
        if any(name.startswith(module) for module in counted_files):
            failures.append("MUTANTS.md lists %s, which no longer exists (stale: the code changed): check it again" % short(name))

    header = ("file", "path", "mutants", "killed", "survived", "timeout", "equiv.", "% caught")
    print("%-12s %-26s %8s %7s %9s %8s %7s %9s" % header)
    for label, path, total, killed, left, timeout, equivalent, score in rows:
        print("%-12s %-26s %8d %7d %9d %8d %7d %8.1f%%" % (label, path, total, killed, left, timeout, equivalent, score))
    totals = [sum(row[i] for row in rows) for i in range(2, 7)]
    caught = totals[1] + totals[3]
    counted = totals[0] - totals[4]
    print("%-12s %-26s %8d %7d %9d %8d %7d %8.1f%%" % ("all", "", *totals, 100.0 * caught / counted if counted else 100.0))
    print("\n%% caught: (killed + timed out) / (mutants - equivalents listed in %s)" % EQUIVALENTS.relative_to(ROOT))
    if survivors:
        print("\nsurvivors (`cd build/mutants/LABEL && ../../../.venv/bin/mutmut show %sNAME` shows one):" % PACKAGE)
        for name, value in survivors:
            print("  %s%s" % (short(name), "" if value == "survived" else "  (%s)" % value))
    print("\nmutation testing took %d min %02d s" % divmod(round(elapsed), 60))
    for failure in failures:
        print("FAIL: %s" % failure)
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="mutants tested at once (default: the cores)")
    parser.add_argument("--keep", action="store_true", help="keep build/mutants of an earlier run (mutmut reuses its stats)")
    parser.add_argument("--only", action="append", metavar="LABEL", help="only this target (repeatable)")
    parser.add_argument("--min-score", type=float, default=90.0, help="the share of mutants each file must catch, in percent")
    parser.add_argument("--report", action="store_true", help="only print the results of the last run")
    args = parser.parse_args()
    targets = [target for target in TARGETS if not args.only or target[0] in args.only]
    if args.only and len(targets) != len(args.only):
        parser.error("--only takes labels among: %s" % ", ".join(target[0] for target in TARGETS))
    start = time.monotonic()
    if not args.report:
        for label, path, functions, tests in targets:
            began = time.monotonic()
            stage(label, path, tests, args.keep)
            code = run_mutmut(label, path, functions, args.workers)
            log = work_dir(label) / "mutmut-run.log"
            if code != 0:
                sys.stdout.write(log.read_text(errors="replace")[-4000:])
                print("mutmut run failed for %s (exit %d); its output: %s" % (path, code, log))
                return 2
            print("%-12s %s: %.0f s" % (label, path, time.monotonic() - began), flush=True)
    return report(targets, args.min_score, time.monotonic() - start)


if __name__ == "__main__":
    sys.exit(main())
