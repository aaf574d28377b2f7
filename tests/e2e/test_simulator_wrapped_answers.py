"""The simulator's response styles: an account with `response_style: wrapped` answers its live and queued lookups and lists
in the older Plivo-style form; run from the repo root: python -m pytest tests/e2e/test_simulator_wrapped_answers.py."""

from __future__ import annotations

import datetime
import re

import pytest
import requests

from tests.simulator import Simulator
from tests.simulator.scenario import ScenarioError, parse_account

FLAT, FLAT_TOKEN = "MA_FLAT0001", "token-flat"
WRAPPED, WRAPPED_TOKEN = "MA_WRAP0001", "token-wrap"
UUID = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
CDR_TIME = "%Y-%m-%d %H:%M:%S+00:00"
# The fields of the wrapped record in the other published version of Vobiz's "Retrieve a live call" page.
WRAPPED_FIELDS = {
    "answer_time", "bill_duration", "billed_duration", "call_direction", "call_duration", "call_state", "call_uuid", "conference_uuid",
    "end_time", "from_number", "initiation_time", "parent_call_uuid", "hangup_cause_code", "hangup_cause_name", "hangup_source",
    "to_number", "total_amount", "total_rate", "stir_verification", "stir_attestation", "source_ip",
}


def calls_of(account: str) -> list:
    """The same calls for each account, each uuid suffixed with the account."""
    suffix = account[-8:].lower()
    return [
        {"call_uuid": "live-" + suffix, "account": account, "from": "919262171438", "to": "919148227303", "stir_attestation": "A",
         "extra": {"hangup_url": "https://example.invalid/h"}, "timeline": [{"at": -30, "status": "ringing"}, {"at": -20, "status": "in-progress"}]},
        {"call_uuid": "ring-" + suffix, "account": account, "direction": "inbound", "timeline": [{"at": -1, "status": "ringing"}]},
        {"call_uuid": "early-" + suffix, "account": account, "timeline": [{"at": -1, "status": "early-media"}]},
        {"call_uuid": "hold-" + suffix, "account": account, "timeline": [{"at": -1, "status": "on-hold"}]},
        {"call_uuid": "queued-" + suffix, "account": account, "timeline": [{"at": -4, "status": "queued"}]},
        {"call_uuid": "done-" + suffix, "account": account, "timeline": [{"at": -9, "status": "in-progress"}, {"at": -2, "status": "completed"}]},
    ]


SCENARIO = {
    "accounts": [{"auth_id": FLAT, "auth_token": FLAT_TOKEN}, {"auth_id": WRAPPED, "auth_token": WRAPPED_TOKEN, "response_style": "wrapped"}],
    "calls": calls_of(FLAT) + calls_of(WRAPPED),
}


@pytest.fixture(name="sim", scope="module")
def sim_fixture():
    simulator = Simulator(scenario=SCENARIO).start()
    yield simulator
    simulator.stop()


def get(sim, account: str, token: str, call_uuid: str = "", **params):
    path = f"/Account/{account}/Call/{call_uuid}/" if call_uuid else f"/Account/{account}/Call/"
    return requests.get(sim.base_url + path, headers={"X-Auth-ID": account, "X-Auth-Token": token}, params=params, timeout=5)


def wrapped_get(sim, call_uuid: str = "", **params):
    return get(sim, WRAPPED, WRAPPED_TOKEN, call_uuid, **params)


def only_entry(response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"api_id", "calls"} and UUID.match(body["api_id"])
    assert len(body["calls"]) == 1
    return body["calls"][0]


def test_wrapped_live_call_has_the_published_fields_and_call_state_active(sim):
    entry = only_entry(wrapped_get(sim, "live-wrap0001", status="live"))
    assert set(entry) == WRAPPED_FIELDS | {"hangup_url"}
    assert (entry["call_state"], entry["call_uuid"], entry["call_direction"], entry["from_number"], entry["to_number"]) == (
        "ACTIVE", "live-wrap0001", "outbound", "919262171438", "919148227303")
    assert (entry["stir_attestation"], entry["stir_verification"], entry["hangup_url"]) == ("A", "Not Applicable", "https://example.invalid/h")
    initiated = datetime.datetime.strptime(entry["initiation_time"], CDR_TIME)
    # began 30 s before the simulator started, and counts on from there: whole seconds, however long ago that was
    elapsed = (datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - initiated).total_seconds()
    assert 30 <= entry["call_duration"] <= elapsed + 2, (entry["call_duration"], elapsed)
    answered = datetime.datetime.strptime(entry["answer_time"], CDR_TIME)
    assert 9 <= (answered - initiated).total_seconds() <= 11
    assert [entry[key] for key in ("end_time", "bill_duration", "hangup_cause_name", "total_amount", "parent_call_uuid")] == [None] * 5
    assert "api_id" not in entry and "call_status" not in entry


