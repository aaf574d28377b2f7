# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Vobiz simulator as a child process, the one way it is started outside a test's own process: the command
`python -m tests.simulator` (tests/simulator/__main__.py, which serves a `tests.simulator.Simulator` as the end-to-end
tests do in-process), on a free loopback port with a scenario file, ready once it has written its URL file.

The benchmarks and the demo call start_simulator(); the integration targets' shell script calls
`python -m tests.simulator --detach ...`, which starts it through start_simulator() too and prints its pid and URL.
Standard library only (the integration targets run it with ansible-test's Python).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.waiting import WaitTimeout, wait_for

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 15.0
JITTER_PREFIX = "VOBIZ_TEST_JITTER"


class SimulatorStartError(RuntimeError):
    """The simulator exited, or wrote no URL in time."""


@dataclass
class SimulatorProcess:
    """A running simulator: its process and its API's base URL (http://127.0.0.1:PORT/api/v1)."""

    process: subprocess.Popen
    api_url: str

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM (the simulator stops and exits 0), SIGKILL after `grace` seconds."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def simulator_argv(scenario: Path | str | None, url_file: Path, latency: float | None = None) -> list:
    """The command line of the simulator serving `scenario` (None: the bundled demo) on a free port of 127.0.0.1,
    writing its base URL to `url_file` once it serves."""
    argv = [sys.executable, "-m", "tests.simulator", "--port", "0", "--url-file", str(url_file)]
    if scenario is not None:
        argv += ["--scenario", str(scenario)]
    if latency is not None:
        argv += ["--latency", str(latency)]
    return argv


def _written_url(url_file: Path) -> str:
    """The URL once written (whole, then renamed by the simulator), else ""."""
    return url_file.read_text(encoding="utf-8").strip() if url_file.exists() else ""


def start_simulator(scenario: Path | str | None, latency: float | None = None, *, stdout=subprocess.DEVNULL, log: Path | None = None,
                    keep_jitter: bool = False, timeout: float = START_SECONDS) -> SimulatorProcess:
    """Start the simulator with `scenario` (JSON, or YAML with PyYAML) and wait until it serves.

    `latency`: seconds added to every API request (the simulator's default: none). `stdout`: where its one line,
    "Vobiz simulator serving URL", goes (None: this process's stdout); its stderr is this process's; `log`: both go
    to that file instead, whose end a start failure shows. The tests' jitter (VOBIZ_TEST_JITTER*) is left out of its
    environment unless `keep_jitter`: the benchmarks' figures and the demo's pace are the simulator's own. Raises
    SimulatorStartError, the process killed, when it exits or has written no URL within `timeout` seconds."""
    scratch = Path(tempfile.mkdtemp(prefix="vobiz-simulator-"))
    url_file = scratch / "simulator.url"
    env = {key: value for key, value in os.environ.items() if keep_jitter or not key.startswith(JITTER_PREFIX)}
    log_file = open(log, "ab") if log is not None else None  # pylint: disable=consider-using-with
    try:
        try:
            # pylint: disable-next=consider-using-with
            process = subprocess.Popen(simulator_argv(scenario, url_file, latency), cwd=ROOT, env=env,
                                       stdout=stdout if log_file is None else log_file, stderr=log_file)
        finally:
            if log_file is not None:
                log_file.close()
        try:
            url = wait_for(lambda: _written_url(url_file), timeout, what="the simulator's URL file",
                           gone=lambda: None if process.poll() is None else "it exited with %d" % process.returncode)
        except WaitTimeout as error:
            if process.poll() is None:
                process.kill()
                process.wait()
            shown = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log is not None else ""
            raise SimulatorStartError("the simulator did not start (%s)%s" % (error, "\n" + shown if shown else "")) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return SimulatorProcess(process, url)


def detach(scenario: str | None, latency: float | None, log: str | None) -> int:
    """`python -m tests.simulator --detach`: start the simulator (jitter kept), print "PID URL" once it serves, and
    leave it running: the caller stops it with SIGTERM."""
    try:
        started = start_simulator(scenario, latency, log=Path(log) if log else None, keep_jitter=True)
    except SimulatorStartError as error:
        print("Vobiz simulator cannot start: %s" % error, file=sys.stderr)
        return 1
    print(started.process.pid, started.api_url, flush=True)
    return 0
