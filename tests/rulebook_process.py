# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""ansible-rulebook as a child process, for the end-to-end tests and the benchmarks: started in a session of its
own with its output in a file, and stopped with the playbooks it started."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path


def start_rulebook(argv: list, env: dict, cwd: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        # pylint: disable-next=consider-using-with
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(cwd), start_new_session=True)


def stop_rulebook(process: subprocess.Popen, grace: float = 60.0) -> None:
    """SIGTERM to its session (ansible-rulebook shuts down its sources and actions), SIGKILL after `grace` seconds."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
