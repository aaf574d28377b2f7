"""Tests of the simulator's callbacks for the calls it places, received over real HTTP on 127.0.0.1 by a tiny server
(callback_receiver.py): their order and fields, the V2 and V3 signatures checked with the documented formulas (and the
reference's own vector), the answer XML followed (Speak, Wait, Gather posting the rule's digits, Redirect, Hangup),
invalid replies ending the call, retries up to 3 times, the log of GET /_sim/callbacks, and nothing sent but to
loopback hosts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading

import pytest
import requests
from callback_receiver import XML, CallbackReceiver, Reply, logged_tries

from tests.loopback import free_port
from tests.simulator import Simulator
from tests.simulator.callbacks import RETRY_DELAYS
from tests.simulator.signing import signed_headers, v2_signature, v3_signature, verify
from tests.waiting import wait_for

ACCOUNT, TOKEN = "MA_BACK0001", "tok-SECRET-callbacks-0001"
SCENARIO = {
    "accounts": [{"auth_id": ACCOUNT, "auth_token": TOKEN}],
    "calls": [],
    # by the destination's last digit; the default answers after 0.3 s and talks for 10 minutes (the XML decides)
    "dial_rules": [
        {"match": "2$", "outcome": "busy", "ring": 0.3},
        {"match": "3$", "outcome": "no-answer", "ring": 0.3},
        {"match": "4$", "outcome": "failed"},
        # hangs up 4 s after the answer: seconds after its answer XML has been fetched and begun, even with every
        # hand-over jittered on a busy machine (about 1 s at worst), so the steps it logs do not race the rule
        {"match": "5$", "outcome": "answered", "ring": 0.3, "talk": 4},
        {"match": "6$", "outcome": "answered", "ring": 0.3, "talk": 600, "digits": "123#", "digits_after": 0.5},
        {"match": "7$", "outcome": "answered", "ring": 600},
        {"outcome": "answered", "ring": 0.3, "talk": 600},
    ],
}
FROM = "919262171438"
TRIES = 1 + len(RETRY_DELAYS)
RING_FIELDS = {"From", "To", "RequestUUID", "ALegRequestUUID", "CallUUID", "Direction", "Event", "CallStatus", "SessionStart",
               "STIRAttestation"}
ANSWER_FIELDS = RING_FIELDS | {"ALegUUID", "STIRVerification"}
HANGUP_FIELDS = ANSWER_FIELDS - {"STIRVerification"} | {"stir_verification", "HangupCause", "HangupCauseName", "HangupSource",
                                                        "Duration", "BillDuration", "StartTime", "AnswerTime", "EndTime"}
CALLBACK_TIME = re.compile(r"\A\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\Z")


@pytest.fixture(scope="module")
def callback_simulator():
    with Simulator(scenario=SCENARIO) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def module_receiver():
    with CallbackReceiver() as receiver:
        yield receiver


@pytest.fixture(name="sim")
def sim_fixture(callback_simulator):
    callback_simulator.control("POST", "reset")
    return callback_simulator


@pytest.fixture(name="receiver")
def receiver_fixture(module_receiver):
    module_receiver.clear()
    return module_receiver


def place(sim, receiver, to: str, **urls) -> str:
    """Place one call whose callbacks go to the receiver (answer /answer, ring /ring, hangup /hangup unless given)."""
    body = {"from": FROM, "to": to, "answer_url": receiver.url("/answer"), "ring_url": receiver.url("/ring"),
            "hangup_url": receiver.url("/hangup")}
    body.update(urls)
    response = requests.post(sim.base_url + f"/Account/{ACCOUNT}/Call/", json=body, timeout=10,
                             headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN})
    assert response.status_code == 200, response.text
    return response.json()["request_uuid"]


def speak(*verbs: str) -> str:
    return "<Response>" + "".join(verbs) + "</Response>"


def cdr(sim, call_uuid: str) -> dict:
    response = requests.get(sim.base_url + f"/Account/{ACCOUNT}/Call/{call_uuid}/", timeout=10,
                            headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN})
    assert response.status_code == 200, response.text
    return response.json()


def documented_signature(url: str, nonce: str, separator: str) -> str:
    """[VC]: base64(HMAC-SHA256(auth token, URL without its query + separator + nonce)), written out here again."""
    message = url.split("?")[0] + separator + nonce
    return base64.b64encode(hmac.new(TOKEN.encode(), message.encode(), hashlib.sha256).digest()).decode()


def test_the_reference_vector():
    """The vector computed in the reference from [VC]'s formula (Vobiz publishes none)."""
    url, nonce = "https://example.com/vobiz/answer", "12345678901234567890"
    assert v2_signature(url, nonce, "test_auth_token") == "gEPZQ2HmngRWdcHbKGv/eaCNsEC9k9MAaOeKkXAco8A="
    assert v3_signature(url, nonce, "test_auth_token") == "St1DE8offrEz4w52w1SEGgVKCO2x+7TbXXJAFn1udgI="
    assert v3_signature(url + "?a=1#frag", nonce, "test_auth_token") == v3_signature(url, nonce, "test_auth_token")
    headers = signed_headers(url, "test_auth_token", nonce)
    assert headers["X-Vobiz-Signature-V3"] == "St1DE8offrEz4w52w1SEGgVKCO2x+7TbXXJAFn1udgI="
    assert verify(headers, url, "test_auth_token") == "v3"
    assert verify(headers, url, "another token") == "invalid"
    assert verify({"x-vobiz-signature-v2": headers["X-Vobiz-Signature-V2"], "x-vobiz-signature-v2-nonce": nonce}, url,
                  "test_auth_token") == "v2"
    assert verify({}, url, "test_auth_token") == "unsigned"


