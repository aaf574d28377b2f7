"""vobiz.telephony.call through ansible-playbook (playbooks/call.yml) with -vvv, against the simulator's placing side:
placing one call and many, each wait, each outcome, check mode, 429 then success, 500 / time-out / dropped connection
after the call was placed (exactly one POST, the outcome unknown), 402, and every refusal with nothing sent.

The playbook runs once (a module-scoped fixture); each test checks its registered results against the POSTs the
simulator recorded and the calls it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import REPO_ROOT, SECRETS, Run, Sim

# What a placed call does, by the destination's last digit (the default: answered after 0.3 s of ringing, 1 s of talk).
DIAL_RULES = [
    {"match": "2$", "outcome": "busy", "ring": 0.3},
    {"match": "3$", "outcome": "no-answer", "ring": 0.3},
    {"match": "4$", "outcome": "failed"},
    {"match": "5$", "outcome": "machine", "ring": 0.3, "talk": 1},
    {"match": "6$", "outcome": "answered", "ring": 0.3, "talk": 600},  # stays on the line: seen in progress however late
    {"match": "9$", "outcome": "answered", "ring": 600},
    {"outcome": "answered", "ring": 0.3, "talk": 1},
]
FROM = "919262171438"
ANSWER_URL = "https://example.com/xml/answer.xml"


@dataclass
class Placing:
    run: Run
    posts: list  # every POST the simulator recorded
    calls: dict  # every call the simulator holds, by uuid

    def result(self, name: str) -> dict:
        return self.run.dump[name]

    def posts_to(self, destination: str) -> list:
        return [entry for entry in self.posts if isinstance(entry["body"], dict) and entry["body"].get("to") == destination]

    def calls_to(self, destination: str) -> list:
        return [call for call in self.calls.values() if call["to"] == destination]


@pytest.fixture(scope="module")
def placing(ansible_runner, simulator: Sim) -> Placing:
    simulator.reset()
    simulator.control("POST", "dial_rules", {"rules": DIAL_RULES})
    run = ansible_runner.playbook("call.yml", verbose=True)  # -vvv: the tokens must not show even so
    assert run.recap and run.recap["failed"] == 0 and run.recap["ignored"] == 7, run.explain()
    posts = [entry for entry in simulator.requests() if entry["method"] == "POST"]
    return Placing(run, posts, simulator.calls())


def test_one_call_is_placed_once_with_its_body(placing: Placing):
    result = placing.result("one")
    assert result["changed"] is True and result["http_retries"] == 0
    entry = result["calls"][0]
    body = {"to": "+919100000101", "from": FROM, "answer_url": ANSWER_URL, "answer_method": "POST", "caller_name": "E2E",
            "machine_detection": "true", "machine_detection_maximum_words": 3}
    assert entry["request"] == body
    [post] = placing.posts_to("+919100000101")
    assert post["body"] == body and post["response_status"] == 200
    assert post["headers"]["X-Auth-Token"] == "<redacted>"
    assert (entry["request_uuid"], entry["call_uuid"]) == (result["placed"][0], result["placed"][0])
    assert entry["message"] == "Call fired" and entry["api_id"]
    assert (entry["call_status"], entry["answered"], entry["outcome"], entry["cdr"]) == ("queued", None, None, {})
    assert [call["call_uuid"] for call in placing.calls_to("+919100000101")] == result["placed"]


def test_many_calls_one_post_each_in_the_order_of_to(placing: Placing):
    result = placing.result("many")
    destinations = ["919100000201", "919100000206", "919100000207", "919100000208", "sip:e2e@sip.example.com"]
    assert [entry["to"] for entry in result["calls"]] == destinations
    assert len(set(result["placed"])) == 5
    for destination, entry in zip(destinations, result["calls"]):
        assert len(placing.posts_to(destination)) == 1, destination
        assert [call["call_uuid"] for call in placing.calls_to(destination)] == [entry["request_uuid"]]


def test_wait_answered_returns_once_the_call_is_in_progress(placing: Placing):
    entry = placing.result("answered")["calls"][0]
    assert (entry["call_status"], entry["answered"], entry["outcome"], entry["cdr"]) == ("in-progress", True, None, {})
    assert placing.result("answered")["polls"] >= 1


def test_wait_ended_gives_each_outcome_and_its_record(placing: Placing):
    result = placing.result("outcomes")
    seen = [(entry["call_status"], entry["answered"], entry["outcome"]) for entry in result["calls"]]
    assert seen == [("ended", True, "completed"), ("ended", False, "busy"), ("ended", False, "no-answer"),
                    ("ended", False, "failed"), ("ended", True, "completed")]
    assert [entry["cdr"]["call_uuid"] for entry in result["calls"]] == result["placed"]
    assert result["calls"][4]["cdr"]["answered_by"] == "machine"
    assert result["calls"][0]["cdr"]["answered_by"] == "human"


def test_wait_answered_does_not_wait_out_the_timeout_for_calls_over(placing: Placing):
    result = placing.result("over_unanswered")
    assert [(entry["answered"], entry["outcome"]) for entry in result["calls"]] == [(False, "busy"), (False, "failed")]
    assert all(entry["cdr"] == {} for entry in result["calls"])  # records come with wait: ended only


def test_a_call_not_answered_within_wait_timeout_fails_with_what_was_seen(placing: Placing):
    result = placing.result("timed_out")
    assert result["failed"] is True and "Timed out after" in result["msg"] and "919100000609 (ringing)" in result["msg"]
    assert result["calls"][0]["call_status"] == "ringing" and result["placed"]


def test_check_mode_places_nothing(placing: Placing):
    result = placing.result("checked")
    assert result["changed"] is True and result["placed"] == []
    assert [entry["call_status"] for entry in result["calls"]] == ["not_placed", "not_placed"]
    assert result["calls"][0]["request"] == {"to": "919100000701", "from": FROM, "answer_url": ANSWER_URL, "answer_method": "POST",
                                             "ring_url": "https://example.com/ring", "ring_method": "GET"}
    assert placing.posts_to("919100000701") == [] and placing.posts_to("919100000702") == []


def test_429_then_success_places_one_call_and_counts_the_retry(placing: Placing):
    result = placing.result("throttled")
    posts = placing.posts_to("919100000801")
    assert [post["response_status"] for post in posts] == [429, 200]
    assert result["http_retries"] == 1 and len(placing.calls_to("919100000801")) == 1
    assert result["calls"][0]["request_uuid"] == placing.calls_to("919100000801")[0]["call_uuid"]


@pytest.mark.parametrize("name, destination, cause", [
    ("server_error", "919100000901", "HTTP 500"),
    ("hung", "919100001001", "answer within 2 s"),  # the read time-out or the watchdog, whichever fires first
    ("dropped", "919100001101", "closed the connection"),
])
def test_an_unknown_outcome_is_one_post_and_a_clear_failure(placing: Placing, name, destination, cause):
    result = placing.result(name)
    assert result["failed"] is True and result["http_retries"] == 0
    assert len(placing.posts_to(destination)) == 1  # sent once, not again
    assert len(placing.calls_to(destination)) == 1  # and Vobiz did place it
    entry = result["calls"][0]
    assert (entry["to"], entry["call_status"], entry["request_uuid"]) == (destination, "unknown", None)
    assert cause in result["msg"] and "may have been placed" in result["msg"] and "live_call_info" in result["msg"]


def test_after_an_unknown_outcome_nothing_more_is_placed(placing: Placing):
    result = placing.result("server_error")
    assert [entry["call_status"] for entry in result["calls"]] == ["unknown", "not_placed"]
    assert placing.posts_to("919100000906") == []


@pytest.mark.timing
def test_after_an_unknown_outcome_no_more_posts_start_at_any_concurrency(placing: Placing):
    """Two at a time: the first POST to arrive is held 12 s (the call placed), the second answers 500 meanwhile (the
    call placed too). Once the 500 is in, no further POST starts, whatever the pool has room for; the held one
    finishes, and the other four stay unsent. The simulator's log shows that both were under way at once."""
    result = placing.result("server_error_concurrent")
    destinations = ["919100000911", "919100000912", "919100000913", "919100000914", "919100000915", "919100000916"]
    assert [len(placing.posts_to(destination)) for destination in destinations] == [1, 1, 0, 0, 0, 0]
    assert sorted(entry["call_status"] for entry in result["calls"][:2]) == ["queued", "unknown"]
    assert [entry["call_status"] for entry in result["calls"][2:]] == ["not_placed"] * 4
    assert result["failed"] is True and "may have been placed" in result["msg"] and result["http_retries"] == 0
    first_two = placing.posts_to("919100000911") + placing.posts_to("919100000912")
    assert sorted(post["response_status"] for post in first_two) == [200, 500]
    held, lost = sorted(first_two, key=lambda post: post["response_status"])
    assert lost["time"] < held["ended"]  # the POST that drew the 500 arrived while the held one was under way
    placed = [entry["request_uuid"] for entry in result["calls"] if entry["call_status"] == "queued"]
    assert result["placed"] == placed and len(placing.calls_to("919100000911") + placing.calls_to("919100000912")) == 2


