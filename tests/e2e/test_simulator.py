"""Tests of the Vobiz API simulator (tests/simulator); run from the repo root: python -m pytest tests/e2e/test_simulator.py."""

from __future__ import annotations

import email.utils
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import MARGIN, Sim, open_connections_reach

from tests.simulator import Simulator
from tests.simulator.server import SO_TIMESTAMPNS, ArrivalStampedReader, SimulatorHandler
from tests.waiting import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT, TOKEN = "MA_TEST0001", "token-0001"
OTHER, OTHER_TOKEN = "MA_TEST0002", "token-0002"
LIVE_UUID = "live-0001"
LIVE_FIELDS = {
    "api_id", "call_status", "call_uuid", "caller_name", "direction", "from", "request_uuid",
    "session_start", "stir_attestation", "stir_verification", "to",
}
QUEUED_FIELDS = {"api_id", "call_status", "call_uuid", "request_uuid", "caller_name", "direction", "from", "to"}
CDR_FIELDS = {
    "answer_time", "bill_duration", "billed_duration", "call_direction", "call_duration", "call_status", "call_uuid",
    "end_time", "from_number", "hangup_cause_code", "hangup_cause_name", "hangup_source", "initiation_time",
    "parent_call_uuid", "to_number", "total_amount", "total_rate",
}
SCENARIO = {
    "accounts": [
        {"auth_id": ACCOUNT, "auth_token": TOKEN},
        {"auth_id": OTHER, "auth_token": OTHER_TOKEN},
        {"auth_id": "MA_OFF00001", "auth_token": "token-off", "inactive": True},
    ],
    "calls": [
        {"call_uuid": LIVE_UUID, "from": "919262171438", "to": "919148227303", "extra": {"hangup_url": "https://example.invalid/h"},
         "timeline": [{"at": -5, "status": "ringing"}, {"at": -3, "status": "in-progress"}]},
        {"call_uuid": "ringing-0001", "from": "918041234567", "to": "917738012345", "direction": "inbound", "caller_name": "Asha",
         "timeline": [{"at": 0, "status": "ringing"}]},
        {"call_uuid": "queued-0001", "from": "919262171438", "to": "918861234567", "timeline": [{"at": 0, "status": "queued"}]},
        {"call_uuid": "done-0001", "from": "919148227303", "to": "919262171438",
         "timeline": [{"at": -65, "status": "ringing"}, {"at": -60, "status": "in-progress"},
                      {"at": 0, "status": "completed", "cdr": {"hangup_cause_name": "NORMAL_CLEARING"}}]},
        {"call_uuid": "busy-0001", "timeline": [{"at": -3, "status": "ringing"}, {"at": -1, "status": "busy"}]},
        {"call_uuid": "other-0001", "account": OTHER, "timeline": [{"at": 0, "status": "in-progress"}]},
    ],
}


@pytest.fixture(name="sim", scope="module")
def sim_fixture():
    simulator = Simulator(scenario=SCENARIO).start()
    yield simulator
    simulator.stop()


@pytest.fixture(autouse=True)
def fresh(request):
    """Every test starts from the scenario, without faults or recorded requests."""
    if "sim" in request.fixturenames:
        request.getfixturevalue("sim").control("POST", "reset")


def api(sim, path, *, auth_id=ACCOUNT, token=TOKEN, session=None, timeout=5, **params):
    headers = {"X-Auth-ID": auth_id, "X-Auth-Token": token}
    return (session or requests).get(f"{sim.base_url}{path}", headers=headers, params=params, timeout=timeout)


def call_path(call_uuid="", account=ACCOUNT):
    return f"/Account/{account}/Call/{call_uuid}/" if call_uuid else f"/Account/{account}/Call/"


def add_fault(sim, **fault):
    return sim.control("POST", "faults", fault)["id"]


