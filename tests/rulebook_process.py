# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one ansible-rulebook runner of the end-to-end tests, the benchmarks and the demo: a rulebook run with the
inventory of examples/, an Ansible environment (tests/ansible_env.py) and the virtual environment's bin first on PATH
(ansible-rulebook finds ansible-playbook there), in a session of its own with its output in a file that the caller
reads and waits on, stopped with the playbooks it started."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from tests.ansible_env import BIN, bin_first_on_path
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[1]
INVENTORY = ROOT / "examples" / "inventory.yml"
WAIT = 180.0  # seconds for anything to happen; a busy 2-core machine starts a JVM and ansible-playbook slowly


class RulebookProcess:
    """ansible-rulebook running `rulebook`: a file, YAML text, or a list of rulesets (written as YAML), the text
    written to `workdir`/`name`.yml; its output in `workdir`/`name`.out; run from `cwd` (default `workdir`)."""

    def __init__(self, rulebook, env: dict, workdir: Path, *, name: str = "rulebook", cwd: Path | None = None):
        if isinstance(rulebook, Path):
            self.path = rulebook
        else:
            self.path = workdir / (name + ".yml")
            if not isinstance(rulebook, str):
                import yaml  # pylint: disable=import-outside-toplevel  # only where rulesets are given as data

                rulebook = yaml.safe_dump(rulebook, sort_keys=False)
            self.path.write_text(rulebook, encoding="utf-8")
        self.log = workdir / (name + ".out")
        env = dict(bin_first_on_path(env), ANSIBLE_FORCE_COLOR="0", NO_COLOR="1", PYTHONUNBUFFERED="1")
        self.argv = [str(BIN / "ansible-rulebook"), "--rulebook", str(self.path), "--inventory", str(INVENTORY)]
        with open(self.log, "wb") as out:
            # pylint: disable-next=consider-using-with
            self.process = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(cwd or workdir),
                                            start_new_session=True)

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def explain(self) -> str:
        return "argv: %s\nrc: %s\n--- output ---\n%s" % (self.argv, self.process.poll(), self.output[-12000:])

    def _exited(self) -> str | None:
        code = self.process.poll()
        return None if code is None else "ansible-rulebook exited with %d" % code

    def wait_for(self, what: str, condition, within: float = WAIT, every: float = 0.2, done=bool):
        """wait_for(condition) while ansible-rulebook runs: WaitTimeout, with its output, after `within` seconds or
        once it has exited."""
        return wait_for(condition, within, what=what, done=done, every=every, gone=self._exited, explain=self.explain)

    def wait_for_line(self, text: str, within: float = WAIT, every: float = 0.2) -> None:
        """Until `text` shows in the output."""
        self.wait_for(repr(text), lambda: text in self.output, within, every)

    def wait_for_exit(self, within: float = WAIT) -> int:
        """Its exit code, once it has exited."""
        # pylint: disable=unnecessary-lambda  # a call, so that the glossary check reads the method as the process's own
        return wait_for(lambda: self.process.poll(), within, what="ansible-rulebook to exit", done=lambda code: code is not None,
                        every=0.2, explain=self.explain)

    def stop(self, grace: float = 60.0) -> None:
        """SIGTERM to its session (ansible-rulebook shuts down its sources and actions), SIGKILL after `grace` seconds."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
