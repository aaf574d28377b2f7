"""The tests' jitter mode (tests/simulator/jitter.py, VOBIZ_TEST_JITTER): one seed gives one sequence of pauses, off draws
none, a bad value stops with the variable's name, and each hand-over draws a pause (the simulator before an API answer,
before each callback try and before logging its answer; the receiver before it replies)."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading

import pytest
from callback_receiver import CallbackReceiver
from conftest import AUTH_ID, REPO_ROOT, TOKEN, Sim

from tests.simulator import Simulator, callbacks, jitter


def clean_env(**variables) -> dict:
    """This environment without pytest's, xdist's or the jitter's variables, plus `variables`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "VOBIZ_TEST_JITTER"))}
    env.update(variables)
    return env


def run_python(code: str, **variables) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=clean_env(**variables), capture_output=True, text=True,
                          timeout=60, check=False)


class Recording(jitter.Jitter):
    """A stream that notes each pause it gives, and gives none (the test proves where they are drawn, not how long)."""

    def __init__(self, kind: str):
        super().__init__(0.3, 1, kind, where=lambda: "test")
        self.drawn = []
        self._drawn_lock = threading.Lock()

    def delay(self) -> float:
        value = super().delay()
        with self._drawn_lock:
            self.drawn.append(value)
        return 0.0


def draws(maximum: float, seed: int, kind: str = "api-answer", where: str = "tests/e2e/test_x.py::test_y", count: int = 50) -> list:
    stream = jitter.Jitter(maximum, seed, kind, where=lambda: where)
    return [stream.delay() for _draw in range(count)]


def test_one_seed_gives_one_sequence_of_pauses_within_the_maximum():
    first = draws(0.3, 12345)
    assert first == draws(0.3, 12345)
    assert all(0.0 <= value <= 0.3 for value in first), first
    assert len(set(first)) == len(first)
    assert first != draws(0.3, 12346)
    # each kind of hand-over and each test has a stream of its own
    assert first != draws(0.3, 12345, kind="callback-send")
    assert first != draws(0.3, 12345, where="tests/e2e/test_x.py::test_z")


def test_the_same_seed_replays_in_another_process():
    """A str seed is hashed with SHA-512, not hash(): the same in every process, whatever PYTHONHASHSEED says."""
    code = ("from tests.simulator.jitter import Jitter\n"
            "stream = Jitter(0.3, 777, 'callback-log', where=lambda: 'tests/e2e/test_x.py::test_y')\n"
            "print(repr([stream.delay() for _draw in range(20)]))\n")
    outputs = {run_python(code, PYTHONHASHSEED=seed).stdout.strip() for seed in ("1", "2")}
    assert outputs == {repr(draws(0.3, 777, kind="callback-log", count=20))}


def test_a_stream_restarts_for_each_test_and_goes_on_through_its_phases():
    where = ["tests/e2e/test_x.py::test_y"]
    stream = jitter.Jitter(0.3, 5, "receiver-reply", where=lambda: where[0])
    first = [stream.delay() for _draw in range(3)]
    where[0] = "tests/e2e/test_x.py::test_z"
    other = [stream.delay() for _draw in range(3)]
    where[0] = "tests/e2e/test_x.py::test_y"
    assert [stream.delay() for _draw in range(3)] == first
    assert other != first
    assert jitter.context({"PYTEST_CURRENT_TEST": "tests/e2e/test_x.py::test_y[a (b)] (setup)"}) == "tests/e2e/test_x.py::test_y[a (b)]"
    assert jitter.context({"PYTEST_CURRENT_TEST": "tests/e2e/test_x.py::test_y[a (b)] (call)"}) == "tests/e2e/test_x.py::test_y[a (b)]"
    assert jitter.context({"PYTEST_XDIST_WORKER": "gw1"}) == "gw1"
    assert jitter.context({}) == "main"


@pytest.mark.parametrize("value", [None, "", "0", "0.0", " 0 "])
def test_off_means_no_stream_at_all(value):
    environ = {} if value is None else {jitter.VARIABLE: value}
    assert jitter.settings(environ) is None
    assert jitter.SEED_VARIABLE not in environ  # no seed chosen either


def test_off_the_simulator_and_the_receiver_have_nothing_to_draw_from():
    code = ("from tests.simulator import Simulator, jitter\n"
            "from tests.simulator.callbacks import send\n"
            "import sys; sys.path.insert(0, 'tests/e2e')\n"
            "from callback_receiver import CallbackReceiver\n"
            "receiver = CallbackReceiver()\n"
            "print(Simulator().jitter, receiver._server.jitter, jitter.for_handover('callback-send'), jitter.for_handover('callback-log'))\n")
    for value in (None, "0"):
        done = run_python(code, **({} if value is None else {jitter.VARIABLE: value}))
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["None"] * 4, done.stdout