def assert_envelope(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    assert body["requestId"] == response.headers["X-Request-Id"]
    assert body["requestId"].startswith("req_")
    assert body["timestamp"].endswith("Z")
    return body


# authentication


@pytest.mark.parametrize("auth_id, token", [(ACCOUNT, "wrong"), ("MA_NOBODY01", TOKEN), (ACCOUNT, "")])
def test_bad_credentials_answer_401(sim, auth_id, token):
    body = assert_envelope(api(sim, call_path(LIVE_UUID), auth_id=auth_id, token=token, status="live"), 401, "INVALID_CREDENTIALS")
    assert body["error"]["message"] == "Invalid auth credentials"


def test_another_accounts_path_answers_403(sim):
    assert_envelope(api(sim, call_path(LIVE_UUID, account=OTHER), status="live"), 403, "FORBIDDEN")


def test_inactive_account_answers_403(sim):
    assert_envelope(api(sim, call_path(account="MA_OFF00001"), auth_id="MA_OFF00001", token="token-off", status="live"), 403, "ACCOUNT_INACTIVE")


def test_accounts_added_by_control_api_work(sim):
    sim.control("POST", "accounts", {"auth_id": "SA_NEW00001", "auth_token": "new-token"})
    assert api(sim, call_path(account="SA_NEW00001"), auth_id="SA_NEW00001", token="new-token", status="live").json()["calls"] == []


def test_calls_of_other_accounts_stay_invisible(sim):
    assert api(sim, call_path("other-0001"), status="live").status_code == 404
    assert api(sim, call_path("other-0001", account=OTHER), auth_id=OTHER, token=OTHER_TOKEN, status="live").status_code == 200


# call endpoints


@pytest.mark.parametrize("slash", ["/", ""])
def test_live_call_has_the_documented_fields_and_extras(sim, slash):
    response = api(sim, f"/Account/{ACCOUNT}/Call/{LIVE_UUID}{slash}", status="live")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Request-Id"].startswith("req_")
    body = response.json()
    assert set(body) == LIVE_FIELDS | {"hangup_url"}
    assert body["call_status"] == "in-progress"
    assert body["request_uuid"] == LIVE_UUID
    assert body["from"] == "919262171438"
    assert body["stir_attestation"] == "Not Applicable"
    assert len(body["api_id"]) == 36
    assert time.strptime(body["session_start"], "%Y-%m-%d %H:%M:%S.%f")


def test_ringing_call_is_live(sim):
    body = api(sim, call_path("ringing-0001"), status="live").json()
    assert (body["call_status"], body["direction"], body["caller_name"]) == ("ringing", "inbound", "Asha")
    assert set(body) == LIVE_FIELDS


@pytest.mark.parametrize("call_uuid", ["queued-0001", "done-0001", "busy-0001", "nosuchcall"])
def test_calls_not_live_answer_plivo_404(sim, call_uuid):
    response = api(sim, call_path(call_uuid), status="live")
    assert response.status_code == 404
    assert set(response.json()) == {"api_id", "error"}
    assert response.json()["error"] == "not found"


@pytest.mark.parametrize("slash", ["/", ""])
def test_queued_call(sim, slash):
    response = api(sim, f"/Account/{ACCOUNT}/Call/queued-0001{slash}", status="queued")
    assert response.status_code == 200
    assert set(response.json()) == QUEUED_FIELDS
    assert response.json()["call_status"] == "queued"
    assert api(sim, call_path(LIVE_UUID), status="queued").status_code == 404


@pytest.mark.parametrize("path", [f"/Account/{ACCOUNT}/Call/", f"/Account/{ACCOUNT}/Call"])
def test_lists_in_creation_order(sim, path):
    live = api(sim, path, status="live").json()
    assert set(live) == {"api_id", "calls"}
    assert live["calls"] == [LIVE_UUID, "ringing-0001"]
    assert api(sim, path, status="queued").json()["calls"] == ["queued-0001"]


def test_queued_list_is_capped_at_20_and_live_list_is_not(sim):
    sim.control("POST", "calls", {"generate": {"count": 25, "status": "queued", "prefix": "q-"}})
    created = sim.control("POST", "calls", {"generate": {"count": 1000, "account": ACCOUNT, "prefix": "bench-"}})
    assert len(created["call_uuids"]) == 1000
    queued = api(sim, call_path(), status="queued").json()["calls"]
    assert queued == ["queued-0001"] + [f"q-{index:06d}" for index in range(19)]
    live = api(sim, call_path(), status="live").json()["calls"]
    assert len(live) == 1002
    assert live[-1] == "bench-000999"


def test_cdr_of_a_completed_call(sim):
    response = api(sim, f"/Account/{ACCOUNT}/Call/done-0001")
    assert response.status_code == 200
    cdr = response.json()
    assert set(cdr) == CDR_FIELDS
    assert cdr["call_status"] == "completed"
    assert cdr["hangup_cause_name"] == "NORMAL_CLEARING"  # the scenario's override
    assert (cdr["call_duration"], cdr["bill_duration"], cdr["billed_duration"]) == (65, 60, 60)
    assert cdr["from_number"] == "919148227303"
    assert cdr["answer_time"] < cdr["end_time"]


def test_cdr_of_a_busy_call_was_never_answered(sim):
    cdr = api(sim, call_path("busy-0001")).json()
    assert (cdr["call_status"], cdr["answer_time"], cdr["bill_duration"]) == ("busy", None, 0)


@pytest.mark.parametrize("call_uuid", [LIVE_UUID, "queued-0001", "nosuchcall"])
def test_cdr_is_404_until_the_call_ends(sim, call_uuid):
    response = api(sim, call_path(call_uuid))
    assert response.status_code == 404
    assert response.json() == {"error": "call not found", "call_uuid": call_uuid}


def test_bad_status_unknown_path_and_methods(sim):
    assert_envelope(api(sim, call_path(LIVE_UUID), status="everything"), 400, "INVALID_PARAMETER")
    assert_envelope(api(sim, call_path(LIVE_UUID), status=""), 400, "INVALID_PARAMETER")
    assert_envelope(api(sim, f"/Account/{ACCOUNT}/Calls/"), 404, "NOT_FOUND")
    assert_envelope(requests.get(sim.origin + "/elsewhere", timeout=5), 404, "NOT_FOUND")
    response = requests.put(sim.base_url + call_path(LIVE_UUID), headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}, timeout=5)
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "GET, DELETE, POST"  # a POST on a call is a transfer
    response = requests.get(sim.base_url + call_path(LIVE_UUID) + "Speak/", headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}, timeout=5)
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "POST, DELETE"
    response = requests.delete(sim.base_url + call_path(), headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}, timeout=5)
    assert (response.status_code, response.headers["Allow"]) == (405, "GET, POST")