def test_an_answered_call_calls_back_in_order_signed_with_the_documented_fields(sim, receiver):
    receiver.reply("/answer", body=speak("<Speak>Hello</Speak>", "<Wait length='1'/>"), content_type=XML)
    call_uuid = place(sim, receiver, "919100000001", hangup_url=receiver.url("/hangup?tenant=a&x=1"))
    receiver.wait_for("/hangup")
    ring, answer, hangup = receiver.received()
    assert [entry.path for entry in (ring, answer, hangup)] == ["/ring", "/answer", "/hangup"]
    assert all(entry.method == "POST" and entry.content_type == "application/x-www-form-urlencoded" for entry in (ring, answer, hangup))
    assert set(ring.form) == RING_FIELDS and (ring.form["Event"], ring.form["CallStatus"]) == ("Ring", "ringing")
    assert set(answer.form) == ANSWER_FIELDS and (answer.form["Event"], answer.form["CallStatus"]) == ("StartApp", "in-progress")
    assert set(hangup.form) == HANGUP_FIELDS and hangup.query == {"tenant": "a", "x": "1"}
    for entry in (ring, answer, hangup):
        assert (entry.form["CallUUID"], entry.form["RequestUUID"], entry.form["From"], entry.form["To"]) == (
            call_uuid, call_uuid, FROM, "919100000001")
    assert (hangup.form["Event"], hangup.form["CallStatus"], hangup.form["HangupCause"]) == ("Hangup", "completed", "NORMAL_CLEARING")
    assert (hangup.form["HangupCauseName"], hangup.form["HangupSource"]) == ("End Of XML Instructions", "Answer XML")
    assert int(hangup.form["Duration"]) >= int(hangup.form["BillDuration"]) >= 1
    assert all(CALLBACK_TIME.match(hangup.form[name]) for name in ("StartTime", "AnswerTime", "EndTime"))
    # signed with the account's token under both documented formulas, one fresh 20-digit nonce per callback
    nonces = set()
    for entry, url in ((ring, receiver.url("/ring")), (answer, receiver.url("/answer")), (hangup, receiver.url("/hangup?tenant=a&x=1"))):
        nonce = entry.headers["X-Vobiz-Signature-V3-Nonce"]
        assert re.fullmatch(r"\d{20}", nonce) and entry.headers["X-Vobiz-Signature-V2-Nonce"] == nonce
        assert entry.headers["X-Vobiz-Signature-V3"] == documented_signature(url, nonce, ".")
        assert entry.headers["X-Vobiz-Signature-V2"] == documented_signature(url, nonce, "")
        assert TOKEN not in str(entry.headers) + str(entry.form)
        nonces.add(nonce)
    assert len(nonces) == 3
    # the simulator's log: each callback once, answered 200, and the XML's steps. The log notes the hangup try's answer
    # only after the receiver has sent it: wait for the log, not the receiver
    logged_tries(sim, call_uuid, "hangup", 1)
    log = sim.control("GET", f"callbacks/{call_uuid}")
    assert [(entry["kind"], entry["attempt"], entry["status"]) for entry in log["callbacks"]] == [
        ("ring", 1, 200), ("answer", 1, 200), ("hangup", 1, 200)]
    assert log["callbacks"][1]["reply"] == speak("<Speak>Hello</Speak>", "<Wait length='1'/>")
    assert [step["step"] for step in log["steps"]] == ["Speak", "Wait", "end"]
    assert TOKEN not in str(log)
    record = cdr(sim, call_uuid)
    assert (record["call_status"], record["hangup_cause_code"], record["hangup_source"]) == ("completed", 4010, "Answer XML")