def test_a_seed_is_chosen_once_and_put_in_the_environment():
    environ = {jitter.VARIABLE: "0.25"}
    configured = jitter.settings(environ)
    assert configured.maximum == 0.25
    assert environ[jitter.SEED_VARIABLE] == str(configured.seed)
    assert jitter.settings(environ) == configured
    assert jitter.settings({jitter.VARIABLE: "0.3", jitter.SEED_VARIABLE: "12345"}) == jitter.Settings(0.3, 12345)
    assert configured.describe() == "jitter: up to 0.25 s, seed %d; replay with VOBIZ_TEST_JITTER=0.25 VOBIZ_TEST_JITTER_SEED=%d" % (
        configured.seed, configured.seed)


@pytest.mark.parametrize(("variables", "named"), [
    ({jitter.VARIABLE: "-0.1"}, jitter.VARIABLE),
    ({jitter.VARIABLE: "abc"}, jitter.VARIABLE),
    ({jitter.VARIABLE: "nan"}, jitter.VARIABLE),
    ({jitter.VARIABLE: "inf"}, jitter.VARIABLE),
    ({jitter.VARIABLE: "0.3", jitter.SEED_VARIABLE: "1.5"}, jitter.SEED_VARIABLE),
    ({jitter.VARIABLE: "0", jitter.SEED_VARIABLE: "seed"}, jitter.SEED_VARIABLE),
])
def test_a_bad_value_is_refused_naming_its_variable(variables, named):
    with pytest.raises(jitter.JitterError, match="^%s must be" % named):
        jitter.settings(dict(variables))


def test_a_bad_value_stops_the_simulator_and_pytest_naming_the_variable(tmp_path):
    started = subprocess.run([sys.executable, "-m", "tests.simulator", "--url-file", str(tmp_path / "url")], cwd=REPO_ROOT,
                             env=clean_env(VOBIZ_TEST_JITTER="0.3s"), capture_output=True, text=True, timeout=60, check=False)
    assert started.returncode == 2, started
    assert "Vobiz simulator cannot start: VOBIZ_TEST_JITTER must be" in started.stderr
    assert not (tmp_path / "url").exists()
    session = subprocess.run([sys.executable, "-m", "pytest", "tests/e2e/test_jitter.py", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                              "-k", "test_off_means_no_stream_at_all"], cwd=REPO_ROOT, env=clean_env(VOBIZ_TEST_JITTER_SEED="x"),
                             capture_output=True, text=True, timeout=120, check=False)
    assert session.returncode == pytest.ExitCode.USAGE_ERROR, session.stdout + session.stderr
    assert "VOBIZ_TEST_JITTER_SEED must be an integer: got 'x'" in session.stderr


def test_pytest_prints_the_seed_to_replay_with():
    session = subprocess.run([sys.executable, "-m", "pytest", "tests/e2e/test_jitter.py", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                              "-k", "test_off_means_no_stream_at_all"], cwd=REPO_ROOT,
                             env=clean_env(VOBIZ_TEST_JITTER="0.05", VOBIZ_TEST_JITTER_SEED="4242"), capture_output=True, text=True,
                             timeout=120, check=False)
    assert session.returncode == 0, session.stdout + session.stderr
    assert "jitter: up to 0.05 s, seed 4242; replay with VOBIZ_TEST_JITTER=0.05 VOBIZ_TEST_JITTER_SEED=4242" in session.stdout


def api_get(simulator: Simulator, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", simulator.port, timeout=10)
    try:
        connection.request("GET", "/api/v1" + path, headers={"X-Auth-ID": AUTH_ID, "X-Auth-Token": TOKEN})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_the_simulator_draws_a_pause_before_each_api_answer_and_none_for_control(sim: Sim):
    simulator = sim.simulator
    recording = Recording("api-answer")
    server = simulator._server  # pylint: disable=protected-access
    kept, server.jitter = server.jitter, recording
    try:
        for _request in range(3):
            assert api_get(simulator, "/Account/%s/Call/?status=live" % AUTH_ID) == 200
        sim.requests()
        sim.clear_requests()
    finally:
        server.jitter = kept
    assert len(recording.drawn) == 3


def test_each_callback_try_its_logged_answer_and_the_receivers_reply_draw_a_pause(monkeypatch):
    streams = {kind: Recording(kind) for kind in ("callback-send", "callback-log", "receiver-reply")}
    monkeypatch.setattr(callbacks, "for_handover", streams.get)
    monkeypatch.setattr(callbacks, "RETRY_DELAYS", (0.0, 0.0, 0.0))
    log = callbacks.CallbackLog()
    with CallbackReceiver() as receiver:
        receiver._server.jitter = streams["receiver-reply"]  # pylint: disable=protected-access
        receiver.reply("/fails", status=500)
        answer = callbacks.send(log, threading.Event(), "ring", "uuid-1", receiver.url("/fails"), "POST", {"Event": "Ring"}, TOKEN)
        assert answer.status == 500
        answer = callbacks.send(log, threading.Event(), "hangup", "uuid-1", receiver.url("/ok"), "POST", {"Event": "Hangup"}, TOKEN)
        assert answer.ok
    tries = 1 + len(callbacks.RETRY_DELAYS) + 1
    assert [len(streams[kind].drawn) for kind in ("callback-send", "callback-log", "receiver-reply")] == [tries] * 3
    assert [entry["status"] for entry in log.snapshot()["callbacks"]] == [500] * 4 + [200]