def test_path_segments_are_percent_decoded(sim):
    connection = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=5)
    try:
        connection.request("GET", "/api/v1/Account/MA%5FTEST0001/Call/live%2D0001/?status=live", headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN})
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["call_uuid"] == LIVE_UUID
        connection.request("GET", "/api/v1/Account/MA_TEST0001/Call/live-0001%2F/?status=live", headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN})
        response = connection.getresponse()
        response.read()
        assert response.status == 404
    finally:
        connection.close()


# timelines and the control API


def _sleep_until(instant: float) -> None:
    time.sleep(max(0.0, instant - time.monotonic()))


@pytest.mark.timing
def test_a_call_appears_and_moves_on_its_timeline(sim):
    """A look made after a change sees it; a look made before the next change has 2 s or more to be answered before it,
    so that a busy machine does not make it land on the wrong side."""
    timeline = [{"at": 2, "status": "ringing"}, {"at": 5, "status": "completed"}]
    created = sim.control("POST", "calls", {"calls": [{"call_uuid": "later-0001", "timeline": timeline}]})["created_at_monotonic"]
    assert api(sim, call_path("later-0001"), status="live").status_code == 404
    assert "later-0001" not in api(sim, call_path(), status="live").json()["calls"]
    _sleep_until(created + 2.5)
    assert api(sim, call_path("later-0001"), status="live").json()["call_status"] == "ringing"
    _sleep_until(created + 5.5)
    assert api(sim, call_path("later-0001"), status="live").status_code == 404
    assert api(sim, call_path("later-0001")).json()["call_status"] == "completed"


