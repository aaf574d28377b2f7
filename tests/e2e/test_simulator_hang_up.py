"""Tests of the simulator's hang-up and cancel endpoints (DELETE), and of faults on them."""

from __future__ import annotations

import contextlib

import pytest
import requests

from tests.simulator import Simulator

ACCOUNT, TOKEN = "MA_HANG0001", "token-hang-0001"
OTHER, OTHER_TOKEN = "MA_HANG0002", "token-hang-0002"
SCENARIO = {
    "accounts": [{"auth_id": ACCOUNT, "auth_token": TOKEN}, {"auth_id": OTHER, "auth_token": OTHER_TOKEN}],
    "calls": [
        {"call_uuid": "live-1", "timeline": [{"at": -30, "status": "ringing"}, {"at": -20, "status": "in-progress"},
                                             {"at": 3600, "status": "completed"}]},
        {"call_uuid": "ringing-1", "timeline": [{"at": -1, "status": "ringing"}]},
        {"call_uuid": "queued-1", "request_uuid": "req-queued-1", "timeline": [{"at": -1, "status": "queued"}]},
        {"call_uuid": "queued-2", "timeline": [{"at": -1, "status": "queued"}]},
        {"call_uuid": "done-1", "timeline": [{"at": -9, "status": "in-progress"}, {"at": -2, "status": "completed"}]},
        {"call_uuid": "other-1", "account": OTHER},
    ],
}


@pytest.fixture(name="sim", scope="module")
def sim_fixture():
    simulator = Simulator(scenario=SCENARIO).start()
    yield simulator
    simulator.stop()


@pytest.fixture(autouse=True)
def fresh(sim):
    sim.control("POST", "reset")


def send(sim, method: str, path: str, auth_id: str = ACCOUNT, token: str = TOKEN, **params) -> requests.Response:
    return requests.request(method, sim.base_url + "/Account/%s/%s" % (auth_id, path), params=params,
                            headers={"X-Auth-ID": auth_id, "X-Auth-Token": token}, timeout=5)


def cdr(sim, call_uuid: str) -> dict:
    response = send(sim, "GET", "Call/%s/" % call_uuid)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("call_uuid", ["live-1", "ringing-1"])
def test_hang_up_completes_a_live_call_by_the_api(sim, call_uuid):
    response = send(sim, "DELETE", "Call/%s/" % call_uuid)
    assert (response.status_code, response.content) == (204, b"")
    assert "Content-Type" not in response.headers and response.headers["X-Request-Id"].startswith("req_")
    assert send(sim, "GET", "Call/%s/" % call_uuid, status="live").status_code == 404
    assert call_uuid not in send(sim, "GET", "Call/", status="live").json()["calls"]
    record = cdr(sim, call_uuid)
    assert (record["call_status"], record["hangup_source"], record["hangup_cause_name"]) == ("completed", "API", "NORMAL_CLEARING")
    # the scripted end an hour later is dropped: the call stays completed by the API
    assert sim.control("GET", "calls")["calls"][0]["timeline"][-1]["status"] == "completed"


def test_hang_up_of_a_call_that_is_not_live_is_404(sim):
    for call_uuid in ("queued-1", "done-1", "nosuch-1", "other-1"):
        response = send(sim, "DELETE", "Call/%s/" % call_uuid)
        assert response.status_code == 404, call_uuid
        assert response.json()["error"] == "not found"
    assert cdr(sim, "done-1")["hangup_source"] != "API"
    assert send(sim, "GET", "Call/queued-1/", status="queued").status_code == 200


def test_second_hang_up_is_404(sim):
    assert send(sim, "DELETE", "Call/live-1").status_code == 204  # without the trailing slash too
    assert send(sim, "DELETE", "Call/live-1/").status_code == 404


