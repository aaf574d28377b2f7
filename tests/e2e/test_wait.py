"""Waiting (wait_for) through ansible-playbook (playbooks/wait.yml), in normal mode and in check mode (which waits too)
with -vvv, against both forms of the live and queued answers: conftest's RUN_MODES.

Timings are checked against the simulator's own clock: when a call's status changed (its timeline) and when the module
asked (the recorded requests), both time.monotonic() of this process. Timelines start at the module's first request
(`timeline_starts: first_request`), so nothing depends on how fast Ansible or the module starts; times are checked
against what the playbook configured (wait_sleep, wait_timeout) with margins for a busy machine. How fast a wait
sees a change is a figure of `make bench`, not a test.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pytest
from conftest import AUTH_ID, LIST_AUTH_ID, MARGIN, Run, RunMode, Sim, call_path, served_status

# live_call_info with its default status: live, ended, queued, then live again (CallApi.look)
REQUESTS_OF_A_LOOK_THAT_FINDS_NOTHING = 4


@dataclass
class Waits:
    mode: str
    run: Run
    requests: list
    timelines: dict  # call_uuid -> [(monotonic instant, status)]

    def result(self, name: str) -> dict:
        return self.run.dump[name]

    def requests_for(self, call_uuid: str) -> list:
        return [entry for entry in self.requests if "/Call/%s/" % call_uuid in entry["path"]]

    def at(self, call_uuid: str, status: str) -> float:
        return next(instant for instant, entry_status in self.timelines[call_uuid] if entry_status == status)


def assert_waited_spans_the_looks(waited: float, recorded: list) -> None:
    """`waited` runs from the start of the first look to the end of the last: at least the span the simulator saw."""
    span = recorded[-1]["time"] - recorded[0]["time"]
    assert span - 0.01 <= waited <= span + MARGIN, (waited, span)


def assert_gave_up_at_the_deadline(looks: int, wait_timeout: float, wait_sleep: float) -> None:
    """Rounds start wait_sleep apart and the last pause is cut at the deadline: at most ceil(wait_timeout / wait_sleep)
    + 1 looks fit in a wait that gives up on time. A busy machine's stalls only leave room for fewer, so this holds on any
    machine, while a wait running past its deadline (7 times over: about 7 x as many looks) fails it."""
    assert looks <= math.ceil(wait_timeout / wait_sleep) + 1, (looks, wait_timeout, wait_sleep)


def assert_one_look_per_wait_sleep(looks: int, recorded: list, wait_sleep: float) -> None:
    """Looks start at least wait_sleep apart: n looks span at least (n - 1) x wait_sleep, less the first look's transit."""
    span = recorded[-1]["time"] - recorded[0]["time"]
    assert (looks - 1) * wait_sleep <= span + 1.0, (looks, span)


@pytest.fixture(scope="module")
def waits(run_mode: RunMode, ansible_runner, simulator: Sim) -> Waits:
    simulator.reset(run_mode.style)
    run = ansible_runner.playbook("wait.yml", check=run_mode.check, verbose=run_mode.check)
    assert run.rc == 0, run.explain()
    timelines = {uuid: [(entry["at"], entry["status"]) for entry in call["timeline"]] for uuid, call in simulator.calls().items()}
    return Waits(run_mode.mode, run, simulator.requests_ended(), timelines)  # the tests read when each was answered


def test_recap(waits: Waits):
    # ok: 5 e2e_control, 4 waits (the undrained one failed, ignored), set_fact in rescue, dump; the stuck wait was rescued
    assert waits.run.recap == {"ok": 11, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 0, "rescued": 1, "ignored": 1}


@pytest.mark.timing
def test_wait_reached(waits: Waits):
    result = waits.result("reached")
    assert result["failed"] is False
    assert (result["found"], result["call_status"], result["cdr"]) == (True, "in-progress", {})
    assert served_status(result["call"]) == "in-progress"
    assert result["http_retries"] == 0
    recorded = waits.requests_for("wait-reach")
    # one request per round: the call is looked for where it was seen last
    assert result["polls"] == len(recorded) > 1
    assert {(entry["path"], entry["query"]["status"]) for entry in recorded} == {(call_path("wait-reach"), "live")}
    # answered 1.5 s after the first look: every look but the last saw it ringing, the last one came after the answer
    answered = waits.at("wait-reach", "in-progress")
    assert 1.5 <= answered - recorded[0]["time"] <= 1.5 + MARGIN  # its timeline started as that first look was answered
    assert all(entry["time"] < answered for entry in recorded[:-1])  # answered ringing: arrived before the answer
    assert recorded[-1]["ended"] >= answered  # answered in progress: its answer came after (it may have arrived before)
    assert_waited_spans_the_looks(result["waited"], recorded)
    assert_one_look_per_wait_sleep(result["polls"], recorded, 0.2)