@pytest.mark.timing
def test_a_timeline_can_start_at_the_accounts_first_request(sim):
    """timeline_starts: first_request holds the timeline at its start until the account asks for anything."""
    timeline = [{"at": 0, "status": "ringing"}, {"at": 1, "status": "in-progress"}]
    sim.control("POST", "calls", {"calls": [{"call_uuid": "held-0001", "timeline": timeline, "timeline_starts": "first_request"}]})
    time.sleep(1.2)  # longer than the timeline's step: a timeline counting from its creation would have moved on
    assert sim.control("GET", "calls")["calls"][-1]["status"] == "ringing"
    api(sim, call_path("other-0001", account=OTHER), auth_id=OTHER, token=OTHER_TOKEN, status="live")  # another account's: no start
    first = api(sim, call_path(), status="live")  # this account's list: the start
    assert "held-0001" in first.json()["calls"]
    arrived = sim.control("GET", "requests")[-1]["time"]
    held = next(call for call in sim.control("GET", "calls")["calls"] if call["call_uuid"] == "held-0001")
    # started as the simulator answered that request: after it arrived (the handler may be late on a busy machine)
    start, step = (entry["at"] for entry in held["timeline"])
    assert arrived <= start <= arrived + MARGIN and step - start == pytest.approx(1)
    _sleep_until(step + 0.2)
    assert api(sim, call_path("held-0001"), status="live").json()["call_status"] == "in-progress"
    with pytest.raises(RuntimeError, match="timeline_starts"):
        sim.control("POST", "calls", {"calls": [{"call_uuid": "bad-0001", "timeline_starts": "later"}]})


@pytest.mark.timing
def test_status_change_now(sim):
    before = time.monotonic()
    changed = sim.control("POST", f"calls/{LIVE_UUID}/status", {"status": "no-answer", "cdr": {"hangup_source": "Test"}})
    assert before <= changed["monotonic"] <= time.monotonic()
    assert abs(changed["wall"] - time.time()) < MARGIN
    assert api(sim, call_path(LIVE_UUID), status="live").status_code == 404
    cdr = api(sim, call_path(LIVE_UUID)).json()
    assert (cdr["call_status"], cdr["hangup_source"]) == ("no-answer", "Test")


def test_control_errors_and_listing(sim):
    with pytest.raises(RuntimeError, match="404"):
        sim.control("POST", "calls/nosuchcall/status", {"status": "completed"})
    with pytest.raises(RuntimeError, match="unknown fault kind"):
        sim.control("POST", "faults", {"kind": "explode"})
    with pytest.raises(RuntimeError, match="unknown account"):
        sim.control("POST", "calls", {"calls": [{"call_uuid": "x-1", "account": "MA_NOBODY01"}]})
    with pytest.raises(RuntimeError, match="call_uuid"):
        sim.control("POST", "calls", {"calls": [{"call_uuid": "bad/uuid"}]})
    assert sim.control("GET", "health") == {"ok": True}
    assert len(sim.control("GET", "calls")["calls"]) == len(SCENARIO["calls"])
    assert sim.control("DELETE", "calls")["deleted"] == len(SCENARIO["calls"])
    assert api(sim, call_path(), status="live").json()["calls"] == []
    sim.control("POST", "reset")
    assert len(api(sim, call_path(), status="live").json()["calls"]) == 2


# faults


def test_status_fault_applies_times_then_expires(sim):
    fault_id = add_fault(sim, kind="status", status=503, times=2)
    assert sim.control("GET", "faults")["faults"][0]["id"] == fault_id
    for _attempt in range(2):
        body = assert_envelope(api(sim, call_path(LIVE_UUID), status="live"), 503, "SERVICE_UNAVAILABLE")
        assert body["error"]["message"] == "Service Unavailable"
    assert api(sim, call_path(LIVE_UUID), status="live").status_code == 200
    assert sim.control("GET", "faults")["faults"] == []