def test_402_fails_with_vobiz_code_and_places_nothing_more(placing: Placing):
    result = placing.result("no_balance")
    assert result["failed"] is True and result["status_code"] == 402 and result["changed"] is False
    assert "INSUFFICIENT_BALANCE" in result["msg"] and "may have been placed" not in result["msg"]
    assert len(placing.posts_to("919100001201")) == 1 and placing.posts_to("919100001206") == []


def test_every_refusal_names_the_option_and_sends_nothing(placing: Placing):
    messages = [item["msg"] for item in placing.result("refused")["results"]]
    expected = ["to[0] '12ab'", "to[1] 'sip:nohost'", "to names 1001 destinations", "from 'sip:me@example.com'",
                "answer_url 'example.com/answer.xml'", "hangup_method", "time_limit must be between 1 and 86400, got 0",
                "caller_name must be at most 50 characters", "extra_params must not repeat what an option sets: from"]
    assert len(messages) == len(expected)
    for message, named in zip(messages, expected):
        assert named in message
    assert placing.posts_to("919100001301") == [] and placing.posts_to("919100002000") == []


def test_the_tokens_are_not_in_the_vvv_output(placing: Placing):
    assert "-vvv" in placing.run.argv
    for secret in SECRETS:
        assert secret not in placing.run.output
    assert all(secret not in str(post["headers"]) for post in placing.posts for secret in SECRETS)


@pytest.mark.parametrize("destination, answered", [("+919100001401", True), ("+919100001402", False)])
def test_the_test_call_example(ansible, sim: Sim, destination, answered):
    sim.control("POST", "dial_rules", {"rules": DIAL_RULES})
    run = ansible.playbook(str(REPO_ROOT / "examples" / "test_call.yml"), extra_vars={"test_number": destination, "min_seconds": 1})
    assert (run.rc == 0) == answered, run.explain()
    assert len(placing_posts(sim, destination)) == 1
    if answered:
        assert "was answered and lasted 1 s" in run.stdout, run.explain()


def placing_posts(sim: Sim, destination: str) -> list:
    return [entry for entry in sim.requests() if entry["method"] == "POST" and (entry["body"] or {}).get("to") == destination]
