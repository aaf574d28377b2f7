"""End-to-end fixtures: the collection built and installed from this tree, one simulator, and Ansible runs.

Every test drives the real `ansible` / `ansible-playbook` of the virtual environment running pytest, against
the collection as `ansible-galaxy collection build` packs it, talking to an in-process simulator on 127.0.0.1.
"""

from __future__ import annotations

import ast
import http.client
import inspect
import json
import re
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `pytest tests/e2e` as well as `python -m pytest tests/e2e`
    sys.path.insert(0, str(REPO_ROOT))

from tests.ansible_env import BIN as BIN_DIR  # noqa: E402
from tests.ansible_env import ansible_env, connection_env  # noqa: E402
from tests.installed_collection import build_collection, install_collection  # noqa: E402
from tests.simulator import Simulator, jitter  # noqa: E402
from tests.simulator.scenario import CALL_STATES  # noqa: E402
from tests.waiting import WAIT, wait_for  # noqa: E402


PLAYBOOK_DIR = Path(__file__).resolve().parent / "playbooks"
ACTION_PLUGIN_DIR = Path(__file__).resolve().parent / "action_plugins"  # e2e_dump, which playbooks write their results with

# A token distinctive enough that finding it in any output means it leaked.
TOKEN = "tok-SECRET-e2e-7c1f"
AUTH_ID = "MA_E2E00001"
# A second account of its own, so list-mode tests see only the calls they create.
LIST_AUTH_ID = "MA_E2ELIST01"
LIST_TOKEN = "tok-SECRET-e2e-list-93d0"
OTHER_AUTH_ID = "MA_E2EOTHER1"
OTHER_TOKEN = "tok-SECRET-e2e-other-5b2a"
INACTIVE_AUTH_ID = "MA_E2EDOWN01"
INACTIVE_TOKEN = "tok-SECRET-e2e-down-0e44"
WRONG_TOKEN = "tok-SECRET-e2e-wrong-1d9e"  # sent by the tests of a refused token: must not show either
SECRETS = (TOKEN, LIST_TOKEN, OTHER_TOKEN, INACTIVE_TOKEN, WRONG_TOKEN)
# What a busy machine may add to a time a test configured (a wait, a timeout), as the simulator or the module sees it:
# the upper side of every time comparison. With both cores kept busy (make stress), whole seconds pass now and then in
# which neither the module nor the simulator runs: a 1.5 s gap was seen as 6.78 s, a 1 s attempt held for 4.6 s. An
# upper bound is there to tell a bounded wait from a held or uncapped one, so the tests that use it make the wrong
# behaviour take far longer than the configured time plus MARGIN (a 600 s hang, a 30 s Retry-After, 15 s of back-off).
MARGIN = 10.0

SCENARIO = {
    "accounts": [
        {"auth_id": AUTH_ID, "auth_token": TOKEN},
        {"auth_id": LIST_AUTH_ID, "auth_token": LIST_TOKEN},
        {"auth_id": OTHER_AUTH_ID, "auth_token": OTHER_TOKEN},
        {"auth_id": INACTIVE_AUTH_ID, "auth_token": INACTIVE_TOKEN, "inactive": True},
    ],
    "calls": [],
}

MODULE = "vobiz.telephony.live_call_info"
# "localhost | SUCCESS => {...}" / "localhost | FAILED! => {...}" of the default callback (ad hoc).
_ADHOC_HEAD = re.compile(r"^localhost \| (SUCCESS|CHANGED|FAILED!|UNREACHABLE!)(?: \| rc=-?\d+)? => ", re.M)
_RECAP = re.compile(r"^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)",
                    re.M)


# --- tests that compare times ---------------------------------------------------------------------------------------
# `STRESS_SET=timing make stress` (scripts/stress.py) runs every test marked `timing` over and over with both cores busy. So that
# the set stays complete as tests are added, a test that compares times must carry the marker and a test that carries
# it must compare times, or it fails (pytest_runtest_call below). A test compares times when, while it runs, it reads
# - a time from what the simulator recorded or answered (SimulatorTimes), a module's `waited` (ResultTimes), or how
#   long an Ansible run took or when it ended (Run.seconds, Run.finished);
# - or, in its own source or that of a function of its module it calls by name, a clock or a time margin (CLOCK_WORDS).
CLOCK_WORDS = re.compile(r"\btime\.(?:monotonic|time|perf_counter)\(|\bMARGIN\b")