@pytest.mark.parametrize("call_uuid, call_state", [("ring-wrap0001", "RINGING"), ("early-wrap0001", "EARLY_MEDIA"), ("hold-wrap0001", "ON_HOLD")])
def test_wrapped_call_state_of_each_live_status(sim, call_uuid, call_state):
    entry = only_entry(wrapped_get(sim, call_uuid, status="live"))
    assert entry["call_state"] == call_state
    assert entry["answer_time"] is None  # never in-progress


def test_wrapped_queued_call(sim):
    entry = only_entry(wrapped_get(sim, "queued-wrap0001", status="queued"))
    assert (entry["call_state"], entry["call_uuid"], entry["answer_time"]) == ("QUEUED", "queued-wrap0001", None)


def test_not_in_the_state_is_still_the_plivo_404(sim):
    for call_uuid, status in (("queued-wrap0001", "live"), ("live-wrap0001", "queued"), ("done-wrap0001", "live"), ("nobody", "live")):
        response = wrapped_get(sim, call_uuid, status=status)
        assert response.status_code == 404, (call_uuid, status)
        assert response.json()["error"] == "not found"


def test_finalized_record_is_the_same_in_both_styles(sim):
    flat = get(sim, FLAT, FLAT_TOKEN, "done-flat0001").json()
    wrapped = wrapped_get(sim, "done-wrap0001").json()
    assert {key: value for key, value in wrapped.items() if key != "call_uuid"} == {key: value for key, value in flat.items() if key != "call_uuid"}


def test_wrapped_lists_are_records_with_call_uuid_in_creation_order(sim):
    live = wrapped_get(sim, status="live").json()
    assert [entry["call_uuid"] for entry in live["calls"]] == ["live-wrap0001", "ring-wrap0001", "early-wrap0001", "hold-wrap0001"]
    assert [entry["call_state"] for entry in live["calls"]] == ["ACTIVE", "RINGING", "EARLY_MEDIA", "ON_HOLD"]
    assert all(set(entry) >= WRAPPED_FIELDS for entry in live["calls"])
    queued = wrapped_get(sim, status="queued").json()
    assert [(entry["call_uuid"], entry["call_state"]) for entry in queued["calls"]] == [("queued-wrap0001", "QUEUED")]


def test_flat_account_beside_it_is_unchanged(sim):
    record = get(sim, FLAT, FLAT_TOKEN, "live-flat0001", status="live").json()
    assert (record["call_status"], record["from"]) == ("in-progress", "919262171438") and "calls" not in record
    assert get(sim, FLAT, FLAT_TOKEN, status="live").json()["calls"] == ["live-flat0001", "ring-flat0001", "early-flat0001", "hold-flat0001"]


def test_response_style_is_set_through_the_control_api_and_reset_restores_the_scenario(sim):
    try:
        sim.control("POST", "accounts", {"auth_id": FLAT, "auth_token": FLAT_TOKEN, "response_style": "wrapped"})
        assert only_entry(get(sim, FLAT, FLAT_TOKEN, "live-flat0001", status="live"))["call_state"] == "ACTIVE"
        sim.control("POST", "accounts", {"auth_id": WRAPPED, "auth_token": WRAPPED_TOKEN})  # the default style: flat
        assert wrapped_get(sim, "live-wrap0001", status="live").json()["call_status"] == "in-progress"
    finally:
        sim.control("POST", "reset")
    assert get(sim, FLAT, FLAT_TOKEN, "live-flat0001", status="live").json()["call_status"] == "in-progress"
    assert only_entry(wrapped_get(sim, "live-wrap0001", status="live"))["call_state"] == "ACTIVE"


@pytest.mark.parametrize("style", ["Wrapped", "plivo", "", None, 1])
def test_unknown_response_style_is_refused(style):
    with pytest.raises(ScenarioError, match="response_style must be one of flat, wrapped"):
        parse_account({"auth_id": "MA_X", "auth_token": "t", "response_style": style})