@pytest.mark.parametrize("call_uuid, request_uuid", [("queued-1", "req-queued-1"), ("queued-2", "queued-2")])
def test_cancel_request_cancels_the_queued_call(sim, call_uuid, request_uuid):
    response = send(sim, "DELETE", "Request/%s/" % request_uuid)
    assert (response.status_code, response.content) == (204, b"")
    assert send(sim, "GET", "Call/%s/" % call_uuid, status="queued").status_code == 404
    record = cdr(sim, call_uuid)
    assert (record["call_status"], record["hangup_source"], record["hangup_cause_name"]) == ("canceled", "API", "NORMAL_CLEARING")
    assert send(sim, "DELETE", "Request/%s/" % request_uuid).status_code == 404


def test_cancel_of_what_is_not_queued_is_404(sim):
    # a call's uuid is not its request's when the two differ; live and ended calls are not queued
    for request_uuid in ("queued-1", "live-1", "done-1", "nosuch-1"):
        assert send(sim, "DELETE", "Request/%s/" % request_uuid).status_code == 404, request_uuid
    assert send(sim, "DELETE", "Request/req-queued-1/", auth_id=OTHER, token=OTHER_TOKEN).status_code == 404


def test_delete_is_authenticated_and_scoped_to_the_caller(sim):
    assert send(sim, "DELETE", "Call/live-1/", token="wrong").status_code == 401
    response = requests.delete(sim.base_url + "/Account/%s/Call/live-1/" % OTHER, headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}, timeout=5)
    assert response.json()["error"]["code"] == "FORBIDDEN"
    assert send(sim, "GET", "Call/live-1/", status="live").status_code == 200


def test_methods_allowed_per_path(sim):
    assert (send(sim, "GET", "Request/req-queued-1/").status_code, send(sim, "GET", "Request/req-queued-1/").headers["Allow"]) == (405, "DELETE")
    assert send(sim, "DELETE", "Request/").status_code == 405


def test_request_log_shows_the_method(sim):
    send(sim, "GET", "Call/live-1/", status="live")
    send(sim, "DELETE", "Call/live-1/")
    send(sim, "DELETE", "Request/req-queued-1/")
    logged = [(entry["method"], entry["path"], entry["response_status"]) for entry in sim.control("GET", "requests")]
    base = "/api/v1/Account/%s/" % ACCOUNT
    assert logged == [("GET", base + "Call/live-1/", 200), ("DELETE", base + "Call/live-1/", 204), ("DELETE", base + "Request/req-queued-1/", 204)]


def test_fault_on_delete_only_leaves_the_call_live(sim):
    sim.control("POST", "faults", {"kind": "status", "status": 503, "method": "DELETE", "times": 1})
    assert send(sim, "GET", "Call/live-1/", status="live").status_code == 200  # GET untouched
    assert send(sim, "DELETE", "Call/live-1/").status_code == 503
    assert send(sim, "GET", "Call/live-1/", status="live").status_code == 200  # not hung up
    assert send(sim, "DELETE", "Call/live-1/").status_code == 204


def test_fault_matches_the_request_uuid_of_a_cancel(sim):
    sim.control("POST", "faults", {"kind": "status", "status": 500, "call_uuid": "req-queued-1", "times": 1})
    assert send(sim, "DELETE", "Request/req-queued-1/").status_code == 500
    assert send(sim, "DELETE", "Request/req-queued-1/").status_code == 204


@pytest.mark.parametrize("fault", [{"kind": "status", "status": 502}, {"kind": "drop"}])
def test_fault_that_takes_effect_loses_the_answer_of_a_done_hang_up(sim, fault):
    sim.control("POST", "faults", dict(fault, method="DELETE", takes_effect=True, times=1))
    with pytest.raises(requests.ConnectionError) if fault["kind"] == "drop" else contextlib.nullcontext():
        assert send(sim, "DELETE", "Call/live-1/").status_code == 502
    assert cdr(sim, "live-1")["hangup_source"] == "API"  # done all the same
    assert send(sim, "DELETE", "Call/live-1/").status_code == 404


def test_fault_definitions_of_method_and_takes_effect_are_checked(sim):
    for bad in ({"kind": "drop", "method": "PUT"}, {"kind": "delay", "takes_effect": True}):
        with pytest.raises(RuntimeError, match="400"):
            sim.control("POST", "faults", bad)
