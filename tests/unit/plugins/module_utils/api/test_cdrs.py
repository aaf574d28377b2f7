# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""api/_cdrs: CdrApi over a client that does not retry, HTTP mocked at the transport: a page as read from its answer,
one call's cdr, the export."""

from __future__ import annotations

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.api._cdrs import PER_PAGE, CdrApi
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizResponseError
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, API_URL, AUTH_ID, AUTH_TOKEN

CDR_URL = ACCOUNT_URL + "/cdr"


@pytest.fixture
def cdrs():
    with VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=0) as client:
        yield CdrApi(client)


def page_answer(per_page=None, **extra) -> dict:
    pagination = {"total": 3, "page": 1}
    if per_page is not None:
        pagination["per_page"] = per_page
    return dict({"data": [{"call_uuid": "c-1"}], "pagination": pagination}, **extra)


@pytest.mark.parametrize("per_page, read", [(30, 30), (1, 1), (0, PER_PAGE), (-5, PER_PAGE), (True, PER_PAGE), ("30", PER_PAGE), (None, PER_PAGE)],
                         ids=["30", "1", "0", "negative", "true", "text", "absent"])
def test_a_page_says_how_many_cdrs_a_page_holds_or_the_most_vobiz_gives(cdrs, mocked, per_page, read):
    mocked.add(responses.GET, CDR_URL, json=page_answer(per_page, summary={"totalCalls": 3}))
    page = cdrs.fetch_page({"campaign_id": "c"}, 2)
    assert (page.cdrs, page.total, page.per_page, page.summary) == ([{"call_uuid": "c-1"}], 3, read, {"totalCalls": 3})
    assert mocked.calls[0].request.url == CDR_URL + "?campaign_id=c&page=2&per_page=100"


def test_a_summary_that_is_not_an_object_is_empty(cdrs, mocked):
    mocked.add(responses.GET, CDR_URL, json=page_answer(summary=["x"]))
    assert cdrs.fetch_page({}, 1).summary == {}


@pytest.mark.parametrize("body, expected", [
    (["x"], "a page of call records (an object with data and pagination)"),
    ({"data": {"call_uuid": "c-1"}, "pagination": {"total": 1}}, "a page of call records (data is not a list of records)"),
    ({"data": ["c-1"], "pagination": {"total": 1}}, "a page of call records (data is not a list of records)"),
    ({"data": [], "pagination": {"total": -1}}, "a page of call records (pagination with a total is missing)"),
    ({"data": [], "pagination": {"total": True}}, "a page of call records (pagination with a total is missing)"),
    ({"data": []}, "a page of call records (pagination with a total is missing)"),
], ids=["list", "data-object", "data-of-text", "negative-total", "true-total", "no-pagination"])
def test_a_malformed_page_is_an_error_saying_what_was_expected(cdrs, mocked, body, expected):
    mocked.add(responses.GET, CDR_URL, json=body)
    with pytest.raises(VobizResponseError) as error:
        cdrs.fetch_page({}, 1)
    assert error.value.message.startswith("GET %s?page=1&per_page=100 answered HTTP 200 with JSON that is not %s: " % (CDR_URL, expected))


def test_a_cdr_is_read_wrapped_or_bare_and_none_while_there_is_none(cdrs, mocked):
    mocked.add(responses.GET, CDR_URL + "/c-1", json={"success": True, "data": {"call_uuid": "c-1"}})
    mocked.add(responses.GET, CDR_URL + "/c-2", json={"call_uuid": "c-2"})
    mocked.add(responses.GET, CDR_URL + "/c-3", status=404, json={"error": "not found"})
    assert [cdrs.fetch(uuid) for uuid in ("c-1", "c-2", "c-3")] == [{"call_uuid": "c-1"}, {"call_uuid": "c-2"}, None]


@pytest.mark.parametrize("body, expected", [
    (["c-1"], "a call record"),
    ({"data": ["c-1"]}, "a call record (data is not an object)"),
], ids=["list", "data-list"])
def test_a_malformed_cdr_is_an_error_saying_what_was_expected(cdrs, mocked, body, expected):
    mocked.add(responses.GET, CDR_URL + "/c-1", json=body)
    with pytest.raises(VobizResponseError) as error:
        cdrs.fetch("c-1")
    assert error.value.message.startswith("GET %s/c-1 answered HTTP 200 with JSON that is not %s: " % (CDR_URL, expected))


def test_the_export_asks_for_csv_with_the_filters_and_returns_the_text(cdrs, mocked):
    mocked.add(responses.GET, CDR_URL + "/export", body="id\r\n1\r\n", content_type="text/csv")
    assert cdrs.export({"campaign_id": "c"}) == "id\r\n1\r\n"
    request = mocked.calls[0].request
    assert (request.url, request.headers["Accept"]) == (CDR_URL + "/export?campaign_id=c", "text/csv")
