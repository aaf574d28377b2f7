"""vobiz.telephony.live_call through Ansible: ad hoc and playbooks, check mode proven by the simulator's request log,
diff, idempotence, a list of 100 calls, and every fault kind on the hang-up itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from conftest import AUTH_ID, INACTIVE_AUTH_ID, INACTIVE_TOKEN, REPO_ROOT, TOKEN, WRONG_TOKEN, Sim, call_path
from test_examples import printed_messages

MODULE = "vobiz.telephony.live_call"
RESULT_KEYS = {"changed", "hung_up", "results", "http_retries"}


def printed_keys(result: dict) -> set:
    return set(result) - {"invocation", "warnings"}


def methods(entries: list) -> list:
    return [(entry["method"], entry["query"].get("status", "none")) for entry in entries]


def deletes(sim: Sim) -> list:
    return [entry["path"] for entry in sim.requests() if entry["method"] == "DELETE"]


def live_call(call_uuid: str, status: str = "in-progress", **extra) -> dict:
    return dict({"call_uuid": call_uuid, "account": AUTH_ID, "timeline": [{"at": -5, "status": status}]}, **extra)


def queued_call(call_uuid: str, request_uuid: str) -> dict:
    return {"call_uuid": call_uuid, "account": AUTH_ID, "request_uuid": request_uuid, "timeline": [{"at": -1, "status": "queued"}]}


def ended_call(call_uuid: str) -> dict:
    return {"call_uuid": call_uuid, "account": AUTH_ID, "timeline": [{"at": -20, "status": "in-progress"}, {"at": -2, "status": "completed"}]}


# --- ad hoc -----------------------------------------------------------------------------------------------------


def test_adhoc_hangs_up_a_live_call_then_finds_nothing_to_do(ansible, sim: Sim):
    sim.add_calls(live_call("lc-adhoc"))
    run = ansible.adhoc("call_uuid=lc-adhoc", module=MODULE, verbose=True)
    assert (run.rc, run.status) == (0, "CHANGED"), run.explain()
    assert printed_keys(run.result) == RESULT_KEYS
    assert (run.result["changed"], run.result["hung_up"], run.result["http_retries"]) == (True, ["lc-adhoc"], 0)
    [entry] = run.result["results"]
    assert (entry["call_uuid"], entry["before"], entry["action"], entry["call_status"]) == ("lc-adhoc", "in-progress", "hung_up", "ended")
    assert (entry["cdr"]["call_status"], entry["cdr"]["hangup_source"], entry["cdr"]["hangup_cause_name"]) == ("completed", "API", "NORMAL_CLEARING")
    # one look, the hang-up, one look at the finalized record
    assert methods(sim.requests()) == [("GET", "live"), ("DELETE", "none"), ("GET", "none")]
    assert deletes(sim) == [call_path("lc-adhoc")]
    assert sim.calls()["lc-adhoc"]["status"] == "completed"

    sim.clear_requests()
    again = ansible.adhoc("call_uuid=lc-adhoc", module=MODULE, verbose=True)
    assert (again.rc, again.status, again.result["changed"], again.result["hung_up"]) == (0, "SUCCESS", False, []), again.explain()
    assert again.result["results"][0]["action"] == "none"
    assert again.result["results"][0]["cdr"] == entry["cdr"]
    assert deletes(sim) == []


def test_adhoc_cancels_a_queued_call_by_its_request_uuid(ansible, sim: Sim):
    sim.add_calls(queued_call("lc-queued", "lc-request-9"))
    run = ansible.adhoc("call_uuid=lc-queued wait=false", module=MODULE)
    assert (run.rc, run.result["hung_up"]) == (0, ["lc-queued"]), run.explain()
    assert run.result["results"] == [{"call_uuid": "lc-queued", "before": "queued", "action": "cancelled", "call_status": "queued", "cdr": {}}]
    assert deletes(sim) == ["/api/v1/Account/%s/Request/lc-request-9/" % AUTH_ID]
    assert sim.calls()["lc-queued"]["status"] == "canceled"


def test_check_mode_sends_no_delete(ansible, sim: Sim):
    sim.add_calls(live_call("lc-check-live"), queued_call("lc-check-queued", "lc-check-queued"), ended_call("lc-check-done"))
    run = ansible.adhoc("call_uuids=lc-check-live,lc-check-queued,lc-check-done", module=MODULE, check=True, verbose=True)
    assert (run.rc, run.status, run.result["changed"]) == (0, "CHANGED", True), run.explain()
    assert run.result["hung_up"] == ["lc-check-live", "lc-check-queued"]
    assert [(entry["before"], entry["action"]) for entry in run.result["results"]] == [("in-progress", "hung_up"), ("queued", "cancelled"),
                                                                                       ("ended", "none")]
    recorded = sim.requests()
    assert recorded and {entry["method"] for entry in recorded} == {"GET"}
    statuses = {uuid: call["status"] for uuid, call in sim.calls().items()}
    assert statuses == {"lc-check-live": "in-progress", "lc-check-queued": "queued", "lc-check-done": "completed"}


def test_refused_token_fails_cleanly_naming_the_call(ansible, sim: Sim):
    sim.add_calls(live_call("lc-refused"))
    run = ansible.adhoc("call_uuid=lc-refused", module=MODULE, env=ansible.connection_env(token=WRONG_TOKEN))
    assert (run.rc, run.status) == (2, "FAILED!"), run.explain()
    assert run.result["msg"].startswith("call lc-refused: Vobiz refused the credentials of auth_id %s (HTTP 401: INVALID_CREDENTIALS" % AUTH_ID)
    assert (run.result["status_code"], run.result["results"], run.result["hung_up"]) == (401, [], [])
    assert deletes(sim) == []


def test_inactive_account_fails_cleanly(ansible, sim: Sim):
    run = ansible.adhoc("call_uuid=lc-inactive", module=MODULE, env=ansible.connection_env(auth_id=INACTIVE_AUTH_ID, token=INACTIVE_TOKEN))
    assert run.failed, run.explain()
    assert (run.result["status_code"], run.result["error_code"]) == (403, "ACCOUNT_INACTIVE")


@pytest.mark.parametrize("args, message", [
    ("call_uuid=a call_uuids=b", "call_uuid and call_uuids are mutually exclusive: give one call in call_uuid or several in call_uuids"),
    ("wait=true", "one of call_uuid and call_uuids is required: give one call in call_uuid or several in call_uuids"),
    ('{"call_uuid": null}', "one of call_uuid and call_uuids is required: give one call in call_uuid or several in call_uuids"),
    ("call_uuids=ok-1,bad%2f concurrency=0", "call_uuids[1] 'bad%2f' is not valid"),
    ("call_uuid=x concurrency=65", "concurrency must be between 1 and 64, got 65"),
    ("call_uuid=x state=present", "value of state must be one of: absent, got: present"),
])
def test_bad_options_fail_before_any_request(ansible, sim: Sim, args, message):
    run = ansible.adhoc(args, module=MODULE)
    assert run.failed, run.explain()
    assert message in run.result["msg"]
    assert sim.requests() == []


def test_empty_list_sends_nothing(ansible, sim: Sim):
    run = ansible.playbook("""
        - hosts: localhost
          gather_facts: false
          tasks:
            - vobiz.telephony.live_call:
                call_uuids: []
              register: none_at_all
            - e2e_dump:
                content: "{{ none_at_all | to_json }}"
                dest: "{{ e2e_out }}"
                mode: "0600"
    """)
    assert run.rc == 0, run.explain()
    assert (run.dump["changed"], run.dump["hung_up"], run.dump["results"]) == (False, [], [])
    assert sim.requests() == []


# --- playbooks: diff, idempotence, lists ------------------------------------------------------------------------


IDEMPOTENCE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: End the calls
      vobiz.telephony.live_call:
        call_uuids: "{{ targets }}"
      register: first
    - name: End them again
      vobiz.telephony.live_call:
        call_uuids: "{{ targets }}"
      register: second
    - e2e_dump:
        content: "{{ {'first': first, 'second': second} | to_json }}"
        dest: "{{ e2e_out }}"
        mode: "0600"
"""


