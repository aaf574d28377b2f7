# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""cdr_info: main() with module arguments, HTTP mocked at the transport, the result it prints."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, AUTH_TOKEN, UUID

CDR_URL = ACCOUNT_URL + "/cdr"


def cdr(number: int, **fields) -> dict:
    record = {"id": number, "uuid": "call-%05d" % number, "call_direction": "outbound", "duration": 30, "billsec": 20,
              "answer_time": "2026-05-11T06:59:37Z", "hangup_cause": "NORMAL_CLEARING"}
    record.update(fields)
    return record


SUMMARY = {"totalCalls": 250, "answeredCalls": 113, "answerRate": 45.2, "avgCallDuration": "28s", "total_duration_seconds": 7000,
           "total_billable_seconds": 5000, "total_cost": 11.25, "last_call_at": "2026-05-11T23:58:02Z"}


def serve_pages(mocked, total: int, summary: dict | None = None):
    """Answer GET .../cdr with pages of `total` records (newest first: the highest id first)."""
    records = [cdr(number) for number in range(total, 0, -1)]

    def answer(request):
        query = {key: values[0] for key, values in parse_qs(urlsplit(request.url).query).items()}
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", 20))
        data = records[(page - 1) * per_page: page * per_page]
        pages = -(-total // per_page)
        body = {"account_id": "x", "count": len(data), "data": data, "success": True,
                "pagination": {"page": page, "per_page": per_page, "total": total, "pages": pages, "has_next": page < pages, "has_prev": page > 1},
                "summary": dict(summary if summary is not None else SUMMARY)}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    mocked.add_callback(responses.GET, CDR_URL, callback=answer)
    return records


def queries(mocked) -> list:
    return [{key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()} for call in mocked.calls]


# --- one record ---------------------------------------------------------------------------------------------------


def test_one_record_is_found_with_one_request(run_cdr_info, mocked):
    record = cdr(7, uuid=UUID)
    mocked.add(responses.GET, CDR_URL + "/" + UUID, json={"success": True, "data": record})
    run = run_cdr_info(call_uuid=UUID)
    assert run.rc == 0, run.result
    assert run.result["found"] is True and run.result["record"] == record and run.result["records"] == [record]
    assert run.result["changed"] is False and run.result["polls"] == 1 and run.result["http_retries"] == 0
    assert len(mocked.calls) == 1


def test_a_record_not_there_yet_is_not_a_failure(run_cdr_info, mocked):
    mocked.add(responses.GET, CDR_URL + "/" + UUID, status=404, json={"status": "error", "error": {"code": "NOT_FOUND", "message": "no"}})
    run = run_cdr_info(call_uuid=UUID)
    assert run.rc == 0, run.result
    assert run.result["found"] is False and run.result["record"] == {} and run.result["records"] == []


def test_wait_looks_until_the_record_is_there(run_cdr_info, mocked, clock):
    not_yet = {"status": "error", "error": {"code": "NOT_FOUND", "message": "no"}}
    mocked.add(responses.GET, CDR_URL + "/" + UUID, status=404, json=not_yet)
    mocked.add(responses.GET, CDR_URL + "/" + UUID, status=404, json=not_yet)
    mocked.add(responses.GET, CDR_URL + "/" + UUID, json={"success": True, "data": cdr(1, uuid=UUID)})
    run = run_cdr_info(call_uuid=UUID, wait=True, wait_sleep=3)
    assert run.rc == 0, run.result
    assert run.result["found"] is True and run.result["polls"] == 3


def test_wait_that_times_out_fails_naming_the_call(run_cdr_info, mocked, clock):
    mocked.add(responses.GET, CDR_URL + "/" + UUID, status=404, json={"status": "error", "error": {"code": "NOT_FOUND", "message": "no"}})
    run = run_cdr_info(call_uuid=UUID, wait=True, wait_timeout=5, wait_sleep=2)
    assert run.failed
    assert UUID in run.result["msg"] and run.result["found"] is False and run.result["polls"] == 4


def test_a_bare_record_is_read_too(run_cdr_info, mocked):
    mocked.add(responses.GET, CDR_URL + "/" + UUID, json=cdr(1, uuid=UUID))
    assert run_cdr_info(call_uuid=UUID).result["record"]["uuid"] == UUID


@pytest.mark.parametrize("body", [{"success": True, "data": [1]}, [1, 2]], ids=["data-not-object", "not-object"])
def test_a_malformed_record_is_an_error(run_cdr_info, mocked, body):
    mocked.add(responses.GET, CDR_URL + "/" + UUID, json=body)
    run = run_cdr_info(call_uuid=UUID)
    assert run.failed and "GET " in run.result["msg"] and "/cdr/" + UUID in run.result["msg"]


# --- search -------------------------------------------------------------------------------------------------------


def test_search_reads_every_page_newest_first(run_cdr_info, mocked):
    records = serve_pages(mocked, 250)
    run = run_cdr_info(concurrency=2)
    assert run.rc == 0, run.result
    assert run.result["records"] == records and run.result["count"] == 250 and run.result["total"] == 250
    assert run.result["truncated"] is False
    assert sorted(int(query["page"]) for query in queries(mocked)) == [1, 2, 3]
    assert {query["per_page"] for query in queries(mocked)} == {"100"}
    assert queries(mocked)[0]["page"] == "1"


def test_summary_is_as_sent_with_answer_rate_as_a_number(run_cdr_info, mocked):
    serve_pages(mocked, 3, dict(SUMMARY, answerRate="45.2"))
    summary = run_cdr_info().result["summary"]
    assert summary == dict(SUMMARY, answerRate="45.2", answer_rate=45.2)


def test_answer_rate_is_computed_when_vobiz_sends_none(run_cdr_info, mocked):
    serve_pages(mocked, 3, {"totalCalls": 8, "answeredCalls": 2})
    assert run_cdr_info().result["summary"]["answer_rate"] == 25.0


def test_limit_stops_the_pages(run_cdr_info, mocked):
    records = serve_pages(mocked, 1000)
    run = run_cdr_info(limit=150)
    assert run.result["records"] == records[:150] and run.result["count"] == 150
    assert run.result["total"] == 1000 and run.result["truncated"] is True
    assert sorted(query["page"] for query in queries(mocked)) == ["1", "2"]


def test_no_match_is_an_empty_result(run_cdr_info, mocked):
    serve_pages(mocked, 0, {"totalCalls": 0, "answeredCalls": 0, "answerRate": 0})
    run = run_cdr_info()
    assert run.rc == 0 and run.result["records"] == [] and run.result["count"] == 0 and run.result["total"] == 0
    assert len(mocked.calls) == 1


def test_filters_are_sent_under_the_api_names_only_when_set(run_cdr_info, mocked):
    serve_pages(mocked, 1)
    run_cdr_info(from_number="9180", to_number="+9199", start_date="2026-05-11T06:59:31Z", end_date="2026-05-12",
                 call_direction="outbound", min_duration=5, hangup_cause="USER_BUSY", hangup_disposition="send_refuse",
                 sip_call_id="abc@x", campaign_id="c1", search="free text")
    assert queries(mocked) == [{"from_number": "9180", "to_number": "+9199", "start_date": "2026-05-11", "end_date": "2026-05-12",
                                "call_direction": "outbound", "min_duration": "5", "hangup_cause": "USER_BUSY",
                                "hangup_disposition": "send_refuse", "sip_call_id": "abc@x", "campaign_id": "c1", "search": "free text",
                                "page": "1", "per_page": "100"}]


@pytest.mark.parametrize("body", [
    {"data": {"a": 1}, "pagination": {"total": 1}},
    {"data": None, "pagination": {"total": 1}},
    {"data": []},
    {"data": [], "pagination": {"page": 1}},
    [1, 2],
], ids=["data-object", "data-null", "no-pagination", "no-total", "not-object"])
def test_a_malformed_page_is_an_error_never_empty(run_cdr_info, mocked, body):
    mocked.add(responses.GET, CDR_URL, json=body)
    run = run_cdr_info()
    assert run.failed and "GET " in run.result["msg"] and "/cdr" in run.result["msg"] and "records" not in run.result


def test_a_later_page_without_pagination_is_an_error(run_cdr_info, mocked):
    first = {"data": [cdr(n) for n in range(100)], "pagination": {"page": 1, "per_page": 100, "total": 150}}
    mocked.add(responses.GET, CDR_URL, json=first, match=[responses.matchers.query_param_matcher({"page": "1", "per_page": "100"})])
    mocked.add(responses.GET, CDR_URL, json={"data": []}, match=[responses.matchers.query_param_matcher({"page": "2", "per_page": "100"})])
    run = run_cdr_info()
    assert run.failed and "page=2" in run.result["msg"]


def test_http_failure_is_the_usual_clean_failure(run_cdr_info, mocked):
    mocked.add(responses.GET, CDR_URL, status=401, json={"status": "error", "error": {"code": "INVALID_CREDENTIALS", "message": "bad"}})
    run = run_cdr_info()
    assert run.failed and run.result["status_code"] == 401 and run.result["error_code"] == "INVALID_CREDENTIALS"
    assert AUTH_TOKEN not in run.stdout


# --- refusals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, words", [
    ({"start_date": "2026-05-11"}, ["start_date", "end_date"]),
    ({"end_date": "2026-05-11"}, ["start_date", "end_date"]),
    ({"start_date": "2026-05-12", "end_date": "2026-05-11"}, ["end_date 2026-05-11 is before start_date 2026-05-12"]),
    ({"start_date": "2026-02-30", "end_date": "2026-03-01"}, ["start_date", "not a date"]),
    ({"start_date": "yesterday", "end_date": "2026-03-01"}, ["start_date", "not a date"]),
    ({"limit": 0}, ["limit"]),
    ({"min_duration": -1}, ["min_duration"]),
    ({"call_uuid": UUID, "campaign_id": "c1"}, ["call_uuid", "campaign_id"]),
    ({"call_uuid": UUID, "dest": "/tmp/x.csv"}, ["dest", "call_uuid"]),
    ({"call_uuid": "a/b"}, ["call_uuid"]),
    ({"wait": True}, ["wait", "call_uuid"]),
    ({"concurrency": 0}, ["concurrency"]),
])
def test_bad_input_is_refused_before_any_request(run_cdr_info, mocked, args, words):
    run = run_cdr_info(**args)
    assert run.failed, run.result
    assert all(word in run.result["msg"] for word in words), run.result["msg"]
    assert len(mocked.calls) == 0