@pytest.mark.parametrize("status, code", [(500, "INTERNAL_ERROR"), (502, "BAD_GATEWAY"), (504, "GATEWAY_TIMEOUT"), (400, "INVALID_PARAMETER"),
                                          (409, "CONFLICT"), (422, "UNPROCESSABLE"), (402, "PAYMENT_REQUIRED"), (404, "NOT_FOUND")])
def test_status_fault_codes(sim, status, code):
    add_fault(sim, kind="status", status=status, times=1)
    assert_envelope(api(sim, call_path(LIVE_UUID), status="live"), status, code)


def test_status_fault_overrides(sim):
    add_fault(sim, kind="status", status=401, code="TOKEN_EXPIRED", message="expired", times=1)
    add_fault(sim, kind="status", status=500, body="oops", times=1)
    add_fault(sim, kind="status", status=404, plivo=True, message="not found", times=1)
    assert assert_envelope(api(sim, call_path(LIVE_UUID), status="live"), 401, "TOKEN_EXPIRED")["error"]["message"] == "expired"
    raw = api(sim, call_path(LIVE_UUID), status="live")
    assert (raw.status_code, raw.text, raw.headers["Content-Type"]) == (500, "oops", "text/plain; charset=utf-8")
    plivo = api(sim, call_path(LIVE_UUID), status="live")
    assert plivo.status_code == 404 and set(plivo.json()) == {"api_id", "error"}


def test_fault_matching_by_call_status_query_and_path(sim):
    add_fault(sim, kind="status", status=500, call_uuid="ringing-0001")
    add_fault(sim, kind="status", status=502, status_query="queued")
    add_fault(sim, kind="status", status=504, status_query="none", path_regex="done-")
    assert api(sim, call_path(LIVE_UUID), status="live").status_code == 200
    assert api(sim, call_path("ringing-0001"), status="live").status_code == 500
    assert api(sim, call_path("ringing-0001"), status="live").status_code == 500  # no `times`: forever
    assert api(sim, call_path("queued-0001"), status="queued").status_code == 502
    assert api(sim, call_path("done-0001")).status_code == 504
    assert api(sim, call_path("busy-0001")).status_code == 200
    assert sim.control("DELETE", "faults")["deleted"] == 3
    assert api(sim, call_path("ringing-0001"), status="live").status_code == 200


def test_rate_limit_with_retry_after_seconds(sim):
    add_fault(sim, kind="rate_limit", times=1, retry_after="1", details_retry_after=2)
    response = api(sim, call_path(LIVE_UUID), status="live")
    body = assert_envelope(response, 429, "RATE_LIMIT_EXCEEDED")
    assert response.headers["Retry-After"] == "1"
    assert body["error"]["details"] == {"retryAfter": 2}


@pytest.mark.timing
def test_rate_limit_with_http_date_and_bare(sim):
    add_fault(sim, kind="rate_limit", times=1, retry_after="http-date:+2")
    add_fault(sim, kind="rate_limit", times=1)
    before = time.time()
    dated = api(sim, call_path(LIVE_UUID), status="live")
    assert dated.status_code == 429
    after = time.time()
    retry_at = email.utils.parsedate_to_datetime(dated.headers["Retry-After"]).timestamp()
    # whole seconds, rounded down, 2 s after the server's clock read between before and after
    assert before + 1 <= retry_at <= after + 2, (before, retry_at, after)
    bare = api(sim, call_path(LIVE_UUID), status="live")
    assert "Retry-After" not in bare.headers
    assert "details" not in assert_envelope(bare, 429, "RATE_LIMIT_EXCEEDED")["error"]