def test_playbook_ends_a_mixed_list_once_and_is_idempotent(ansible, sim: Sim):
    sim.add_calls(live_call("lc-mix-live"), live_call("lc-mix-ringing", "ringing"), queued_call("lc-mix-queued", "lc-mix-queued"),
                  ended_call("lc-mix-done"))
    targets = ["lc-mix-live", "lc-mix-ringing", "lc-mix-queued", "lc-mix-done", "lc-mix-unknown", "lc-mix-live"]
    run = ansible.playbook(IDEMPOTENCE, extra_vars={"targets": targets}, verbose=True)
    assert run.rc == 0, run.explain()
    assert (run.recap["changed"], run.recap["failed"]) == (2, 0)  # the first task and the dump
    first, second = run.dump["first"], run.dump["second"]
    assert first["hung_up"] == ["lc-mix-live", "lc-mix-ringing", "lc-mix-queued"]
    assert [(entry["call_uuid"], entry["before"], entry["action"], entry["call_status"]) for entry in first["results"]] == [
        ("lc-mix-live", "in-progress", "hung_up", "ended"), ("lc-mix-ringing", "ringing", "hung_up", "ended"),
        ("lc-mix-queued", "queued", "cancelled", "ended"), ("lc-mix-done", "ended", "none", "ended"),
        ("lc-mix-unknown", "not_found", "none", "not_found")]
    cdrs = {entry["call_uuid"]: entry["cdr"] for entry in first["results"]}
    assert [cdrs[uuid]["call_status"] for uuid in ("lc-mix-live", "lc-mix-ringing", "lc-mix-queued")] == ["completed", "completed", "canceled"]
    assert {cdrs[uuid]["hangup_source"] for uuid in ("lc-mix-live", "lc-mix-ringing", "lc-mix-queued")} == {"API"}
    assert (cdrs["lc-mix-done"]["hangup_source"], cdrs["lc-mix-unknown"]) != ("API", None) and cdrs["lc-mix-unknown"] == {}
    assert (second["changed"], second["hung_up"]) == (False, [])
    assert {entry["action"] for entry in second["results"]} == {"none"}
    assert len(deletes(sim)) == 3  # the duplicate was ended once, the second task sent none