def test_call_direction_outside_its_choices_is_refused(run_cdr_info, mocked):
    run = run_cdr_info(call_direction="sideways")
    assert run.failed and "call_direction" in run.result["msg"] and len(mocked.calls) == 0


# --- export -------------------------------------------------------------------------------------------------------

CSV = "id,uuid\r\n2,call-00002\r\n1,call-00001\r\n"


def add_export(mocked, body: str = CSV):
    mocked.add(responses.GET, CDR_URL + "/export", body=body, content_type="text/csv")


def test_export_writes_the_csv_and_is_idempotent(run_cdr_info, mocked, tmp_path):
    dest = tmp_path / "out.csv"
    add_export(mocked)
    first = run_cdr_info(dest=str(dest), campaign_id="c1", mode="0640")
    assert first.rc == 0 and first.result["changed"] is True, first.result
    assert dest.read_bytes() == CSV.encode() and stat.S_IMODE(os.stat(dest).st_mode) == 0o640
    assert first.result["size"] == len(CSV) and first.result["dest"] == str(dest)
    assert queries(mocked) == [{"campaign_id": "c1"}]
    assert mocked.calls[0].request.headers["Accept"] == "text/csv"
    os.utime(dest, ns=(1_000_000_000, 1_000_000_000))  # a rewrite, even of the same bytes, would move the times on
    before = os.stat(dest)
    again = run_cdr_info(dest=str(dest), campaign_id="c1", mode="0640")
    assert again.result["changed"] is False
    after = os.stat(dest)
    assert (after.st_ino, after.st_mtime_ns, after.st_ctime_ns) == (before.st_ino, before.st_mtime_ns, before.st_ctime_ns)