@pytest.mark.timing
def test_delay_fault(sim):
    add_fault(sim, kind="delay", seconds=0.3, times=1)
    started = time.monotonic()
    assert api(sim, call_path(LIVE_UUID), status="live").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_hang_fault_times_the_client_out(sim):
    add_fault(sim, kind="hang", times=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api(sim, call_path(LIVE_UUID), status="live", timeout=0.3)
    assert api(sim, call_path(LIVE_UUID), status="live").status_code == 200


def test_drop_fault_closes_without_answer(sim):
    add_fault(sim, kind="drop", times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        api(sim, call_path(LIVE_UUID), status="live")
    assert api(sim, call_path(LIVE_UUID), status="live").status_code == 200


def test_malformed_json_fault(sim):
    add_fault(sim, kind="malformed_json", times=1)
    response = api(sim, call_path(LIVE_UUID), status="live")
    assert (response.status_code, response.text, response.headers["Content-Type"]) == (200, '{"call_status": "in-progr', "application/json")
    with pytest.raises(ValueError):
        response.json()


@pytest.mark.parametrize("status", [502, 200])
def test_html_fault(sim, status):
    add_fault(sim, kind="html", status=status, times=1)
    response = api(sim, call_path(LIVE_UUID), status="live")
    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/html"
    assert "<hr><center>nginx</center>" in response.text


def test_wrong_shape_fault(sim):
    add_fault(sim, kind="wrong_shape", body=[1, 2, 3], times=1)
    add_fault(sim, kind="wrong_shape", times=1)
    assert api(sim, call_path(LIVE_UUID), status="live").json() == [1, 2, 3]
    assert isinstance(api(sim, call_path(LIVE_UUID), status="live").json(), list)


@pytest.mark.parametrize("chunked", [False, True])
def test_huge_fault(sim, chunked):
    add_fault(sim, kind="huge", megabytes=2, chunked=chunked, times=1)
    with requests.Session() as session:
        response = api(sim, call_path(LIVE_UUID), session=session, status="live")
        assert len(response.content) == 2 * 1024 * 1024
        assert response.json()["call_status"] == "in-progress"
        assert ("Content-Length" in response.headers) is not chunked
        assert (response.headers.get("Transfer-Encoding") == "chunked") is chunked
        assert api(sim, call_path(LIVE_UUID), session=session, status="live").status_code == 200  # the connection is still usable


@pytest.mark.timing
def test_trickle_fault_sends_slowly_but_completely(sim):
    add_fault(sim, kind="trickle", interval=0.05, chunk_bytes=64, times=1)
    started = time.monotonic()
    response = api(sim, call_path(LIVE_UUID), status="live", timeout=2)  # per read: seconds of room for a busy machine
    elapsed = time.monotonic() - started
    assert response.json()["call_uuid"] == LIVE_UUID
    assert elapsed >= 0.3  # ~10 pieces 50 ms apart


# recording, latency, keep-alive


@pytest.mark.timing
def test_requests_are_recorded_with_the_token_redacted(sim):
    fault_id = add_fault(sim, kind="status", status=500, times=1)
    api(sim, call_path(LIVE_UUID), status="live")
    api(sim, call_path(LIVE_UUID), status="live")
    sim.control("GET", "health")  # control requests are not recorded
    recorded = sim.control("GET", "requests")
    assert len(recorded) == 2
    first = recorded[0]
    assert (first["method"], first["path"], first["query"]) == ("GET", f"/api/v1/Account/{ACCOUNT}/Call/{LIVE_UUID}/", {"status": "live"})
    assert first["headers"]["X-Auth-Token"] == "<redacted>"
    assert first["headers"]["X-Auth-ID"] == ACCOUNT
    assert TOKEN not in json.dumps(recorded)
    assert (first["fault"], recorded[1]["fault"]) == (fault_id, None)
    assert (first["response_status"], recorded[1]["response_status"]) == (500, 200)
    assert first["time"] <= recorded[1]["time"] <= time.monotonic()
    cleared = sim.control("DELETE", "requests")
    assert cleared["deleted"] == 2 and [entry["request_id"] for entry in cleared["requests"]] == [entry["request_id"] for entry in recorded]
    assert sim.control("GET", "requests") == []


@pytest.mark.timing
def test_latency_delays_api_requests_only(sim):
    sim.control("DELETE", "requests")
    sim.control("POST", "latency", {"seconds": 1.0})
    try:
        started = time.monotonic()
        api(sim, call_path(LIVE_UUID), status="live")
        assert time.monotonic() - started >= 1.0
        (recorded,) = Sim(sim).requests_ended()  # the handler sets "ended" after its last write
        assert recorded["ended"] - recorded["time"] >= 1.0  # held by the simulator, not by the client
        sim.control("POST", "latency", {"seconds": 30.0})
        started = time.monotonic()
        sim.control("GET", "health")
        assert time.monotonic() - started < MARGIN  # a delayed control answer would take 30 s
    finally:
        sim.control("POST", "latency", {"seconds": 0})


@pytest.mark.timing
def test_a_request_is_stamped_when_it_arrived_not_when_it_was_read():
    """The kernel's arrival stamp, not the moment a (late) handler thread reads the bytes: here read 0.5 s later."""
    with socket.create_server(("127.0.0.1", 0)) as server, socket.create_connection(server.getsockname()) as client:
        connection, _address = server.accept()
        with connection:
            connection.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            raw = ArrivalStampedReader(connection)
            reader = io.BufferedReader(raw)
            before = time.monotonic()
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            sent = time.monotonic()
            time.sleep(0.5)
            read_at = time.monotonic()
            assert reader.readline() == b"GET / HTTP/1.1\r\n"
    assert before - 0.01 <= raw.arrived <= sent + 0.01, (before, raw.arrived, sent)
    assert read_at - raw.arrived >= 0.49


@pytest.mark.timing
def test_recorded_time_is_the_arrival(sim):
    """Each recorded request's time lies between its client's send and the answer (the simulator's clock is ours)."""
    with requests.Session() as session:
        for _look in range(3):
            before = time.monotonic()
            api(sim, call_path(LIVE_UUID), session=session, status="live")
            after = time.monotonic()
            assert before <= sim.control("GET", "requests")[-1]["time"] <= after


def test_keep_alive_reuses_one_connection_without_nagle_delay(sim):
    """One connection for ten requests; the round trip itself is a figure of `make bench` (a delayed-ACK stall is ~40 ms)."""
    before = sim.control("GET", "stats")["api_connections"]
    with requests.Session() as session:
        for _attempt in range(10):
            assert api(sim, call_path(LIVE_UUID), session=session, status="live").status_code == 200
    assert sim.control("GET", "stats")["api_connections"] == before + 1
    assert SimulatorHandler.disable_nagle_algorithm is True


def test_open_connections_counts_connections_until_they_close():
    with Simulator(scenario=SCENARIO) as simulator:
        assert open_connections_reach(simulator, 1) == 1  # the stats request's own connection
        clients = [http.client.HTTPConnection("127.0.0.1", simulator.port, timeout=5) for _index in range(3)]
        try:
            for client in clients:  # kept alive after their answer
                client.request("GET", "/api/v1" + call_path(LIVE_UUID) + "?status=live", headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN})
                response = client.getresponse()
                assert (response.status, json.loads(response.read())["call_uuid"]) == (200, LIVE_UUID)
            assert open_connections_reach(simulator, 4) == 4
            clients[0].close()
            assert open_connections_reach(simulator, 3) == 3
        finally:
            for client in clients:
                client.close()
        assert open_connections_reach(simulator, 1) == 1
        assert simulator.control("GET", "stats")["api_connections"] == 3


@pytest.mark.timing
def test_stop_does_not_wait_for_a_hanging_request():
    simulator = Simulator(scenario=SCENARIO).start()
    simulator.control("POST", "faults", {"kind": "hang"})
    errors = []

    def hang():
        try:
            api(simulator, call_path(LIVE_UUID), status="live", timeout=30)
        except requests.exceptions.RequestException as error:
            errors.append(error)

    client = threading.Thread(target=hang)
    client.start()
    wait_for(lambda: simulator.control("GET", "requests"), what="the hanging request to be recorded")
    started = time.monotonic()
    simulator.stop()
    assert time.monotonic() - started < MARGIN  # not the hang's 600 s nor the client's 30 s
    client.join(timeout=MARGIN)
    assert not client.is_alive() and errors


# scenarios, command line, TLS


def test_json_scenario_file(tmp_path):
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps(SCENARIO), encoding="utf-8")
    with Simulator(scenario=str(scenario)) as simulator:
        assert api(simulator, call_path(LIVE_UUID), status="live").status_code == 200


