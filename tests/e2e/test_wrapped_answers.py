"""The older Plivo-style answers where they differ from the flat record, ad hoc (the shapes, lists and waits run against
both forms in test_live_call_info_results.py and test_wait.py): an empty wrapped list, and call_state values outside the mapping's table."""

from __future__ import annotations

import pytest
from conftest import AUTH_ID, Sim, status_queries


def test_an_empty_wrapped_list_means_not_in_this_state_like_a_404(ansible, sim: Sim):
    sim.reset("wrapped")
    sim.add_calls({"call_uuid": "forms-queued", "account": AUTH_ID, "timeline": [{"at": -1, "status": "queued"}]})
    sim.fault(kind="wrong_shape", body={"api_id": "e2e-empty", "calls": []}, call_uuid="forms-queued", status_query="live")
    run = ansible.adhoc("call_uuid=forms-queued")
    assert (run.rc, run.status) == (0, "SUCCESS"), run.explain()
    result = run.result
    assert (result["found"], result["call_status"], result["cdr"]) == (False, "queued", {})
    assert (result["call"]["call_uuid"], result["call"]["call_state"]) == ("forms-queued", "QUEUED")
    recorded = sim.requests()
    assert status_queries(recorded) == ["live", "none", "queued"]
    assert [entry["response_status"] for entry in recorded] == [200, 404, 200]


@pytest.mark.parametrize("status, call_state", [("early-media", "EARLY_MEDIA"), ("on-hold", "ON_HOLD")])
def test_wait_for_means_the_same_on_the_wrapped_form(ansible, sim: Sim, status, call_state):
    sim.reset("wrapped")
    sim.add_calls({"call_uuid": "forms-wait", "account": AUTH_ID, "timeline": [{"at": -1, "status": status}]})
    run = ansible.adhoc("call_uuid=forms-wait wait_for=%s wait_timeout=30" % status)
    assert (run.rc, run.status) == (0, "SUCCESS"), run.explain()
    assert (run.result["found"], run.result["call_status"], run.result["call"]["call_state"]) == (True, status, call_state)
    assert "call_status" not in run.result["call"]  # the record as Vobiz sent it
