"""Tests of the simulator's placing side: POST /Account/{auth_id}/Call/, its refusals, the dial rules, and faults on it."""

from __future__ import annotations

import pytest
import requests

from tests.simulator import Simulator
from tests.simulator.scenario import ScenarioError

ACCOUNT, TOKEN = "MA_PLACE0001", "token-place-0001"
BROKE, BROKE_TOKEN = "MA_PLACE0002", "token-place-0002"
SLOW, SLOW_TOKEN = "MA_PLACE0003", "token-place-0003"
SCENARIO = {
    "accounts": [{"auth_id": ACCOUNT, "auth_token": TOKEN}, {"auth_id": BROKE, "auth_token": BROKE_TOKEN, "no_balance": True},
                 {"auth_id": SLOW, "auth_token": SLOW_TOKEN, "calls_per_second": 2}],
    "calls": [],
    "dial_rules": [{"match": "2$", "outcome": "busy", "ring": 0}, {"match": "4$", "outcome": "failed"},
                   {"outcome": "answered", "ring": 0, "talk": 3600}],
}
BODY = {"from": "919262171438", "to": "919100000001", "answer_url": "https://example.com/a.xml", "answer_method": "POST"}


@pytest.fixture(scope="module")
def placing_simulator():
    with Simulator(scenario=SCENARIO) as simulator:
        yield simulator


@pytest.fixture(name="sim")
def sim_fixture(placing_simulator):
    """The module's simulator, back to SCENARIO: its accounts and dial rules, no calls, no faults, no requests."""
    placing_simulator.control("POST", "reset")
    return placing_simulator


def post(sim, body, auth_id: str = ACCOUNT, token: str = TOKEN) -> requests.Response:
    return requests.post(sim.base_url + "/Account/%s/Call/" % auth_id, json=body, headers={"X-Auth-ID": auth_id, "X-Auth-Token": token},
                         timeout=5)


def status_of(sim, call_uuid: str) -> str:
    return {call["call_uuid"]: call for call in sim.control("GET", "calls")["calls"]}[call_uuid]["status"]


def test_a_call_is_fired_queued_and_recorded(sim):
    sim.control("POST", "dial_rules", {"rules": [{"queued": 600}]})  # queued until reset, however late the looks come
    response = post(sim, BODY)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"api_id", "message", "request_uuid"} and answer["message"] == "Call fired"
    [call] = sim.control("GET", "calls")["calls"]
    assert (call["call_uuid"], call["to"], call["status"]) == (answer["request_uuid"], "919100000001", "queued")
    [entry] = sim.control("GET", "requests")
    assert (entry["method"], entry["body"], entry["response_status"]) == ("POST", BODY, 200)
    assert entry["headers"]["X-Auth-Token"] == "<redacted>"
    live = requests.get(sim.base_url + "/Account/%s/Call/%s/" % (ACCOUNT, answer["request_uuid"]), params={"status": "queued"},
                        headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}, timeout=5)
    assert live.json()["call_status"] == "queued" and live.json()["to"] == "919100000001"


def test_destinations_joined_with_lt_each_get_a_call(sim):
    answer = post(sim, dict(BODY, to="919100000001<sip:a@example.com")).json()
    assert isinstance(answer["request_uuid"], list) and len(answer["request_uuid"]) == 2
    assert sorted(call["to"] for call in sim.control("GET", "calls")["calls"]) == ["919100000001", "sip:a@example.com"]


@pytest.mark.parametrize("body, named", [
    ({key: value for key, value in BODY.items() if key != "answer_url"}, "missing required field: answer_url"),
    ({key: value for key, value in BODY.items() if key != "from"}, "missing required field: from"),
    (dict(BODY, to="91,92"), "to is not a valid E.164 number or SIP URI"),
    (dict(BODY, to="<".join(["919100000001"] * 1001)), "more than 1000 destinations"),
    (dict(BODY, ring_url="ftp://x"), "ring_url is not a valid URL"),
    (dict(BODY, hangup_method="PUT"), "hangup_method must be GET or POST"),
    ("not an object", "the body must be a JSON object"),
])
def test_a_bad_body_is_400_naming_the_field_and_places_nothing(sim, body, named):
    response = post(sim, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PARAMETER" and named in response.json()["error"]["message"]
    assert sim.control("GET", "calls")["calls"] == []


def test_an_account_without_balance_is_402(sim):
    response = post(sim, BODY, BROKE, BROKE_TOKEN)
    assert (response.status_code, response.json()["error"]["code"]) == (402, "INSUFFICIENT_BALANCE")
    assert sim.control("GET", "calls")["calls"] == []


def test_past_the_calls_per_second_limit_is_429_with_retry_after(sim):
    statuses = [post(sim, BODY, SLOW, SLOW_TOKEN) for _index in range(3)]
    assert [response.status_code for response in statuses] == [200, 200, 429]
    assert statuses[2].headers["Retry-After"] == "1"
    assert len(sim.control("GET", "calls")["calls"]) == 2


def test_dial_rules_script_each_destination(sim):
    uuids = {to: post(sim, dict(BODY, to=to)).json()["request_uuid"] for to in ("919100000001", "919100000002", "919100000004")}
    sim.control("POST", "dial_rules", {"rules": [{"outcome": "no-answer", "ring": 0}]})
    uuids["919100000003"] = post(sim, dict(BODY, to="919100000003")).json()["request_uuid"]
    # the scripted timelines, read rather than waited out
    timelines = {call["call_uuid"]: [entry["status"] for entry in call["timeline"]] for call in sim.control("GET", "calls")["calls"]}
    timelines = {to: timelines[uuid] for to, uuid in uuids.items()}
    assert timelines == {"919100000001": ["queued", "ringing", "in-progress", "completed"], "919100000002": ["queued", "ringing", "busy"],
                         "919100000004": ["queued", "failed"], "919100000003": ["queued", "ringing", "no-answer"]}
    assert sim.control("GET", "dial_rules")["rules"] == [
        {"match": None, "outcome": "no-answer", "queued": 0.2, "ring": 0.0, "talk": 5.0, "digits": None, "digits_after": 0.0}]


def test_bad_dial_rules_are_refused(sim):
    with pytest.raises(RuntimeError, match="outcome must be one of"):
        sim.control("POST", "dial_rules", {"rules": [{"outcome": "maybe"}]})
    with pytest.raises(RuntimeError, match="must not be negative"):
        sim.control("POST", "dial_rules", {"rules": [{"queued": -1}]})
    with pytest.raises(ScenarioError, match="unknown dial rule keys"):
        Simulator(scenario=dict(SCENARIO, dial_rules=[{"when": "x"}]))


@pytest.mark.parametrize("takes_effect, calls", [(False, 0), (True, 1)])
def test_a_fault_on_post_places_the_call_only_when_it_takes_effect(sim, takes_effect, calls):
    sim.control("POST", "faults", {"kind": "status", "status": 500, "method": "POST", "times": 1, "takes_effect": takes_effect})
    assert post(sim, BODY).status_code == 500
    assert len(sim.control("GET", "calls")["calls"]) == calls
    assert post(sim, BODY).status_code == 200
