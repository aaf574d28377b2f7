# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Vobiz simulator as a child process (`python -m tests.simulator`), for the benchmarks and the demo: started on
a free loopback port with a scenario file, ready once it has written its URL file, stopped with SIGTERM.

The end-to-end tests run it in-process instead (`tests.simulator.Simulator`), and the integration targets start the
same command from bash (tests/integration/targets/setup_vobiz_simulator/start_simulator.sh).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 15.0
URL_FILE = "simulator.url"


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


def start_simulator(scenario: Path, workdir: Path, latency: float | None = None, stdout: int | None = subprocess.DEVNULL,
                    timeout: float = START_SECONDS) -> SimulatorProcess:
    """Start the simulator with `scenario` (JSON, or YAML with PyYAML) and wait until it serves.

    It writes its URL to `workdir`/simulator.url. `latency`: seconds added to every API request (the simulator's
    default: none). `stdout`: where its one line, "Vobiz simulator serving URL", goes (None: this process's stdout);
    its stderr is this process's. Raises SimulatorStartError, the process killed, when it exits or has written no URL
    within `timeout` seconds. The tests' jitter (VOBIZ_TEST_JITTER*) is left out of its environment: the benchmarks'
    figures and the demo's pace are the simulator's own."""
    url_file = workdir / URL_FILE
    argv = [sys.executable, "-m", "tests.simulator", "--port", "0", "--url-file", str(url_file), "--scenario", str(scenario)]
    if latency is not None:
        argv += ["--latency", str(latency)]
    env = {key: value for key, value in os.environ.items() if not key.startswith("VOBIZ_TEST_JITTER")}
    process = subprocess.Popen(argv, cwd=ROOT, stdout=stdout, env=env)  # pylint: disable=consider-using-with
    deadline = time.monotonic() + timeout
    while not (url_file.exists() and url_file.read_text(encoding="utf-8").strip()):  # written whole, then renamed
        exited = process.poll()
        if exited is not None or time.monotonic() > deadline:
            if exited is None:
                process.kill()
                process.wait()
            reason = "it exited with %d" % exited if exited is not None else "no URL within %g s" % timeout
            raise SimulatorStartError("the simulator did not start (%s)" % reason)
        time.sleep(0.05)
    return SimulatorProcess(process, url_file.read_text(encoding="utf-8").strip())
