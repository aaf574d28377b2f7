# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every benchmark needs: the collection built and installed, the simulator, Ansible's environment, measured processes.

Everything lives in one temporary directory outside the repo, removed at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.ansible_env import BIN, ansible_env, connection_env
from tests.installed_collection import CollectionInstallError, build_and_install
from tests.simulator_process import SimulatorProcess, SimulatorStartError, start_simulator

ROOT = Path(__file__).resolve().parents[2]
LATENCY = 0.02  # seconds the simulator adds to every API request
AUTH_ID = "MA_BENCH0001"
AUTH_TOKEN = "bench-token-0001"
MODULE = "ansible_collections.vobiz.telephony.plugins.modules.live_call_info"


class BenchmarkError(Exception):
    """A benchmark could not measure what it should (a failed run, a wrong answer)."""


@dataclass
class Run:
    """One finished process: wall seconds from start to exit, its peak RSS, exit code and output."""

    seconds: float
    max_rss_mib: float
    returncode: int
    stdout: str
    stderr: str
    ended_at: float  # time.monotonic() when the exit was seen


@dataclass
class Started:
    """A process started by start_process(), to be finished by finish_process()."""

    process: subprocess.Popen
    started_at: float
    stdout_path: Path
    stderr_path: Path


def start_process(argv: list, env: dict, cwd: Path, scratch: Path) -> Started:
    """Start argv with its output going to files (no pipe to drain while it runs)."""
    fd, name = tempfile.mkstemp(dir=scratch, prefix="out-")
    os.close(fd)
    stdout_path = Path(name)
    stderr_path = stdout_path.with_name(stdout_path.name + ".err")
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        started_at = time.monotonic()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=stdout, stderr=stderr)  # pylint: disable=consider-using-with
    return Started(process, started_at, stdout_path, stderr_path)


def finish_process(started: Started) -> Run:
    """Wait for the process with wait4(), which gives this one child's own resource usage (ru_maxrss in KiB on Linux)."""
    status, usage = os.wait4(started.process.pid, 0)[1:]
    ended_at = time.monotonic()
    started.process.returncode = os.waitstatus_to_exitcode(status)
    stdout = started.stdout_path.read_text(encoding="utf-8", errors="replace")
    stderr = started.stderr_path.read_text(encoding="utf-8", errors="replace")
    started.stdout_path.unlink()
    started.stderr_path.unlink()
    return Run(ended_at - started.started_at, usage.ru_maxrss / 1024.0, started.process.returncode, stdout, stderr, ended_at)


def run_process(argv: list, env: dict, cwd: Path, scratch: Path) -> Run:
    return finish_process(start_process(argv, env, cwd, scratch))


def checked(run: Run, what: str) -> Run:
    """The run, or a BenchmarkError with the end of its output when it failed."""
    if run.returncode != 0:
        tail = (run.stdout + run.stderr).strip().splitlines()[-15:]
        raise BenchmarkError("%s exited with %d:\n%s" % (what, run.returncode, "\n".join(tail)))
    return run