def test_export_mode_change_alone_is_a_change(run_cdr_info, mocked, tmp_path):
    dest = tmp_path / "out.csv"
    dest.write_bytes(CSV.encode())
    os.chmod(dest, 0o600)
    add_export(mocked)
    run = run_cdr_info(dest=str(dest), mode="0644")
    assert run.result["changed"] is True and stat.S_IMODE(os.stat(dest).st_mode) == 0o644


def test_export_in_check_mode_writes_nothing(run_cdr_info, mocked, tmp_path):
    dest = tmp_path / "out.csv"
    add_export(mocked)
    run = run_cdr_info(dest=str(dest), _ansible_check_mode=True)
    assert run.result["changed"] is True and not dest.exists()
    dest.write_bytes(CSV.encode())
    assert run_cdr_info(dest=str(dest), _ansible_check_mode=True).result["changed"] is False
    dest.write_bytes(b"old\r\n")
    assert run_cdr_info(dest=str(dest), _ansible_check_mode=True).result["changed"] is True
    assert dest.read_bytes() == b"old\r\n"


def test_export_into_a_missing_directory_fails_naming_dest(run_cdr_info, mocked, tmp_path):
    add_export(mocked)
    run = run_cdr_info(dest=str(tmp_path / "nope" / "out.csv"))
    assert run.failed and "dest" in run.result["msg"]