def test_bundled_demo_scenario():
    pytest.importorskip("yaml")
    with Simulator() as simulator:
        live = api(simulator, call_path(account="MA_DEMO0001"), auth_id="MA_DEMO0001", token="demo-token-0001", status="live").json()["calls"]
        assert "2ded13fe-4f9b-4958-9bfb-093ea2f29f91" in live and len(live) == 3
        done = api(simulator, call_path("1f6b9d2e-7c3a-4b85-9e0d-5a4c3b2f1e07", account="MA_DEMO0001"), auth_id="MA_DEMO0001", token="demo-token-0001")
        assert done.json()["call_status"] == "completed"


def test_command_line_serves_and_stops_on_sigterm(tmp_path):
    url_file = tmp_path / "url"
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps(SCENARIO), encoding="utf-8")
    command = [sys.executable, "-m", "tests.simulator", "--port", "0", "--url-file", str(url_file), "--scenario", str(scenario)]
    with subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            wait_for(lambda: url_file.exists() or process.poll() is not None, what="the URL file, or the process's exit")  # written whole, then renamed
            base_url = url_file.read_text(encoding="utf-8").strip()
            assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v1")
            response = requests.get(f"{base_url}/Account/{ACCOUNT}/Call/{LIVE_UUID}/", params={"status": "live"},
                                    headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}, timeout=5)
            assert response.status_code == 200
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=5)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0, stderr
    assert stdout == f"Vobiz simulator serving {base_url}\n"
    assert stderr == ""  # quiet: no per-request log lines