class _TimeReads:
    """Whether the running test has read a time (reset before each test's call)."""

    seen = False


def _note_time_read() -> None:
    _TimeReads.seen = True


class Timed(dict):
    """A decoded JSON object that notes when the running test reads one of its time_keys."""

    time_keys: frozenset = frozenset()

    def __getitem__(self, key):
        if key in self.time_keys:
            _note_time_read()
        return super().__getitem__(key)

    def get(self, key, default=None):
        if key in self.time_keys:
            _note_time_read()
        return super().get(key, default)


class SimulatorTimes(Timed):
    """An object the simulator answered: a recorded request's `time` (arrival) and `ended`, a control answer's instants."""

    time_keys = frozenset({"time", "ended", "monotonic", "created_at_monotonic"})


class ResultTimes(Timed):
    """An object Ansible printed or a playbook dumped: a module's `waited`."""

    time_keys = frozenset({"waited"})


def simulator_times(value):
    """`value` (what the simulator answered, decoded) with every object a SimulatorTimes."""
    if isinstance(value, dict):
        return SimulatorTimes((key, simulator_times(item)) for key, item in value.items())
    if isinstance(value, list):
        return [simulator_times(item) for item in value]
    return value


def decode_result(text: str, start: int = 0):
    """The JSON value in `text` at `start` (what follows it is ignored), its objects ResultTimes."""
    return json.JSONDecoder(object_hook=ResultTimes).raw_decode(text, start)[0]


def _reads_a_clock(item) -> bool:
    """Whether the test's source, or that of a function of its module that it calls by name, names a clock or a margin."""
    function = getattr(item, "function", None)
    if function is None:
        return False
    sources = [inspect.getsource(function)]
    called = {node.id for node in ast.walk(ast.parse(textwrap.dedent(sources[0]))) if isinstance(node, ast.Name)}
    for name in called:
        helper = getattr(item.module, name, None)
        if inspect.isfunction(helper) and helper.__module__ == item.module.__name__:
            sources.append(inspect.getsource(helper))
    return any(CLOCK_WORDS.search(source) for source in sources)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    _TimeReads.seen = False
    result = yield
    compares_times = _TimeReads.seen or _reads_a_clock(item)
    marked = item.get_closest_marker("timing") is not None
    if compares_times and not marked:
        pytest.fail("this test compares times but is not marked @pytest.mark.timing: mark it, so that `STRESS_SET=timing make stress` runs it",
                    pytrace=False)
    if marked and not compares_times:
        pytest.fail("this test is marked @pytest.mark.timing but compares no time: remove the marker", pytrace=False)
    return result


# --- waiting for what another thread or process does ------------------------------------------------------------------
# State that another thread or process writes (the simulator's request and callback logs, its calls, a receiver, a
# rulebook's output) is read once its owner reports it, never when it is "probably there by now" (README: "Wait for the
# owner of the state"), through tests/waiting.py's wait_for(condition, within=WAIT, what=...).


