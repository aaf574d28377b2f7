"""live_call_info's results used by other tasks (failed_when, when, until), credentials from module_defaults of the
action group; playbooks/task_keywords.yml, in normal mode and in check mode (the module reads in check mode too)."""

from __future__ import annotations

import pytest
from conftest import AUTH_ID, Sim, call_path, status_queries


@pytest.mark.parametrize("mode", ["normal", "check-vvv"])
def test_gates(ansible, sim: Sim, mode):
    sim.add_calls(
        {"call_uuid": "gate-live", "account": AUTH_ID, "from": "919000000010", "to": "919100000010"},
        {"call_uuid": "gate-ended", "account": AUTH_ID, "timeline": [{"at": -30, "status": "in-progress"}, {"at": -1, "status": "busy"}]},
    )
    check = mode == "check-vvv"
    # No VOBIZ_* variable at all: the connection can only come from module_defaults.
    run = ansible.playbook("task_keywords.yml", env={}, check=check, verbose=check)
    assert run.rc == 0, run.explain()
    # live, ended (failed, ignored), when (ok), when (skipped), e2e_control, until, dump
    assert run.recap == {"ok": 6, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 1, "rescued": 0, "ignored": 1}, run.explain()
    dump = run.dump

    live = dump["gate_live"]
    assert (live["failed"], live["found"], live["call_status"], live["call"]["to"]) == (False, True, "in-progress", "919100000010")

    ended = dump["gate_ended"]
    # failed by failed_when: the module's own result is intact (any msg is Ansible's, which varies between releases)
    assert (ended["failed"], ended["found"], ended["call_status"], ended["call"]) == (True, False, "ended", {})
    assert ended["cdr"]["call_status"] == "busy"
    assert ended["failed_when_result"] is True
    assert (ended["http_retries"], ended["polls"]) == (0, 1)

    assert dump["when_live"]["msg"] == "talking to 919100000010"
    assert dump["when_live"].get("skipped") is not True
    assert dump["when_ended"]["skipped"] is True
    assert dump["when_ended"]["false_condition"] == "gate_ended.call_status == 'in-progress'"

    until = dump["gate_until"]
    assert until["call_status"] == "ended"
    assert until["cdr"]["call_status"] == "completed"
    assert (until["found"], until["call"]) == (False, {})
    assert 2 <= until["attempts"] <= 6, until["attempts"]  # the call ends 2 s after the first look, one look per second or less

    # check mode read exactly as normal mode does: live = 1 request, ended = 2, each retry of until one look
    requests = sim.requests()
    assert status_queries(sim.requests("gate-live")) == ["live"]
    assert status_queries(sim.requests("gate-ended")) == ["live", "none"]
    looks = status_queries(sim.requests("gate-until"))
    assert looks == ["live"] * (until["attempts"] - 1) + ["live", "none"]
    assert len(requests) == 1 + 2 + until["attempts"] + 1
    assert {entry["path"] for entry in sim.requests("gate-until")} == {call_path("gate-until")}
    assert all(entry["headers"]["X-Auth-ID"] == AUTH_ID for entry in requests)


def test_module_defaults_are_what_connects(ansible, sim: Sim):
    """The same kind of task without module_defaults and without VOBIZ_* fails before any request: the defaults above did connect."""
    run = ansible.playbook("""
        - name: No connection anywhere
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Look at a call
              vobiz.telephony.live_call_info:
                call_uuid: gate-live
              register: bare
              ignore_errors: true

            - name: Hand the result to the test
              e2e_dump:
                content: "{{ bare | to_json }}"
                dest: "{{ e2e_out }}"
                mode: "0600"
    """, env={})
    assert run.rc == 0, run.explain()
    assert run.dump["failed"] is True
    assert run.dump["msg"] == ("auth_id is required: set it, or the VOBIZ_AUTH_ID environment variable; "
                               "auth_token is required: set it, or the VOBIZ_AUTH_TOKEN environment variable")
    assert sim.requests() == []