DIFF = """
- hosts: localhost
  gather_facts: false
  tasks:
    - vobiz.telephony.live_call:
        call_uuids: [lc-diff-live, lc-diff-done]
        wait: false
      register: ended
    - e2e_dump:
        content: "{{ ended | to_json }}"
        dest: "{{ e2e_out }}"
        mode: "0600"
      check_mode: false
      diff: false
"""


@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
def test_diff_shows_each_call_changed_from_its_status_to_ended(ansible, sim: Sim, check):
    sim.add_calls(live_call("lc-diff-live", "early-media"), ended_call("lc-diff-done"))
    run = ansible.playbook(DIFF, env=dict(ansible.connection_env(), ANSIBLE_DIFF_ALWAYS="True"), check=check)
    assert run.rc == 0, run.explain()
    assert run.dump["diff"] == {"before": {"lc-diff-live": "early-media"}, "after": {"lc-diff-live": "ended"}}
    assert '-    "lc-diff-live": "early-media"' in run.stdout and '+    "lc-diff-live": "ended"' in run.stdout, run.stdout
    assert "lc-diff-done" not in run.stdout.split("TASK [e2e_dump]")[0].split("TASK [vobiz.telephony.live_call]")[1]
    assert deletes(sim) == ([] if check else [call_path("lc-diff-live")])


