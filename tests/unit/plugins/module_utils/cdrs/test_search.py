# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""_call_records without Ansible: dates, filters, the answer rate, and the client's text answers it reads the export with."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from ansible_collections.vobiz.telephony.plugins.module_utils.api._cdrs import CdrApi
from ansible_collections.vobiz.telephony.plugins.module_utils.cdrs._search import (
    answer_rate,
    date_error,
    date_of,
    date_order_error,
    filter_errors,
    search,
    search_query,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizHTTPError
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, API_URL, AUTH_ID, AUTH_TOKEN


@pytest.mark.parametrize("value, expected", [
    ("2026-05-11", "2026-05-11"),
    ("2026-05-11T06:59:31Z", "2026-05-11"),
    ("2026-05-11 06:59", "2026-05-11"),
    ("2026-05-11T23:59:59.123+05:30", "2026-05-11"),
    (" 2024-02-29 ", "2024-02-29"),
    ("2026-02-29", None),
    ("2026-5-11", None),
    ("11/05/2026", None),
    ("2026-05-11T25", None),
    ("", None),
])
def test_date_of(value, expected):
    assert date_of(value) == expected


def test_filters_set_are_sent_with_dates_cut_to_the_day():
    params = dict.fromkeys(("from_number", "to_number", "call_direction", "min_duration", "hangup_cause", "hangup_disposition",
                            "sip_call_id", "campaign_id", "search")) | {"start_date": "2026-05-11T06:00:00Z", "end_date": "2026-05-11",
                                                                        "min_duration": 0, "limit": 5}
    assert search_query(params) == {"start_date": "2026-05-11", "end_date": "2026-05-11", "min_duration": 0}
    assert filter_errors(params) == []


def test_the_same_day_twice_is_a_range_of_one_day():
    assert filter_errors({"start_date": "2026-05-11T23:00:00Z", "end_date": "2026-05-11"}) == []


@pytest.mark.parametrize("summary, expected", [
    ({"answerRate": 45.2}, 45.2),
    ({"answerRate": "45.2%"}, 45.2),
    ({"answerRate": 0}, 0.0),
    ({"answeredCalls": 1, "totalCalls": 3}, 33.33),
    ({"answeredCalls": 0, "totalCalls": 0}, 0.0),
    ({"answerRate": "n/a", "answeredCalls": 1, "totalCalls": 4}, 25.0),
    ({"answerRate": True}, None),
    ({}, None),
])
def test_answer_rate(summary, expected):
    assert answer_rate(summary) == expected


def test_get_text_asks_for_the_media_type_and_returns_the_body_as_text(mocked):
    mocked.add(responses.GET, ACCOUNT_URL + "/cdr/export", body="id,uuid\r\n1,é\r\n".encode(), content_type="text/csv")
    with VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=0) as client:
        response = client.get_text(client.account_segments("cdr", "export"), params={"campaign_id": "c"}, trailing_slash=False)
    assert response.data == "id,uuid\r\n1,é\r\n"
    request = mocked.calls[0].request
    assert request.headers["Accept"] == "text/csv" and request.url == ACCOUNT_URL + "/cdr/export?campaign_id=c"


def test_get_text_raises_on_an_error_answer_naming_method_and_url(mocked):
    mocked.add(responses.GET, ACCOUNT_URL + "/cdr/export", status=400, json={"status": "error", "error": {"code": "INVALID_PARAMETER", "message": "bad"}})
    with VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=0) as client, pytest.raises(VobizHTTPError) as raised:
        client.get_text(client.account_segments("cdr", "export"), trailing_slash=False)
    assert raised.value.status_code == 400 and "GET " in raised.value.message and "/cdr/export" in raised.value.message
    assert AUTH_TOKEN not in raised.value.message


def test_a_date_that_is_not_one_is_named_with_the_forms_taken():
    assert date_error("start_date", "2026-02-30") == "start_date '2026-02-30' is not a date: use YYYY-MM-DD or a datetime such as 2026-05-11T06:59:31Z"
    assert date_error("start_date", "2026-02-28") is None


def test_an_end_before_the_start_is_named_and_a_missing_date_makes_no_range():
    assert date_order_error({"start_date": "2026-05-11T00:00:00Z", "end_date": "2026-05-10"}) == "end_date 2026-05-10 is before start_date 2026-05-11"
    assert date_order_error({"start_date": "2026-05-11"}) is None
    assert date_order_error({}) is None


@pytest.mark.parametrize("summary", [{"answerRate": "45X"}, {"answeredCalls": 1, "totalCalls": None}, {"answeredCalls": 1, "totalCalls": True}],
                         ids=["trailing-text", "no-total", "true-total"])
def test_an_answer_rate_that_cannot_be_read_nor_computed_is_none(summary):
    assert answer_rate(summary) is None


def serve(mocked, total: int, per_page: int = 2):
    for number in range(1, max(1, -(-total // per_page)) + 1):
        data = [{"call_uuid": "c-%d" % index} for index in range((number - 1) * per_page, min(total, number * per_page))]
        mocked.add(responses.GET, ACCOUNT_URL + "/cdr", json={"data": data, "pagination": {"total": total, "per_page": per_page}},
                   match=[matchers.query_param_matcher({"page": str(number), "per_page": "100"})])


@pytest.mark.parametrize("total, limit, count, truncated, pages", [(5, 5, 5, False, 3), (5, 4, 4, True, 2), (5, 10, 5, False, 3), (0, 5, 0, False, 1)])
def test_a_search_reads_the_pages_still_needed_up_to_limit_and_says_whether_more_were_left(mocked, total, limit, count, truncated, pages):
    serve(mocked, total)
    with VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=0) as client:
        found = search(CdrApi(client), {}, limit, concurrency=2)
    assert (found.cdrs, found.total, found.truncated) == ([{"call_uuid": "c-%d" % index} for index in range(count)], total, truncated)
    assert len(mocked.calls) == pages