def test_export_into_a_missing_directory_fails_with_the_directory_named(run_cdr_info, mocked, tmp_path):
    add_export(mocked)
    dest = tmp_path / "nope" / "out.csv"
    run = run_cdr_info(dest=str(dest))
    assert run.failed and run.result["msg"] == "dest %s: the directory %s does not exist" % (dest, tmp_path / "nope")
    assert run.result["http_retries"] == 0 and not (tmp_path / "nope").exists()


def test_export_to_a_dest_that_cannot_be_read_fails_naming_it(run_cdr_info, mocked, tmp_path):
    add_export(mocked)
    dest = tmp_path / "a-directory"
    dest.mkdir()
    run = run_cdr_info(dest=str(dest))
    assert run.failed and run.result["msg"].startswith("dest %s cannot be read: " % dest) and "Is a directory" in run.result["msg"]
    assert run.result["http_retries"] == 0


def test_export_in_check_mode_to_a_new_file_with_file_options_is_a_change_and_leaves_nothing(run_cdr_info, mocked, tmp_path):
    add_export(mocked)
    dest = tmp_path / "new.csv"
    run = run_cdr_info(dest=str(dest), mode="0600", _ansible_check_mode=True)
    assert run.rc == 0 and run.result["changed"] is True, run.result
    assert list(tmp_path.iterdir()) == []


def test_export_leaves_no_temporary_file_beside_dest(run_cdr_info, mocked, tmp_path):
    add_export(mocked)
    assert run_cdr_info(dest=str(tmp_path / "out.csv")).result["changed"] is True
    assert [path.name for path in tmp_path.iterdir()] == ["out.csv"]


def test_export_makes_its_temporary_file_beside_dest_not_in_the_temporary_directory(run_cdr_info, mocked, tmp_path, monkeypatch):
    # a rename within dest's file system is atomic; the temporary directory may be on another one, or missing
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-temporary-directory"))
    add_export(mocked)
    dest = tmp_path / "out.csv"
    run = run_cdr_info(dest=str(dest))
    assert run.rc == 0 and run.result["changed"] is True, run.result
    assert dest.read_bytes() == CSV.encode()