@pytest.mark.timing
def test_wait_for_a_call_not_yet_visible(waits: Waits):
    result = waits.result("appeared")
    assert result["failed"] is False
    assert (result["found"], result["call_status"]) == (True, "ringing")
    assert result["call"]["call_uuid"] == "wait-late"
    recorded = waits.requests_for("wait-late")
    # A look that finds nothing reads live, ended, queued and live again (a call may move from queued to live between):
    # four 404s. Each look whose four were all answered before the call rang found nothing, and another look followed it.
    # One still under way when the call rang (a stalled machine, jittered hand-overs) may find it ringing itself, so the
    # looks are counted from the answers the simulator stamped before the ring, not assumed from the 1.5 s.
    answered_before_ringing = sum(1 for entry in recorded if entry["ended"] < waits.at("wait-late", "ringing"))
    assert result["polls"] > answered_before_ringing // REQUESTS_OF_A_LOOK_THAT_FINDS_NOTHING
    # every look but the last found nothing (four requests); the last found the call at one of its four
    assert 0 < len(recorded) - REQUESTS_OF_A_LOOK_THAT_FINDS_NOTHING * (result["polls"] - 1) <= REQUESTS_OF_A_LOOK_THAT_FINDS_NOTHING
    assert recorded[0]["time"] < waits.at("wait-late", "ringing") <= recorded[-1]["ended"]
    assert_waited_spans_the_looks(result["waited"], recorded)
    assert_one_look_per_wait_sleep(result["polls"], recorded, 0.2)  # a call not found is looked for at every endpoint
    assert [entry["response_status"] for entry in recorded][-1] == 200
    assert {entry["response_status"] for entry in recorded[:-1]} == {404}


@pytest.mark.timing
def test_wait_timed_out(waits: Waits):
    for name in ("stuck", "stuck_rescued"):  # the registered result, and ansible_failed_result in rescue:
        result = waits.result(name)
        assert result["failed"] is True
        assert (result["found"], result["call_status"], result["cdr"]) == (True, "ringing", {}), name
        assert result["call"]["call_uuid"] == "wait-stuck"
        assert served_status(result["call"]) == "ringing"
        assert 1.0 <= result["waited"] < 1.0 + MARGIN  # wait_timeout: 1; it gives up once that has passed
        assert result["polls"] >= 2
        assert_gave_up_at_the_deadline(result["polls"], 1.0, 0.3)
        assert result["msg"] == ("Timed out after %.1f s waiting for call wait-stuck to reach in-progress or completed; "
                                 "its last call_status was ringing (%d observations)" % (result["waited"], result["polls"]))
        assert result["http_retries"] == 0
    recorded = waits.requests_for("wait-stuck")
    assert len(recorded) == waits.result("stuck")["polls"]
    assert_waited_spans_the_looks(waits.result("stuck")["waited"], recorded)
    assert_one_look_per_wait_sleep(len(recorded), recorded, 0.3)


@pytest.mark.timing
def test_list_drain(waits: Waits):
    result = waits.result("drained")
    assert result["failed"] is False
    assert result["call_uuids"] == []
    assert "calls" not in result  # details: false
    assert result["polls"] > 1
    lists = [entry for entry in waits.requests if entry["path"] == "/api/v1/Account/%s/Call/" % LIST_AUTH_ID]
    drain = lists[:result["polls"]]
    assert {entry["query"]["status"] for entry in drain} == {"live"}
    # the last round came after the last call ended, the one before it did not
    last_end = waits.at("drain-2", "no-answer")
    assert drain[-2]["time"] < last_end <= drain[-1]["ended"]
    assert_waited_spans_the_looks(result["waited"], drain)
    assert_one_look_per_wait_sleep(result["polls"], drain, 0.2)
    assert waits.requests_for("drain-1") == waits.requests_for("drain-2") == []


@pytest.mark.timing
def test_list_drain_timed_out(waits: Waits):
    result = waits.result("undrained")
    assert result["failed"] is True
    assert result["call_uuids"] == ["drain-hold"]
    assert [record["call_uuid"] for record in result["calls"]] == ["drain-hold"]
    assert 0.5 <= result["waited"] < 0.5 + MARGIN  # wait_timeout: 0.5
    assert_gave_up_at_the_deadline(result["polls"], 0.5, 0.2)
    assert re.fullmatch(r"Timed out after \d+\.\d s waiting for every live call to end; 1 still live: drain-hold", result["msg"]), result["msg"]
    assert result["msg"].startswith("Timed out after %.1f s" % result["waited"])


def test_every_wait_request_is_the_main_or_list_account(waits: Waits):
    for entry in waits.requests:
        expected = LIST_AUTH_ID if "/%s/" % LIST_AUTH_ID in entry["path"] else AUTH_ID
        assert entry["headers"]["X-Auth-ID"] == expected
        assert entry["method"] == "GET"
