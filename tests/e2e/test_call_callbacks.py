"""vobiz.telephony.call through ansible-playbook with -vvv, its calls' URLs served by a receiver on 127.0.0.1
(callback_receiver.py): `wait: ended` on calls whose answer XML the simulator follows, and the outcome of each (XML run
out, a Gather with the callee's digits then a Hangup, an invalid reply, busy), matched against the callbacks received."""

from __future__ import annotations

import pytest
from callback_receiver import XML, CallbackReceiver
from conftest import SECRETS

# Each call would talk for 10 minutes: the XML, not the rule, ends the answered ones.
DIAL_RULES = [
    {"match": "2$", "outcome": "busy", "ring": 0.3},
    {"match": "6$", "outcome": "answered", "ring": 0.3, "talk": 600, "digits": "42#", "digits_after": 0.5},
    {"outcome": "answered", "ring": 0.3, "talk": 600},
]
PLAYBOOK = """
- name: Place calls whose XML the simulator follows, and wait until they end
  hosts: localhost
  gather_facts: false
  tasks:
    - name: One call per destination, each answer_url its own
      vobiz.telephony.call:
        to: ["{{ item.to }}"]
        from: "919262171438"
        answer_url: "{{ e2e_receiver }}/answer/{{ item.name }}"
        ring_url: "{{ e2e_receiver }}/ring"
        hangup_url: "{{ e2e_receiver }}/hangup"
        wait: ended
        wait_sleep: 0.3
        wait_timeout: 60
      loop:
        - {name: runs-out, to: "919100005001"}
        - {name: digits, to: "919100005006"}
        - {name: invalid, to: "919100005011"}
        - {name: busy, to: "919100005002"}
      register: placed

    - name: Hand the registered results to the test
      e2e_dump:
        content: "{{ placed.results | map(attribute='calls') | map('first') | list | to_json }}"
        dest: "{{ e2e_out }}"
        mode: "0600"
"""


@pytest.fixture(scope="module")
def followed(ansible_runner, simulator):
    simulator.reset()
    simulator.control("POST", "dial_rules", {"rules": DIAL_RULES})
    with CallbackReceiver() as receiver:
        receiver.reply("/answer/runs-out", body="<Response><Speak>Your change is live</Speak><Wait length='1'/></Response>",
                       content_type=XML)
        receiver.reply("/answer/digits", body=f"<Response><Gather action='{receiver.url('/pressed')}' numDigits='4'>"
                                              "<Speak>Press 4 2</Speak></Gather></Response>", content_type=XML)
        receiver.reply("/pressed", body="<Response><Speak>Thank you</Speak><Hangup/></Response>", content_type="text/xml")
        receiver.reply("/answer/invalid", body="<html>oops</html>", content_type="text/html")
        run = ansible_runner.playbook(PLAYBOOK, extra_vars={"e2e_receiver": receiver.url("")}, verbose=True)
        assert run.recap and run.recap["failed"] == 0, run.explain()
        hangups = receiver.wait_for("/hangup", 4)
        yield run, {entry.form["CallUUID"]: entry for entry in hangups}, receiver.received("/pressed")


def test_wait_ended_returns_each_outcome_of_the_followed_xml(followed):
    run, hangups, _pressed = followed
    calls = run.dump
    assert [(call["answered"], call["outcome"]) for call in calls] == [(True, "completed"), (True, "completed"), (True, "completed"),
                                                                       (False, "busy")]
    causes = [(call["cdr"]["hangup_cause_name"], call["cdr"]["hangup_source"]) for call in calls]
    assert causes == [("End Of XML Instructions", "Answer XML"), ("Normal Hangup", "Answer XML"), ("Invalid Answer XML", "Error"),
                      ("Busy Line", "Callee")]
    # what hangup_url was told agrees with what the module returned
    for call in calls:
        hangup = hangups[call["call_uuid"]].form
        assert hangup["CallStatus"] == call["outcome"] and hangup["HangupCauseName"] == call["cdr"]["hangup_cause_name"]
        assert int(hangup["BillDuration"]) == call["cdr"]["bill_duration"]


def test_the_callee_digits_reach_the_gather_action(followed):
    run, _hangups, pressed = followed
    [gather] = pressed
    assert (gather.form["Digits"], gather.form["CallUUID"]) == ("42", run.dump[1]["call_uuid"])


def test_the_token_shows_nowhere(followed):
    run, hangups, pressed = followed
    assert "-vvv" in run.argv
    for secret in SECRETS:
        assert secret not in run.output
        assert all(secret not in str(entry.headers) + str(entry.form) for entry in [*hangups.values(), *pressed])
