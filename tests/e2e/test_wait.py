"""Waiting (wait_for) through ansible-playbook (playbooks/wait.yml), in normal mode and in check mode (which waits too).

Timings are checked against the simulator's own clock: when a call's status changed (its timeline) and when the module
asked (the recorded requests), both time.monotonic() of this process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from conftest import AUTH_ID, LIST_AUTH_ID, Run, Sim, call_path, served_status


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


@pytest.fixture(scope="module", params=["normal", "check-vvv"])
def waits(request, ansible_runner, simulator: Sim, response_style: str) -> Waits:
    simulator.reset(response_style)
    check = request.param == "check-vvv"
    run = ansible_runner.playbook("wait.yml", check=check, verbose=check)
    assert run.rc == 0, run.explain()
    timelines = {uuid: [(entry["at"], entry["status"]) for entry in call["timeline"]] for uuid, call in simulator.calls().items()}
    return Waits(request.param, run, simulator.requests(), timelines)


def test_recap(waits: Waits):
    # ok: 5 uri, 4 waits (the undrained one failed, ignored), set_fact in rescue, dump; the stuck wait was rescued
    assert waits.run.recap == {"ok": 11, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 0, "rescued": 1, "ignored": 1}


def test_wait_reached(waits: Waits):
    result = waits.result("reached")
    assert result["failed"] is False
    assert (result["found"], result["call_status"], result["cdr"]) == (True, "in-progress", {})
    assert served_status(result["call"]) == "in-progress"
    assert result["http_retries"] == 0
    recorded = waits.requests_for("wait-reach")
    # one request per poll: the call is looked for where it was seen last
    assert result["polls"] == len(recorded) > 1
    assert {(entry["path"], entry["query"]["status"]) for entry in recorded} == {(call_path("wait-reach"), "live")}
    # placed 1.5 s before it is answered, just before the task started: waited is about 1.5 s less the module's start-up
    assert 0.7 <= result["waited"] <= 2.5, result["waited"]
    answered = waits.at("wait-reach", "in-progress") - recorded[0]["time"]
    assert answered - 0.05 <= result["waited"] <= answered + 0.2 + 0.5  # within one wait_sleep (0.2 s) and some slack
    assert all(entry["time"] < waits.at("wait-reach", "in-progress") for entry in recorded[:-1])
    assert recorded[-1]["time"] >= waits.at("wait-reach", "in-progress")


def test_wait_for_a_call_not_yet_visible(waits: Waits):
    result = waits.result("appeared")
    assert result["failed"] is False
    assert (result["found"], result["call_status"]) == (True, "ringing")
    assert result["call"]["call_uuid"] == "wait-late"
    assert result["polls"] > 1
    recorded = waits.requests_for("wait-late")
    assert recorded[0]["time"] < waits.at("wait-late", "ringing") <= recorded[-1]["time"]
    assert [entry["response_status"] for entry in recorded][-1] == 200
    assert {entry["response_status"] for entry in recorded[:-1]} == {404}


def test_wait_timed_out(waits: Waits):
    for name in ("stuck", "stuck_rescued"):  # the registered result, and ansible_failed_result in rescue:
        result = waits.result(name)
        assert result["failed"] is True
        assert (result["found"], result["call_status"], result["cdr"]) == (True, "ringing", {}), name
        assert result["call"]["call_uuid"] == "wait-stuck"
        assert served_status(result["call"]) == "ringing"
        assert 1.0 <= result["waited"] < 2.0
        assert result["polls"] >= 2
        assert result["msg"] == ("Timed out after %.1f s waiting for call wait-stuck to reach in-progress or completed; "
                                 "its last call_status was ringing (%d observations)" % (result["waited"], result["polls"]))
        assert result["http_retries"] == 0
    assert len(waits.requests_for("wait-stuck")) == waits.result("stuck")["polls"]


def test_list_drain(waits: Waits):
    result = waits.result("drained")
    assert result["failed"] is False
    assert result["call_uuids"] == []
    assert "calls" not in result  # details: false
    assert result["polls"] > 1
    lists = [entry for entry in waits.requests if entry["path"] == "/api/v1/Account/%s/Call/" % LIST_AUTH_ID]
    drain = lists[:result["polls"]]
    assert {entry["query"]["status"] for entry in drain} == {"live"}
    # the last poll came after the last call ended, the one before it did not
    last_end = waits.at("drain-2", "no-answer")
    assert drain[-2]["time"] < last_end <= drain[-1]["time"]
    assert waits.requests_for("drain-1") == waits.requests_for("drain-2") == []


def test_list_drain_timed_out(waits: Waits):
    result = waits.result("undrained")
    assert result["failed"] is True
    assert result["call_uuids"] == ["drain-hold"]
    assert [record["call_uuid"] for record in result["calls"]] == ["drain-hold"]
    assert 0.5 <= result["waited"] < 1.5
    assert re.fullmatch(r"Timed out after \d+\.\d s waiting for every live call to end; 1 still live: drain-hold", result["msg"]), result["msg"]
    assert result["msg"].startswith("Timed out after %.1f s" % result["waited"])


def test_every_wait_request_is_the_main_or_list_account(waits: Waits):
    for entry in waits.requests:
        expected = LIST_AUTH_ID if "/%s/" % LIST_AUTH_ID in entry["path"] else AUTH_ID
        assert entry["headers"]["X-Auth-ID"] == expected
        assert entry["method"] == "GET"