def _running(pid: int) -> bool:
    """Whether process `pid` has not exited (a zombie has: nobody may be left to reap a detached simulator)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_detach_leaves_it_serving_and_prints_its_pid_and_url(tmp_path):
    """What start_simulator.sh of the integration targets runs: the one start as a process, from the command line."""
    scenario, log = tmp_path / "s.json", tmp_path / "simulator.log"
    scenario.write_text(json.dumps(SCENARIO), encoding="utf-8")
    started = subprocess.run([sys.executable, "-m", "tests.simulator", "--detach", "--scenario", str(scenario), "--log", str(log)],
                             cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert (started.returncode, started.stderr) == (0, ""), started
    pid_text, base_url = started.stdout.split()
    pid = int(pid_text)
    try:
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v1")
        response = requests.get(f"{base_url}/Account/{ACCOUNT}/Call/{LIVE_UUID}/", params={"status": "live"},
                                headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}, timeout=5)
        assert response.status_code == 200
        assert log.read_text(encoding="utf-8") == f"Vobiz simulator serving {base_url}\n"
    finally:
        os.kill(pid, signal.SIGTERM)
    wait_for(lambda: _running(pid), what=f"the detached simulator {pid} to exit", done=lambda running: not running)


def test_detach_fails_naming_why_the_simulator_did_not_start(tmp_path):
    started = subprocess.run([sys.executable, "-m", "tests.simulator", "--detach", "--scenario", str(tmp_path / "missing.json")],
                             cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert started.returncode == 1 and started.stdout == "", started
    assert "missing.json" in started.stderr and "it exited with 2" in started.stderr, started.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_tls(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-days", "2", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    with Simulator(scenario=SCENARIO, tls=(str(cert), str(key))) as simulator:
        assert simulator.base_url.startswith("https://127.0.0.1:")
        with requests.Session() as session:
            for _attempt in range(2):
                response = session.get(f"{simulator.base_url}{call_path(LIVE_UUID)}", params={"status": "live"},
                                       headers={"X-Auth-ID": ACCOUNT, "X-Auth-Token": TOKEN}, timeout=5, verify=str(cert))
                assert response.json()["call_uuid"] == LIVE_UUID
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(simulator.base_url + call_path(), timeout=5, verify=True)  # the system CAs do not know it
        stats = simulator.control("GET", "stats")
        assert stats["api_connections"] == 1  # both requests on one kept-alive TLS connection; the refused handshake never got to ask
        assert stats["connections_accepted"] >= 3
