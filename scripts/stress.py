"""`make stress`: the whole e2e suite, or every test that compares times, run again and again with every core kept busy
and the tests' hand-overs jittered.

Usage: python scripts/stress.py [--runs 3] [--set all|timing] [--jitter SECONDS] [--workers 2] [--integration COMMAND]
                                [-- extra pytest arguments]
       python scripts/stress.py --check-targets

This script starts one busy loop per core, then --runs times over runs pytest in the interpreter that runs it (the first
ansible-core version's venv, as `make e2e` does, with pytest-xdist on --workers workers) on
- `--set all` (the default): every e2e test, `pytest tests/e2e`;
- `--set timing`: the e2e tests that compare times, `pytest tests/e2e -m timing`, and COMMAND for each `timing`
  integration target ({target} in it is replaced by the target's name). Those tests carry `@pytest.mark.timing`
  (tests/e2e/conftest.py fails a test that compares times without it, and one that carries it without comparing any);
  the integration targets whose playbooks compare times have `timing` in their aliases (--check-targets, run by
  `make lint`, fails otherwise).
Each pytest run has the tests' jitter on (VOBIZ_TEST_JITTER=--jitter, tests/simulator/jitter.py: a random pause of up to
that many seconds at every hand-over between the simulator, the module and the tests' receivers) under a seed of its
own, printed with the run (VOBIZ_TEST_JITTER_SEED in the environment: every run under that seed, to replay one);
`--jitter 0` turns it off. The script stops the loops and prints for each test how many of its runs passed, and exits
non-zero unless every run of every test passed.

It imports nothing of ansible-core: only the tests it runs do, in their own processes.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.simulator import jitter  # noqa: E402  # standard library only

OUT = ROOT / "build" / "stress"
TARGETS = ROOT / "tests" / "integration" / "targets"
# What an integration playbook compares times with: a module's `waited` (`x.waited >= 1.5`).
TIME_IN_PLAYBOOK = re.compile(r"\.waited\b")
# A busy loop that stops by itself after MAX_BUSY_SECONDS, should this script be killed before it can stop it.
MAX_BUSY_SECONDS = 4 * 3600
BUSY_LOOP = "import time\nend = time.monotonic() + %d\nwhile time.monotonic() < end:\n    pass\n" % MAX_BUSY_SECONDS
# The default longest pause at each hand-over (make stress's STRESS_JITTER overrides it): many times a hand-over's own few
# ms, so it reorders them; small against the tests' seconds of MARGIN and the simulator's 5 s callback timeout. It costs
# a whole-suite run about 2 minutes of the 23-25 a run took here with both cores busy (tests/e2e/README.md).
DEFAULT_JITTER = 0.3
SETS = {"all": [], "timing": ["-m", "timing"]}


class StallWatch(threading.Thread):
    """How late a thread of this (idle) process wakes from a short sleep: the longest stretch in which the machine ran
    nothing of it, what the tests' MARGIN must cover. Reported for each run, then reset."""

    NAP = 0.05

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.worst = 0.0

    def run(self) -> None:
        while True:
            before = time.monotonic()
            time.sleep(self.NAP)
            self.worst = max(self.worst, time.monotonic() - before - self.NAP)

    def take(self) -> float:
        worst, self.worst = self.worst, 0.0
        return worst


def start_busy_loops(count: int) -> list:
    return [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _loop in range(count)]


def stop(processes: list) -> None:
    for process in processes:
        process.kill()
    for process in processes:
        process.wait()


def run_once(number: int, workers: int, selection: list, jittered: jitter.Settings | None, extra: list) -> tuple:
    """One pytest run of the selected tests; (exit code, seconds, {test id: outcome})."""
    report = OUT / ("run-%02d.xml" % number)
    argv = [sys.executable, "-m", "pytest", "tests/e2e", *selection, "-q", "-p", "no:cacheprovider", "--junitxml", str(report)]
    if workers:
        argv += ["-n", str(workers), "--dist", "worksteal"]
    env = {key: value for key, value in os.environ.items() if key not in (jitter.VARIABLE, jitter.SEED_VARIABLE)}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    if jittered:
        env.update({jitter.VARIABLE: str(jittered.maximum), jitter.SEED_VARIABLE: str(jittered.seed)})
    started = time.monotonic()
    log = OUT / ("run-%02d.log" % number)
    with log.open("w", encoding="utf-8") as output:
        code = subprocess.run(argv + extra, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, check=False).returncode
    return code, time.monotonic() - started, outcomes(report)


def outcomes(report: Path) -> dict:
    """{test id: passed | failed | error | skipped} from a JUnit XML report (empty when pytest wrote none)."""
    if not report.is_file():
        return {}
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        test_id = "%s::%s" % (case.get("classname", ""), case.get("name", ""))
        kinds = {child.tag for child in case}
        found[test_id] = "failed" if "failure" in kinds else "error" if "error" in kinds else "skipped" if "skipped" in kinds else "passed"
    return found


def timing_targets() -> list:
    """The integration targets whose aliases say `timing`."""
    return sorted(aliases.parent.name for aliases in TARGETS.glob("*/aliases")
                  if "timing" in aliases.read_text(encoding="utf-8").split())