@pytest.mark.parametrize("to, status, paths", [
    ("919100000002", "busy", ["/ring", "/hangup"]),
    ("919100000003", "no-answer", ["/ring", "/hangup"]),
    ("919100000004", "failed", ["/hangup"]),
])
def test_an_unanswered_call_never_asks_for_xml(sim, receiver, to, status, paths):
    place(sim, receiver, to)
    [hangup] = receiver.wait_for("/hangup")
    assert [entry.path for entry in receiver.received()] == paths
    assert (hangup.form["CallStatus"], hangup.form["BillDuration"], hangup.form["AnswerTime"]) == (status, "0", "")


def test_gather_posts_the_digits_the_rule_presses_and_follows_the_action(sim, receiver):
    receiver.reply("/answer", body=speak(f"<Gather action='{receiver.url('/digits')}' numDigits='5'><Speak>Press</Speak></Gather>",
                                         "<Speak>never reached</Speak>"), content_type=XML)
    receiver.reply("/digits", body=speak("<Speak>Thanks</Speak>", "<Hangup/>", "<Speak>never</Speak>"), content_type="text/xml")
    call_uuid = place(sim, receiver, "919100000006")
    [hangup] = receiver.wait_for("/hangup")
    [gather] = receiver.received("/digits")
    assert (gather.method, gather.form["Digits"], gather.form["InputType"], gather.form["CallUUID"]) == ("POST", "123", "dtmf", call_uuid)
    assert gather.headers["X-Vobiz-Signature-V3"] == documented_signature(receiver.url("/digits"), gather.headers["X-Vobiz-Signature-V3-Nonce"], ".")
    steps = [step["step"] for step in sim.control("GET", f"callbacks/{call_uuid}")["steps"]]
    assert steps == ["Gather", "Speak", "Hangup", "end"]
    assert (hangup.form["HangupCauseName"], hangup.form["HangupSource"]) == ("Normal Hangup", "Answer XML")


def test_gather_without_digits_goes_on_to_the_next_element(sim, receiver):
    receiver.reply("/answer", body=speak(f"<Gather action='{receiver.url('/digits')}' executionTimeout='1'/>", "<Speak>Bye</Speak>"),
                   content_type=XML)
    call_uuid = place(sim, receiver, "919100000001")
    receiver.wait_for("/hangup")
    assert receiver.received("/digits") == []
    assert [step["step"] for step in sim.control("GET", f"callbacks/{call_uuid}")["steps"]] == ["Gather", "gather-timeout", "Speak", "end"]


