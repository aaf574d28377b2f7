"""cdr_info through ansible-playbook (playbooks/cdr.yml) against the simulator's CDR API, in normal mode and in check mode
with -vvv: one record, a record appearing late (with and without wait), a search over several pages against the simulator's
own count, every filter reaching the request, limit stopping the pages, export idempotent and in check mode, each refusal
with nothing sent, malformed answers, and the token absent from the output (Run.assert_clean, on every run).

The playbook runs once per mode (a module-scoped fixture); each test checks one registered result.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import AUTH_ID, LIST_AUTH_ID, LIST_TOKEN, OTHER_AUTH_ID, OTHER_TOKEN, Run, Sim

PAGES_TOTAL = 250
CALLS = [
    {"call_uuid": "cdr-one", "account": AUTH_ID, "from": "919100000001", "to": "919200000001", "cdr": {"campaign_id": "camp-1"},
     "timeline": [{"at": -90, "status": "ringing"}, {"at": -85, "status": "in-progress"}, {"at": -30, "status": "completed"}]},
    {"call_uuid": "cdr-two", "account": AUTH_ID, "from": "919100000002", "to": "919200000002", "cdr": {"campaign_id": "camp-1"},
     "timeline": [{"at": -20, "status": "ringing"}, {"at": -15, "status": "busy"}]},
    # ended as the account's first request arrives, its record 4 s later
    {"call_uuid": "cdr-late", "account": AUTH_ID, "timeline_starts": "first_request", "cdr_delay": 4,
     "timeline": [{"at": -10, "status": "in-progress"}, {"at": 0, "status": "completed"}]},
]


@dataclass
class Played:
    mode: str
    run: Run
    requests: list
    export_dir: Path

    def result(self, name: str) -> dict:
        return self.run.dump[name]

    def cdr_requests(self, auth_id: str, rest: str = "") -> list:
        path = "/api/v1/Account/%s/cdr%s" % (auth_id, rest)
        return [entry for entry in self.requests if entry["path"].rstrip("/") == path]


@pytest.fixture(scope="module", params=["normal", "check-vvv"])
def played(request, ansible_runner, simulator: Sim, tmp_path_factory) -> Played:
    simulator.reset()
    simulator.add_calls(*CALLS)
    simulator.control("POST", "calls", {"generate": {"count": PAGES_TOTAL, "account": LIST_AUTH_ID, "status": "completed", "prefix": "page-"}})
    simulator.fault(kind="status", status=404, path_regex="/cdr/cdr-one$", times=2)
    simulator.fault(kind="wrong_shape", body={"data": {"not": "a list"}, "pagination": {"total": 1}}, path_regex="/Account/%s/cdr" % OTHER_AUTH_ID,
                    times=1)
    simulator.fault(kind="wrong_shape", body={"data": [], "count": 0}, path_regex="/Account/%s/cdr" % OTHER_AUTH_ID, times=1)
    export_dir = tmp_path_factory.mktemp("cdr-export")
    today = datetime.datetime.now(datetime.UTC).date()
    check = request.param == "check-vvv"
    run = ansible_runner.playbook("cdr.yml", check=check, verbose=check, extra_vars={
        "e2e_dir": str(export_dir), "e2e_other_auth_id": OTHER_AUTH_ID, "e2e_other_token": OTHER_TOKEN,
        "e2e_yesterday": (today - datetime.timedelta(days=1)).isoformat(), "e2e_tomorrow": (today + datetime.timedelta(days=1)).isoformat()})
    assert run.rc == 0, run.explain()
    return Played(request.param, run, simulator.requests(), export_dir)


def test_one_record_is_the_served_record(played, simulator):
    one = played.result("one")
    status, served = simulator.api_get("/Account/%s/cdr/cdr-one" % AUTH_ID)
    assert status == 200
    assert one["found"] is True and one["record"] == served["data"] and one["records"] == [served["data"]]
    assert one["changed"] is False and one["polls"] == 1


def test_a_late_record_is_found_false_without_wait_and_found_with_it(played):
    assert played.result("late_nowait")["found"] is False and played.result("late_nowait")["records"] == []
    late = played.result("late_wait")
    assert late["found"] is True and late["record"]["uuid"] == "cdr-late"


def test_wait_looks_again_until_the_record_is_there(played):
    held = played.result("held_wait")
    assert held["found"] is True and held["record"]["uuid"] == "cdr-one" and held["polls"] == 3
    assert [entry["response_status"] for entry in played.cdr_requests(AUTH_ID, "/cdr-one")] == [404, 404, 200, 200]


def test_search_over_several_pages_matches_the_simulators_count(played, simulator):
    pages = played.result("pages")
    status, served = simulator.api_get("/Account/%s/cdr?per_page=100" % LIST_AUTH_ID, LIST_AUTH_ID, LIST_TOKEN)
    assert status == 200 and served["pagination"]["total"] == PAGES_TOTAL
    assert pages["total"] == PAGES_TOTAL and pages["count"] == PAGES_TOTAL and pages["truncated"] is False
    assert pages["records"][:100] == served["data"]
    assert len({record["uuid"] for record in pages["records"]}) == PAGES_TOTAL
    assert pages["summary"] == dict(served["summary"], answer_rate=float(served["summary"]["answerRate"]))
    queried = [entry["query"] for entry in played.cdr_requests(LIST_AUTH_ID) if "min_duration" not in entry["query"]]
    assert sorted(query["page"] for query in queried) == ["1", "2", "3"] and {query["per_page"] for query in queried} == {"100"}


def test_limit_stops_the_pages(played):
    limited = played.result("limited")
    assert limited["count"] == 150 and limited["total"] == PAGES_TOTAL and limited["truncated"] is True
    assert limited["records"] == played.result("pages")["records"][:150]
    queried = [entry["query"] for entry in played.cdr_requests(LIST_AUTH_ID) if "min_duration" in entry["query"]]
    assert sorted(query["page"] for query in queried) == ["1", "2"]


def test_every_filter_reaches_the_request(played):
    filtered = played.result("filtered")
    assert [record["uuid"] for record in filtered["records"]] == ["cdr-one"] and filtered["total"] == 1
    (entry,) = [entry for entry in played.cdr_requests(AUTH_ID) if "search" in entry["query"]]
    today = datetime.datetime.now(datetime.UTC).date()
    assert entry["query"] == {
        "from_number": "9100000001", "to_number": "9200000001", "start_date": entry["query"]["start_date"],
        "end_date": entry["query"]["end_date"], "call_direction": "outbound", "min_duration": "1", "hangup_cause": "NORMAL_CLEARING",
        "hangup_disposition": "send_bye", "sip_call_id": "cdr-one@sim.vobiz", "campaign_id": "camp-1", "search": "cdr-one",
        "page": "1", "per_page": "100"}
    # the datetime's date alone is sent
    assert datetime.date.fromisoformat(entry["query"]["start_date"]) < today < datetime.date.fromisoformat(entry["query"]["end_date"])


def test_export_is_written_once_and_idempotent(played, simulator):
    dest = played.export_dir / "export.csv"
    assert played.result("export_first")["changed"] is True
    assert played.result("export_again")["changed"] is False
    assert played.result("export_check_same")["changed"] is False
    rows = list(csv.DictReader(io.StringIO(dest.read_text(encoding="utf-8"))))
    assert [row["uuid"] for row in rows] == ["cdr-two", "cdr-one"]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o640
    assert played.result("export_first")["size"] == dest.stat().st_size
    assert [entry["query"] for entry in played.cdr_requests(AUTH_ID, "/export")] == [{"campaign_id": "camp-1"}] * 4
    assert all(entry["headers"].get("Accept") == "text/csv" for entry in played.cdr_requests(AUTH_ID, "/export"))


def test_export_in_check_mode_writes_nothing(played):
    assert played.result("export_check_new")["changed"] is True
    assert not (played.export_dir / "never.csv").exists()
    assert sorted(path.name for path in played.export_dir.iterdir()) == ["export.csv"]


def test_each_refusal_names_its_option_and_sends_nothing(played):
    results = played.result("refusals")["results"]
    expected = [["start_date", "end_date"], ["end_date 2026-05-11 is before start_date 2026-05-12"], ["start_date", "not a date"],
                ["limit"], ["call_direction"], ["call_uuid", "campaign_id"]]
    assert len(results) == len(expected)
    for result, words in zip(results, expected, strict=True):
        assert result["failed"] is True and all(word in result["msg"] for word in words), result
    assert not [entry for entry in played.requests if "MA_NOSEND001" in entry["path"]]


@pytest.mark.parametrize("name, words", [("malformed_data", "data is not a list"), ("malformed_pagination", "pagination")])
def test_a_malformed_answer_is_an_error_never_an_empty_result(played, name, words):
    result = played.result(name)
    assert result["failed"] is True and words in result["msg"] and "GET " in result["msg"] and "records" not in result


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "answer_rate_gate.yml"


def campaign_calls(answered: int, busy: int) -> list:
    """Calls of the campaign that started yesterday (a day ago, plus a few seconds each), ended since."""
    calls = []
    for number in range(answered + busy):
        start = -86300 + number
        end = [{"at": start + 5, "status": "in-progress"}, {"at": start + 30, "status": "completed"}] if number < answered else [
            {"at": start + 9, "status": "busy"}]
        calls.append({"call_uuid": "gate-%02d" % number, "account": AUTH_ID, "cdr": {"campaign_id": "gate-camp"},
                      "timeline": [{"at": start, "status": "ringing"}, *end]})
    return calls


@pytest.mark.parametrize("answered, busy, passes", [(3, 1, True), (1, 3, False)], ids=["above", "below"])
def test_answer_rate_gate_example(ansible, sim, answered, busy, passes):
    sim.add_calls(*campaign_calls(answered, busy))
    run = ansible.playbook(EXAMPLE.read_text(encoding="utf-8"), extra_vars={"campaign_id": "gate-camp", "min_answer_rate": 50})
    assert (run.rc == 0) is passes, run.explain()
    rate = round(100 * answered / (answered + busy), 2)
    assert "gate-camp on " in run.stdout and "%d calls, answer rate %s %%" % (answered + busy, rate) in run.stdout, run.explain()
    assert ("NORMAL_CLEARING %d" % answered) in run.stdout and ("USER_BUSY %d" % busy) in run.stdout
    if not passes:
        assert "is below 50 %: hold the change" in run.stdout
