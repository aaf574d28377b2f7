"""Every failure of live_call_info's contract, each ending in a clean failed result: the module's own message and
fields, never "MODULE FAILURE" nor a Python traceback, and never the token (each case runs with -vvv: its
output holds everything a quiet run prints, and more). The cases that change the connection run ad hoc, one each; the
others share one playbook run (SHARED).

The token is in VOBIZ_AUTH_TOKEN, never in -a: Ansible echoes a failed ad hoc task's -a string (see test_adhoc.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest
from conftest import AUTH_ID, INACTIVE_AUTH_ID, INACTIVE_TOKEN, TOKEN, WRONG_TOKEN, Sim, assert_given_up_within

from tests.loopback import free_port

CALL = "fail-call"
INVALID = "is not valid: use 1 to 128 letters, digits, '-' or '_'"
HTML_BODY = "<html> <head><title>{0}</title></head> <body> <center><h1>{0}</h1></center> <hr><center>nginx</center> </body> </html>"
NOT_A_RECORD = 'a call record (a JSON object with a "call_status" or "call_state" string, or a "calls" list holding one)'
NOT_WRAPPED_RECORDS = 'a call record (a "calls" list of JSON objects, each with a "call_uuid" string)'
NOT_A_LIST = 'a "calls" list of call uuids (strings, or JSON objects with a "call_uuid" string)'
WRAPPED_NO_UUID = {"api_id": "w", "calls": [{"call_state": "ACTIVE"}]}
WRAPPED_NO_STATUS = {"api_id": "w", "calls": [{"call_uuid": CALL}]}
WRAPPED_OTHERS = {"api_id": "w", "calls": [{"call_uuid": "a", "call_state": "ACTIVE"}, {"call_uuid": "b", "call_state": "RINGING"}]}
LIST_NO_UUID = {"api_id": "w", "calls": [{"call_state": "ACTIVE"}]}


def wrong_shape(url: str, expected: str, body) -> str:
    return "GET %s answered HTTP 200 with JSON that is not %s: %r" % (url, expected, json.dumps(body))


@dataclass
class Context:
    """What an expected message may name: the call and the URL asked, and the request id of the last recorded request."""

    call: str
    base: str
    url: str
    rid: str | None
    port: int


@dataclass
class Case:
    name: str
    msg: object  # Context -> the exact msg
    args: str = "call_uuid=%s" % CALL
    env: dict = field(default_factory=dict)  # overrides of the VOBIZ_* connection variables
    faults: tuple = ()
    fields: dict = field(default_factory=dict)  # status_code / error_code / request_id; values may be callables of Context
    requests: int = 0  # how many API requests the simulator records
    refused_port: bool = False  # point api_url at a closed port


CASES = [
    # the module's own options: refused before any request
    Case("empty_call_uuid", lambda c: "call_uuid must not be empty", args="call_uuid="),
    Case("call_uuid_with_slash", lambda c: "call_uuid 'abc/def' " + INVALID, args="call_uuid=abc/def"),
    Case("call_uuid_with_dots", lambda c: "call_uuid '..' " + INVALID, args="call_uuid=.."),
    Case("two_option_errors", lambda c: "call_uuid 'a/b' %s; concurrency must be between 1 and 64, got 0" % INVALID,
         args="call_uuid=a/b concurrency=0"),
    Case("list_wait_for_not_ended",
         lambda c: "wait_for without call_uuid (list mode) accepts only [ended], which waits until no call is live; got ['in-progress']",
         args="wait_for=in-progress"),
    # the connection options: refused before any request
    Case("auth_id_with_question_mark", lambda c: "auth_id 'MA_E2E?status=queued' " + INVALID, env={"VOBIZ_AUTH_ID": "MA_E2E?status=queued"}),
    Case("api_url_ftp", lambda c: "api_url 'ftp://x' must be an absolute http:// or https:// URL, such as https://api.vobiz.ai/api/v1",
         env={"VOBIZ_API_URL": "ftp://x"}),
    Case("api_url_not_a_url", lambda c: "api_url 'not a url' must be an absolute http:// or https:// URL, such as https://api.vobiz.ai/api/v1",
         env={"VOBIZ_API_URL": "not a url"}),
    Case("timeout_zero", lambda c: "timeout must be greater than 0 seconds, got 0.0", args="call_uuid=%s timeout=0" % CALL),
    # refusals of the credentials: never retried
    Case("wrong_token",
         lambda c: "Vobiz refused the credentials of auth_id %s (HTTP 401: INVALID_CREDENTIALS: Invalid auth credentials) for GET %s" % (AUTH_ID, c.url),
         env={"VOBIZ_AUTH_TOKEN": WRONG_TOKEN}, fields={"status_code": 401, "error_code": "INVALID_CREDENTIALS", "request_id": lambda c: c.rid},
         requests=1),
    Case("inactive_account",
         lambda c: "Vobiz refused the credentials of auth_id %s (HTTP 403: ACCOUNT_INACTIVE: Account is inactive) for GET %s"
         % (INACTIVE_AUTH_ID, c.url.replace(AUTH_ID, INACTIVE_AUTH_ID)),
         env={"VOBIZ_AUTH_ID": INACTIVE_AUTH_ID, "VOBIZ_AUTH_TOKEN": INACTIVE_TOKEN},
         fields={"status_code": 403, "error_code": "ACCOUNT_INACTIVE", "request_id": lambda c: c.rid}, requests=1),
    Case("path_account_mismatch",
         lambda c: "Vobiz refused the credentials of auth_id %s (HTTP 403: FORBIDDEN: The auth_id in the path is not the caller's) for GET %s"
         % (AUTH_ID, c.url),
         faults=({"kind": "status", "status": 403, "code": "FORBIDDEN", "message": "The auth_id in the path is not the caller's"},),
         fields={"status_code": 403, "error_code": "FORBIDDEN", "request_id": lambda c: c.rid}, requests=1),
    # error answers
    Case("server_error_envelope",
         lambda c: "GET %s answered HTTP 500 Internal Server Error: INTERNAL_ERROR: Database unavailable (request id %s)" % (c.url, c.rid),
         args="call_uuid=%s retries=0" % CALL,
         faults=({"kind": "status", "status": 500, "code": "INTERNAL_ERROR", "message": "Database unavailable"},),
         fields={"status_code": 500, "error_code": "INTERNAL_ERROR", "request_id": lambda c: c.rid}, requests=1),
    Case("plivo_style_error",
         lambda c: "GET %s answered HTTP 400 Bad Request: invalid status parameter (request id e2e-plivo-api-id-01)" % c.url,
         faults=({"kind": "status", "status": 400, "body": '{"api_id": "e2e-plivo-api-id-01", "error": "invalid status parameter"}'},),
         fields={"status_code": 400, "request_id": "e2e-plivo-api-id-01"}, requests=1),
    Case("html_502",
         lambda c: "GET %s answered HTTP 502 Bad Gateway and a body that is not Vobiz's JSON: %r (request id %s)"
         % (c.url, HTML_BODY.format("502 Bad Gateway"), c.rid),
         args="call_uuid=%s retries=0" % CALL, faults=({"kind": "html", "status": 502},),
         fields={"status_code": 502, "request_id": lambda c: c.rid}, requests=1),
    # an HTML 404 is a wrong api_url or a proxy, not "this call is not here": a failure, not call_status not_found
    Case("html_404",
         lambda c: "GET %s answered HTTP 404 Not Found and a body that is not Vobiz's JSON: %r (request id %s)"
         % (c.url, HTML_BODY.format("404 Not Found"), c.rid),
         faults=({"kind": "html", "status": 404},), fields={"status_code": 404, "request_id": lambda c: c.rid}, requests=1),
    # 200 answers that are not what was asked
    Case("malformed_json_200", lambda c: "GET %s answered HTTP 200 but the body is not JSON: %r" % (c.url, '{"call_status": "in-progr'),
         faults=({"kind": "malformed_json"},), fields={"status_code": 200}, requests=1),
    Case("wrong_shape_200",
         lambda c: "GET %s answered HTTP 200 with JSON that is not %s: %r" % (c.url, NOT_A_RECORD, '[{"call_status": "in-progress"}]'),
         faults=({"kind": "wrong_shape"},), fields={"status_code": 200}, requests=1),
    # the Plivo-style wrapped form is read, but not when it does not say which call it is, or where it is
    Case("wrapped_without_call_uuid_200", lambda c: wrong_shape(c.url, NOT_WRAPPED_RECORDS, WRAPPED_NO_UUID),
         faults=({"kind": "wrong_shape", "body": WRAPPED_NO_UUID},), fields={"status_code": 200}, requests=1),
    Case("wrapped_without_status_200", lambda c: wrong_shape(c.url, NOT_A_RECORD, WRAPPED_NO_STATUS),
         faults=({"kind": "wrong_shape", "body": WRAPPED_NO_STATUS},), fields={"status_code": 200}, requests=1),
    Case("wrapped_other_calls_only_200",
         lambda c: wrong_shape(c.url, 'a call record of call %s (the "calls" list names only other calls)' % c.call, WRAPPED_OTHERS),
         faults=({"kind": "wrong_shape", "body": WRAPPED_OTHERS},), fields={"status_code": 200}, requests=1),
    Case("wrong_shape_200_list",
         lambda c: "GET %s/Account/%s/Call/?status=live answered HTTP 200 with JSON that is not %s: %r" % (c.base, AUTH_ID, NOT_A_LIST, '{"calls": [1, 2]}'),
         args="details=false", faults=({"kind": "wrong_shape", "body": {"calls": [1, 2]}},), fields={"status_code": 200}, requests=1),
    Case("list_of_records_without_call_uuid_200", lambda c: wrong_shape("%s/Account/%s/Call/?status=live" % (c.base, AUTH_ID), NOT_A_LIST, LIST_NO_UUID),
         args="details=false", faults=({"kind": "wrong_shape", "body": LIST_NO_UUID},), fields={"status_code": 200}, requests=1),
    # a list answer without "calls" is not an empty list (a drain would end on a proxy's "{}")
    Case("list_without_calls_200",
         lambda c: "GET %s/Account/%s/Call/?status=live answered HTTP 200 with JSON that is not %s: %r" % (c.base, AUTH_ID, NOT_A_LIST, "{}"),
         args="details=false", faults=({"kind": "wrong_shape", "body": {}},), fields={"status_code": 200}, requests=1),
    # no answer at all
    Case("connection_refused", lambda c: "GET http://127.0.0.1:%d/api/v1/Account/%s/Call/%s/?status=live failed: connection refused"
         % (c.port, AUTH_ID, CALL), args="call_uuid=%s retries=0" % CALL, refused_port=True),
    # the attempt's own deadline and the socket's time-out both fire at 1 s: either message says the same
    Case("time_out", lambda c: re.compile(r"GET %s failed: no (complete )?answer within 1 s" % re.escape(c.url)),
         args="call_uuid=%s timeout=1 retries=0" % CALL, faults=({"kind": "hang"},), requests=1),
    # a byte every 0.3 s: no socket time-out ever fires, the attempt is still bounded by timeout
    Case("trickled_answer", lambda c: "GET %s failed: no complete answer within 1 s" % c.url, args="call_uuid=%s timeout=1 retries=0" % CALL,
         faults=({"kind": "trickle", "interval": 0.3, "chunk_bytes": 8},), requests=1),
    Case("dropped_connection", lambda c: "GET %s failed: the server closed the connection without a complete answer" % c.url,
         args="call_uuid=%s retries=0" % CALL, faults=({"kind": "drop"},), requests=1),
]


TIMED_CASES = {"time_out", "trickled_answer"}  # what the simulator saw is checked against the timeout

# The cases on the main account's connection, each on a call of its own with its faults keyed on that call, share one
# -vvv Ansible run (a task looping over them); the others change the connection (VOBIZ_* variables, a closed port) or
# read the list, which no fault keyed on a call can reach, and run ad hoc each.
SHARED = [case for case in CASES if not case.env and not case.refused_port and "details=false" not in case.args]
# What a registered loop item holds besides the module's result.
LOOP_KEYS = {"failed", "item", "ansible_loop_var"}
# What ansible-core registers as `exception` for a failure the module reported without a traceback (an ad hoc run
# does not print it): anything else there would be a traceback.
NO_TRACEBACK = "(traceback unavailable)"


def _param(case: Case):
    marks = [pytest.mark.timing] if case.name in TIMED_CASES else []
    return pytest.param(case, id=case.name, marks=marks)


def case_call(case: Case) -> str:
    return "%s-%s" % (CALL, case.name) if case in SHARED else CALL


def case_arguments(case: Case) -> dict:
    """The ad hoc `args` as a task's arguments, naming the case's own call: strings, as the ad hoc CLI passes them."""
    arguments = dict(pair.split("=", 1) for pair in case.args.split())
    return {name: case_call(case) if value == CALL else value for name, value in arguments.items()}


@dataclass
class SharedRun:
    run: object  # conftest.Run
    results: dict  # case name -> the registered result
    recorded: list  # every request of the run, ended
    base_url: str


@pytest.fixture(scope="module")
def shared(ansible_runner, simulator: Sim) -> SharedRun:
    simulator.reset()
    for case in SHARED:
        simulator.add_calls({"call_uuid": case_call(case), "account": AUTH_ID})  # live: each failure comes from the case
        for fault in case.faults:
            simulator.fault(call_uuid=case_call(case), **fault)
    run = ansible_runner.each_case_run("vobiz.telephony.live_call_info", [case_arguments(case) for case in SHARED], verbose=True)
    assert WRONG_TOKEN not in run.output and TOKEN not in run.output
    results = {case.name: result for case, result in zip(SHARED, run.dump)}
    return SharedRun(run, results, simulator.requests_ended(), simulator.base_url)


def test_the_shared_cases_sent_only_requests_of_their_own_calls(shared: SharedRun):
    """A refusal sends nothing, and no case reaches another's call: every request of the shared run is one of a case's
    own, as many as the case expects."""
    sent = {}
    for entry in shared.recorded:
        sent[entry["path"]] = sent.get(entry["path"], 0) + 1
    assert sent == {"/api/v1/Account/%s/Call/%s/" % (AUTH_ID, case_call(case)): case.requests for case in SHARED if case.requests}


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_failure(request, case: Case):
    if case in SHARED:
        run = request.getfixturevalue("shared")
        result = run.results[case.name]
        assert result["failed"] is True, result
        assert result.get("exception", NO_TRACEBACK) == NO_TRACEBACK, result["exception"]
        result = {key: value for key, value in result.items() if key not in LOOP_KEYS | {"exception"}}
        recorded = [entry for entry in run.recorded if "/Call/%s/" % case_call(case) in entry["path"]]
        base, port, ran = run.base_url, 0, run.run
    else:
        ansible, sim = request.getfixturevalue("ansible"), request.getfixturevalue("sim")
        sim.add_calls({"call_uuid": CALL, "account": AUTH_ID})  # live: each failure comes from the case, not from the call
        for fault in case.faults:
            sim.fault(**fault)
        port = free_port() if case.refused_port else 0  # nobody listens there: refused
        env = ansible.connection_env(api_url="http://127.0.0.1:%d/api/v1" % port if case.refused_port else None)
        env.update(case.env)
        adhoc = ansible.adhoc(case.args, env=env, verbose=True)
        assert (adhoc.rc, adhoc.status) == (2, "FAILED!"), adhoc.explain()  # adhoc checked: no traceback, no MODULE FAILURE, no token
        assert WRONG_TOKEN not in adhoc.output and TOKEN not in adhoc.output
        result, recorded, base, ran = adhoc.result, sim.requests_ended(), sim.base_url, adhoc
    assert len(recorded) == case.requests, recorded
    context = Context(call=case_call(case), base=base, url="%s/Account/%s/Call/%s/?status=live" % (base, AUTH_ID, case_call(case)),
                      rid=recorded[-1]["request_id"] if recorded else None, port=port)
    expected_msg = case.msg(context)
    if isinstance(expected_msg, re.Pattern):
        assert expected_msg.fullmatch(result["msg"]), result["msg"]
    else:
        assert result["msg"] == expected_msg
    expected = {key: value(context) if callable(value) else value for key, value in case.fields.items()}
    assert {key: result[key] for key in expected} == expected
    # nothing but the failure: no call facts, no retries
    assert set(result) - {"invocation"} == {"changed", "msg", "http_retries"} | set(expected), result
    assert (result["changed"], result["http_retries"]) == (False, 0)
    if case.name == "time_out":
        # the simulator saw the client give up on the answer within timeout (1 s), with a margin for a busy machine
        # (the hang would last 600 s): the socket's own 1 s read time-out closes the connection
        (entry,) = recorded
        assert_given_up_within(entry, 1)
    if case.name == "trickled_answer":
        # The message says the 1 s deadline fired. The abandoned read goes on until the module's process exits (each
        # byte restarts the socket's time-out), so what the simulator sees is: the connection closed before the whole
        # answer (about 15 s of it) was sent, and by the time the run had ended, with a margin for a busy machine.
        # (Not "within 1 s of the request": a process's exit on a loaded machine was once seen 11 s after its failure.)
        (entry,) = recorded
        assert entry["response_status"] is None, entry
        assert entry["ended"] <= ran.finished + 3.0, (entry, ran.finished)


def test_wrong_token_is_not_retried_nor_shown(ansible, sim: Sim):
    """Default retries (3): a 401 is final, and neither the wrong token nor the right one appears, even with -vvv."""
    sim.add_calls({"call_uuid": CALL, "account": AUTH_ID})
    run = ansible.adhoc("call_uuid=%s" % CALL, env=ansible.connection_env(token=WRONG_TOKEN), verbose=True)
    assert run.status == "FAILED!"
    assert "refused the credentials" in run.result["msg"]
    assert run.result["status_code"] == 401
    assert len(sim.requests()) == 1
    assert WRONG_TOKEN not in run.output


def test_password_in_api_url_is_refused_before_any_request(ansible, sim: Sim):
    """A user:password in api_url is refused, and left out of the message (quiet run; with -vvv Ansible's own
    "invocation" would show api_url whole, as it is not a no_log option: that is why the module refuses it)."""
    env = ansible.connection_env(api_url=sim.base_url.replace("http://", "http://e2e-user:pw-e2e-91ab@"))
    run = ansible.adhoc("call_uuid=%s" % CALL, env=env)
    assert run.status == "FAILED!"
    assert run.result["msg"] == ("api_url %r must not contain a user name or password: give the credentials in auth_id and auth_token"
                                 % sim.base_url)
    assert sim.requests() == []
    assert "pw-e2e-91ab" not in run.output