@dataclass
class Run:
    """One finished ansible or ansible-playbook process."""

    argv: list
    rc: int
    stdout: str
    stderr: str
    elapsed: float  # read it as `seconds`, which notes that the test compares times
    ended_at: float  # time.monotonic() as the process had ended: read it as `finished`, which notes it too
    status: str | None = None  # ad hoc: SUCCESS, FAILED! ...
    result: dict = field(default_factory=dict)  # ad hoc: the module's result as the callback printed it
    dump: dict = field(default_factory=dict)  # playbook: what its last task wrote to {{ e2e_out }}
    recap: dict = field(default_factory=dict)  # playbook: the PLAY RECAP counters of localhost

    @property
    def seconds(self) -> float:
        """How long the process ran (time.monotonic())."""
        _note_time_read()
        return self.elapsed

    @property
    def finished(self) -> float:
        """When the process had ended (time.monotonic(), the simulator's clock: it runs in this process)."""
        _note_time_read()
        return self.ended_at

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    @property
    def failed(self) -> bool:
        # The default callback's JSON for a failed result lacks "failed": the FAILED! word says it.
        return self.status == "FAILED!"

    def explain(self) -> str:
        return "argv: %s\nrc: %s\n--- stdout ---\n%s\n--- stderr ---\n%s" % (self.argv, self.rc, self.stdout[-6000:], self.stderr[-4000:])

    def assert_no_secret(self) -> None:
        for secret in SECRETS:
            assert secret not in self.output, "token %r leaked into the output of %s" % (secret, self.argv)
            assert secret not in json.dumps(self.dump), "token %r leaked into the registered results" % secret
            assert secret not in json.dumps(self.result), "token %r leaked into the result" % secret

    def assert_clean(self) -> None:
        """No Python traceback, no MODULE FAILURE, no token: whatever happened was reported by the module."""
        assert "MODULE FAILURE" not in self.output, self.explain()
        assert "Traceback (most recent call last)" not in self.output, self.explain()
        assert "The full traceback is" not in self.output, self.explain()
        self.assert_no_secret()


