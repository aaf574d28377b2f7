"""The simulator's CDR API (/Account/{auth_id}/cdr): records of ended calls in the 43-field form, filters, pages, the summary
and the CSV export; run from the repo root: python -m pytest tests/e2e/test_simulator_cdr.py."""

from __future__ import annotations

import csv
import datetime
import io
import time

import pytest
import requests
from tests.simulator import Simulator
from tests.simulator.cdr import FIELDS
from tests.simulator.scenario import ScenarioError, parse_call
from tests.waiting import wait_for

ACCOUNT, TOKEN = "MA_CDR00001", "token-cdr"
OTHER, OTHER_TOKEN = "MA_CDR00002", "token-cdr-2"
SCENARIO = {
    "accounts": [{"auth_id": ACCOUNT, "auth_token": TOKEN}, {"auth_id": OTHER, "auth_token": OTHER_TOKEN}],
    "calls": [
        {"call_uuid": "done-old", "from": "919100000001", "to": "919200000001", "cdr": {"campaign_id": "camp-a"},
         "timeline": [{"at": -120, "status": "ringing"}, {"at": -115, "status": "in-progress"}, {"at": -60, "status": "completed"}]},
        {"call_uuid": "busy-mid", "from": "919100000002", "to": "919200000002", "direction": "inbound",
         "timeline": [{"at": -50, "status": "ringing"}, {"at": -40, "status": "busy"}]},
        {"call_uuid": "done-new", "from": "919100000003", "to": "919300000003", "cdr": {"campaign_id": "camp-a"},
         "timeline": [{"at": -30, "status": "in-progress"}, {"at": -10, "status": "completed", "cdr": {"hangup_disposition": "recv_bye"}}]},
        {"call_uuid": "still-live", "timeline": [{"at": -5, "status": "in-progress"}]},
        {"call_uuid": "late-record", "cdr_delay": 3600, "timeline": [{"at": -5, "status": "in-progress"}, {"at": -1, "status": "completed"}]},
        {"call_uuid": "other-done", "account": OTHER, "timeline": [{"at": -9, "status": "completed"}]},
    ],
}


@pytest.fixture(name="sim", scope="module")
def sim_fixture():
    simulator = Simulator(scenario=SCENARIO).start()
    yield simulator
    simulator.stop()


def cdr_get(sim, rest: str = "", account: str = ACCOUNT, token: str = TOKEN, **params):
    path = f"/Account/{account}/cdr" + (f"/{rest}" if rest else "")
    return requests.get(sim.base_url + path, headers={"X-Auth-ID": account, "X-Auth-Token": token}, params=params, timeout=5)


def uuids(response) -> list:
    assert response.status_code == 200, response.text
    return [record["uuid"] for record in response.json()["data"]]


def test_list_has_the_ended_calls_of_the_account_newest_first(sim):
    assert uuids(cdr_get(sim)) == ["done-new", "busy-mid", "done-old"]


def test_record_has_the_43_documented_fields_and_the_call_overrides(sim):
    record = cdr_get(sim, "done-new").json()["data"]
    assert len(FIELDS) == 43 and list(record) == list(FIELDS)
    assert record["campaign_id"] == "camp-a" and record["hangup_disposition"] == "recv_bye"
    assert record["duration"] == 20 and record["billsec"] == 20 and record["hangup_cause"] == "NORMAL_CLEARING"
    assert record["caller_id_number"] == "919100000003" and record["account_id"] == ACCOUNT
    assert datetime.datetime.strptime(record["end_time"], "%Y-%m-%dT%H:%M:%SZ")


def test_unanswered_call_has_no_answer_time_and_no_billsec(sim):
    record = cdr_get(sim, "busy-mid").json()["data"]
    assert record["answer_time"] is None and record["billsec"] == 0 and record["hangup_cause"] == "USER_BUSY"


@pytest.mark.parametrize("call_uuid", ["still-live", "late-record", "other-done", "nobody"])
def test_no_record_yet_or_not_ours_is_a_404(sim, call_uuid):
    response = cdr_get(sim, call_uuid)
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


def test_pagination_and_summary_cover_the_filtered_set(sim):
    body = cdr_get(sim, page=2, per_page=2).json()
    assert [record["uuid"] for record in body["data"]] == ["done-old"]
    assert body["count"] == 1 and body["success"] is True and body["account_id"] == ACCOUNT
    assert body["pagination"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2, "has_next": False, "has_prev": True}
    summary = body["summary"]
    assert summary["totalCalls"] == 3 and summary["answeredCalls"] == 2 and summary["answerRate"] == 66.67
    assert summary["avgCallDuration"] == "%ds" % round((60 + 10 + 20) / 3) and summary["total_duration_seconds"] == 90


@pytest.mark.parametrize("params, expected", [
    ({"from_number": "0000003"}, ["done-new"]),
    ({"to_number": "9192"}, ["busy-mid", "done-old"]),
    ({"call_direction": "inbound"}, ["busy-mid"]),
    ({"min_duration": 20}, ["done-new", "done-old"]),
    ({"hangup_cause": "USER_BUSY"}, ["busy-mid"]),
    ({"hangup_disposition": "recv_bye"}, ["done-new"]),
    ({"sip_call_id": "done-old@sim.vobiz"}, ["done-old"]),
    ({"campaign_id": "camp-a", "call_direction": "outbound"}, ["done-new", "done-old"]),
    ({"search": "BUSY"}, ["busy-mid"]),
    ({"start_date": "2000-01-01", "end_date": "2000-01-02"}, []),
])
def test_filters(sim, params, expected):
    assert uuids(cdr_get(sim, **params)) == expected