def test_a_list_of_100_live_calls_in_one_task(ansible, sim: Sim):
    uuids = sim.control("POST", "calls", {"generate": {"count": 100, "account": AUTH_ID, "prefix": "lc-hundred-"}})["call_uuids"]
    run = ansible.playbook(IDEMPOTENCE, extra_vars={"targets": uuids}, timeout=300)
    assert run.rc == 0, run.explain()
    first, second = run.dump["first"], run.dump["second"]
    assert first["hung_up"] == uuids
    assert [entry["call_uuid"] for entry in first["results"]] == uuids
    assert {(entry["action"], entry["call_status"], entry["cdr"]["hangup_source"]) for entry in first["results"]} == {("hung_up", "ended", "API")}
    assert sorted(deletes(sim)) == sorted(call_path(uuid) for uuid in uuids)
    assert (second["changed"], second["hung_up"]) == (False, [])
    assert {call["status"] for call in sim.calls().values()} == {"completed"}


# --- waiting --------------------------------------------------------------------------------------------------


def test_wait_timing_out_fails_with_the_last_look(ansible, sim: Sim):
    """A hang-up that Vobiz accepts (a 200 without effect, from a fault) while the call goes on: the wait gives up."""
    sim.add_calls(live_call("lc-stays"))
    sim.fault(kind="wrong_shape", body={"api_id": "accepted"}, method="DELETE")
    run = ansible.adhoc("call_uuid=lc-stays wait_timeout=2 wait_sleep=0.5", module=MODULE)
    assert run.failed, run.explain()
    assert run.result["msg"].startswith("Timed out after ")
    assert run.result["msg"].endswith("waiting for the calls to end; 1 not ended yet: lc-stays (in-progress)")
    assert run.result["results"] == [{"call_uuid": "lc-stays", "before": "in-progress", "action": "hung_up", "call_status": "in-progress", "cdr": {}}]
    looks = [entry for entry in sim.requests() if entry["method"] == "GET"]
    assert len(looks) >= 3  # the first look, then one every 0.5 s for 2 s


# --- faults on the hang-up -----------------------------------------------------------------------------------------
# Each table's cases share one Ansible run (Ansible.each_case_run): case N ends calls of its own (lc-f-N-1, lc-f-N-2),
# and its fault is keyed on its second call's DELETE, so no case's fault can reach another case's requests.

# (fault on the DELETE of the second call, extra module arguments, expected outcome)
RECOVERED = {
    "503 once": ({"kind": "status", "status": 503}, {}, "hung_up", 1),
    "503 after the hang-up was done": ({"kind": "status", "status": 503, "takes_effect": True}, {}, "hung_up", 1),
    "dropped after the hang-up was done": ({"kind": "drop", "takes_effect": True}, {}, "hung_up", 1),
    "dropped before": ({"kind": "drop"}, {}, "hung_up", 1),
    "429 with Retry-After": ({"kind": "rate_limit", "retry_after": "1"}, {}, "hung_up", 1),
    "429 with details.retryAfter": ({"kind": "rate_limit", "details_retry_after": 1}, {}, "hung_up", 1),
    "hang": ({"kind": "hang"}, {"timeout": 5}, "hung_up", 1),
    "delay within the timeout": ({"kind": "delay", "seconds": 0.5}, {"timeout": 10}, "hung_up", 0),
    "trickle past the timeout": ({"kind": "trickle", "interval": 0.5, "chunk_bytes": 4}, {"timeout": 5}, "hung_up", 1),
    "html 502 once": ({"kind": "html", "status": 502}, {}, "hung_up", 1),
}