class Sim:
    """The session's simulator, with the control calls the tests use."""

    def __init__(self, simulator: Simulator):
        self.simulator = simulator
        self.base_url = simulator.base_url
        self.control_url = simulator.control_url

    def control(self, method: str, name: str, body=None):
        return simulator_times(self.simulator.control(method, name, body))

    def reset(self, response_style: str = "flat") -> None:
        """Back to SCENARIO, with every account answering in `response_style` (flat, or Plivo-style wrapped)."""
        self.control("POST", "reset")
        if response_style != "flat":
            for account in SCENARIO["accounts"]:
                self.control("POST", "accounts", dict(account, response_style=response_style))

    def add_calls(self, *calls: dict) -> list:
        return self.control("POST", "calls", {"calls": list(calls)})["call_uuids"]

    def set_status(self, call_uuid: str, status: str, **extra) -> dict:
        return self.control("POST", "calls/%s/status" % call_uuid, dict(status=status, **extra))

    def fault(self, **spec) -> str:
        return self.control("POST", "faults", spec)["id"]

    def requests(self, call_uuid: str | None = None) -> list:
        """Recorded API requests, optionally only those naming one call in their path."""
        recorded = self.control("GET", "requests")
        if call_uuid is None:
            return recorded
        return [entry for entry in recorded if "/Call/%s/" % call_uuid in entry["path"] or entry["path"].endswith("/Call/%s" % call_uuid)]

    def requests_ended(self, call_uuid: str | None = None, within: float = WAIT) -> list:
        """The recorded requests once each has "ended": its handler thread stamps that after it has answered, or noticed
        the client gone, which may be after the client (and its Ansible run) has finished. AssertionError naming the
        requests still open after `within` seconds."""
        def still_open(recorded: list) -> list:
            # whether each has ended, not when: dict.get, which a Timed does not note as a time read
            return [entry for entry in recorded if dict.get(entry, "ended") is None]

        return wait_for(lambda: self.requests(call_uuid), within, what="every recorded request%s ended" % ("" if call_uuid is None else " of %s" % call_uuid),
                        done=lambda recorded: not still_open(recorded),
                        show=lambda recorded: "still open: %s" % [(entry["method"], entry["path"], entry["query"], entry["request_id"])
                                                                  for entry in still_open(recorded)])

    def clear_requests(self) -> None:
        self.control("DELETE", "requests")

    def api_get(self, path: str, auth_id: str = AUTH_ID, token: str = TOKEN) -> tuple:
        """(status, decoded JSON) of one API GET, for comparing what the module returned with what the API serves."""
        parts = urlsplit(self.base_url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            connection.request("GET", parts.path + path, headers={"X-Auth-ID": auth_id, "X-Auth-Token": token})
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def calls(self) -> dict:
        return {call["call_uuid"]: call for call in self.control("GET", "calls")["calls"]}


def unwrapped(answer: tuple) -> tuple:
    """(status, record) of an api_get() answer of a live or queued lookup, in either form: the wrapped form's only entry."""
    status, body = answer
    if isinstance(body, dict) and "calls" in body and "call_status" not in body:
        assert len(body["calls"]) == 1, body
        return status, body["calls"][0]
    return status, body


def served_status(record: dict) -> str:
    """The status a served live or queued record states: its call_status (flat), or its call_state (wrapped) read back
    through the simulator's own table, which the module's mapping must agree with."""
    if "call_state" in record:
        return {state: status for status, state in CALL_STATES.items()}[record["call_state"]]
    return record["call_status"]


def status_queries(entries: list) -> list:
    """The status= query of each recorded request ("none" when absent), in order."""
    return [entry["query"].get("status", "none") for entry in entries]


def call_path(call_uuid: str, auth_id: str = AUTH_ID) -> str:
    return "/api/v1/Account/%s/Call/%s/" % (auth_id, call_uuid)


def open_connections_reach(simulator, expected: int) -> int:
    """The simulator's open_connections once it is `expected` (a Sim, or a Simulator a test started): a connection closed
    by a client is noticed by its thread a moment later."""
    return wait_for(lambda: simulator.control("GET", "stats")["open_connections"], what="open_connections to be %d" % expected,
                    done=lambda value: value == expected)


def assert_given_up_within(entry: dict, seconds: float) -> None:
    """The simulator saw the client give up on a held request (close its connection) within `seconds` of its arrival,
    and MARGIN."""
    assert entry["ended"] - entry["time"] <= seconds + MARGIN, entry


# `make matrix` runs again, on the second ansible-core version (and its Python), the tests that MATRIX names: for each
# module and event source, one of each way it meets ansible-core (a result, check mode or diff, a refusal by the argument
# checks, a failure's fields, -vvv without the token, the ad hoc CLI or ansible-rulebook), then what every plugin shares
# with ansible-core and Python (module_defaults and the action group, ansible-runner, TLS and sockets, a large result).
# Everything else goes through the same code on both versions: the unit tests, whole on both, check module_utils on
# both Pythons, and the rest of the e2e suite runs on the first version. An entry is a test id under tests/e2e/, with
# `*` for any text; a plugin without an entry, or an entry that names no test, stops `make matrix-e2e` (README: "The
# matrix").
MATRIX = {
    "live_call_info": ("test_adhoc.py::*", "test_wait.py::*[check-vvv-wrapped]"),
    "live_call": ("test_live_call.py::test_diff_shows_each_call_changed_from_its_status_to_ended[check]",
                  'test_live_call.py::test_bad_options_fail_before_any_request[{"call_uuid": null}-*',
                  "test_live_call.py::test_bad_options_fail_before_any_request[call_uuid=x state=present-*",
                  "test_live_call.py::test_refused_token_fails_cleanly_naming_the_call"),
    "call": ("test_call.py::*",),  # one -vvv playbook of every outcome, check mode and refusal, and the example
    "cdr_info": ("test_cdr_info.py::*[check-vvv]",),
    "application": ("test_examples.py::test_application_example_creates_then_changes_nothing",),
    "application_info": ("test_application.py::test_info_ad_hoc_*",),
    "number": ("test_ansible_runner.py::test_example_runs_through_ansible_runner[inbound_line.yml]",),
    "number_info": ("test_number.py::test_info_ad_hoc_*",),
    "live_call_action": ("test_live_call_action.py::test_each_action_on_one_call[speak]", "test_live_call_action.py::test_check_mode_sends_no_write",
                         "test_live_call_action.py::test_bad_options_fail_before_any_request[args3-*",
                         "test_live_call_action.py::test_unknown_outcome_is_sent_once_and_fails_naming_the_call[time-out]"),
    "recording_info": ("test_recording_info.py::test_check_mode_downloads_nothing_and_lists_what_it_would",
                       "test_recording_info.py::test_bad_input_is_refused_before_any_request[args5-*"),
    "recording": ("test_recording.py::test_the_retention_example_downloads_then_deletes_and_a_rerun_does_nothing",
                  "test_recording.py::test_check_mode_sends_no_delete"),
    "call_events": ("test_call_events.py::test_answered_and_ended_events_reach_the_playbook_once_in_order",
                    "test_call_events.py::test_bad_arguments_stop_the_source_before_any_request"),
    "callbacks": ("test_callbacks.py::test_a_call_reaches_the_rules_once_in_order_with_its_fields",
                  "test_callbacks.py::test_forged_unsigned_replayed_and_wrong_token_callbacks_get_403_and_fire_no_rule",
                  "test_callbacks.py::test_tls_with_a_certificate_made_here", "test_callbacks.py::test_bad_arguments_stop_the_source_at_start"),
    "module_defaults": ("test_examples.py::test_use_module_defaults[in-progress-0]", "test_live_call.py::test_token_given_in_module_defaults_never_shows"),
    "failures": ("test_failures.py::test_failure[two_option_errors]", "test_failures.py::test_failure[wrong_token]",
                 "test_failures.py::test_failure[time_out]"),
    "transport": ("test_reliability.py::test_tls_*", "test_reliability.py::test_plain_http_to_a_host_name_warns_of_clear_text",
                  "test_reliability.py::test_hang_with_retries_fails_within_the_bound"),
    "a large result": ("test_load.py::test_a_thousand_live_calls_in_one_list_task",),
}
E2E_PREFIX = "tests/e2e/"
_MATRIX_PATTERNS = {entry: re.compile(".*".join(re.escape(part) for part in entry.split("*")) + r"\Z")
                    for entries in MATRIX.values() for entry in entries}


def _matrix_entries_of(item) -> list:
    test_id = item.nodeid.removeprefix(E2E_PREFIX)
    return [entry for entry, pattern in _MATRIX_PATTERNS.items() if pattern.match(test_id)]


def check_matrix(items: list) -> None:
    """Every module and event source has an entry, and every entry names a collected test."""
    plugins = {path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py")}
    plugins |= {path.stem for path in (REPO_ROOT / "extensions" / "eda" / "plugins" / "event_source").glob("*.py") if path.stem != "__init__"}
    missing = sorted(plugins - set(MATRIX))
    named = {entry for item in items for entry in _matrix_entries_of(item)}
    stale = sorted(set(_MATRIX_PATTERNS) - named)
    if missing or stale:
        raise pytest.UsageError("MATRIX in tests/e2e/conftest.py: no entry for %s; entries naming no test: %s" % (missing, stale))


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "matrix: run again by `make matrix` on the second ansible-core version")
    config.addinivalue_line("markers", "timing: the test compares times; `STRESS_SET=timing make stress` runs it over and over")
    # VOBIZ_TEST_JITTER (tests/simulator/jitter.py): read here first, so that a bad value stops the session at once and
    # a seed chosen in the controller is in the environment that pytest-xdist's workers inherit.
    try:
        jitter.settings()
    except jitter.JitterError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_report_header(config) -> str | None:
    configured = jitter.settings()
    return configured.describe() if configured else None


def pytest_terminal_summary(terminalreporter) -> None:
    """The jitter line again at the end, beside the failures (-q shows no header)."""
    configured = jitter.settings()
    if configured:
        terminalreporter.write_line(configured.describe())


def pytest_itemcollected(item) -> None:
    if _matrix_entries_of(item):
        item.add_marker(pytest.mark.matrix)


# The longest tests start first, so that under xdist the other worker fills in around them instead of waiting at the end.
LONGEST_FIRST = ("tests/e2e/test_load.py::test_module_runs_in_a_row",)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items) -> None:
    if config.getoption("markexpr") == "matrix":
        check_matrix(items)
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))  # stable: the rest keep their order