def test_dates_of_today_match(sim):
    today = datetime.datetime.now(datetime.UTC).date()
    around = {"start_date": (today - datetime.timedelta(days=1)).isoformat(), "end_date": (today + datetime.timedelta(days=1)).isoformat()}
    assert uuids(cdr_get(sim, **around)) == ["done-new", "busy-mid", "done-old"]


@pytest.mark.parametrize("params", [{"per_page": 101}, {"page": 0}, {"start_date": "2026-05-11"}, {"start_date": "11/05/2026", "end_date": "2026-05-12"},
                                    {"call_direction": "sideways"}, {"min_duration": "x"}])
def test_bad_query_is_a_400(sim, params):
    response = cdr_get(sim, **params)
    assert response.status_code == 400 and response.json()["error"]["code"] == "INVALID_PARAMETER"


def test_no_match_is_200_with_a_zeroed_summary(sim):
    body = cdr_get(sim, campaign_id="none").json()
    assert body["data"] == [] and body["count"] == 0 and body["pagination"]["total"] == 0 and body["summary"]["totalCalls"] == 0


def test_export_is_csv_of_the_filtered_set(sim):
    response = cdr_get(sim, "export", campaign_id="camp-a")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["uuid"] for row in rows] == ["done-new", "done-old"] and list(rows[0]) == list(FIELDS)


def test_other_account_path_is_forbidden_and_other_methods_are_405(sim):
    assert cdr_get(sim, account=OTHER, token=TOKEN).status_code == 401
    response = requests.get(sim.base_url + f"/Account/{OTHER}/cdr", headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}, timeout=5)
    assert response.status_code == 403
    response = requests.delete(sim.base_url + f"/Account/{ACCOUNT}/cdr/done-new", headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}, timeout=5)
    assert response.status_code == 405 and response.headers["Allow"] == "GET"


def test_a_call_hung_up_through_the_api_gets_its_record(sim):
    sim.control("POST", "calls", {"calls": [{"call_uuid": "hang-me", "timeline": [{"at": -3, "status": "in-progress"}]}]})
    assert cdr_get(sim, "hang-me").status_code == 404
    headers = {"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}
    assert requests.delete(sim.base_url + f"/Account/{ACCOUNT}/Call/hang-me/", headers=headers, timeout=5).status_code == 204
    assert cdr_get(sim, "hang-me").json()["data"]["uuid"] == "hang-me"
    sim.control("POST", "reset")


def test_generated_ended_calls_give_thousands_of_records(sim):
    sim.control("POST", "calls", {"generate": {"count": 2500, "account": OTHER, "status": "completed", "prefix": "bulk-",
                                               "cdr": {"campaign_id": "bulk"}}})
    body = cdr_get(sim, account=OTHER, token=OTHER_TOKEN, campaign_id="bulk", per_page=100, page=25).json()
    assert body["pagination"]["total"] == 2500 and body["pagination"]["pages"] == 25 and body["count"] == 100
    sim.control("POST", "reset")


def test_cdr_delay_must_be_a_non_negative_number():
    with pytest.raises(ScenarioError, match="cdr_delay"):
        parse_call({"call_uuid": "x", "cdr_delay": -1}, 0.0, ACCOUNT)
    with pytest.raises(ScenarioError, match="cdr_delay"):
        parse_call({"call_uuid": "x", "cdr_delay": "soon"}, 0.0, ACCOUNT)


@pytest.mark.timing
def test_the_list_follows_every_change_to_the_calls_though_a_filtered_set_is_kept_between_pages():
    """The simulator computes a filtered set once and keeps it while nothing changes; every kind of change shows."""
    simulator = Simulator(scenario=SCENARIO).start()
    try:
        def listed() -> list:
            return uuids(cdr_get(simulator, per_page=100))

        assert listed() == listed() == ["done-new", "busy-mid", "done-old"]
        simulator.control("POST", "calls", {"calls": [{"call_uuid": "added-ended", "timeline": [{"at": -2, "status": "completed"}]}]})
        assert listed()[0] == "added-ended"
        simulator.control("POST", "calls/still-live/status", {"status": "completed"})
        assert listed()[0] == "still-live"
        # time alone: a scripted end, and a record's delay, each pass while nothing else changes
        created = simulator.control("POST", "calls", {"calls": [
            {"call_uuid": "ends-soon", "timeline": [{"at": 0, "status": "in-progress"}, {"at": 1.5, "status": "completed"}]},
            {"call_uuid": "record-soon", "cdr_delay": 1.5, "timeline": [{"at": -1, "status": "completed"}]},
        ]})["created_at_monotonic"]
        before = listed()
        if time.monotonic() < created + 1.5:  # answered before either could show (a busy machine may be later)
            assert "ends-soon" not in before and "record-soon" not in before
        wait_for(listed, what="ends-soon and record-soon to be listed", done=lambda seen: {"ends-soon", "record-soon"} <= set(seen))
        simulator.control("DELETE", "calls")
        assert listed() == []
    finally:
        simulator.stop()
