"""Tests of the simulator's inbound call (POST /_sim/inbound): a call ringing an owned number follows the number's
application as a placed call follows its POST (signed callbacks to answer_url, its XML, a Gather taking the digits of
the dial rule matching the caller, hangup_url), shows in the live list while up and in the cdrs after; a number no
account owns, or routed to no application, is refused saying so, and no call is added."""

from __future__ import annotations

import pytest
import requests
from callback_receiver import XML, CallbackReceiver, logged_tries

from tests.simulator import Simulator
from tests.simulator.signing import verify

ACCOUNT, TOKEN = "MA_INBOUND01", "tok-SECRET-inbound-0001"
OTHER, OTHER_TOKEN = "MA_INBOUND02", "tok-SECRET-inbound-0002"
LINE, TRUNKED, UNROUTED, OTHERS = "+919400000001", "+919400000002", "+919400000003", "+919400000004"
CALLER, SILENT_CALLER = "919812345671", "919812345672"
SCENARIO = {
    "accounts": [{"auth_id": ACCOUNT, "auth_token": TOKEN}, {"auth_id": OTHER, "auth_token": OTHER_TOKEN}],
    "calls": [],
    # by the caller's number: the first presses 1 half a second after the application answers; the other stays silent
    "dial_rules": [{"match": CALLER + "$", "outcome": "answered", "ring": 0.2, "talk": 600, "digits": "1", "digits_after": 0.5},
                   {"match": "1$", "outcome": "busy", "ring": 0.2},  # matches the numbers rung, never the caller: not used
                   {"outcome": "answered", "ring": 0.2, "talk": 600}],
}


@pytest.fixture(scope="module")
def module_receiver():
    with CallbackReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def inbound_simulator():
    with Simulator(scenario=SCENARIO) as simulator:
        yield simulator


@pytest.fixture(name="receiver")
def receiver_fixture(module_receiver):
    module_receiver.clear()
    return module_receiver


@pytest.fixture(name="sim")
def sim_fixture(inbound_simulator, receiver):
    """The simulator reset, with an application whose URLs are the receiver's and the four numbers of the tests."""
    inbound_simulator.control("POST", "reset")
    app_id, other_app_id = inbound_simulator.control("POST", "applications", {"applications": [
        {"app_name": "inbound-line", "account": account, "answer_url": receiver.url("/answer?say=hello"), "answer_method": "POST",
         "hangup_url": receiver.url("/hangup"), "hangup_method": "GET"} for account in (ACCOUNT, OTHER)]})["added"]
    inbound_simulator.control("POST", "numbers", {"numbers": [
        {"e164": LINE, "account": ACCOUNT, "app_id": app_id}, {"e164": TRUNKED, "account": ACCOUNT, "trunk_group_id": "trunk-a"},
        {"e164": UNROUTED, "account": ACCOUNT}, {"e164": OTHERS, "account": OTHER, "app_id": other_app_id}]})
    inbound_simulator.app_id = app_id
    return inbound_simulator


def ring(sim, to: str, caller: str) -> requests.Response:
    return requests.post(sim.control_url + "/inbound", json={"to": to, "from": caller}, timeout=10)


def api(sim, path: str) -> requests.Response:
    return requests.get(sim.base_url + f"/Account/{ACCOUNT}/{path}", headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}, timeout=10)