@pytest.fixture(scope="session")
def collection_tarball(tmp_path_factory) -> Path:
    """The collection built from this tree by `ansible-galaxy collection build`, once per session."""
    return build_collection(tmp_path_factory.mktemp("collection"))


@pytest.fixture(scope="session")
def collections_path(collection_tarball) -> Path:
    """The collection built from this tree and installed, once per session."""
    installed = install_collection(collection_tarball, collection_tarball.parent / "collections")
    assert (installed / "ansible_collections" / "vobiz" / "telephony" / "plugins" / "modules" / "live_call_info.py").is_file()
    return installed


@pytest.fixture(scope="session")
def simulator():
    sim = Simulator(scenario=SCENARIO, latency=0.0)
    sim.start()
    yield Sim(sim)
    sim.stop()


@dataclass(frozen=True)
class RunMode:
    """How a module-scoped playbook run goes: `mode` "normal", or "check-vvv" (--check and -vvv); `style` the form
    the simulator answers live and queued lookups in, "flat" (Vobiz's record) or "wrapped" (the older Plivo-style
    {"api_id", "calls": [record]})."""
    mode: str
    style: str

    @property
    def check(self) -> bool:
        return self.mode == "check-vvv"


# Two runs cover both values of each: check mode and -vvv act in Ansible, the answer's form in the module's reading
# of it, and neither changes the other. Each of these runs costs 8 CPU-s and more; all four pairs would double that.
RUN_MODES = [RunMode("normal", "flat"), RunMode("check-vvv", "wrapped")]