def check_targets() -> int:
    """Every integration target that compares times has the `timing` alias, and every one that has it does."""
    marked = set(timing_targets())
    wrong = []
    for target in sorted(path for path in TARGETS.iterdir() if (path / "aliases").is_file()):
        compares = any(TIME_IN_PLAYBOOK.search(path.read_text(encoding="utf-8")) for path in target.rglob("*.yml"))
        if compares != (target.name in marked):
            wrong.append("%s: %s" % (target.name, "compares times without the `timing` alias" if compares else "has the `timing` alias but compares no time"))
    for line in wrong:
        print("tests/integration/targets/" + line, file=sys.stderr)
    print("timing integration targets: %s" % (", ".join(sorted(marked)) or "none"))
    return 1 if wrong else 0


def run_target(number: int, target: str, command: str) -> tuple:
    """One run of an integration target; (passed, seconds)."""
    log = OUT / ("run-%02d-%s.log" % (number, target))
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as output:
        code = subprocess.run(command.replace("{target}", target), shell=True, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                              check=False).returncode
    return code == 0, time.monotonic() - started


def stop_on_sigterm(signum, frame) -> None:
    """`kill` (SIGTERM) ends the script as Ctrl-C does: through the `finally` that stops the busy loops."""
    raise KeyboardInterrupt


def jitter_seconds(text: str) -> float:
    try:
        return jitter.read_maximum({jitter.VARIABLE: text})
    except jitter.JitterError as error:
        raise argparse.ArgumentTypeError(str(error).replace(jitter.VARIABLE, "the jitter")) from None


def run_jitter(maximum: float, replay_seed: int | None) -> jitter.Settings | None:
    """One run's jitter: the seed to replay when one is given, else a new one."""
    if not maximum:
        return None
    environ = {jitter.VARIABLE: str(maximum)}
    if replay_seed is not None:
        environ[jitter.SEED_VARIABLE] = str(replay_seed)
    return jitter.settings(environ)


def main() -> int:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--set", dest="test_set", choices=sorted(SETS), default="all",
                        help="every e2e test (all, the default), or those that compare times and the timing integration targets")
    parser.add_argument("--jitter", type=jitter_seconds, default=DEFAULT_JITTER,
                        help="the longest pause at each hand-over, seconds (default %s; 0: off)" % DEFAULT_JITTER)
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (0: one process)")
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2, help="busy loops (default: one per core)")
    parser.add_argument("--integration", metavar="COMMAND", help="runs one integration target, named by {target}")
    parser.add_argument("--check-targets", action="store_true", help="only check the `timing` aliases of the integration targets")
    parser.add_argument("extra", nargs="*", help="more pytest arguments, after --")
    options = parser.parse_args()
    if options.check_targets:
        return check_targets()
    try:
        replay_seed = jitter.read_seed(os.environ)
    except jitter.JitterError as error:
        parser.error(str(error))
    OUT.mkdir(parents=True, exist_ok=True)
    targets = timing_targets() if options.integration and options.test_set == "timing" else []
    what = "every e2e test" if options.test_set == "all" else "the timing tests" + (" and integration targets" if targets else "")

    passed = collections.Counter()
    ran = collections.Counter()
    codes = []
    stalls = StallWatch()
    stalls.start()
    loops = start_busy_loops(options.busy)
    print("stress: %d busy loops; %s %d times over, jitter %s" % (
        len(loops), what, options.runs, "up to %s s" % options.jitter if options.jitter else "off"), flush=True)
    try:
        for number in range(1, options.runs + 1):
            jittered = run_jitter(options.jitter, replay_seed)
            print("run %d of %d: %s" % (number, options.runs, jittered.describe() if jittered else "no jitter"), flush=True)
            code, seconds, found = run_once(number, options.workers, SETS[options.test_set], jittered, options.extra)
            codes.append(code)
            for test_id, outcome in found.items():
                ran[test_id] += outcome != "skipped"
                passed[test_id] += outcome == "passed"
            failed = sorted(test_id for test_id, outcome in found.items() if outcome in ("failed", "error"))
            print("run %d of %d: pytest exit %d, %d tests, %d failed, %.0f s, longest stall %.2f s%s%s" % (
                number, options.runs, code, len(found), len(failed), seconds, stalls.take(),
                ", seed %d" % jittered.seed if jittered else "", "".join("\n    failed: " + test_id for test_id in failed)), flush=True)
            for target in targets:
                target_passed, seconds = run_target(number, target, options.integration)
                test_id = "integration target " + target
                ran[test_id] += 1
                passed[test_id] += target_passed
                print("run %d of %d: %s %s, %.0f s" % (number, options.runs, test_id, "passed" if target_passed else "FAILED", seconds), flush=True)
    except KeyboardInterrupt:
        print("stress: stopped before the end", file=sys.stderr)
        return 130
    finally:
        stop(loops)

    print("\nruns passed  test")
    for test_id in sorted(ran):
        print("%4d of %-4d  %s" % (passed[test_id], ran[test_id], test_id))
    bad = [test_id for test_id in ran if passed[test_id] != ran[test_id]]
    broken_runs = [code for code in codes if code != 0]
    everything = bool(ran) and not bad and not broken_runs
    print("\nstress: %d tests, %d runs each with %d cores busy, jitter %s: %s" % (
        len(ran), options.runs, len(loops), "up to %s s" % options.jitter if options.jitter else "off", "every run passed" if everything else
        "%d tests failed at least once; pytest exit codes %s" % (len(bad), codes)))
    return 0 if everything else 1


if __name__ == "__main__":
    sys.exit(main())