def test_an_inbound_call_follows_its_application_with_the_callers_digits(sim, receiver):
    receiver.reply("/answer", body=f"<Response><Gather action='{receiver.url('/input')}' numDigits='1'><Speak>Press 1</Speak>"
                                   "</Gather></Response>", content_type=XML)
    receiver.reply("/input", body="<Response><Speak>Noted</Speak><Hangup/></Response>", content_type=XML)
    answer = ring(sim, LINE, CALLER)
    assert answer.status_code == 200, answer.text
    call_uuid = answer.json()["call_uuid"]
    assert (answer.json()["account"], answer.json()["app_id"]) == (ACCOUNT, sim.app_id)
    [hangup] = receiver.wait_for("/hangup")
    start, given = receiver.received()[:2]
    assert [entry.path for entry in receiver.received()] == ["/answer", "/input", "/hangup"]  # an application has no ring URL
    assert (start.method, start.query["say"], start.form["Event"], start.form["Direction"]) == ("POST", "hello", "StartApp", "inbound")
    assert (given.form["Digits"], given.form["Direction"], given.form["CallUUID"]) == ("1", "inbound", call_uuid)
    assert hangup.method == "GET"  # the application's hangup_method
    assert (hangup.query["Event"], hangup.query["CallStatus"], hangup.query["HangupSource"]) == ("Hangup", "completed", "Answer XML")
    for entry in (start, given, hangup):
        assert (entry.params["From"], entry.params["To"]) == (CALLER, LINE)
        assert verify(entry.headers, receiver.url(entry.path), TOKEN) == "v3", entry.headers
    logged_tries(sim, call_uuid, "hangup", 1)
    assert [step["step"] for step in sim.control("GET", f"callbacks/{call_uuid}")["steps"]] == ["Gather", "Speak", "Hangup", "end"]
    record = api(sim, f"Call/{call_uuid}/").json()
    assert (record["call_direction"], record["from_number"], record["to_number"], record["call_status"]) == ("inbound", CALLER, LINE, "completed")
    [cdr] = [entry for entry in api(sim, "cdr?call_direction=inbound").json()["data"] if entry["uuid"] == call_uuid]
    assert (cdr["caller_id_number"], cdr["destination_number"]) == (CALLER, LINE)


def test_an_inbound_call_is_live_while_up_and_a_hang_up_ends_it(sim, receiver):
    receiver.reply("/answer", body="<Response/>", content_type=XML)  # leaves the call connected
    call_uuid = ring(sim, LINE[1:], SILENT_CALLER).json()["call_uuid"]  # the + is optional
    logged_tries(sim, call_uuid, "answer", 1)
    assert call_uuid in api(sim, "Call/?status=live").json()["calls"]
    live = api(sim, f"Call/{call_uuid}/?status=live").json()
    assert (live["call_status"], live["direction"], live["from"], live["to"]) == ("in-progress", "inbound", SILENT_CALLER, LINE[1:])
    hung_up = requests.delete(sim.base_url + f"/Account/{ACCOUNT}/Call/{call_uuid}/", headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN},
                              timeout=10)
    assert hung_up.status_code == 204
    [hangup] = receiver.wait_for("/hangup")
    assert (hangup.query["CallUUID"], hangup.query["HangupSource"]) == (call_uuid, "API")
    assert call_uuid not in api(sim, "Call/?status=live").json()["calls"]


@pytest.mark.parametrize("to, status, message", [
    ("+919499999999", 404, "+919499999999 is not a number any account owns"),
    (UNROUTED, 409, UNROUTED + " is routed to no application (nowhere): nothing answers it"),
    (TRUNKED, 409, TRUNKED + " is routed to no application (to trunk trunk-a): nothing answers it"),
    ("call me", 400, "'to' must be a phone number in E.164 form, got 'call me'"),
])
def test_a_number_that_nothing_answers_is_refused_saying_so(sim, receiver, to, status, message):
    answer = ring(sim, to, CALLER)
    assert (answer.status_code, answer.json()["error"]) == (status, message)
    assert sim.control("GET", "calls")["calls"] == []
    assert sim.control("GET", "callbacks")["callbacks"] == []


def test_a_number_of_another_account_calls_back_with_that_accounts_token(sim, receiver):
    receiver.reply("/answer", body="<Response><Hangup/></Response>", content_type=XML)
    answer = ring(sim, OTHERS, SILENT_CALLER).json()
    assert (answer["account"], answer["app_id"]) != (ACCOUNT, sim.app_id) and answer["account"] == OTHER
    [start] = receiver.wait_for("/answer")
    assert verify(start.headers, receiver.url("/answer"), OTHER_TOKEN) == "v3"
    assert verify(start.headers, receiver.url("/answer"), TOKEN) == "invalid"
    receiver.wait_for("/hangup")
