"""Ad hoc: `ansible localhost -m vobiz.telephony.live_call_info -a ...`.

The token always travels in VOBIZ_AUTH_TOKEN, never in -a: when an ad hoc task fails, ansible-core prints the task's
origin, which is the raw -a string, so a token given as `-a auth_token=...` would be shown by Ansible itself whatever
the module does (see the auth_token option's documentation).
"""

from __future__ import annotations

from conftest import AUTH_ID, TOKEN, Sim, call_path, status_queries

SUCCESS_KEYS = {"call", "call_status", "cdr", "changed", "found", "http_retries", "polls", "waited"}


def printed_keys(result: dict) -> set:
    """The result's keys, but for the invocation that -vvv adds."""
    return set(result) - {"invocation"}


def test_connection_from_environment(ansible, sim: Sim):
    sim.add_calls({"call_uuid": "adhoc-live", "account": AUTH_ID, "from": "919000000020", "to": "919100000020",
                   "extra": {"e2e_unknown_key": "kept"}})
    run = ansible.adhoc("call_uuid=adhoc-live", verbose=True)
    assert (run.rc, run.status) == (0, "SUCCESS"), run.explain()
    result = run.result
    assert printed_keys(result) == SUCCESS_KEYS
    assert (result["found"], result["call_status"], result["cdr"], result["changed"]) == (True, "in-progress", {}, False)
    assert (result["call"]["call_uuid"], result["call"]["from"], result["call"]["e2e_unknown_key"]) == ("adhoc-live", "919000000020", "kept")
    assert (result["http_retries"], result["polls"]) == (0, 1)
    if "invocation" in result:  # shown by -vvv with ansible-core 2.19, not with 2.21
        args = result["invocation"]["module_args"]
        assert args["auth_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
        assert (args["auth_id"], args["api_url"], args["call_uuid"]) == (AUTH_ID, sim.base_url, "adhoc-live")
    recorded = sim.requests()
    assert [(entry["path"], entry["query"]) for entry in recorded] == [(call_path("adhoc-live"), {"status": "live"})]


def test_connection_from_arguments(ansible, sim: Sim):
    sim.add_calls({"call_uuid": "adhoc-queued", "account": AUTH_ID, "timeline": [{"at": -1, "status": "queued"}]})
    # auth_id and api_url as arguments; the token from the environment only (see the module docstring)
    args = "call_uuid=adhoc-queued status=queued auth_id=%s api_url=%s timeout=5 retries=0" % (AUTH_ID, sim.base_url)
    run = ansible.adhoc(args, env={"VOBIZ_AUTH_TOKEN": TOKEN}, verbose=True)
    assert (run.rc, run.status) == (0, "SUCCESS"), run.explain()
    result = run.result
    assert (result["found"], result["call_status"], result["call"]["call_status"], result["cdr"]) == (True, "queued", "queued", {})
    assert status_queries(sim.requests()) == ["queued"]


def test_check_mode_still_reads(ansible, sim: Sim):
    sim.add_calls({"call_uuid": "adhoc-ended", "account": AUTH_ID,
                   "timeline": [{"at": -20, "status": "in-progress"}, {"at": -2, "status": "completed"}]})
    run = ansible.adhoc("call_uuid=adhoc-ended", check=True, verbose=True)
    assert (run.rc, run.status) == (0, "SUCCESS"), run.explain()
    result = run.result
    assert (result["found"], result["call_status"], result["call"]) == (False, "ended", {})
    assert (result["cdr"]["call_uuid"], result["cdr"]["call_status"], result["cdr"]["bill_duration"]) == ("adhoc-ended", "completed", 18)
    assert status_queries(sim.requests()) == ["live", "none"]


def test_list_mode(ansible, sim: Sim):
    sim.add_calls(
        {"call_uuid": "adhoc-2", "account": AUTH_ID},
        {"call_uuid": "adhoc-1", "account": AUTH_ID, "timeline": [{"at": 0, "status": "ringing"}]},
        {"call_uuid": "adhoc-3", "account": AUTH_ID, "timeline": [{"at": 0, "status": "queued"}]},
    )
    run = ansible.adhoc("details=false", verbose=True)
    assert (run.rc, run.status) == (0, "SUCCESS"), run.explain()
    assert printed_keys(run.result) == {"call_uuids", "changed", "http_retries", "polls", "waited"}
    assert run.result["call_uuids"] == ["adhoc-2", "adhoc-1"]  # live only, in the API's order
    assert status_queries(sim.requests()) == ["live"]
