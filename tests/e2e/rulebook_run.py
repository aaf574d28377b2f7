"""One ansible-rulebook process of an end-to-end test: a rulebook written into the test's directory, run with the
inventory of examples/, the installed collection (the Ansible runner's environment) and the virtual environment's bin
first on PATH (ansible-rulebook finds ansible-playbook there), its output in a file the test reads."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml
from conftest import BIN_DIR, REPO_ROOT

from tests.rulebook_process import start_rulebook, stop_rulebook

INVENTORY = REPO_ROOT / "examples" / "inventory.yml"
DEADLINE = 180.0  # seconds for anything to happen; a busy 2-core machine starts a JVM and ansible-playbook slowly


class RulebookRun:
    """ansible-rulebook running `rulebook` (a list of rulesets) with `env` on top of the runner's environment."""

    def __init__(self, ansible, workdir: Path, rulebook: list, env: dict):
        self.path = workdir / "rulebook.yml"
        self.path.write_text(yaml.safe_dump(rulebook, sort_keys=False), encoding="utf-8")
        self.log = workdir / "rulebook.out"
        env = dict(ansible.base_env, **env)
        env.update({"PATH": "%s%s%s" % (BIN_DIR, os.pathsep, os.environ.get("PATH", "")), "ANSIBLE_FORCE_COLOR": "0", "NO_COLOR": "1"})
        self.argv = [str(BIN_DIR / "ansible-rulebook"), "--rulebook", str(self.path), "--inventory", str(INVENTORY)]
        self.process = start_rulebook(self.argv, env, workdir, self.log)

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def explain(self) -> str:
        return "argv: %s\nrc: %s\n--- output ---\n%s" % (self.argv, self.process.poll(), self.output[-12000:])

    def wait_for(self, what: str, condition, deadline: float = DEADLINE):
        """Poll `condition` until it returns something true; fail (with the output) after `deadline` seconds, or when
        ansible-rulebook exits (unless `what` is "exit")."""
        end = time.monotonic() + deadline
        while True:
            value = condition()
            if value:
                return value
            if self.process.poll() is not None and what != "exit":
                pytest.fail("ansible-rulebook exited while waiting for %s\n%s" % (what, self.explain()))
            if time.monotonic() > end:
                pytest.fail("no %s within %s s\n%s" % (what, deadline, self.explain()))
            time.sleep(0.2)

    def stop(self) -> None:
        stop_rulebook(self.process)
