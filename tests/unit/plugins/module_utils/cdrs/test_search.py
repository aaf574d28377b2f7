# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""_call_records without Ansible: dates, filters, the answer rate, and the client's text answers it reads the export with."""

from __future__ import annotations

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.cdrs._search import answer_rate, date_of, filter_errors, search_query
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
