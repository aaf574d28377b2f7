"""Every return shape of live_call_info, through ansible-playbook (playbooks/live_call_info_results.yml), in normal mode and in check mode
with -vvv, against both forms of the live and queued answers (flat, and Plivo-style wrapped): conftest's RUN_MODES.

The playbook runs once per RunMode (a module-scoped fixture); each test then checks one registered result against what the
simulator was told and what it recorded, so a wrong shape fails its own test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from conftest import AUTH_ID, LIST_AUTH_ID, LIST_TOKEN, MARGIN, Run, RunMode, Sim, call_path, served_status, status_queries, unwrapped

UUID = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
SESSION_START = "2026-06-11 16:03:28.586839"
UNKNOWN_EXTRA = {"e2e_unknown_key": {"nested": [1, "two", None]}, "region": "in-west"}

MAIN_CALLS = [
    {"call_uuid": "shape-live", "account": AUTH_ID, "from": "919262171438", "to": "919148227303", "direction": "outbound",
     "caller_name": "Asha", "request_uuid": "req-shape-live", "session_start": SESSION_START, "stir_attestation": "A",
     "stir_verification": "Verified", "extra": UNKNOWN_EXTRA, "timeline": [{"at": -5, "status": "in-progress"}]},
    {"call_uuid": "shape-live2", "account": AUTH_ID, "from": "919000000002", "to": "919100000002",
     "timeline": [{"at": -3, "status": "ringing"}]},
    {"call_uuid": "shape-queued", "account": AUTH_ID, "from": "919000000003", "to": "919100000003", "direction": "inbound",
     "extra": {"queue_position": 3}, "timeline": [{"at": -2, "status": "queued"}]},
    {"call_uuid": "shape-queued2", "account": AUTH_ID, "from": "919000000004", "to": "919100000004",
     "timeline": [{"at": -2, "status": "queued"}]},
    {"call_uuid": "shape-ended", "account": AUTH_ID, "from": "919000000005", "to": "919100000005",
     "timeline": [{"at": -60, "status": "ringing"}, {"at": -50, "status": "in-progress"},
                  {"at": -8, "status": "completed", "cdr": {"hangup_cause_name": "NORMAL_CLEARING", "e2e_cdr_note": "kept"}}]},
]
# Creation order is the list order; deliberately not alphabetical.
LIST_CALLS = [
    {"call_uuid": "list-c", "account": LIST_AUTH_ID, "from": "918000000001", "to": "919900000001", "timeline": [{"at": -9, "status": "in-progress"}]},
    {"call_uuid": "list-a", "account": LIST_AUTH_ID, "from": "918000000002", "to": "919900000002", "timeline": [{"at": -8, "status": "ringing"}]},
    {"call_uuid": "list-gone", "account": LIST_AUTH_ID, "from": "918000000003", "to": "919900000003", "timeline": [{"at": -7, "status": "in-progress"}]},
    {"call_uuid": "list-b", "account": LIST_AUTH_ID, "from": "918000000004", "to": "919900000004", "extra": {"leg": "b"},
     "timeline": [{"at": -6, "status": "early-media"}]},
    {"call_uuid": "list-q", "account": LIST_AUTH_ID, "from": "918000000005", "to": "919900000005", "timeline": [{"at": -5, "status": "queued"}]},
    {"call_uuid": "list-done", "account": LIST_AUTH_ID, "timeline": [{"at": -9, "status": "in-progress"}, {"at": -1, "status": "completed"}]},
]
LIVE_LIST = ["list-c", "list-a", "list-gone", "list-b"]


@dataclass
class Shapes:
    mode: str
    run: Run
    requests: list  # every API request the playbook made
    served: dict  # what the API serves for some calls, fetched directly after the playbook (the wrapped form's entry)
    style: str = "flat"

    def result(self, name: str) -> dict:
        return self.run.dump[name]

    def requests_for(self, call_uuid: str) -> list:
        return [entry for entry in self.requests if "/Call/%s/" % call_uuid in entry["path"]]

    def expected_call(self, call_uuid: str, flat: dict) -> dict:
        """`call` without api_id: the record this test expects of the flat form; of the wrapped form, the one served."""
        return flat if self.style == "flat" else without_api_id(self.served[call_uuid][1])


@pytest.fixture(scope="module")
def shapes(run_mode: RunMode, ansible_runner, simulator: Sim) -> Shapes:
    simulator.reset(run_mode.style)
    simulator.add_calls(*MAIN_CALLS, *LIST_CALLS)
    # list-gone is listed, then answers 404 when its record is fetched: it left the live state in between.
    simulator.fault(kind="status", status=404, call_uuid="list-gone", status_query="live")
    run = ansible_runner.playbook("live_call_info_results.yml", check=run_mode.check, verbose=run_mode.check)
    assert run.rc == 0, run.explain()
    recorded = simulator.requests()
    served = {"shape-ended-cdr": simulator.api_get("/Account/%s/Call/shape-ended/" % AUTH_ID)}
    for uuid in ("list-c", "list-a", "list-b"):
        served[uuid] = unwrapped(simulator.api_get("/Account/%s/Call/%s/?status=live" % (LIST_AUTH_ID, uuid), LIST_AUTH_ID, LIST_TOKEN))
    served["list-q"] = unwrapped(simulator.api_get("/Account/%s/Call/list-q/?status=queued" % LIST_AUTH_ID, LIST_AUTH_ID, LIST_TOKEN))
    for uuid, status in (("shape-live", "live"), ("shape-live2", "live"), ("shape-queued", "queued"), ("shape-queued2", "queued")):
        served[uuid] = unwrapped(simulator.api_get("/Account/%s/Call/%s/?status=%s" % (AUTH_ID, uuid, status)))
    return Shapes(run_mode.mode, run, recorded, served, run_mode.style)


def without_api_id(record: dict) -> dict:
    """A live or queued record without what differs between two fetches: the flat form's api_id, the wrapped entry's
    call_duration (it grows; the wrapper, not the entry, has the api_id)."""
    if "call_state" in record:
        assert "api_id" not in record and isinstance(record["call_duration"], int), record
        return {key: value for key, value in record.items() if key != "call_duration"}
    assert UUID.match(record["api_id"]), record
    return {key: value for key, value in record.items() if key != "api_id"}


def assert_single_look(result: dict) -> None:
    assert result["changed"] is False
    assert result["failed"] is False
    assert result["http_retries"] == 0
    assert result["polls"] == 1
    assert "msg" not in result


def looked_at(shapes: Shapes, name: str, found: bool) -> dict:
    """The registered result `name`: one look, `found` or not, and no cdr."""
    result = shapes.result(name)
    assert_single_look(result)
    assert result["found"] is found
    assert result["cdr"] == {}
    return result


def assert_asked(shapes: Shapes, call_uuid: str, status_queried: list, answered: list) -> None:
    """The requests about `call_uuid`: their status= queries and the statuses they were answered, in order."""
    recorded = shapes.requests_for(call_uuid)
    assert status_queries(recorded) == status_queried
    assert [entry["response_status"] for entry in recorded] == answered


def test_playbook_recap(shapes: Shapes):
    # 9 module tasks + the dump; nothing failed, nothing skipped or ignored.
    assert shapes.run.recap == {"ok": 10, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 0, "rescued": 0, "ignored": 0}


def test_live_call_returned_verbatim(shapes: Shapes):
    result = looked_at(shapes, "live", found=True)
    assert result["call_status"] == served_status(result["call"]) == "in-progress"
    assert without_api_id(result["call"]) == shapes.expected_call("shape-live", {
        "call_status": "in-progress", "call_uuid": "shape-live", "caller_name": "Asha", "direction": "outbound",
        "from": "919262171438", "request_uuid": "req-shape-live", "session_start": SESSION_START, "stir_attestation": "A",
        "stir_verification": "Verified", "to": "919148227303", **UNKNOWN_EXTRA,
    })
    assert {key: result["call"][key] for key in UNKNOWN_EXTRA} == UNKNOWN_EXTRA  # in both forms
    found = shapes.requests_for("shape-live")
    assert len(found) == 1  # a live call costs one request
    assert found[0]["path"] == call_path("shape-live")
    assert found[0]["query"] == {"status": "live"}
    assert found[0]["response_status"] == 200


def test_queued_call_asked_as_queued(shapes: Shapes):
    result = looked_at(shapes, "queued", found=True)
    assert result["call_status"] == served_status(result["call"]) == "queued"
    assert without_api_id(result["call"]) == shapes.expected_call("shape-queued", {
        "call_status": "queued", "call_uuid": "shape-queued", "request_uuid": "shape-queued", "caller_name": "",
        "direction": "inbound", "from": "919000000003", "to": "919100000003", "queue_position": 3,
    })
    assert_asked(shapes, "shape-queued", ["queued"], [200])


def test_queued_call_asked_as_live(shapes: Shapes):
    result = looked_at(shapes, "live_but_queued", found=False)
    assert result["call_status"] == served_status(result["call"]) == "queued"
    assert without_api_id(result["call"]) == shapes.expected_call("shape-queued2", {
        "call_status": "queued", "call_uuid": "shape-queued2", "request_uuid": "shape-queued2", "caller_name": "",
        "direction": "outbound", "from": "919000000004", "to": "919100000004",
    })
    # the requested state first, then the finalized record, then the other state
    assert_asked(shapes, "shape-queued2", ["live", "none", "queued"], [404, 404, 200])


def test_live_call_asked_as_queued(shapes: Shapes):
    result = looked_at(shapes, "queued_but_live", found=False)
    assert result["call_status"] == "ringing"
    assert served_status(result["call"]) == "ringing"
    assert without_api_id(result["call"])["call_uuid"] == "shape-live2"
    assert without_api_id(result["call"]) == without_api_id(shapes.served["shape-live2"][1])
    assert_asked(shapes, "shape-live2", ["queued", "none", "live"], [404, 404, 200])


def test_ended_call(shapes: Shapes):
    result = shapes.result("ended")
    assert_single_look(result)
    assert result["found"] is False
    assert result["call_status"] == "ended"
    assert result["call"] == {}
    status, served_cdr = shapes.served["shape-ended-cdr"]
    assert status == 200
    assert result["cdr"] == served_cdr
    cdr = result["cdr"]
    assert (cdr["call_uuid"], cdr["call_status"], cdr["call_duration"], cdr["bill_duration"], cdr["billed_duration"]) == (
        "shape-ended", "completed", 52, 42, 60)
    assert (cdr["hangup_cause_name"], cdr["e2e_cdr_note"], cdr["parent_call_uuid"]) == ("NORMAL_CLEARING", "kept", None)
    recorded = shapes.requests_for("shape-ended")
    assert len(recorded) == 2  # the live endpoint, then the finalized record
    assert status_queries(recorded) == ["live", "none"]
    assert [entry["path"] for entry in recorded] == [call_path("shape-ended")] * 2
    assert [entry["response_status"] for entry in recorded] == [404, 200]


def test_unknown_call(shapes: Shapes):
    result = shapes.result("not_found")
    assert_single_look(result)
    assert (result["found"], result["call_status"], result["call"], result["cdr"]) == (False, "not_found", {}, {})
    recorded = shapes.requests_for("shape-unknown")
    assert status_queries(recorded)[:3] == ["live", "none", "queued"]
    assert len(recorded) <= 4
    assert {entry["response_status"] for entry in recorded} == {404}


def test_list_with_details(shapes: Shapes):
    result = shapes.result("list_details")
    assert result["changed"] is False and result["failed"] is False
    assert (result["http_retries"], result["polls"]) == (0, 1)
    assert result["call_uuids"] == LIVE_LIST  # the API's order, the call that vanished included
    # the records in the same order; list-gone answered 404 when fetched, so it is left out
    expected = [without_api_id(shapes.served[uuid][1]) for uuid in ("list-c", "list-a", "list-b")]
    assert [without_api_id(record) for record in result["calls"]] == expected
    assert [served_status(record) for record in result["calls"]] == ["in-progress", "ringing", "early-media"]
    assert result["calls"][2]["leg"] == "b"
    assert "found" not in result and "call" not in result
    gone = shapes.requests_for("list-gone")
    assert [(entry["query"], entry["response_status"]) for entry in gone] == [({"status": "live"}, 404)]


def test_list_without_details(shapes: Shapes):
    result = shapes.result("list_plain")
    assert result["changed"] is False and result["failed"] is False
    assert (result["http_retries"], result["polls"]) == (0, 1)
    assert result["call_uuids"] == LIVE_LIST
    assert "calls" not in result


def test_list_of_queued_calls(shapes: Shapes):
    result = shapes.result("list_queued")
    assert result["call_uuids"] == ["list-q"]
    assert [without_api_id(record) for record in result["calls"]] == [without_api_id(shapes.served["list-q"][1])]
    assert served_status(result["calls"][0]) == "queued"


def test_list_requests(shapes: Shapes):
    lists = [entry for entry in shapes.requests if entry["path"] == "/api/v1/Account/%s/Call/" % LIST_AUTH_ID]
    assert status_queries(lists) == ["live", "live", "queued"]
    # one record request per listed call (details) and none for the uuids-only task
    for uuid in ("list-c", "list-a", "list-gone", "list-b"):
        assert status_queries(shapes.requests_for(uuid)) == ["live"], uuid
    assert status_queries(shapes.requests_for("list-q")) == ["queued"]
    assert shapes.requests_for("list-done") == []


def test_every_request_is_an_authenticated_get(shapes: Shapes):
    assert len(shapes.requests) == 1 + 1 + 3 + 3 + 2 + len(shapes.requests_for("shape-unknown")) + 3 + 5
    for entry in shapes.requests:
        headers = {key.lower(): value for key, value in entry["headers"].items()}
        assert entry["method"] == "GET"
        assert headers["x-auth-id"] == (LIST_AUTH_ID if "/%s/" % LIST_AUTH_ID in entry["path"] else AUTH_ID)
        assert headers["x-auth-token"] == "<redacted>"  # sent (the simulator hides its value)
        assert headers["user-agent"].startswith("vobiz.telephony/0.2.0 python-requests/")
        assert entry["path"].endswith("/")


@pytest.mark.timing
def test_single_look_waited_is_the_look(shapes: Shapes):
    """waited: from the start of the first look to the end of the last; a single look has no pause in it, so its
    waited is that look's few milliseconds (MARGIN is only room for a busy machine's stalls: 5.7 s was seen once)."""
    names = ("live", "queued", "live_but_queued", "queued_but_live", "ended", "not_found", "list_details", "list_plain", "list_queued")
    waits = {name: shapes.result(name)["waited"] for name in names}
    for name, waited in waits.items():
        assert isinstance(waited, float) and 0 <= waited < MARGIN, (name, waited)
    # Summed over nine single looks: a pause of even 1.2 s in each (a wait_sleep taken where nothing is waited for)
    # goes beyond MARGIN, wherever a busy machine's stalls fall.
    assert sum(waits.values()) < MARGIN, waits