def test_redirect_fetches_the_next_xml_with_its_method(sim, receiver):
    receiver.reply("/answer", body=speak(f"<Redirect method='GET'>{receiver.url('/next?step=2')}</Redirect>", "<Speak>no</Speak>"),
                   content_type=XML)
    receiver.reply("/next", body=speak("<Wait length='1'/>"), content_type=XML)
    call_uuid = place(sim, receiver, "919100000001")
    receiver.wait_for("/hangup")
    [redirect] = receiver.received("/next")
    assert redirect.method == "GET" and redirect.query["step"] == "2"
    assert (redirect.query["Event"], redirect.query["CallUUID"], redirect.query["CallStatus"]) == ("Redirect", call_uuid, "in-progress")
    assert [step["step"] for step in sim.control("GET", f"callbacks/{call_uuid}")["steps"]] == ["Redirect", "Wait", "end"]


def test_answer_method_get_sends_the_fields_in_the_query(sim, receiver):
    receiver.reply("/answer", body=speak("<Hangup/>"), content_type=XML)
    call_uuid = place(sim, receiver, "919100000005", answer_method="GET")
    receiver.wait_for("/hangup")
    [answer] = receiver.received("/answer")
    assert answer.method == "GET" and answer.query["CallUUID"] == call_uuid and answer.form == {}


def test_the_rule_ends_the_call_before_the_xml_runs_out(sim, receiver):
    receiver.reply("/answer", body=speak("<Wait length='600'/>"), content_type=XML)
    call_uuid = place(sim, receiver, "919100000005")  # the callee hangs up 4 s after the answer
    [hangup] = receiver.wait_for("/hangup")
    assert (hangup.form["CallStatus"], hangup.form["HangupSource"]) == ("completed", "Callee")
    assert [step["step"] for step in sim.control("GET", f"callbacks/{call_uuid}")["steps"]] == ["Wait"]


def test_an_empty_response_leaves_the_call_connected_until_the_rule_ends_it(sim, receiver):
    receiver.reply("/answer", body="<Response/>", content_type=XML)
    call_uuid = place(sim, receiver, "919100000005")
    [hangup] = receiver.wait_for("/hangup")
    assert hangup.form["HangupSource"] == "Callee"
    assert [step["step"] for step in sim.control("GET", f"callbacks/{call_uuid}")["steps"]] == ["empty"]


def test_an_api_hang_up_ends_the_xml(sim, receiver):
    receiver.reply("/answer", body=speak("<Wait length='600'/>"), content_type=XML)
    call_uuid = place(sim, receiver, "919100000001")
    receiver.wait_for("/answer")
    response = requests.delete(sim.base_url + f"/Account/{ACCOUNT}/Call/{call_uuid}/", timeout=10,
                               headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN})
    assert response.status_code == 204
    [hangup] = receiver.wait_for("/hangup")
    assert (hangup.form["CallStatus"], hangup.form["HangupSource"]) == ("completed", "API")


def transfer(sim, call_uuid: str, url: str) -> None:
    response = requests.post(sim.base_url + f"/Account/{ACCOUNT}/Call/{call_uuid}/", json={"legs": "aleg", "aleg_url": url}, timeout=10,
                             headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN})
    assert response.status_code == 202, response.text


def steps_reach(sim, call_uuid: str, names: list) -> None:
    """Until the simulator's log of the call's XML steps is `names`."""
    wait_for(lambda: [step["step"] for step in sim.control("GET", f"callbacks/{call_uuid}")["steps"]], what=f"the steps {names}",
             done=lambda steps: steps == names)