class Bench:
    """The installed collection and a running simulator with one account and no calls; a context manager.

    response_style: how the account's live and queued lookups and lists answer (the simulator's flat or wrapped)."""

    def __init__(self, keep: bool = False, response_style: str = "flat"):
        self.keep = keep
        self.response_style = response_style
        self.workdir = Path(tempfile.mkdtemp(prefix="vobiz-bench-"))
        self.scratch = self.workdir / "scratch"
        self.collections = self.workdir / "collections"
        self.simulator: SimulatorProcess | None = None
        self.api_url = ""
        self.control_session = requests.Session()

    def __enter__(self) -> "Bench":
        try:
            self.scratch.mkdir()
            self._install_collection()
            self._start_simulator()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
        self.control_session.close()
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # setting up

    def _install_collection(self) -> None:
        """Build the collection from this tree and install it, as a user would get it."""
        try:
            self.collections = build_and_install(self.workdir)
        except CollectionInstallError as error:
            raise BenchmarkError(str(error)) from None

    def _write_scenario(self) -> Path:
        scenario = self.workdir / "scenario.json"
        account = {"auth_id": AUTH_ID, "auth_token": AUTH_TOKEN, "response_style": self.response_style}
        scenario.write_text(json.dumps({"accounts": [account], "calls": []}), encoding="utf-8")
        return scenario

    def _start_simulator(self) -> None:
        try:
            self.simulator = start_simulator(self._write_scenario(), LATENCY)
        except SimulatorStartError as error:
            raise BenchmarkError(str(error)) from None
        self.api_url = self.simulator.api_url

    @contextmanager
    def simulator_with(self, scenario: Path):
        """A second simulator, loaded with `scenario` (the bench account must be in it), in place of the first while
        the block runs: Ansible, the module runs and control() all go to it; stopped at the end."""
        try:
            simulator = start_simulator(scenario, LATENCY)
        except SimulatorStartError as error:
            raise BenchmarkError(str(error)) from None
        saved = self.api_url
        self.api_url = simulator.api_url
        try:
            yield simulator
        finally:
            self.api_url = saved
            simulator.stop()

    # the simulator's control API

    def control(self, method: str, name: str, body=None):
        origin = self.api_url.split("/api/v1")[0]
        response = self.control_session.request(method, "%s/_sim/%s" % (origin, name), json=body if body is not None else {}, timeout=30)
        if response.status_code >= 400:
            raise BenchmarkError("control %s %s answered %d: %s" % (method, name, response.status_code, response.text[:200]))
        return response.json()

    def generate_live_calls(self, count: int, prefix: str) -> list:
        return self.control("POST", "calls", {"generate": {"count": count, "prefix": prefix, "status": "in-progress", "account": AUTH_ID}})["call_uuids"]

    def forget_calls_and_requests(self) -> None:
        self.control("DELETE", "calls")
        self.control("DELETE", "requests")

    def recorded_requests(self) -> list:
        return self.control("GET", "requests")

    def change_status(self, call_uuid: str, status: str) -> float:
        """Change the call's status now; returns the simulator's time.monotonic() of the change (one clock for the whole machine)."""
        return self.control("POST", "calls/%s/status" % call_uuid, {"status": status})["monotonic"]

    # Ansible

    def ansible_env(self) -> dict:
        """Ansible against the installed collection, the implicit localhost on this Python, temp files kept in the work dir."""
        return ansible_env(self.collections, self.workdir / "ansible-tmp", connection_env(self.api_url, AUTH_ID, AUTH_TOKEN), color=False)

    def run_ansible(self, program: str, args: list, what: str) -> Run:
        """ansible or ansible-playbook, from the work dir (so that no ansible.cfg of the tree applies)."""
        run = run_process([str(BIN / program)] + args, self.ansible_env(), self.workdir, self.scratch)
        return checked(run, what)

    def write_file(self, name: str, text: str) -> Path:
        path = self.workdir / name
        path.write_text(text, encoding="utf-8")
        return path

    # the module run directly, without Ansible's controller

    def module_argv(self, params: dict, name: str, module: str = MODULE) -> list:
        """python -m <the module> ARGS_FILE: AnsibleModule reads its arguments from the file, as under Ansible."""
        args = dict(params, api_url=self.api_url, auth_id=AUTH_ID, auth_token=AUTH_TOKEN)
        args_file = self.write_file(name, json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        return [sys.executable, "-m", module, str(args_file)]

    def module_env(self) -> dict:
        return dict(os.environ, PYTHONPATH=str(self.collections))

    def start_module(self, params: dict, name: str) -> Started:
        return start_process(self.module_argv(params, name), self.module_env(), self.workdir, self.scratch)

    def run_module(self, params: dict, name: str, module: str = MODULE) -> tuple:
        """(Run, the module's result) of one direct run of `module` (by default live_call_info)."""
        run = run_process(self.module_argv(params, name, module), self.module_env(), self.workdir, self.scratch)
        return checked(run, "the module"), module_result(run)

    def run_python_module(self, module: str, args: list, what: str) -> Run:
        """python -m <module of this tree> ARGS, from the repo root."""
        return checked(run_process([sys.executable, "-m", module] + args, dict(os.environ), ROOT, self.scratch), what)


def module_result(run: Run) -> dict:
    """The JSON a module printed, or a BenchmarkError when it printed none or failed."""
    try:
        result = json.loads(run.stdout)
    except ValueError:
        raise BenchmarkError("the module printed no JSON result: %s" % (run.stdout + run.stderr)[-500:]) from None
    if result.get("failed"):
        raise BenchmarkError("the module failed: %s" % result.get("msg"))
    return result