@dataclass
class FaultRun:
    """One shared run of a table's cases: each case's result, the run's output, and the simulator's state after it."""
    results: dict  # case name -> the registered result
    output: str
    calls: dict  # call_uuid -> status
    deletes: list  # the paths of every DELETE

    def retry_warnings(self, call_uuid: str) -> int:
        """How many "HTTP retry 1" warnings the DELETE of `call_uuid` drew (a warning is printed, never registered)."""
        return len(re.findall(r"HTTP retry 1 \(attempt 2 of 4 for DELETE \S+/Call/%s/\)" % re.escape(call_uuid), self.output))


def fault_run(ansible, simulator: Sim, prefix: str, table: dict, calls: int, arguments: dict) -> FaultRun:
    """Every case of `table` in one run: case N's `calls` live calls PREFIX-N-1.., its fault on the DELETE of
    PREFIX-N-2, and the module given them with `arguments` and the case's own."""
    simulator.reset()
    cases = []
    for index, (fault, args, *_expected) in enumerate(table.values()):
        uuids = ["%s-%d-%d" % (prefix, index, number) for number in range(1, calls + 1)]
        simulator.add_calls(*(live_call(uuid) for uuid in uuids))
        simulator.fault(call_uuid=uuids[1], method="DELETE", **fault)
        cases.append(dict(arguments, call_uuids=uuids, **args))
    run = ansible.each_case_run(MODULE, cases, verbose=False)
    return FaultRun(results=dict(zip(table, run.dump)), output=run.output, calls={uuid: call["status"] for uuid, call in simulator.calls().items()},
                    deletes=deletes(simulator))


def case_calls(prefix: str, table: dict, name: str, calls: int) -> list:
    index = list(table).index(name)
    return ["%s-%d-%d" % (prefix, index, number) for number in range(1, calls + 1)]


@pytest.fixture(scope="module")
def recovered(ansible_runner, simulator: Sim) -> FaultRun:
    faults = {name: ({"times": 1, **fault}, args, action, retries) for name, (fault, args, action, retries) in RECOVERED.items()}
    return fault_run(ansible_runner, simulator, "lc-f", faults, 2, {"retry_max_wait": 2})


@pytest.mark.parametrize("name", list(RECOVERED))
def test_fault_on_the_hang_up_is_recovered(recovered: FaultRun, name):
    _fault, _args, action, retries = RECOVERED[name]
    first, second = case_calls("lc-f", RECOVERED, name, 2)
    result = recovered.results[name]
    assert (result["failed"], result["changed"]) == (False, True), result
    assert result["hung_up"] == [first, second]
    assert [entry["action"] for entry in result["results"]] == ["hung_up", action]
    assert {entry["cdr"]["hangup_source"] for entry in result["results"]} == {"API"}
    assert result["http_retries"] == retries
    assert recovered.retry_warnings(second) == retries, recovered.output
    assert (recovered.calls[first], recovered.calls[second]) == ("completed", "completed")


FINAL = {
    "401": ({"kind": "status", "status": 401}, {}, 401, "Vobiz refused the credentials"),
    "409": ({"kind": "status", "status": 409}, {}, 409, "HTTP 409 Conflict: CONFLICT"),
    "503 every time": ({"kind": "status", "status": 503}, {"retries": 1, "retry_max_wait": 0.2}, 503, "HTTP 503"),
    "html 502 every time": ({"kind": "html", "status": 502}, {"retries": 1, "retry_max_wait": 0.2}, 502, "a body that is not Vobiz's JSON"),
    "malformed JSON": ({"kind": "malformed_json"}, {}, 200, "but the body is not JSON"),
    "huge": ({"kind": "huge", "megabytes": 11}, {}, 200, "with a body larger than 10485760 bytes"),
    # "no answer" or "no complete answer" within 2 s: whichever of the two 2 s timers fires first
    "hang every time": ({"kind": "hang"}, {"timeout": 2, "retries": 1, "retry_max_wait": 0.2}, None, "answer within 2 s"),
}


@pytest.fixture(scope="module")
def final(ansible_runner, simulator: Sim) -> FaultRun:
    return fault_run(ansible_runner, simulator, "lc-g", FINAL, 3, {"concurrency": 1})