def test_a_transfer_replaces_the_xml_being_followed(sim, receiver):
    """The call's flow is held fetching a Redirect when the transfer comes: once that answer arrives, none of its XML
    runs; the transfer's does, and the hangup callback comes once, at its end."""
    held = threading.Event()
    receiver.reply("/answer", body=speak(f"<Redirect>{receiver.url('/next')}</Redirect>"), content_type=XML)
    receiver.reply("/next", Reply(body=speak("<Speak>old XML</Speak>", "<Hangup/>"), content_type=XML, hold=held))
    receiver.reply("/moved", body=speak("<Speak>moved</Speak>", "<Wait length='1'/>"), content_type=XML)
    call_uuid = place(sim, receiver, "919100000001")  # talks 10 minutes unless the XML ends it
    receiver.wait_for("/next")
    transfer(sim, call_uuid, receiver.url("/moved"))
    held.set()
    [hangup] = receiver.wait_for("/hangup")
    logged_tries(sim, call_uuid, "hangup", 1)
    log = sim.control("GET", f"callbacks/{call_uuid}")
    assert [entry["kind"] for entry in log["callbacks"]] == ["ring", "answer", "redirect", "transfer", "hangup"]
    assert [(step["step"], step.get("text")) for step in log["steps"]] == [
        ("Redirect", receiver.url("/next")), ("transfer", None), ("Speak", "moved"), ("Wait", ""), ("end", None)]
    assert [entry.path for entry in receiver.received()] == ["/ring", "/answer", "/next", "/moved", "/hangup"]
    [moved] = receiver.received("/moved")
    assert (moved.form["CallUUID"], moved.form["CallStatus"]) == (call_uuid, "in-progress")
    assert (hangup.form["CallStatus"], hangup.form["HangupCauseName"], hangup.form["HangupSource"]) == (
        "completed", "End Of XML Instructions", "Answer XML")


def test_a_second_transfer_replaces_the_first(sim, receiver):
    receiver.reply("/answer", body=speak("<Wait length='600'/>"), content_type=XML)
    receiver.reply("/first", body=speak("<Wait length='600'/>", "<Speak>first</Speak>"), content_type=XML)
    receiver.reply("/second", body=speak("<Speak>second</Speak>"), content_type=XML)
    call_uuid = place(sim, receiver, "919100000001")
    steps_reach(sim, call_uuid, ["Wait"])
    transfer(sim, call_uuid, receiver.url("/first"))
    steps_reach(sim, call_uuid, ["Wait", "transfer", "Wait"])
    transfer(sim, call_uuid, receiver.url("/second"))
    receiver.wait_for("/hangup")
    logged_tries(sim, call_uuid, "hangup", 1)
    steps = [(step["step"], step.get("text")) for step in sim.control("GET", f"callbacks/{call_uuid}")["steps"]]
    assert steps == [("Wait", ""), ("transfer", None), ("Wait", ""), ("transfer", None), ("Speak", "second"), ("end", None)]
    assert [entry.path for entry in receiver.received()] == ["/ring", "/answer", "/first", "/second", "/hangup"]


INVALID_REPLIES = {
    "html content type": Reply(body=speak("<Speak>Hi</Speak>"), content_type="text/html"),
    "plain text": Reply(body="hello", content_type="text/plain"),
    "not XML": Reply(body="<Response><Speak>", content_type=XML),
    "another root": Reply(body="<Document><Speak>Hi</Speak></Document>", content_type=XML),
    "two responses": Reply(body="<Response/><Response/>", content_type=XML),
    "an unknown verb": Reply(body=speak("<Shout>Hi</Shout>"), content_type=XML),
    "over 100 KB": Reply(body=speak("<Speak>" + "a" * (100 * 1024) + "</Speak>"), content_type=XML),
    "a Gather without action": Reply(body=speak("<Gather/>"), content_type=XML),
    "a loop that is no number": Reply(body=speak("<Speak loop='twice'>Hi</Speak>"), content_type=XML),
    "a verb inside Speak": Reply(body=speak("<Speak><Play>https://example.com/a.mp3</Play></Speak>"), content_type=XML),
    "a Hangup inside Gather": Reply(body=speak("<Gather action='https://example.com/g'><Hangup/></Gather>"), content_type=XML),
    "500 every time": Reply(status=500, body="down"),
}


@pytest.mark.parametrize("name", INVALID_REPLIES)
def test_an_invalid_answer_ends_the_call(sim, receiver, name):
    receiver.reply("/answer", INVALID_REPLIES[name])
    call_uuid = place(sim, receiver, "919100000001")  # talks 10 minutes unless the invalid reply ends it
    [hangup] = receiver.wait_for("/hangup")
    assert (hangup.form["CallStatus"], hangup.form["HangupCauseName"], hangup.form["HangupSource"]) == (
        "completed", "Invalid Answer XML", "Error")
    [end] = sim.control("GET", f"callbacks/{call_uuid}")["steps"]
    assert end["step"] == "end" and end["reason"].startswith("invalid reply")
    assert len(receiver.received("/answer")) == (TRIES if INVALID_REPLIES[name].status == 500 else 1)