@pytest.fixture(scope="module", params=RUN_MODES, ids=lambda run_mode: "%s-%s" % (run_mode.mode, run_mode.style))
def run_mode(request) -> RunMode:
    """For the module-scoped runs of test_wait.py and test_live_call_info_results.py: RUN_MODES, one run each."""
    return request.param


@pytest.fixture
def sim(simulator) -> Sim:
    """The simulator, reset: the scenario's accounts, no calls, no faults, no recorded requests."""
    simulator.reset()
    return simulator


# How long an Ansible process may run before the test calls it hung: a guard, not a bound on any behaviour (a test that
# bounds time compares what the simulator recorded with what it configured). Generous, because one shared playbook of
# a module's cases takes about 35 s on a quiet machine and took over 180 s under `make stress` beside other suites.
HANG_GUARD = 900


class Ansible:
    """Runs ansible and ansible-playbook against the installed collection, isolated under a temp dir."""

    def __init__(self, collections: Path, home: Path, simulator: Sim):
        self.home = home
        self.sim = simulator
        self.base_env = dict(ansible_env(collections, home, isolated=True, color=False), ANSIBLE_ACTION_PLUGINS=str(ACTION_PLUGIN_DIR))
        self.counter = 0

    def connection_env(self, auth_id: str = AUTH_ID, token: str = TOKEN, api_url: str | None = None) -> dict:
        return connection_env(api_url or self.sim.base_url, auth_id, token)

    def _run(self, argv: list, env: dict | None, check: bool, verbose: bool, timeout: float) -> Run:
        """Run an Ansible command with --check/-vvv as asked, and the connection in VOBIZ_* unless `env` is given."""
        argv = argv + (["--check"] if check else []) + (["-vvv"] if verbose else [])
        run_env = dict(self.base_env, **(self.connection_env() if env is None else env))
        started = time.monotonic()
        process = subprocess.run(argv, env=run_env, capture_output=True, text=True, timeout=timeout, check=False, cwd=str(self.home))
        ended_at = time.monotonic()
        return Run(argv=argv, rc=process.returncode, stdout=process.stdout, stderr=process.stderr, elapsed=ended_at - started, ended_at=ended_at)

    def adhoc(self, args: str, env: dict | None = None, verbose: bool = False, check: bool = False, timeout: float = HANG_GUARD,
              module: str = MODULE) -> Run:
        """`ansible localhost -m MODULE -a ARGS` (live_call_info unless told); env defaults to the connection in VOBIZ_*."""
        run = self._run([str(BIN_DIR / "ansible"), "localhost", "-m", module, "-a", args], env, check, verbose, timeout)
        heads = list(_ADHOC_HEAD.finditer(run.stdout))
        assert heads, "no ad hoc result line\n" + run.explain()
        match = heads[-1]  # the last one: -vvv prints other lines before it
        run.status = match.group(1)
        run.result = decode_result(run.stdout, match.end())
        run.assert_clean()
        return run

    def playbook(self, source: str, extra_vars: dict | None = None, env: dict | None = None, verbose: bool = False, check: bool = False,
                 timeout: float = HANG_GUARD) -> Run:
        """ansible-playbook of a playbook file under tests/e2e/playbooks/ (a name) or of inline YAML (several lines).

        Extra vars go through a JSON file (-e @file), so that no credential appears on a command line. Every playbook
        gets `e2e_out` (where its last task dumps the registered results), `sim_api_url`, `sim_control_url`, and the
        credentials of the main and list accounts (`e2e_auth_id`, `e2e_auth_token`, `e2e_list_auth_id`, `e2e_list_token`).
        """
        self.counter += 1
        if "\n" in source:
            path = self.home / ("inline-%03d.yml" % self.counter)
            path.write_text(textwrap.dedent(source), encoding="utf-8")
        else:
            path = PLAYBOOK_DIR / source
        out = self.home / ("dump-%03d.json" % self.counter)
        variables = {
            "e2e_out": str(out), "sim_api_url": self.sim.base_url, "sim_control_url": self.sim.control_url,
            "e2e_auth_id": AUTH_ID, "e2e_auth_token": TOKEN, "e2e_list_auth_id": LIST_AUTH_ID, "e2e_list_token": LIST_TOKEN,
        }
        variables.update(extra_vars or {})
        vars_file = self.home / ("vars-%03d.json" % self.counter)
        vars_file.write_text(json.dumps(variables), encoding="utf-8")
        run = self._run([str(BIN_DIR / "ansible-playbook"), str(path), "-e", "@" + str(vars_file)], env, check, verbose, timeout)
        if out.is_file():
            run.dump = decode_result(out.read_text(encoding="utf-8"))
        recap = _RECAP.search(run.stdout)
        if recap:
            names = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
            run.recap = dict(zip(names, (int(value) for value in recap.groups()), strict=True))
        run.assert_clean()
        return run

    def each_case(self, module: str, cases: list, verbose: bool = True) -> list:
        """The results of `module` run with each of `cases` (its arguments), in order, from one Ansible run: one task
        looping over them, errors ignored. Cases of one task each, such as refusals, share that run instead of paying
        each for an Ansible start (about 3 times the cost of one more task)."""
        return self.each_case_run(module, cases, verbose).dump

    def each_case_run(self, module: str, cases: list, verbose: bool = True) -> Run:
        """each_case's run itself: its `dump` holds the results in the order of `cases`, its output what the loop
        printed (a module's warnings are printed only, never registered)."""
        # Each option named, omitted where a case leaves it out: a whole templated argument string ("{{ item }}") draws
        # ansible-core's warning that task args from a template are unsafe (2.21 registers it in each result too).
        options = sorted(set().union(*cases))
        arguments = {option: "{{ item[%s] | default(omit) }}" % json.dumps(option) for option in options}
        run = self.playbook("""
            - hosts: localhost
              gather_facts: false
              tasks:
                - %s: %s
                  loop: "{{ e2e_cases }}"
                  register: each
                  ignore_errors: true
                - e2e_dump:
                    content: "{{ each.results | to_json }}"
                    dest: "{{ e2e_out }}"
                    mode: "0600"
                  check_mode: false
        """ % (module, json.dumps(arguments)), extra_vars={"e2e_cases": cases}, verbose=verbose)
        assert isinstance(getattr(run, "dump", None), list) and len(run.dump) == len(cases), run.explain()
        return run


def refusals(ansible: Ansible, simulator: Sim, module: str, table: list) -> tuple:
    """For a module-scoped fixture of refusal cases: `table`'s (arguments, message) cases in one -vvv Ansible run
    (Ansible.each_case) on a reset simulator, their results in the table's order, and what the simulator was asked
    meanwhile (nothing, for a refusal)."""
    simulator.reset()
    results = ansible.each_case(module, [args for args, _message in table])
    return results, simulator.requests()


@pytest.fixture(scope="session")
def ansible_runner(collections_path, simulator, tmp_path_factory) -> Ansible:
    return Ansible(collections_path, tmp_path_factory.mktemp("ansible-home"), simulator)


@pytest.fixture
def ansible(ansible_runner, sim) -> Ansible:
    """The Ansible runner, with the simulator reset for this test."""
    return ansible_runner