@pytest.mark.parametrize("name", list(FINAL))
def test_fault_on_the_hang_up_fails_naming_the_call_and_keeps_what_was_done(final: FaultRun, name):
    _fault, _args, status_code, message = FINAL[name]
    first, second, third = case_calls("lc-g", FINAL, name, 3)
    result = final.results[name]
    assert result["failed"] is True, result
    assert result["msg"].startswith("call %s: " % second), result["msg"]
    assert message in result["msg"]
    assert result.get("status_code") == status_code
    assert (result["changed"], result["hung_up"]) == (True, [first])
    assert [(entry["call_uuid"], entry["action"]) for entry in result["results"]] == [(first, "hung_up")]
    assert final.deletes.count(call_path(third)) == 0
    assert final.calls[first] == "completed"


def test_fault_on_the_look_is_retried_like_any_get(ansible, sim: Sim):
    sim.add_calls(live_call("lc-look"))
    sim.fault(kind="status", status=503, call_uuid="lc-look", method="GET", status_query="live", times=1)
    run = ansible.adhoc("call_uuid=lc-look retry_max_wait=1", module=MODULE)
    assert (run.rc, run.result["hung_up"], run.result["http_retries"]) == (0, ["lc-look"], 1), run.explain()
    assert "HTTP retry 1 (attempt 2 of 4 for GET" in run.output


def test_token_given_in_module_defaults_never_shows(ansible, sim: Sim):
    sim.add_calls(live_call("lc-defaults"))
    run = ansible.playbook("""
        - hosts: localhost
          gather_facts: false
          module_defaults:
            group/vobiz.telephony.all:
              auth_id: "{{ e2e_auth_id }}"
              auth_token: "{{ e2e_auth_token }}"
              api_url: "{{ sim_api_url }}"
          tasks:
            - vobiz.telephony.live_call:
                call_uuid: lc-defaults
              register: ended
            - e2e_dump:
                content: "{{ ended | to_json }}"
                dest: "{{ e2e_out }}"
                mode: "0600"
    """, env={}, verbose=True)
    assert run.rc == 0, run.explain()
    assert run.dump["hung_up"] == ["lc-defaults"]
    assert TOKEN not in run.output


# --- the example runbook ------------------------------------------------------------------------------------------

def test_drain_and_hang_up_example(ansible, sim: Sim):
    """One call ends by itself during the drain; the two left are hung up, and their finalized records shown."""
    sim.add_calls(live_call("drain-a", **{"from": "919000000001"}), live_call("drain-b", "ringing"),
                  {"call_uuid": "drain-self", "account": AUTH_ID, "timeline": [{"at": -9, "status": "in-progress"}, {"at": 1, "status": "completed"}]})
    run = ansible.playbook(str(REPO_ROOT / "examples" / "drain_and_hang_up.yml"), extra_vars={"drain_timeout": 4})
    assert run.rc == 0, run.explain()
    assert run.recap == {"ok": 4, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 0, "rescued": 0, "ignored": 0}
    left, first, second = printed_messages(run)
    match = re.fullmatch(r"2 calls still live after (\d+(?:\.\d+)?) s: drain-a, drain-b", left)
    assert match, left
    assert float(match.group(1)) >= 4  # the drain's wait_timeout
    assert re.fullmatch(r"drain-a: hung_up \(in-progress -> ended\), completed, \d+ s, NORMAL_CLEARING by API", first), first
    assert re.fullmatch(r"drain-b: hung_up \(ringing -> ended\), completed, \d+ s, NORMAL_CLEARING by API", second), second
    assert sorted(deletes(sim)) == [call_path("drain-a"), call_path("drain-b")]
    assert {uuid: call["status"] for uuid, call in sim.calls().items()} == {"drain-a": "completed", "drain-b": "completed", "drain-self": "completed"}