def test_fallback_url_answers_when_answer_url_fails(sim, receiver):
    receiver.reply("/answer", status=503, body="down")
    receiver.reply("/fallback", body=speak("<Speak>Fallback</Speak>"), content_type=XML)
    call_uuid = place(sim, receiver, "919100000001", fallback_url=receiver.url("/fallback"))
    [hangup] = receiver.wait_for("/hangup")
    assert len(receiver.received("/answer")) == TRIES and len(receiver.received("/fallback")) == 1
    assert hangup.form["HangupCauseName"] == "End Of XML Instructions"
    assert [step["step"] for step in sim.control("GET", f"callbacks/{call_uuid}")["steps"]] == ["Speak", "end"]


@pytest.mark.parametrize("failures, tries", [(0, 1), (2, 3), (TRIES, TRIES), (TRIES + 2, TRIES)])
def test_a_callback_without_200_is_retried_up_to_3_times(sim, receiver, failures, tries):
    receiver.reply("/hangup", *([Reply(status=500, body="no")] * failures + [Reply()]))
    call_uuid = place(sim, receiver, "919100000004")
    receiver.wait_for("/hangup", tries)
    entries = logged_tries(sim, call_uuid, "hangup", tries)
    assert [(entry["attempt"], entry["status"]) for entry in entries] == [
        (attempt + 1, 500 if attempt < failures else 200) for attempt in range(tries)]
    nonces = {entry.headers["X-Vobiz-Signature-V3-Nonce"] for entry in receiver.received("/hangup")}
    assert len(nonces) == tries  # each try signed afresh


def test_a_callback_that_cannot_connect_is_retried_and_logged(sim, receiver):
    call_uuid = place(sim, receiver, "919100000004", hangup_url=f"http://127.0.0.1:{free_port()}/hangup")
    entries = logged_tries(sim, call_uuid, "hangup", TRIES)
    assert [entry["status"] for entry in entries] == [None] * TRIES
    assert all("ConnectionRefused" in entry["error"] for entry in entries)


def test_callbacks_never_hold_up_the_api(sim, receiver):
    release = threading.Event()
    receiver.reply("/ring", Reply(hold=release))
    held = place(sim, receiver, "919100000007")  # rings for 10 minutes; its ring callback is held by the receiver
    receiver.wait_for("/ring")
    try:
        # the simulator answers the API while its callback waits: another call is placed, and looked at
        other = place(sim, receiver, "919100000007", ring_url=receiver.url("/other"))
        response = requests.get(sim.base_url + f"/Account/{ACCOUNT}/Call/{other}/", params={"status": "live"}, timeout=10,
                                headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN})
        assert response.status_code in (200, 404)  # live once ringing, 404 while still queued
        [ring] = sim.control("GET", f"callbacks/{held}")["callbacks"]
        assert (ring["kind"], ring["status"], ring["error"]) == ("ring", None, None)  # still waiting for its answer
    finally:
        release.set()


def test_only_loopback_hosts_are_called(sim, receiver):
    call_uuid = place(sim, receiver, "919100000004", hangup_url="https://example.com/hangup", ring_url="http://192.0.2.1/ring")
    place(sim, receiver, "919100000004")  # a call that does call back: the simulator does call this receiver
    receiver.wait_for("/hangup")
    # the first call's flow thread has ended: it has logged all it ever will
    wait_for(lambda: [thread.name for thread in threading.enumerate() if thread.name == f"vobiz-call-{call_uuid}"],
             what=f"the flow of {call_uuid} to end", done=lambda running: not running)
    assert sim.control("GET", f"callbacks/{call_uuid}") == {"callbacks": [], "steps": []}
